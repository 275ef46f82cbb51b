/* logtax scan [--json] [--hook NAME]... BINARY: for the binary and each
 * library it needs, the logging entry points it defines or imports, how
 * many call sites reach each through a PLT/GOT entry and how many bind
 * directly, and the functions named *log* (or named by --hook) a --hook
 * could take; per defined function, whether its entry can be patched (the
 * shim's engine decides, through logtax-patchcheck) and so which call
 * sites each --patch mode reaches. With a PID, the objects that process
 * has loaded (scan_proc.c). Exit status: 0 done, 2 bad usage or a BINARY
 * that is not a readable x86-64 ELF file, 3 no such process. */
#include "json.h"
#include "scan.h"
#include "util.h"

#include "../common/ltx_levels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const scan_usage =
	"usage: logtax scan [--json] [--hook NAME]... BINARY | PID\n"
	"Reads BINARY and every library it needs (found as the dynamic loader would,\n"
	"without running anything) and lists, per object, the logging functions it\n"
	"defines or imports with their call sites:\n"
	"  via PLT/GOT  calls through a PLT or GOT entry: every --patch mode reaches\n"
	"               them (the known entry points always, others with --hook)\n"
	"  direct       calls and tail jumps bound inside the object that defines the\n"
	"               function: reached only where its entry is patched\n"
	"  got, entry, auto\n"
	"               the call sites 'logtax run --patch MODE' reaches in that row\n"
	"  entry patch  whether the function's first instructions can be replaced\n"
	"               (\"entry ok\"), or \"refused: WHY\", as the shim decides: too\n"
	"               short, a branch into its first bytes, an instruction that\n"
	"               cannot move, a leaf (it calls nothing its compiler could not\n"
	"               see: refused for a built-in entry point anywhere, for a\n"
	"               --hook function in the executable); auto leaves libc's\n"
	"               syslog functions to GOT patching\n"
	"  --hook NAME  list NAME too (from .dynsym, or .symtab where not stripped,\n"
	"               static functions included); 'fn:name=1' specs are accepted\n"
	"  --json       the same as one JSON document\n"
	"With a PID (digits that name no file): the objects that running process has\n"
	"loaded (/proc/PID/maps: its program, libraries, plugins loaded with dlopen),\n"
	"each read from its file (a file replaced since: the loaded one, through\n"
	"/proc/PID/map_files, where that may be read).\n";

static const char *obj_label(const struct scan_obj *o)
{
	if (o->soname)
		return o->soname;
	const char *s = strrchr(o->name, '/');
	return s ? s + 1 : o->name;
}

static const char *sites(const struct scan_sites *s, char *buf, size_t cap)
{
	char a[32], b[32];
	if (s->jumps)
		snprintf(buf, cap, "%s +%s tail", an_count(s->calls, a, sizeof a), an_count(s->jumps, b, sizeof b));
	else
		snprintf(buf, cap, "%s", an_count(s->calls, a, sizeof a));
	return buf;
}

static int is_libc(const struct scan_obj *o)
{
	const char *p = o->path ? o->path : o->name, *b = strrchr(p, '/');
	return !strncmp(b ? b + 1 : p, "libc.so", 7);
}

/* How the shim would treat a defined function's entry. */
enum { P_UNKNOWN, P_OK, P_REFUSED, P_LEAF };

static int entry_state(const struct scan_obj *o, const struct scan_fn *f)
{
	if (!f->patch_checked)
		return P_UNKNOWN;
	if (f->patch_rc)
		return P_REFUSED;
	/* entrypatch.c refuses every leaf built-in; entryhook.c a leaf of the executable */
	if (!f->calls_out && (f->entry_id > 0 || o->is_exec))
		return P_LEAF;
	return P_OK;
}

enum { M_GOT, M_ENTRY, M_AUTO };

/* Whether --patch MODE replaces this defined function's entry. */
static int entry_patched(const struct scan_obj *o, const struct scan_fn *f, int mode)
{
	if (mode == M_GOT || !f->defined || entry_state(o, f) != P_OK)
		return 0;
	return !(mode == M_AUTO && f->entry_id > 0 && is_libc(o));
}

/* The call sites in this object that MODE reaches. */
static uint32_t reached(const struct scan_obj *o, const struct scan_fn *f, int mode)
{
	uint32_t n = f->via_got.calls + f->via_got.jumps;
	if (entry_patched(o, f, mode))
		n += f->direct.calls + f->direct.jumps;
	return n;
}

