/* One ELF object, read with libelf and decoded with Capstone: the logging
 * entry points logtax knows (common/ltx_entries.h) and the functions whose
 * names contain "log" (what --hook could take), each with the call sites
 * that reach it
 *   - through a PLT stub (`call/jmp rel32` to the stub) or a GOT entry
 *     (`call/jmp *slot(%rip)`, code built with -fno-plt): resolved at run
 *     time through a symbol lookup or a GOT slot, so a preloaded library or
 *     a rewritten GOT entry sees them;
 *   - directly (`call/jmp rel32`, or a conditional jump, to the function's
 *     own address): bound at link time (-Bsymbolic, hidden aliases), seen
 *     by nothing preloaded.
 * Code is decoded linearly, section by section, as compilers lay it out;
 * bytes that do not decode are skipped one at a time. Every offset and size
 * read from the file is checked against the file's size first. */
#include "scan.h"

#include "../common/ltx_entries.h"
#include "../common/ltx_format.h"
#include "../common/ltx_io.h"

#include <capstone/capstone.h>
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(struct scan_obj *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(o->error);
	o->error = strdup(buf);
	return -1;
}

static const struct {
	int id, family;
	const char *name;
} known[] = {
#define KNOWN(id, fam, sym) { id, fam, #sym },
	LTX_ENTRIES(KNOWN)
#undef KNOWN
};

/* The C library's math functions are not logging: log, logf, log10l,
 * log1pf128, clog, ilogb, __log_finite, ... */
static int is_math(const char *n)
{
	static const char *const math[] = { "log", "log2", "log10", "log1p", "logb", "clog", "clog10", "ilogb", "llogb",
					    "logp1", NULL };
	static const char *const suffix[] = { "", "f", "l", "f32", "f64", "f128", "f32x", "f64x", NULL };
	if (!strncmp(n, "__", 2) && strstr(n, "_finite"))
		return 1;
	for (const char *const *m = math; *m; m++) {
		size_t ml = strlen(*m);
		if (strncmp(n, *m, ml))
			continue;
		for (const char *const *x = suffix; *x; x++)
			if (!strcmp(n + ml, *x))
				return 1;
	}
	return 0;
}

/* A name with "log" as a word of it: app_log, app_logv, virLogMessage,
 * syslog, openlog; not catalog, Topology or Login. Case-insensitive "log",
 * starting the name, after '_' or a digit, or as "Log" (camel case), or
 * ending it; followed by the end, '_', a digit or a capital, optionally
 * after a 'v' or 'f' (vprintf style). */
static int log_like(const char *n)
{
	size_t len = strlen(n);
	for (size_t p = 0; p + 3 <= len; p++) {
		if (tolower((unsigned char)n[p]) != 'l' || tolower((unsigned char)n[p + 1]) != 'o' ||
		    tolower((unsigned char)n[p + 2]) != 'g')
			continue;
		size_t q = p + 3;
		if (q < len && (n[q] == 'v' || n[q] == 'f') && (q + 1 == len || n[q + 1] == '_' || isupper((unsigned char)n[q + 1])))
			q++;
		int after = q == len || n[q] == '_' || isdigit((unsigned char)n[q]) || isupper((unsigned char)n[q]);
		int before = p == 0 || n[p - 1] == '_' || isdigit((unsigned char)n[p - 1]) || n[p] == 'L' || q == len;
		if (after && before)
			return !is_math(n);
	}
	return 0;
}

static char **extra_names;
static size_t nextra;

void scan_set_names(char **names, size_t n)
{
	extra_names = names;
	nextra = n;
}

static int is_named(const char *n)
{
	for (size_t i = 0; i < nextra; i++)
		if (!strcmp(extra_names[i], n))
			return 1;
	return 0;
}

/* Sorted (address -> function index) pairs, for the decoder's lookups. */
struct amap {
	uint64_t *addr;
	int *fn;
	size_t n, cap;
};

static int amap_add(struct amap *m, uint64_t a, int fn)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		uint64_t *na = realloc(m->addr, cap * sizeof *na);
		if (!na)
			return -1;
		m->addr = na;
		int *nf = realloc(m->fn, cap * sizeof *nf);
		if (!nf)
			return -1;
		m->fn = nf;
		m->cap = cap;
	}
	m->addr[m->n] = a;
	m->fn[m->n++] = fn;
	return 0;
}

