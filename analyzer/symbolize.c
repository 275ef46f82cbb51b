/* See symbolize.h. One libdwfl session per data file: each MODULE record whose
 * file checks out is reported with dwfl_report_elf at its recorded bias, so
 * absolute addresses from the run can be looked up as they are. */
#include "symbolize.h"
#include "../common/ltx_read.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct mod {
	const struct ltx_r_module *rec;
	const char *base;
	enum an_mod_status status;
	Dwfl_Module *dm; /* NULL unless status is OK or UNVERIFIED */
};

/* A cache slot: key 0 is empty (address 0 is never looked up through it). */
struct slot {
	uint64_t key;
	void *val;
};

struct cache {
	struct slot *slots;
	size_t mask, used;
};

struct an_symbolizer {
	const struct ltx_file *f;
	Dwfl *dwfl;
	Dwfl_Callbacks cb;
	char *debuginfo_path;
	struct mod *mods;
	struct cache syms[2], tmpls; /* syms[is_return] */
	struct cache sites;          /* named by the calls: lists of struct site_sym */
	struct an_sym none_sym; /* address 0 */
	struct an_tmpl none_tmpl;
};

const char *an_mod_status_name(enum an_mod_status st)
{
	switch (st) {
	case AN_MOD_OK: return "ok";
	case AN_MOD_UNVERIFIED: return "unverified";
	case AN_MOD_NONE: return "no module";
	case AN_MOD_NO_FILE: return "no file";
	case AN_MOD_GONE: return "file gone";
	case AN_MOD_CHANGED: return "file changed";
	case AN_MOD_BAD: return "not ELF";
	}
	return "?";
}

const char *an_named_name(enum an_named n)
{
	switch (n) {
	case AN_NAMED_NONE: return "none";
	case AN_NAMED_SYMTAB: return "symbol table";
	case AN_NAMED_DEBUGINFO: return "debuginfo";
	case AN_NAMED_ARGS: return "call's arguments";
	}
	return "?";
}

/* A call site named by its calls' arguments; the ones at one address
 * (normally one) chained. */
struct site_sym {
	struct an_sym y;
	struct site_sym *next;
};

const char *an_tmpl_status_name(enum an_tmpl_status st)
{
	switch (st) {
	case AN_TMPL_OK: return "ok";
	case AN_TMPL_NONE: return "none";
	case AN_TMPL_WRITABLE: return "writable";
	case AN_TMPL_RUNTIME: return "runtime";
	case AN_TMPL_NO_SECTION: return "no section";
	case AN_TMPL_MODULE: return "module";
	}
	return "?";
}

static void *cache_get(const struct cache *c, uint64_t key)
{
	if (!c->slots)
		return NULL;
	for (size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20);; i++) {
		const struct slot *s = &c->slots[i & c->mask];
		if (s->key == key)
			return s->val;
		if (!s->key)
			return NULL;
	}
}

static int cache_put(struct cache *c, uint64_t key, void *val)
{
	if ((c->used + 1) * 2 > c->mask + 1 || !c->slots) {
		size_t n = c->slots ? (c->mask + 1) * 2 : 64;
		struct slot *ns = calloc(n, sizeof *ns);
		if (!ns)
			return -1;
		for (size_t i = 0; c->slots && i <= c->mask; i++) {
			struct slot *s = &c->slots[i];
			if (!s->key)
				continue;
			size_t j = (size_t)(s->key * 0x9e3779b97f4a7c15ull >> 20);
			while (ns[j & (n - 1)].key)
				j++;
			ns[j & (n - 1)] = *s;
		}
		free(c->slots);
		c->slots = ns;
		c->mask = n - 1;
	}
	size_t j = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20);
	while (c->slots[j & c->mask].key)
		j++;
	c->slots[j & c->mask].key = key;
	c->slots[j & c->mask].val = val;
	c->used++;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

/* Checks the file of one module against its record; on success reports it to
 * libdwfl at the recorded bias. */