/* Whether MODE's reach is known: not for a defined function whose entry
 * could not be checked, under a mode that would try to patch it. */
static int reach_known(const struct scan_obj *o, const struct scan_fn *f, int mode)
{
	return mode == M_GOT || !f->defined || entry_state(o, f) != P_UNKNOWN ||
	       (mode == M_AUTO && f->entry_id > 0 && is_libc(o));
}

static const char *reach_text(const struct scan_obj *o, const struct scan_fn *f, int mode, char *buf, size_t cap)
{
	return o->counted && reach_known(o, f, mode) ? an_count(reached(o, f, mode), buf, cap) : "?";
}

static const char *entry_text(const struct scan_obj *o, const struct scan_fn *f, char *buf, size_t cap)
{
	if (!f->defined)
		return "-";
	switch (entry_state(o, f)) {
	case P_UNKNOWN:
		return "?";
	case P_LEAF:
		return "refused: a leaf";
	case P_REFUSED:
		snprintf(buf, cap, "refused: %s", f->patch_class ? f->patch_class : "?");
		return buf;
	}
	return f->entry_id > 0 && is_libc(o) ? "entry ok (auto: GOT)" : "entry ok";
}

/* The sentence the shim would print for a refusal. */
static const char *refusal(const struct scan_obj *o, const struct scan_fn *f)
{
	int st = entry_state(o, f);
	if (st == P_LEAF)
		return f->entry_id > 0 ? "it calls nothing its compiler could not see, so its callers may keep values "
					 "in registers the shim uses"
				       : "it calls nothing the compiler could not see into (a leaf of the executable): "
					 "its callers may rely on registers the hook does not keep";
	return st == P_REFUSED ? (f->patch_why ? f->patch_why : f->patch_class) : NULL;
}

static char **asked;
static size_t nasked;

static int is_named_fn(const char *name)
{
	for (size_t i = 0; i < nasked; i++)
		if (!strcmp(asked[i], name))
			return 1;
	return 0;
}

static int by_kind_name(const void *a, const void *b)
{
	const struct scan_fn *x = a, *y = b;
	if ((x->entry_id > 0) != (y->entry_id > 0))
		return x->entry_id > 0 ? -1 : 1;
	if (x->entry_id != y->entry_id)
		return x->entry_id - y->entry_id;
	return strcmp(x->name, y->name);
}

static void table(FILE *o, const struct scan_obj *objs, size_t n, int known)
{
	char a[64], b[64], name[300], g[32], en[32], au[32], et[200];
	int rows = 0, wo = 6, wf = 8;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < objs[i].nfns; k++)
			if ((objs[i].fns[k].entry_id > 0) == known) {
				int lo = (int)strlen(obj_label(&objs[i])), lf = (int)strlen(objs[i].fns[k].name);
				wo = lo > wo ? (lo < 32 ? lo : 32) : wo;
				wf = lf > wf ? (lf < 48 ? lf : 48) : wf;
			}
	for (size_t i = 0; i < n; i++) {
		const struct scan_obj *ob = &objs[i];
		for (size_t k = 0; k < ob->nfns; k++) {
			const struct scan_fn *f = &ob->fns[k];
			if ((f->entry_id > 0) != known)
				continue;
			if (!rows++)
				fprintf(o, "  %-*s  %-*s  %-8s %-9s %14s %14s %7s %7s %7s  %s\n", wo, "object", wf, "function",
					"family", "here", "via PLT/GOT", "direct", "got", "entry", "auto", "entry patch");
			fprintf(o, "  %-*s  %-*s  %-8s %-9s %14s %14s %7s %7s %7s  %s\n", wo, obj_label(ob), wf,
				an_safe(f->name, name, sizeof name), f->entry_id ? ltx_family_name((uint32_t)f->family) : "-",
				f->defined && f->imported ? "both" : f->defined ? "defined" : "imported",
				ob->counted ? sites(&f->via_got, a, sizeof a) : "?",
				!f->defined ? "-" : ob->counted ? sites(&f->direct, b, sizeof b) : "?",
				reach_text(ob, f, M_GOT, g, sizeof g), reach_text(ob, f, M_ENTRY, en, sizeof en),
				reach_text(ob, f, M_AUTO, au, sizeof au), entry_text(ob, f, et, sizeof et));
		}
	}
	if (!rows)
		fprintf(o, "  (none)\n");
}