static struct amap *sort_map;
static int by_addr(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	return sort_map->addr[i] < sort_map->addr[j] ? -1 : sort_map->addr[i] > sort_map->addr[j];
}

static int amap_sort(struct amap *m)
{
	size_t *idx = malloc((m->n + 1) * sizeof *idx);
	uint64_t *a = malloc((m->n + 1) * sizeof *a);
	int *f = malloc((m->n + 1) * sizeof *f);
	if (!idx || !a || !f) {
		free(idx), free(a), free(f);
		return -1;
	}
	for (size_t i = 0; i < m->n; i++)
		idx[i] = i;
	sort_map = m;
	qsort(idx, m->n, sizeof *idx, by_addr);
	for (size_t i = 0; i < m->n; i++) {
		a[i] = m->addr[idx[i]];
		f[i] = m->fn[idx[i]];
	}
	free(idx), free(m->addr), free(m->fn);
	m->addr = a;
	m->fn = f;
	return 0;
}

static int amap_find(const struct amap *m, uint64_t a)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->addr[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->addr[lo] == a ? m->fn[lo] : -1;
}

static void amap_free(struct amap *m)
{
	free(m->addr);
	free(m->fn);
}

static int fn_index(struct scan_obj *o, const char *name)
{
	for (size_t i = 0; i < o->nfns; i++)
		if (!strcmp(o->fns[i].name, name))
			return (int)i;
	return -1;
}

static int fn_add(struct scan_obj *o, const char *name, size_t *cap)
{
	int i = fn_index(o, name);
	if (i >= 0)
		return i;
	if (o->nfns == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		struct scan_fn *n = realloc(o->fns, *cap * sizeof *n);
		if (!n)
			return -1;
		o->fns = n;
	}
	struct scan_fn *f = &o->fns[o->nfns];
	memset(f, 0, sizeof *f);
	f->name = strdup(name);
	f->family = -1;
	for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
		if (!strcmp(known[k].name, name)) {
			f->family = known[k].family;
			f->entry_id = known[k].id;
		}
	return f->name ? (int)o->nfns++ : -1;
}

/* The target of a relative branch, or of a RIP-relative indirect one
 * (*indirect = 1: the target is the GOT slot read). 0 if it is neither. */
static uint64_t branch_target(const cs_insn *in, int *is_call, int *indirect)
{
	const uint8_t *b = in->bytes;
	size_t n = in->size, i = 0;
	while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x2e ||
			 b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65))
		i++; /* legacy prefixes: bnd, notrack, ... */
	if (i < n && (b[i] & 0xf0) == 0x40)
		i++; /* REX */
	if (i >= n)
		return 0;
	uint64_t next = in->address + n;
	int32_t d32;
	*indirect = 0;
	*is_call = 0;
	if ((b[i] == 0xe8 || b[i] == 0xe9) && i + 5 == n) {
		memcpy(&d32, b + i + 1, 4);
		*is_call = b[i] == 0xe8;
		return next + (int64_t)d32;
	}
	if (b[i] == 0x0f && i + 6 == n && (b[i + 1] & 0xf0) == 0x80) {
		memcpy(&d32, b + i + 2, 4);
		return next + (int64_t)d32;
	}
	if ((b[i] == 0xeb || (b[i] & 0xf0) == 0x70) && i + 2 == n)
		return next + (int64_t)(int8_t)b[i + 1];
	if (b[i] == 0xff && i + 6 == n && (b[i + 1] == 0x15 || b[i + 1] == 0x25)) {
		memcpy(&d32, b + i + 2, 4);
		*is_call = b[i + 1] == 0x15;
		*indirect = 1;
		return next + (int64_t)d32;
	}
	return 0;
}

/* Reading what a call passes: the instructions just before it, decoded
 * again with Capstone's detail, newest first, until a branch (the code
 * before it may not run before the call). The newest write to an argument
 * register decides what that argument is: a RIP-relative `lea` of a
 * string in the file's data, a constant (`mov $imm`, `xor r,r`), or
 * something computed. */
#define WINDOW 16
struct win {
	uint64_t addr[WINDOW];
	uint8_t size[WINDOW], bytes[WINDOW][16];
	unsigned n, next;
};

