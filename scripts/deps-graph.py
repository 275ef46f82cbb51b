#!/usr/bin/env python3
"""The shim's file-to-file dependency graph, and the import circles in it.

    scripts/deps-graph.py [DIR]      (DIR defaults to shim/; `make deps-graph`)

A file depends on another when it includes it (a header of DIR), or when
it uses a name the other defines: a function or variable defined in a .c
or .S file, or a type, macro, enum constant or inline function defined in
a header. A name declared in a header but defined in a .c file belongs to
the .c file: calling it is depending on the file that does the work, not
on the header that lists it. Names a file defines itself are not edges.

Prints each file with what it uses, then the strongly connected components
of more than one file (files that reach each other: an import circle),
the number of files in circles, and the longest file.

The C reading is a tokenizer, not a compiler: comments and strings are
dropped, preprocessor lines other than #define and #include are ignored
(so both branches of an #if count), and a declaration at file scope is
told apart from a definition by what follows its name. Good enough for
this code base's style; see --names to check what it found.
"""
import os
import re
import sys

TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|->|\+\+|--|<<|>>|&&|\|\||[^\s\w]")


def strip(text):
    """Comments and string/char literals removed (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j) or " ")
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(" 0 ")
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def logical_lines(text):
    """Lines with backslash continuations joined."""
    return text.replace("\\\n", " ").split("\n")


class Source:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        with open(path, encoding="utf-8", errors="replace") as f:
            raw = f.read()
        self.lines = raw.count("\n")
        self.header = self.name.endswith(".h")
        self.asm = self.name.endswith(".S")
        self.includes = set()
        self.defines = set()  # names this file defines for others
        self.uses = set()     # names it refers to
        self.local = set()    # names it defines for itself only
        body = []
        for line in logical_lines(strip(raw)):
            s = line.strip()
            m = re.match(r'#\s*include\s*[<"]([^">]+)[">]', s)
            if m:
                if "/" not in m.group(1):
                    self.includes.add(m.group(1))
                body.append("")
                continue
            m = re.match(r"#\s*define\s+(\w+)(.*)", s)
            if m:
                (self.defines if self.header else self.local).add(m.group(1))
                self.use(TOKEN.findall(m.group(2)))
                body.append("")
                continue
            if s.startswith("#"):
                body.append("")
                continue
            body.append(line)
        text = "\n".join(body)
        if self.asm:
            self.read_asm(text)
        else:
            self.read_c(text)
        self.uses -= self.local

    def read_asm(self, text):
        for m in re.finditer(r"^\s*\.globl\s+(\w+)", text, re.M):
            self.defines.add(m.group(1))
        self.uses.update(t for t in TOKEN.findall(text) if re.match(r"[A-Za-z_]", t))

    def read_c(self, text):
        toks = TOKEN.findall(text)
        depth = 0
        chunk = []  # tokens of the current file-scope declaration
        i = 0
        while i < len(toks):
            t = toks[i]
            if depth == 0:
                if t == ";":
                    self.declaration(chunk, None)
                    chunk = []
                elif t == "{":
                    # a body: of a function, a struct/enum, or an initializer
                    j, d = i, 0
                    while j < len(toks):
                        if toks[j] == "{":
                            d += 1
                        elif toks[j] == "}":
                            d -= 1
                            if d == 0:
                                break
                        j += 1
                    body = toks[i + 1:j]
                    if self.is_function(chunk):
                        self.declaration(chunk, body)
                        chunk = []
                    else:
                        self.aggregate(chunk, body)
                        chunk.append("{")
                        chunk.append("}")
                    i = j + 1
                    continue
                else:
                    chunk.append(t)
            i += 1

    def use(self, toks):
        """Adds toks' names; a struct tag as "struct TAG" (not the bare word)."""
        for k, t in enumerate(toks):
            if k and toks[k - 1] in (".", "->"):
                continue  # a member, not a name of file scope
            if k and toks[k - 1] in ("struct", "union", "enum"):
                self.uses.add("struct " + t)
            elif IDENT.match(t) or t[:7] == "struct ":
                self.uses.add(t)

    @staticmethod
    def clean(chunk):
        """The tokens without __attribute__((...)) groups and the shim's
        attribute macros (LT_HIDDEN...), which say nothing of names."""
        out, k = [], 0
        while k < len(chunk):
            t = chunk[k]
            if t in ("__attribute__", "__asm__", "asm") and k + 1 < len(chunk) and chunk[k + 1] == "(":
                d, k = 0, k + 1
                while k < len(chunk):
                    d += {"(": 1, ")": -1}.get(chunk[k], 0)
                    k += 1
                    if d == 0:
                        break
                continue
            if t not in ATTR_MACROS:
                out.append(t)
            k += 1
        return out

    @staticmethod
    def declarator_names(chunk):
        """(names, is_function) of a file-scope declaration's declarators."""
        parts, cur, d = [], [], 0
        for t in chunk:
            if t in "([{":
                d += 1
            elif t in ")]}":
                d -= 1
            if t == "," and d == 0:
                parts.append(cur)
                cur = []
            else:
                cur.append(t)
        parts.append(cur)
        names, func = [], False
        for p in parts:
            if "=" in p:
                p = p[:p.index("=")]
            m = None
            if len(p) > 3 and "(" in p:  # T (*name)(...): a pointer to a function
                k = p.index("(")
                if p[k + 1] == "*" and IDENT.match(p[k + 2]) and p[k + 3] == ")":
                    m = p[k + 2]
            if m is None and "(" in p:
                k = p.index("(")
                if k > 0 and IDENT.match(p[k - 1]):
                    m, func = p[k - 1], True
            if m is None:
                if "[" in p:
                    p = p[:p.index("[")]
                idents = [t for k, t in enumerate(p) if IDENT.match(t) and
                          (k == 0 or p[k - 1] not in ("struct", "union", "enum"))]
                idents = [t for t in idents if t not in C_WORDS]
                if idents and (len(p) > 1 or len(parts) > 1):
                    m = idents[-1]
            if m:
                names.append(m)
        return names, func

    @staticmethod
    def is_function(chunk):
        """chunk (cleaned) is the head of a function definition: name(...)."""
        if not chunk or "=" in chunk or chunk[0] == "typedef" or ")" not in chunk:
            return False
        return chunk[-1] == ")" or chunk[-1] in C_WORDS

    def aggregate(self, chunk, body):
        """A struct/union/enum body or an initializer at file scope."""
        self.use(body)
        if len(chunk) >= 2 and chunk[-2] in ("struct", "union", "enum"):
            self.define("struct " + chunk[-1], True)  # a .c file's types are its own
        if chunk and chunk[-1] == "enum" or len(chunk) >= 2 and chunk[-2] == "enum":
            for k, t in enumerate(body):
                if IDENT.match(t) and (k == 0 or body[k - 1] == ","):
                    self.define(t, True)

    def define(self, name, static):
        if self.header or not static:
            self.defines.add(name)
        else:
            self.local.add(name)

    def declaration(self, chunk, body):
        """One file-scope declaration (body: a function's tokens, or None)."""
        raw = chunk
        chunk = self.clean(chunk)
        if not chunk:
            self.use(raw)
            return
        words = set(chunk)
        static = "static" in words
        if body is not None:
            names, _ = self.declarator_names(chunk)
            for n in names[:1]:
                self.define(n, static)
            self.use(raw)
            self.use(body)
            return
        if chunk[0] == "typedef":
            names, _ = self.declarator_names(chunk[1:])
            for n in names:
                self.define(n, True)
            self.use([t for t in raw if t not in names])
            return
        # A prototype or a variable: the names it declares are not uses.
        names, func = self.declarator_names(chunk)
        extern = func or "extern" in words
        if not extern:
            for n in names:
                self.define(n, static)
        # struct TAG; alone (a forward declaration) uses no definition
        if len(chunk) == 2 and chunk[0] in ("struct", "union"):
            return
        self.use([t for t in raw if t not in names])
        if extern and not self.header:
            self.uses.update(names)  # a .c file's own extern of another's name: a use