static long scan_pid; /* scanning a running process */

/* A --hook spec for a candidate, from what its call sites pass (scan_elf.c):
 * fmt= the argument most often a string with '%' (a string at 60% of the
 * calls read, a '%' at a quarter: many messages have none). The others come
 * before it (after it are the format's own arguments; a function named with
 * --hook may have no format, as postgres's errstart and errfinish, and then
 * all six are read): file= one that names
 * a source file; func= (with a file=) or name= (without) one that is a C
 * identifier; line= (with a file=) a constant of many values; level= a
 * constant of 2 to 16 values, the one whose values are smallest (an errno
 * argument has larger ones; flags may ride above the low byte, as redis's
 * LL_RAW does, so values above 255 are let through). Arguments are 0-based
 * here. 0 when it has too few calls, or no format argument and was not asked
 * for by name. */
struct suggestion {
	int fmt, level, name, file, func, line;
};
enum { SUGGEST_MIN_CALLS = 8 };

static int mostly(uint32_t n, uint32_t of) { return n * 10 >= of * 6; }

/* The largest of an argument's constants that fits a byte; -1 if none. */
static int64_t top_byte_value(const struct scan_args *g, int a)
{
	int64_t top = -1;
	for (int v = 0; v < g->nvals[a]; v++)
		if (g->vals[a][v] >= 0 && g->vals[a][v] <= 255)
			top = g->vals[a][v];
	return top;
}

static int suggest(const struct scan_fn *f, struct suggestion *sg)
{
	const struct scan_args *g = f->args;
	*sg = (struct suggestion){ -1, -1, -1, -1, -1, -1 };
	if (!g || g->sites < SUGGEST_MIN_CALLS)
		return 0;
	for (int a = 0; a < SCAN_ARGS; a++)
		if (mostly(g->str[a], g->sites) && g->fmt[a] * 4 >= g->sites && (sg->fmt < 0 || g->fmt[a] > g->fmt[sg->fmt]))
			sg->fmt = a;
	if (sg->fmt < 0 && !is_named_fn(f->name))
		return 0;
	int before = sg->fmt >= 0 ? sg->fmt : SCAN_ARGS;
	for (int a = 0; a < before; a++)
		if (sg->file < 0 && mostly(g->path[a], g->sites))
			sg->file = a;
	for (int a = 0; a < before; a++) {
		if (a == sg->file)
			continue;
		if (mostly(g->ident[a], g->sites) && sg->func < 0 && sg->name < 0)
			*(sg->file >= 0 ? &sg->func : &sg->name) = a;
		else if (mostly(g->imm[a], g->sites) && g->many[a] && sg->file >= 0 && sg->line < 0)
			sg->line = a;
	}
	for (int a = 0; a < before; a++) {
		if (a == sg->line || !mostly(g->imm[a], g->sites) || g->many[a] || g->nvals[a] < 2 ||
		    g->vals[a][0] < 0 || g->vals[a][1] > 255)
			continue;
		if (sg->level < 0 || top_byte_value(g, a) < top_byte_value(g, sg->level))
			sg->level = a;
	}
	return 1;
}

static void suggestion_spec(const struct scan_fn *f, const struct suggestion *sg, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "%s", f->name);
	static const char *const opt[] = { "name", "level", "fmt", "func", "file", "line" };
	const int arg[] = { sg->name, sg->level, sg->fmt, sg->func, sg->file, sg->line };
	for (int k = 0; k < 6 && n < cap; k++)
		if (arg[k] >= 0)
			n += (size_t)snprintf(buf + n, cap - n, ":%s=%d", opt[k], arg[k] + 1);
}

static int pct(uint32_t n, uint32_t of) { return of ? (int)((uint64_t)n * 100 / of) : 0; }

/* The candidates with a format argument or named with --hook, those named
 * first, then most calls first (at most 5). */