static void win_push(struct win *w, const cs_insn *in)
{
	unsigned i = w->next;
	w->addr[i] = in->address;
	w->size[i] = (uint8_t)(in->size < 16 ? in->size : 16);
	memcpy(w->bytes[i], in->bytes, w->size[i]);
	w->next = (i + 1) % WINDOW;
	if (w->n < WINDOW)
		w->n++;
}

static int arg_of_reg(unsigned r)
{
	static const unsigned regs[SCAN_ARGS][4] = {
		{ X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL },
		{ X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL },
		{ X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL },
		{ X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL },
		{ X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B },
		{ X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B },
	};
	for (int a = 0; a < SCAN_ARGS; a++)
		for (int k = 0; k < 4; k++)
			if (regs[a][k] == r)
				return a;
	return -1;
}

/* The string at address A of the file's allocated, non-code sections: its
 * kind (S_* bits, S_PLAIN at least) if A starts a printable, NUL-terminated
 * string of at most 512 bytes inside its section; 0 otherwise. */
struct datasec {
	uint64_t addr, size, off;
};
enum { S_PLAIN = 1, S_FMT = 2, S_PATH = 4, S_IDENT = 8 };
static int string_at(const char *buf, const struct datasec *ds, size_t nds, uint64_t a)
{
	for (size_t i = 0; i < nds; i++) {
		if (a < ds[i].addr || a >= ds[i].addr + ds[i].size)
			continue;
		const unsigned char *p = (const unsigned char *)buf + ds[i].off + (a - ds[i].addr);
		size_t max = ds[i].addr + ds[i].size - a, n = 0;
		int kind = S_PLAIN, ident = 1;
		while (n < max && n < 512 && p[n]) {
			unsigned c = p[n];
			if (c < 0x20 && c != '\n' && c != '\t')
				return 0;
			if (c == '%')
				kind |= S_FMT;
			if (!(isalnum(c) || c == '_') || (!n && isdigit(c)))
				ident = 0;
			n++;
		}
		if (!n || n == max || p[n])
			return 0;
		const char *dot = memrchr(p, '.', n);
		if (dot && !(kind & S_FMT) && !memchr(p, ' ', n) &&
		    (!strcmp(dot, ".c") || !strcmp(dot, ".cc") || !strcmp(dot, ".cpp") || !strcmp(dot, ".cxx") ||
		     !strcmp(dot, ".h") || !strcmp(dot, ".hpp")))
			kind |= S_PATH;
		if (ident)
			kind |= S_IDENT;
		return kind;
	}
	return 0;
}

static void add_value(struct scan_args *g, int a, int64_t v)
{
	uint8_t n = g->nvals[a];
	unsigned i = 0;
	while (i < n && g->vals[a][i] < v)
		i++;
	if (i < n && g->vals[a][i] == v)
		return;
	if (n == SCAN_VALS) {
		g->many[a] = 1;
		return;
	}
	memmove(&g->vals[a][i + 1], &g->vals[a][i], (n - i) * sizeof g->vals[a][0]);
	g->vals[a][i] = v;
	g->nvals[a] = (uint8_t)(n + 1);
}

/* One call of a candidate: what each argument register was last given. */
static void read_args(csh cd, const struct win *w, const char *buf, const struct datasec *ds, size_t nds,
		      struct scan_args *g)
{
	int decided[SCAN_ARGS] = { 0 };
	cs_insn *in = NULL;
	g->sites++;
	/* the newest entry is the call itself */
	for (unsigned k = 1; k < w->n; k++) {
		unsigned i = (w->next + 2 * WINDOW - 1 - k) % WINDOW;
		if (cs_disasm(cd, w->bytes[i], w->size[i], w->addr[i], 1, &in) != 1)
			break;
		cs_detail *d = in->detail;
		int stop = 0;
		for (unsigned gi = 0; d && gi < d->groups_count; gi++)
			if (d->groups[gi] == CS_GRP_JUMP || d->groups[gi] == CS_GRP_CALL || d->groups[gi] == CS_GRP_RET ||
			    d->groups[gi] == CS_GRP_INT)
				stop = 1;
		cs_regs rd, wr;
		uint8_t nr = 0, nw = 0;
		if (stop || !d || cs_regs_access(cd, in, rd, &nr, wr, &nw) != CS_ERR_OK) {
			cs_free(in, 1);
			break;
		}
		const cs_x86 *x = &d->x86;
		for (unsigned r = 0; r < nw; r++) {
			int a = arg_of_reg(wr[r]);
			if (a < 0 || decided[a])
				continue;
			decided[a] = 1;
			if (in->id == X86_INS_LEA && x->op_count == 2 && x->operands[1].type == X86_OP_MEM &&
			    x->operands[1].mem.base == X86_REG_RIP && x->operands[1].mem.index == X86_REG_INVALID) {
				int kind = string_at(buf, ds, nds, in->address + in->size + (uint64_t)x->operands[1].mem.disp);
				if (kind) {
					g->str[a]++;
					g->fmt[a] += !!(kind & S_FMT);
					g->path[a] += !!(kind & S_PATH);
					g->ident[a] += !!(kind & S_IDENT);
				}
			} else if ((in->id == X86_INS_MOV || in->id == X86_INS_MOVABS) && x->op_count == 2 &&
				   x->operands[1].type == X86_OP_IMM) {
				g->imm[a]++;
				add_value(g, a, x->operands[1].imm);
			} else if (in->id == X86_INS_XOR && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
				   x->operands[1].type == X86_OP_REG && x->operands[0].reg == x->operands[1].reg) {
				g->imm[a]++;
				add_value(g, a, 0);
			}
		}
		cs_free(in, 1);
	}
}