static void check_module(struct an_symbolizer *s, struct mod *m)
{
	const struct ltx_r_module *r = m->rec;
	m->base = base_name(r->path);
	/* The vDSO and other objects that exist only in memory have no file. */
	if (r->path[0] != '/' && (!r->path[0] || !strncmp(r->path, "linux-vdso", 10) ||
				  !strncmp(r->path, "linux-gate", 10) || r->path[0] == '[')) {
		m->status = AN_MOD_NO_FILE;
		return;
	}
	/* O_NONBLOCK and a regular-file check: a damaged or hostile data file
	 * may name a FIFO or a device, which must not hang or be read. */
	int fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		m->status = errno == ENOENT || errno == ENOTDIR ? AN_MOD_GONE : AN_MOD_BAD;
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		m->status = AN_MOD_BAD;
		return;
	}
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		m->status = AN_MOD_BAD;
		return;
	}
	const void *bid = NULL;
	ssize_t blen = dwelf_elf_gnu_build_id(elf, &bid);
	/* bid points into elf's data: compare before elf_end */
	int differs = blen <= 0 || (size_t)blen != r->m.build_id_len || memcmp(bid, r->build_id, (size_t)blen);
	elf_end(elf);
	if (r->m.build_id_len == 0) {
		m->status = AN_MOD_UNVERIFIED;
	} else if (differs) {
		close(fd);
		m->status = AN_MOD_CHANGED;
		return;
	} else {
		m->status = AN_MOD_OK;
	}
	/* add_p_vaddr: the base given is the load bias (dlpi_addr), as recorded. */
	m->dm = dwfl_report_elf(s->dwfl, m->base, r->path, fd, r->m.bias, true);
	if (!m->dm) {
		close(fd);
		m->status = AN_MOD_BAD;
	}
}

struct an_symbolizer *an_sym_open(const struct ltx_file *f, const char *debuginfo_path)
{
	struct an_symbolizer *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->f = f;
	s->mods = calloc(f->nmodules + 1, sizeof *s->mods);
	if (!s->mods) {
		free(s);
		return NULL;
	}
	/* The user's directories first, then elfutils' own default. */
	if (debuginfo_path && *debuginfo_path) {
		size_t n = strlen(debuginfo_path) + 32;
		s->debuginfo_path = malloc(n);
		if (s->debuginfo_path)
			snprintf(s->debuginfo_path, n, "%s::.debug:/usr/lib/debug", debuginfo_path);
	}
	s->cb.find_elf = dwfl_build_id_find_elf;
	s->cb.find_debuginfo = dwfl_standard_find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = s->debuginfo_path ? &s->debuginfo_path : NULL;
	elf_version(EV_CURRENT);
	s->dwfl = dwfl_begin(&s->cb);
	if (s->dwfl)
		dwfl_report_begin(s->dwfl);
	for (size_t i = 0; i < f->nmodules; i++) {
		s->mods[i].rec = &f->modules[i];
		if (s->dwfl)
			check_module(s, &s->mods[i]);
		else
			s->mods[i].status = AN_MOD_BAD;
	}
	if (s->dwfl)
		dwfl_report_end(s->dwfl, NULL, NULL);
	s->none_sym.label = "0x0";
	s->none_sym.status = AN_MOD_NONE;
	s->none_tmpl.status = AN_TMPL_NONE;
	return s;
}

static void free_sym(struct an_sym *y)
{
	if (!y)
		return;
	free((char *)y->function);
	free((char *)y->inlined_into);
	free((char *)y->file);
	free((char *)y->label);
	free(y);
}

void an_sym_close(struct an_symbolizer *s)
{
	if (!s)
		return;
	for (int r = 0; r < 2; r++) {
		for (size_t i = 0; s->syms[r].slots && i <= s->syms[r].mask; i++)
			if (s->syms[r].slots[i].key)
				free_sym(s->syms[r].slots[i].val);
		free(s->syms[r].slots);
	}
	for (size_t i = 0; s->sites.slots && i <= s->sites.mask; i++)
		for (struct site_sym *n = s->sites.slots[i].key ? s->sites.slots[i].val : NULL, *nx; n; n = nx) {
			nx = n->next;
			free((char *)n->y.function);
			free((char *)n->y.file);
			free((char *)n->y.label);
			free(n);
		}
	free(s->sites.slots);
	for (size_t i = 0; s->tmpls.slots && i <= s->tmpls.mask; i++)
		if (s->tmpls.slots[i].key) {
			struct an_tmpl *t = s->tmpls.slots[i].val;
			free((char *)t->text);
			free(t);
		}
	free(s->tmpls.slots);
	if (s->dwfl)
		dwfl_end(s->dwfl);
	free(s->mods);
	free(s->debuginfo_path);
	free(s);
}

enum an_mod_status an_sym_module_status(const struct an_symbolizer *s, size_t n)
{
	return n < s->f->nmodules ? s->mods[n].status : AN_MOD_NONE;
}

static struct mod *module_of(struct an_symbolizer *s, uint64_t addr, uint32_t unloads)
{
	const struct ltx_r_module *r = ltx_find_module_at(s->f, addr, unloads);
	return r ? &s->mods[r - s->f->modules] : NULL;
}

/* Cache key: the address, and which module it was taken in (libraries
 * unloaded and loaded over each other share addresses). User-space
 * addresses leave the top 16 bits free. */
static uint64_t cache_key(struct an_symbolizer *s, uint64_t addr, const struct mod *m)
{
	return m ? (addr & 0xffffffffffffull) | (uint64_t)((m - s->mods) + 1) << 48 : addr;
}