static void suggestions(FILE *o, const char *file, const struct scan_obj *objs, size_t n)
{
	const struct scan_fn *best[5] = { 0 };
	const struct scan_obj *in[5] = { 0 };
	struct suggestion sg;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < objs[i].nfns; k++) {
			const struct scan_fn *f = &objs[i].fns[k];
			if (f->entry_id || !suggest(f, &sg))
				continue;
			for (int r = 0; r < 5; r++)
				if (!best[r] || is_named_fn(f->name) > is_named_fn(best[r]->name) ||
				    (is_named_fn(f->name) == is_named_fn(best[r]->name) && f->args->sites > best[r]->args->sites)) {
					memmove(&best[r + 1], &best[r], (size_t)(4 - r) * sizeof best[0]);
					memmove(&in[r + 1], &in[r], (size_t)(4 - r) * sizeof in[0]);
					best[r] = f;
					in[r] = &objs[i];
					break;
				}
		}
	fprintf(o, "\nSuggested --hook (what the call sites pass in the argument registers: check it against the "
		   "function's source)\n");
	if (!best[0]) {
		fprintf(o, "  (none: no function named *log* is called with a printf format, nor one named by --hook, "
			   "in %d calls or more)\n", SUGGEST_MIN_CALLS);
		return;
	}
	char spec[600], name[300], path[4200];
	for (int r = 0; r < 5 && best[r]; r++) {
		const struct scan_fn *f = best[r];
		const struct scan_args *g = f->args;
		suggest(f, &sg);
		fprintf(o, "  %s in %s: %u calls read", an_safe(f->name, name, sizeof name), obj_label(in[r]), g->sites);
		if (sg.fmt >= 0)
			fprintf(o, "; argument %d a string at %d%% (a format at %d%%)", sg.fmt + 1,
				pct(g->str[sg.fmt], g->sites), pct(g->fmt[sg.fmt], g->sites));
		else
			fprintf(o, "; no format argument");
		if (sg.file >= 0)
			fprintf(o, "; argument %d a source file at %d%%", sg.file + 1, pct(g->path[sg.file], g->sites));
		if (sg.level >= 0) {
			fprintf(o, "; argument %d a constant at %d%%, values", sg.level + 1, pct(g->imm[sg.level], g->sites));
			for (int v = 0; v < g->nvals[sg.level]; v++)
				fprintf(o, " %lld", (long long)g->vals[sg.level][v]);
		}
		fputc('\n', o);
		suggestion_spec(f, &sg, spec, sizeof spec);
		int entry = f->defined && (f->direct.calls || f->direct.jumps);
		fprintf(o, "    logtax run --hook '%s' -- %s\n", an_safe(spec, name, sizeof name),
			an_safe(scan_pid ? (objs[0].path ? objs[0].path : file) : file, path, sizeof path));
		if (entry && entry_state(in[r], f) != P_OK)
			fprintf(o, "    (its entry cannot be patched: the %u direct calls are not counted)\n",
				f->direct.calls + f->direct.jumps);
	}
	fprintf(o, "  (add levels=, how the level's values map onto debug < info < notice < warning < error, as\n"
		   "   levels=0:debug,1:info,2:notice,3:warning or levels=syslog, for rules such as drop:*@debug;\n"
		   "   without it levels are numbers)\n");
}