static int is_plt_section(const char *name)
{
	return name && !strncmp(name, ".plt", 4);
}

static int read_file(const char *path, struct scan_obj *o, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(o, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(o, "%s: not a regular file", path);
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len ? *len : 1);
	if (!*buf) {
		close(fd);
		return fail(o, "%s: out of memory", path);
	}
	size_t got = ltx_read_full(fd, *buf, *len);
	close(fd);
	if (got != *len) {
		free(*buf);
		return fail(o, "%s: read error", path);
	}
	return 0;
}

int scan_elf(const char *path, struct scan_obj *o)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	Elf *e = NULL;
	csh cs = 0, cd = 0;
	int cs_ok = 0, cd_ok = 0, rc = -1;
	struct datasec ds[64];
	size_t nds = 0;
	struct amap stubs = { 0 }, slots = { 0 }, defs = { 0 };
	if (read_file(path, o, &buf, &len) < 0)
		return -1;
	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG)) {
		fail(o, "%s: not an ELF file", path);
		goto out;
	}
	if (len < sizeof(Elf64_Ehdr) || buf[EI_CLASS] != ELFCLASS64) {
		fail(o, len < sizeof(Elf64_Ehdr) ? "%s: truncated ELF file (%zu bytes, shorter than its header)" :
						   "%s: not a 64-bit ELF file",
		     path, len);
		goto out;
	}
	elf_version(EV_CURRENT);
	e = elf_memory(buf, len);
	GElf_Ehdr eh;
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		fail(o, "%s: not a readable ELF file (%s)", path, elf_errmsg(-1));
		goto out;
	}
	if (eh.e_machine != EM_X86_64) {
		fail(o, "%s: not an x86-64 ELF file (machine %u): logtax scan reads x86-64 code only", path,
		     eh.e_machine);
		goto out;
	}
	if (eh.e_phoff > len || (uint64_t)eh.e_phnum * eh.e_phentsize > len - eh.e_phoff) {
		fail(o, "%s: truncated ELF file (the program headers end past its %zu bytes)", path, len);
		goto out;
	}
	if (eh.e_shoff > len || (uint64_t)eh.e_shnum * eh.e_shentsize > len - eh.e_shoff) {
		fail(o, "%s: truncated ELF file (the section headers end past its %zu bytes)", path, len);
		goto out;
	}
	for (size_t i = 0; i < eh.e_phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph)) {
			fail(o, "%s: bad program header %zu (%s)", path, i, elf_errmsg(-1));
			goto out;
		}
		if (ph.p_type == PT_LOAD && (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)) {
			fail(o, "%s: truncated ELF file (segment %zu ends past its %zu bytes)", path, i, len);
			goto out;
		}
	}
	size_t shnum = 0, shstrndx = 0;
	if (elf_getshdrnum(e, &shnum) < 0 || (shnum && elf_getshdrstrndx(e, &shstrndx) < 0)) {
		fail(o, "%s: bad section headers (%s)", path, elf_errmsg(-1));
		goto out;
	}
	Elf_Scn *dynsym = NULL, *dynamic = NULL, *symtab = NULL;
	for (Elf_Scn *s = NULL; (s = elf_nextscn(e, s));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(s, &sh)) {
			fail(o, "%s: bad section header (%s)", path, elf_errmsg(-1));
			goto out;
		}
		if (sh.sh_type != SHT_NOBITS && (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)) {
			fail(o, "%s: truncated ELF file (section %zu ends past its %zu bytes)", path, elf_ndxscn(s),
			     len);
			goto out;
		}
		if (sh.sh_type == SHT_DYNSYM)
			dynsym = s;
		else if (sh.sh_type == SHT_DYNAMIC)
			dynamic = s;
		else if (sh.sh_type == SHT_SYMTAB)
			symtab = s;
	}

	/* The dynamic section: what it needs, where it looks, what it is called. */
	if (dynamic) {
		GElf_Shdr sh;
		gelf_getshdr(dynamic, &sh);
		Elf_Data *d = elf_getdata(dynamic, NULL);
		size_t n = d && sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; i < n; i++) {
			GElf_Dyn dy;
			if (!gelf_getdyn(d, (int)i, &dy))
				break;
			const char *str = NULL;
			if (dy.d_tag == DT_NEEDED || dy.d_tag == DT_RPATH || dy.d_tag == DT_RUNPATH || dy.d_tag == DT_SONAME)
				str = elf_strptr(e, sh.sh_link, dy.d_un.d_val);
			if (dy.d_tag == DT_FLAGS_1 && (dy.d_un.d_val & DF_1_NODEFLIB))
				o->nodeflib = 1;
			if (dy.d_tag == DT_FLAGS_1 && (dy.d_un.d_val & DF_1_PIE))
				o->is_exec = 1;
			if (!str)
				continue;
			if (dy.d_tag == DT_NEEDED) {
				char **nn = realloc(o->needed, (o->nneeded + 1) * sizeof *nn);
				if (!nn)
					goto nomem;
				o->needed = nn;
				if (!(o->needed[o->nneeded++] = strdup(str)))
					goto nomem;
			} else if (dy.d_tag == DT_RPATH && !o->rpath) {
				o->rpath = strdup(str);
			} else if (dy.d_tag == DT_RUNPATH && !o->runpath) {
				o->runpath = strdup(str);
			} else if (dy.d_tag == DT_SONAME && !o->soname) {
				o->soname = strdup(str);
			}
		}
	}
	/* The program itself: a fixed-address or position-independent
	 * executable (a PIE is marked so, or asks for a loader and has no
	 * soname; libc.so.6 asks for one too, but has a soname). */
	if (eh.e_type == ET_EXEC)
		o->is_exec = 1;
	for (size_t i = 0; i < eh.e_phnum && eh.e_type == ET_DYN && !o->soname; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_INTERP)
			o->is_exec = 1;
	}
	if (!dynsym) {
		rc = 0; /* statically linked: nothing to interpose */
		goto out;
	}

	/* Functions of interest: known entry points and *log* names. */
	GElf_Shdr symsh;
	gelf_getshdr(dynsym, &symsh);
	Elf_Data *symdata = elf_getdata(dynsym, NULL);
	size_t nsyms = symdata && symsh.sh_entsize ? symsh.sh_size / symsh.sh_entsize : 0;
	int *sym_fn = calloc(nsyms + 1, sizeof *sym_fn);
	if (!sym_fn)
		goto nomem;
	for (size_t i = 0; i < nsyms; i++) {
		GElf_Sym sy;
		sym_fn[i] = -1;
		if (!gelf_getsym(symdata, (int)i, &sy) || !sy.st_name)
			continue;
		const char *name = elf_strptr(e, symsh.sh_link, sy.st_name);
		int type = GELF_ST_TYPE(sy.st_info), bind = GELF_ST_BIND(sy.st_info);
		if (!name || (type != STT_FUNC && type != STT_GNU_IFUNC && !(type == STT_NOTYPE && sy.st_shndx == SHN_UNDEF)))
			continue;
		if (bind != STB_GLOBAL && bind != STB_WEAK)
			continue;
		const char *at = strchr(name, '@');
		char base[256];
		size_t bl = at ? (size_t)(at - name) : strlen(name);
		if (bl >= sizeof base)
			continue;
		memcpy(base, name, bl);
		base[bl] = 0;
		int is_known = 0;
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
			if (!strcmp(known[k].name, base))
				is_known = 1;
		if (!is_known && !log_like(base) && !is_named(base))
			continue;
		int f = fn_add(o, base, &cap);
		if (f < 0) {
			free(sym_fn);
			goto nomem;
		}
		sym_fn[i] = f;
		if (sy.st_shndx == SHN_UNDEF) {
			o->fns[f].imported = 1;
		} else if (GELF_ST_VISIBILITY(sy.st_other) == STV_DEFAULT ||
			   GELF_ST_VISIBILITY(sy.st_other) == STV_PROTECTED) {
			if (!o->fns[f].defined && amap_add(&defs, sy.st_value, f) < 0) {
				free(sym_fn);
				goto nomem;
			}
			o->fns[f].defined = 1;
			o->fns[f].exported = 1;
			o->fns[f].addr = sy.st_value;
			o->fns[f].size = sy.st_size;
			o->fns[f].ifunc = type == STT_GNU_IFUNC;
		}
	}
	/* .symtab, where not stripped: functions the object does not export
	 * (an executable's own logger), which entry patching can still reach;
	 * static ones only when named. */
	if (symtab) {
		GElf_Shdr tsh;
		gelf_getshdr(symtab, &tsh);
		Elf_Data *td = elf_getdata(symtab, NULL);
		size_t nt = td && tsh.sh_entsize ? tsh.sh_size / tsh.sh_entsize : 0;
		for (size_t i = 0; i < nt; i++) {
			GElf_Sym sy;
			if (!gelf_getsym(td, (int)i, &sy) || !sy.st_name || sy.st_shndx == SHN_UNDEF ||
			    sy.st_shndx >= SHN_LORESERVE)
				continue;
			int type = GELF_ST_TYPE(sy.st_info), bind = GELF_ST_BIND(sy.st_info);
			const char *name = elf_strptr(e, tsh.sh_link, sy.st_name);
			if (!name || (type != STT_FUNC && type != STT_GNU_IFUNC) || strchr(name, '@') ||
			    strlen(name) >= 256)
				continue;
			if (bind == STB_LOCAL ? !is_named(name) : (bind != STB_GLOBAL && bind != STB_WEAK))
				continue;
			int is_known = 0;
			for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
				if (!strcmp(known[k].name, name))
					is_known = 1;
			if (!is_known && !log_like(name) && !is_named(name))
				continue;
			int f = fn_index(o, name);
			if (f >= 0 && o->fns[f].defined)
				continue; /* exported: seen in .dynsym */
			if ((f = fn_add(o, name, &cap)) < 0 || amap_add(&defs, sy.st_value, f) < 0) {
				free(sym_fn);
				goto nomem;
			}
			o->fns[f].defined = 1;
			o->fns[f].addr = sy.st_value;
			o->fns[f].size = sy.st_size;
			o->fns[f].ifunc = type == STT_GNU_IFUNC;
		}
	}

	/* GOT slots of those functions, from the dynamic relocations. */
	for (Elf_Scn *s = NULL; (s = elf_nextscn(e, s));) {
		GElf_Shdr sh;
		gelf_getshdr(s, &sh);
		if (sh.sh_type != SHT_RELA || elf_ndxscn(dynsym) != sh.sh_link)
			continue;
		Elf_Data *d = elf_getdata(s, NULL);
		size_t n = d && sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; i < n; i++) {
			GElf_Rela r;
			if (!gelf_getrela(d, (int)i, &r))
				break;
			uint64_t type = GELF_R_TYPE(r.r_info), si = GELF_R_SYM(r.r_info);
			if ((type == R_X86_64_JUMP_SLOT || type == R_X86_64_GLOB_DAT) && si < nsyms && sym_fn[si] >= 0)
				if (amap_add(&slots, r.r_offset, sym_fn[si]) < 0) {
					free(sym_fn);
					goto nomem;
				}
		}
	}
	free(sym_fn);
	if (amap_sort(&slots) < 0 || amap_sort(&defs) < 0)
		goto nomem;
	if (!shnum) {
		rc = 0; /* no section headers: imports and exports only */
		goto out;
	}

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		fail(o, "%s: cannot start the x86-64 decoder", path);
		goto out;
	}
	cs_ok = 1;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_OFF);
	cs_option(cs, CS_OPT_SKIPDATA, CS_OPT_ON);
	cs_insn *in = cs_malloc(cs);
	if (!in)
		goto nomem;

	/* PLT stubs: each jumps through one GOT slot. */
	for (Elf_Scn *s = NULL; (s = elf_nextscn(e, s));) {
		GElf_Shdr sh;
		gelf_getshdr(s, &sh);
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    !is_plt_section(elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		uint64_t ent = sh.sh_entsize ? sh.sh_entsize : 16;
		const uint8_t *code = (const uint8_t *)buf + sh.sh_offset;
		size_t size = sh.sh_size;
		uint64_t addr = sh.sh_addr;
		while (cs_disasm_iter(cs, &code, &size, &addr, in)) {
			int call, ind;
			uint64_t t = branch_target(in, &call, &ind);
			int f = ind ? amap_find(&slots, t) : -1;
			if (f >= 0 && amap_add(&stubs, sh.sh_addr + (in->address - sh.sh_addr) / ent * ent, f) < 0) {
				cs_free(in, 1);
				goto nomem;
			}
		}
	}
	if (amap_sort(&stubs) < 0) {
		cs_free(in, 1);
		goto nomem;
	}

	/* The data a call's string arguments may point into. */
	for (Elf_Scn *s = NULL; (s = elf_nextscn(e, s));) {
		GElf_Shdr sh;
		gelf_getshdr(s, &sh);
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_ALLOC) || (sh.sh_flags & SHF_EXECINSTR) ||
		    nds == sizeof ds / sizeof ds[0])
			continue;
		ds[nds++] = (struct datasec){ sh.sh_addr, sh.sh_size, sh.sh_offset };
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cd) == CS_ERR_OK) {
		cd_ok = 1;
		cs_option(cd, CS_OPT_DETAIL, CS_OPT_ON);
	}

	/* The code: every call or jump that reaches one of them. */
	for (Elf_Scn *s = NULL; (s = elf_nextscn(e, s));) {
		GElf_Shdr sh;
		gelf_getshdr(s, &sh);
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    is_plt_section(elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		const uint8_t *code = (const uint8_t *)buf + sh.sh_offset;
		size_t size = sh.sh_size;
		uint64_t addr = sh.sh_addr;
		struct win w = { .n = 0 };
		while (cs_disasm_iter(cs, &code, &size, &addr, in)) {
			int call, ind, f;
			win_push(&w, in);
			uint64_t t = branch_target(in, &call, &ind);
			if (!t)
				continue;
			struct scan_sites *site = NULL;
			if (ind) {
				if ((f = amap_find(&slots, t)) >= 0)
					site = &o->fns[f].via_got;
			} else if ((f = amap_find(&stubs, t)) >= 0) {
				site = &o->fns[f].via_got;
			} else if ((f = amap_find(&defs, t)) >= 0) {
				site = &o->fns[f].direct;
			}
			if (site) {
				if (call)
					site->calls++;
				else
					site->jumps++;
			}
			if (site && call && cd_ok && !o->fns[f].entry_id) {
				if (!o->fns[f].args && !(o->fns[f].args = calloc(1, sizeof *o->fns[f].args))) {
					cs_free(in, 1);
					goto nomem;
				}
				read_args(cd, &w, buf, ds, nds, o->fns[f].args);
			}
		}
	}
	cs_free(in, 1);
	o->counted = 1;
	rc = 0;
	goto out;
nomem:
	fail(o, "%s: out of memory", path);
out:
	if (cs_ok)
		cs_close(&cs);
	if (cd_ok)
		cs_close(&cd);
	amap_free(&stubs);
	amap_free(&slots);
	amap_free(&defs);
	if (e)
		elf_end(e);
	free(buf);
	return rc;
}

void scan_obj_free(struct scan_obj *o)
{
	free(o->path);
	free(o->name);
	free(o->soname);
	free(o->error);
	free(o->patch_error);
	for (size_t i = 0; i < o->nneeded; i++)
		free(o->needed[i]);
	free(o->needed);
	free(o->rpath);
	free(o->runpath);
	for (size_t i = 0; i < o->nfns; i++) {
		free(o->fns[i].name);
		free(o->fns[i].patch_class);
		free(o->fns[i].patch_why);
		free(o->fns[i].args);
	}
	free(o->fns);
	memset(o, 0, sizeof *o);
}