static char *dup_or_null(const char *v)
{
	return v ? strdup(v) : NULL;
}

/* The name of a DWARF subprogram or inlined instance (the name may be on the
 * abstract origin). */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *n = NULL;
	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) || dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
		n = dwarf_formstring(&a);
	if (!n && dwarf_attr_integrate(die, DW_AT_name, &a))
		n = dwarf_formstring(&a);
	return n;
}

/* Function, inlining and source line of pc in a module libdwfl knows. */
static void resolve(struct an_sym *y, Dwfl_Module *dm, uint64_t pc)
{
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *symname = dwfl_module_addrinfo(dm, pc, &off, &sym, NULL, NULL, NULL);
	if (symname && *symname) {
		/* "__libc_start_main@@GLIBC_2.34": the symbol version is not part of the name */
		const char *at = strchr(symname, '@');
		y->function = at && at > symname ? strndup(symname, (size_t)(at - symname)) : strdup(symname);
		y->func_off = off;
		y->named_by = AN_NAMED_SYMTAB;
	}
	Dwfl_Line *l = dwfl_module_getsrc(dm, pc);
	if (l) {
		int line = 0;
		const char *src = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
		if (src && *src && line > 0) {
			/* A relative name is relative to the compilation directory. */
			const char *dir = src[0] != '/' ? dwfl_line_comp_dir(l) : NULL;
			if (dir && *dir) {
				size_t n = strlen(dir) + strlen(src) + 2;
				char *full = malloc(n);
				if (full)
					snprintf(full, n, "%s/%s", dir, src);
				y->file = full;
			} else {
				y->file = strdup(src);
			}
			y->line = line;
			y->named_by = AN_NAMED_DEBUGINFO;
		}
	}
	/* Inlined code: name the innermost function, say where it was inlined. */
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = dwfl_module_addrdie(dm, pc, &bias);
	if (!cu)
		return;
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes(cu, pc - bias, &scopes);
	for (int i = 0; i < n; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
			continue;
		const char *inner = die_name(&scopes[i]);
		if (tag == DW_TAG_inlined_subroutine && inner) {
			/* The outer function: the next subprogram scope, else the symbol. */
			const char *outer = NULL;
			for (int j = i + 1; j < n && !outer; j++)
				if (dwarf_tag(&scopes[j]) == DW_TAG_subprogram)
					outer = die_name(&scopes[j]);
			if (!outer)
				outer = y->function;
			char *o = dup_or_null(outer);
			free((char *)y->function);
			y->function = strdup(inner);
			y->inlined_into = o;
		} else if (!y->function && inner) {
			y->function = strdup(inner);
			y->named_by = AN_NAMED_DEBUGINFO;
		}
		break;
	}
	free(scopes);
}

static char *make_label(const struct an_sym *y)
{
	char buf[1024];
	if (y->function && y->file)
		snprintf(buf, sizeof buf, "%s (%s:%d)", y->function, base_name(y->file), y->line);
	else if (y->function && y->inlined_into)
		snprintf(buf, sizeof buf, "%s (in %s, %s)", y->function, y->inlined_into, y->mod_base);
	else if (y->function)
		snprintf(buf, sizeof buf, "%s+0x%llx (%s)", y->function, (unsigned long long)y->func_off, y->mod_base);
	else if (y->mod_base)
		snprintf(buf, sizeof buf, "%s+0x%llx", y->mod_base, (unsigned long long)y->offset);
	else
		snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)y->addr);
	return strdup(buf);
}