static void text(FILE *o, const char *file, const struct scan_obj *objs, size_t n)
{
	char path[4200];
	if (scan_pid)
		fprintf(o, "logtax scan: process %ld (%s) and the %zu objects it has loaded\n", scan_pid,
			an_safe(objs[0].path ? objs[0].path : file, path, sizeof path), n - 1);
	else
		fprintf(o, "logtax scan: %s and the %zu libraries it needs\n", an_safe(file, path, sizeof path), n - 1);
	fprintf(o, "\nObjects\n");
	for (size_t i = 0; i < n; i++) {
		const struct scan_obj *ob = &objs[i];
		fprintf(o, "  %-26s %s", obj_label(ob), ob->path ? an_safe(ob->path, path, sizeof path) : "-");
		if (ob->needed_by >= 0)
			fprintf(o, "  (needed by %s)", obj_label(&objs[ob->needed_by]));
		if (ob->error)
			fprintf(o, "  %s", ob->error);
		else if (!ob->counted)
			fprintf(o, "  (no section headers: call sites not counted)");
		if (!ob->error && ob->patch_error)
			fprintf(o, "  (%s)", ob->patch_error);
		fputc('\n', o);
	}
	fprintf(o, "\nLogging entry points logtax intercepts\n");
	table(o, objs, n, 1);
	fprintf(o, "\nOther functions named *log* or by --hook (logtax run --hook 'NAME:name=ARG:level=ARG' counts "
		   "the call sites of the mode's column)\n");
	table(o, objs, n, 0);
	suggestions(o, file, objs, n);
	/* What stays invisible, and why entries are refused, said plainly. */
	int said = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < objs[i].nfns; k++) {
			const struct scan_fn *f = &objs[i].fns[k];
			/* the sentences for the built-ins and the names asked for; the
			 * table's column says it for the rest */
			const char *why = f->defined && (f->entry_id || is_named_fn(f->name)) ? refusal(&objs[i], f) : NULL;
			uint32_t d = objs[i].counted && f->entry_id && f->defined ? f->direct.calls + f->direct.jumps : 0;
			if (!why && !d)
				continue;
			if (!said++)
				fputc('\n', o);
			if (why)
				fprintf(o, "%s in %s%s: entry not patched: %s; only calls through a PLT or GOT entry are "
					   "counted.\n",
					f->name, obj_label(&objs[i]),
					f->entry_id && is_libc(&objs[i]) ? " (--patch entry; auto leaves libc to its GOT entries)" : "",
					why);
			if (d) {
				int e = entry_patched(&objs[i], f, M_ENTRY), a = entry_patched(&objs[i], f, M_AUTO);
				fprintf(o, "%s: %u call site%s inside %s bind%s to its own %s directly: %s.\n", f->name, d,
					d == 1 ? "" : "s", obj_label(&objs[i]), d == 1 ? "s" : "", f->name,
					a ? "counted with --patch auto (the default) or entry, which patch its entry"
					: e ? "counted with --patch entry only, which patches its entry"
					    : "logtax cannot count them");
			}
		}
	fprintf(o, "\n(via PLT/GOT: call and tail-jump sites that reach the function through a PLT stub or a GOT\n"
		   " entry, resolved at run time: every mode reaches them; direct: sites in the object that\n"
		   " defines the function, bound to it at link time: reached only when its entry is patched\n"
		   " (--patch entry, or auto, which leaves libc's syslog functions to their GOT entries);\n"
		   " got/entry/auto: the sites each 'logtax run --patch' mode reaches in that object; entry\n"
		   " patch: what the shim's patching engine decides from the function's bytes)\n");
}

static void sites_json(struct jw *w, const char *key, const struct scan_sites *s)
{
	jw_obj(w, key);
	jw_u64(w, "calls", s->calls);
	jw_u64(w, "jumps", s->jumps);
	jw_end(w);
}