IDENT = re.compile(r"[A-Za-z_]\w*$")
ATTR_MACROS = {"LT_HIDDEN", "LT_EXPORT", "LT_TLS"}
C_WORDS = {"static", "extern", "const", "volatile", "inline", "__thread", "_Thread_local", "struct",
           "union", "enum", "unsigned", "signed", "int", "long", "short", "char", "void", "float",
           "double", "_Noreturn", "__inline__", "restrict", "__restrict"}


# Names every shared object has, whichever file defines them (the start
# files would, had the shim been linked with them): not a room's service.
LINKER_NAMES = {"__dso_handle"}


def graph(srcdir):
    files = sorted(f for f in os.listdir(srcdir) if f.endswith((".c", ".h", ".S")))
    srcs = {f: Source(os.path.join(srcdir, f)) for f in files}
    definer = {}
    for f, s in srcs.items():
        for name in s.defines:
            definer.setdefault(name, []).append(f)
    edges = {f: {} for f in files}  # f -> {g: [why...]}
    for f, s in srcs.items():
        for inc in s.includes:
            if inc in srcs and inc != f:
                edges[f].setdefault(inc, []).append("#include")
        for name in s.uses:
            if name in s.defines or name in LINKER_NAMES:
                continue
            for g in definer.get(name, ()):
                # entry_generic.c stands in for the .S on other machines:
                # neither depends on the other.
                if g != f and not {f, g} <= {"entry_generic.c", "entry_x86_64.S"}:
                    edges[f].setdefault(g, []).append(name)
    return srcs, edges


def sccs(nodes, edges):
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main(argv):
    show_names = "--names" in argv
    args = [a for a in argv if not a.startswith("-")]
    srcdir = args[0] if args else "shim"
    srcs, edges = graph(srcdir)
    files = sorted(srcs)
    print("# %s: file -> files it uses (the names why, with -v)" % srcdir)
    verbose = "-v" in argv
    for f in files:
        deps = sorted(edges[f])
        if verbose:
            deps = ["%s(%s)" % (g, ",".join(sorted(set(edges[f][g]))[:4])) for g in deps]
        print("%-18s %4d  -> %s" % (f, srcs[f].lines, " ".join(deps) or "-"))
        if show_names:
            print("%18s       defines: %s" % ("", " ".join(sorted(srcs[f].defines))))
    comps = [c for c in sccs(files, edges) if len(c) > 1]
    inside = {f for c in comps for f in c}
    nedges = sum(len(e) for e in edges.values())
    circ_edges = sum(1 for f in files for g in edges[f] if f in inside and g in inside and
                     any(f in c and g in c for c in comps))
    print()
    if comps:
        for c in sorted(comps, key=len, reverse=True):
            print("circle (%d files): %s" % (len(c), " ".join(c)))
    else:
        print("circles: none")
    longest = max(files, key=lambda f: srcs[f].lines)
    print("files: %d; in circles: %d; dependencies: %d, %d of them inside a circle" %
          (len(files), len(inside), nedges, circ_edges))
    print("longest file: %s, %d lines" % (longest, srcs[longest].lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