const struct an_sym *an_sym_lookup_at(struct an_symbolizer *s, uint64_t addr, int is_return, uint32_t unloads)
{
	if (!addr)
		return &s->none_sym;
	struct cache *c = &s->syms[is_return ? 1 : 0];
	struct mod *m = module_of(s, addr, unloads);
	uint64_t key = cache_key(s, addr, m);
	struct an_sym *y = cache_get(c, key);
	if (y)
		return y;
	y = calloc(1, sizeof *y);
	if (!y)
		return &s->none_sym;
	y->addr = addr;
	if (!m) {
		y->status = AN_MOD_NONE;
	} else {
		y->module = m->rec->path;
		y->mod_base = m->base;
		y->offset = addr - m->rec->m.bias;
		y->status = m->status;
		if (m->dm) {
			uint64_t pc = is_return && addr > m->rec->m.lo ? addr - 1 : addr;
			resolve(y, m->dm, pc); /* this module's, not whichever else covers pc */
		}
	}
	y->label = make_label(y);
	if (!y->label || cache_put(c, key, y) < 0) {
		free_sym(y);
		return &s->none_sym;
	}
	return y;
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

const struct an_sym *an_sym_lookup_site(struct an_symbolizer *s, uint64_t addr, uint32_t unloads, const char *func,
					const char *file, uint32_t line)
{
	const struct an_sym *y0 = an_sym_lookup_at(s, addr, 1, unloads);
	if (!addr || y0->file || (!func && !file))
		return y0; /* the debug information says where the call is: it has the last word */
	uint64_t key = cache_key(s, addr, module_of(s, addr, unloads));
	struct site_sym *first = cache_get(&s->sites, key);
	for (struct site_sym *n = first; n; n = n->next)
		if (same_str(n->y.function, func) && same_str(n->y.file, file) && (uint32_t)n->y.line == line)
			return &n->y;
	struct site_sym *n = calloc(1, sizeof *n);
	if (!n)
		return y0;
	n->y = *y0;
	n->y.function = func ? strdup(func) : NULL;
	n->y.inlined_into = NULL;
	n->y.file = file ? strdup(file) : NULL;
	n->y.line = file ? (int)line : 0;
	n->y.named_by = AN_NAMED_ARGS;
	/* Stable across runs like the others: no address in it when a name is there. */
	char buf[1024];
	const char *where = y0->mod_base ? y0->mod_base : "no module";
	if (func && file)
		snprintf(buf, sizeof buf, "%s (%s:%u)", func, base_name(file), line);
	else if (func)
		snprintf(buf, sizeof buf, "%s (%s)", func, where);
	else
		snprintf(buf, sizeof buf, "%s (%s:%u)", y0->label, base_name(file), line);
	n->y.label = strdup(buf);
	if ((func && !n->y.function) || (file && !n->y.file) || !n->y.label) {
		free((char *)n->y.function);
		free((char *)n->y.file);
		free((char *)n->y.label);
		free(n);
		return y0;
	}
	n->next = first;
	if (first) {
		/* second name at this address: chain it after the first */
		n->next = first->next;
		first->next = n;
	} else if (cache_put(&s->sites, key, n) < 0) {
		free((char *)n->y.function);
		free((char *)n->y.file);
		free((char *)n->y.label);
		free(n);
		return y0;
	}
	return &n->y;
}

const struct an_sym *an_sym_lookup(struct an_symbolizer *s, uint64_t addr, int is_return)
{
	return an_sym_lookup_at(s, addr, is_return, UINT32_MAX);
}

/* The NUL-terminated string at vaddr in the ELF file's own terms. */
static void read_string(struct an_tmpl *t, Elf *elf, uint64_t vaddr)
{
	Elf_Scn *scn = NULL;
	t->status = AN_TMPL_NO_SECTION;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS)
			continue;
		if (vaddr < sh.sh_addr || vaddr - sh.sh_addr >= sh.sh_size)
			continue;
		Elf_Data *d = elf_rawdata(scn, NULL);
		if (!d || !d->d_buf)
			return;
		uint64_t at = vaddr - sh.sh_addr;
		if (at >= d->d_size)
			return;
		const char *p = (const char *)d->d_buf + at;
		size_t left = d->d_size - at, n = strnlen(p, left < AN_TMPL_MAX ? left : AN_TMPL_MAX);
		char *text = malloc(n + 1);
		if (!text)
			return;
		memcpy(text, p, n);
		text[n] = 0;
		t->text = text;
		t->cut = n == AN_TMPL_MAX;
		t->status = (sh.sh_flags & SHF_WRITE) ? AN_TMPL_WRITABLE : AN_TMPL_OK;
		return;
	}
}

const struct an_tmpl *an_sym_template_at(struct an_symbolizer *s, uint64_t addr, uint32_t unloads)
{
	if (!addr)
		return &s->none_tmpl;
	struct mod *m = module_of(s, addr, unloads);
	uint64_t key = cache_key(s, addr, m);
	struct an_tmpl *t = cache_get(&s->tmpls, key);
	if (t)
		return t;
	t = calloc(1, sizeof *t);
	if (!t)
		return &s->none_tmpl;
	t->addr = addr;
	if (!m) {
		t->status = AN_TMPL_RUNTIME;
		t->mod_status = AN_MOD_NONE;
	} else if (!m->dm) {
		t->status = AN_TMPL_MODULE;
		t->mod_status = m->status;
	} else {
		t->mod_status = m->status;
		Dwarf_Addr bias = 0;
		Elf *elf = dwfl_module_getelf(m->dm, &bias);
		if (elf)
			read_string(t, elf, addr - bias);
		else
			t->status = AN_TMPL_MODULE;
	}
	if (cache_put(&s->tmpls, key, t) < 0) {
		free((char *)t->text);
		free(t);
		return &s->none_tmpl;
	}
	return t;
}

const struct an_tmpl *an_sym_template(struct an_symbolizer *s, uint64_t addr)
{
	return an_sym_template_at(s, addr, UINT32_MAX);
}