/* One object per line: each with its functions, one per line. */
static void json(FILE *o, const char *file, const struct scan_obj *objs, size_t n)
{
	struct jw w;
	jw_init(&w, o, 1);
	jw_obj(&w, NULL);
	jw_str(&w, "file", scan_pid ? objs[0].path : file);
	if (scan_pid)
		jw_u64(&w, "pid", (uint64_t)scan_pid);
	jw_arr(&w, "objects");
	for (size_t i = 0; i < n; i++) {
		const struct scan_obj *ob = &objs[i];
		jw_obj(&w, NULL);
		jw_str(&w, "name", ob->name);
		jw_str(&w, "path", ob->path);
		jw_str(&w, "soname", ob->soname);
		jw_str(&w, "needed_by", ob->needed_by >= 0 ? obj_label(&objs[ob->needed_by]) : NULL);
		jw_str(&w, "error", ob->error);
		jw_bool(&w, "sites_counted", ob->counted);
		jw_bool(&w, "executable", ob->is_exec);
		jw_str(&w, "patch_error", ob->patch_error);
		jw_arr(&w, "functions");
		for (size_t k = 0; k < ob->nfns; k++) {
			const struct scan_fn *f = &ob->fns[k];
			jw_obj_line(&w, NULL);
			jw_str(&w, "name", f->name);
			jw_bool(&w, "known", f->entry_id != 0);
			jw_str(&w, "family", f->entry_id ? ltx_family_name((uint32_t)f->family) : NULL);
			jw_bool(&w, "defined", f->defined);
			jw_bool(&w, "imported", f->imported);
			sites_json(&w, "via_plt_got", &f->via_got);
			sites_json(&w, "direct", &f->direct);
			if (f->defined) {
				int st = entry_state(ob, f);
				jw_bool(&w, "exported", f->exported);
				jw_obj(&w, "entry_patch");
				jw_bool(&w, "checked", st != P_UNKNOWN);
				jw_bool(&w, "ok", st == P_OK);
				jw_bool(&w, "leaf", f->patch_checked && !f->patch_rc && !f->calls_out);
				jw_str(&w, "refused", st == P_LEAF ? "a leaf" : st == P_REFUSED ? f->patch_class : NULL);
				jw_str(&w, "why", refusal(ob, f));
				jw_bool(&w, "auto", entry_patched(ob, f, M_AUTO));
				jw_end(&w);
			}
			struct suggestion sg;
			if (!f->entry_id && suggest(f, &sg)) {
				char spec[600];
				suggestion_spec(f, &sg, spec, sizeof spec);
				jw_str(&w, "suggested_hook", spec);
			}
			if (ob->counted) {
				jw_obj(&w, "reached");
				static const char *const mk[] = { "got", "entry", "auto" };
				for (int m = M_GOT; m <= M_AUTO; m++)
					if (reach_known(ob, f, m))
						jw_u64(&w, mk[m], reached(ob, f, m));
					else
						jw_null(&w, mk[m]);
				jw_end(&w);
			}
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
}

int an_cmd_scan(int argc, char **argv);
int an_cmd_scan(int argc, char **argv)
{
	int as_json = 0, i = 1, rc = 0;
	char **names = NULL;
	size_t nnames = 0;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(scan_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			as_json = 1;
		} else if (!strcmp(argv[i], "--hook") || !strncmp(argv[i], "--hook=", 7)) {
			const char *spec = argv[i][6] == '=' ? argv[i] + 7 : i + 1 < argc ? argv[++i] : NULL;
			if (!spec) {
				fprintf(stderr, "logtax scan: --hook needs a function name\n%s", scan_usage);
				free(names);
				return 2;
			}
			/* "fn[@OBJECT][:...]", several separated by spaces or commas */
			for (const char *p = spec; *p;) {
				p += strspn(p, " ,");
				size_t len = strcspn(p, " ,");
				if (!len)
					break;
				size_t nl = strcspn(p, "@:");
				nl = nl < len ? nl : len;
				char **nn = realloc(names, (nnames + 1) * sizeof *nn);
				if (!nn || !(nn[nnames] = strndup(p, nl))) {
					fprintf(stderr, "logtax scan: out of memory\n");
					free(nn ? nn : names);
					return 2;
				}
				names = nn;
				nnames++;
				p += len;
			}
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "logtax scan: unknown option '%s'\n%s", argv[i], scan_usage);
			return 2;
		} else {
			break;
		}
	}
	if (i + 1 != argc) {
		fprintf(stderr, "logtax scan: %s\n%s", i >= argc ? "no file given" : "one file at a time", scan_usage);
		rc = 2;
		goto names_out;
	}
	scan_set_names(names, nnames);
	asked = names;
	nasked = nnames;
	struct scan_obj *objs = NULL;
	size_t n = 0;
	/* digits that name no file: a process */
	char *end, perr[512];
	long pid = strtol(argv[i], &end, 10);
	struct stat sb;
	if (!*end && pid > 0 && argv[i][0] != '-' && stat(argv[i], &sb) < 0) {
		scan_pid = pid;
		if (scan_proc(pid, &objs, &n, perr, sizeof perr) < 0) {
			fprintf(stderr, "logtax scan: %s\n", perr);
			rc = 3;
			goto names_out;
		}
	} else if (scan_deps(argv[i], &objs, &n) < 0) {
		fprintf(stderr, "logtax scan: %s\n", objs && objs[0].error ? objs[0].error : "out of memory");
		rc = 2;
	}
	if (!rc) {
		for (size_t k = 0; k < n; k++)
			scan_patch_check(&objs[k]);
		for (size_t k = 0; k < n; k++)
			if (objs[k].nfns) /* (an object without any: fns may be NULL, which qsort must not get) */
				qsort(objs[k].fns, objs[k].nfns, sizeof *objs[k].fns, by_kind_name);
		if (as_json)
			json(stdout, argv[i], objs, n);
		else
			text(stdout, argv[i], objs, n);
		if (fflush(stdout) != 0)
			rc = 1;
	}
	for (size_t k = 0; k < n; k++)
		scan_obj_free(&objs[k]);
	free(objs);
names_out:
	for (size_t k = 0; k < nnames; k++)
		free(names[k]);
	free(names);
	return rc;
}
