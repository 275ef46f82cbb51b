/* The shim's own look-ups: a symbol's definition found in the loaded
 * objects' hash tables (dynamic sections read in memory, as the dynamic
 * linker left them), in place of dlsym, which would set or clear the
 * program's dlerror() state; the real dlopen, dlmopen and dlclose for the
 * shim's own use; and a copy of a string that may not be readable. Runs in
 * the slow path, wrappers and start-up; never in the hot path. */
#include "lt.h"
#include "symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/uio.h>
#include <unistd.h>

/* ---- reading memory that may not be there ------------------------------ */

struct seg_find {
	uintptr_t p;
	size_t avail;
};

static int seg_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct seg_find *sf = arg;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R))
			continue;
		uintptr_t lo = (uintptr_t)info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (sf->p >= lo && sf->p < hi) {
			sf->avail = hi - sf->p;
			return 1;
		}
	}
	return 0;
}

/* Bytes readable from p on, when p lies in a readable segment of a loaded
 * object (string literals: __FILE__, __func__); 0 otherwise. */
static size_t object_bytes(const void *p)
{
	struct seg_find sf = { (uintptr_t)p, 0 };
	dl_iterate_phdr(seg_of, &sf);
	return sf.avail;
}

/* Whether a seccomp filter may be on: then process_vm_readv could be the
 * call that kills the process (systemd's SystemCallFilter= without
 * SystemCallErrorNumber=). Read from /proc/self/status (open and read pass
 * any filter a daemon runs under); once on, it stays on. Unknown: on. */
static int seccomp_maybe_on(void)
{
	static int on;
	if (__atomic_load_n(&on, __ATOMIC_RELAXED))
		return 1;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	char buf[513];
	size_t keep = 0;
	int found = -1;
	for (;;) {
		ssize_t n = read(fd, buf + keep, sizeof buf - 1 - keep);
		if (n <= 0)
			break;
		buf[keep + (size_t)n] = 0;
		char *at = strstr(buf, "\nSeccomp:");
		if (at && strchr(at + 10, '\n')) {
			const char *v = at + 10;
			while (*v == ' ' || *v == '\t')
				v++;
			found = *v != '0';
			break;
		}
		/* keep the tail: the field may straddle two reads */
		size_t len = keep + (size_t)n, t = len < 32 ? len : 32;
		memmove(buf, buf + len - t, t);
		keep = t;
	}
	close(fd);
	if (found != 0)
		__atomic_store_n(&on, 1, __ATOMIC_RELAXED);
	return found != 0;
}

/* Up to n bytes at src: the number copied, or -1 when src cannot be read
 * without risk. Never faults, never makes a call a seccomp filter may
 * punish: an object's own segments are read directly; other memory
 * (heap, stacks) through process_vm_readv on ourselves, which fails with
 * EFAULT instead of faulting and stops at the first unreadable page, when
 * no filter is on; else it is left unread. */
static ssize_t read_mem(void *dst, const void *src, size_t n, int str)
{
	if ((uintptr_t)src < 4096 || !n)
		return -1;
	size_t in = object_bytes(src);
	if (in) {
		n = n < in ? n : in;
		/* a string: up to its NUL, not beyond (the bytes after a literal
		 * are another object's, or a sanitizer's red zone) */
		if (str)
			n = strnlen(src, n);
		memcpy(dst, src, n);
		return (ssize_t)n;
	}
	if (seccomp_maybe_on())
		return -1;
	struct iovec l = { dst, n }, r = { (void *)src, n };
	ssize_t got = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	return got > 0 ? got : -1; /* EFAULT, or not allowed here: do not guess */
}

int lt_safe_copy(char *dst, const char *src, size_t cap)
{
	ssize_t n = read_mem(dst, src, cap - 1, 1);
	if (n < 0)
		return 0;
	dst[n] = 0;
	return 1;
}

size_t lt_safe_read(void *dst, const void *src, size_t n)
{
	ssize_t got = read_mem(dst, src, n, 0);
	return got > 0 ? (size_t)got : 0;
}

/* ---- an object's dynamic section ---------------------------------------- */

/* Addresses in the dynamic section: glibc stores them relocated, other
 * loaders (and the vDSO) leave them as linked. */
static uint64_t dyn_addr(const struct lt_obj *o, uint64_t v)
{
	return v >= o->lo && v < o->hi ? v : v + o->bias;
}

int lt_obj_read(const struct dl_phdr_info *info, struct lt_obj *o)
{
	memset(o, 0, sizeof *o);
	o->bias = info->dlpi_addr;
	o->lo = UINT64_MAX;
	const ElfW(Dyn) *dyn = NULL;
	uint64_t page = getauxval(AT_PAGESZ);
	if (!page)
		page = 4096;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD) {
			if (a < o->lo)
				o->lo = a;
			if (a + ph->p_memsz > o->hi)
				o->hi = a + ph->p_memsz;
		} else if (ph->p_type == PT_DYNAMIC) {
			dyn = (const ElfW(Dyn) *)a;
		} else if (ph->p_type == PT_GNU_RELRO) {
			/* as ld.so's _dl_protect_relro rounds them */
			o->relro_lo = a & ~(page - 1);
			o->relro_hi = (a + ph->p_memsz) & ~(page - 1);
		}
	}
	if (!dyn || o->lo >= o->hi)
		return -1;
	uint64_t pltrel = DT_RELA;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uint64_t v = dyn->d_un.d_val;
		switch (dyn->d_tag) {
		case DT_SYMTAB: o->symtab = (const ElfW(Sym) *)dyn_addr(o, v); break;
		case DT_STRTAB: o->strtab = (const char *)dyn_addr(o, v); break;
		case DT_STRSZ: o->strsz = v; break;
		case DT_JMPREL: o->rel[0] = (const ElfW(Rela) *)dyn_addr(o, v); break;
		case DT_PLTRELSZ: o->relsz[0] = v; break;
		case DT_PLTREL: pltrel = v; break;
		case DT_RELA: o->rel[1] = (const ElfW(Rela) *)dyn_addr(o, v); break;
		case DT_RELASZ: o->relsz[1] = v; break;
		case DT_GNU_HASH: o->gnu_hash = (const uint32_t *)dyn_addr(o, v); break;
		case DT_HASH: o->sysv_hash = (const uint32_t *)dyn_addr(o, v); break;
		case DT_VERSYM: o->versym = (const ElfW(Half) *)dyn_addr(o, v); break;
		}
	}
	if (pltrel != DT_RELA)
		o->rel[0] = NULL; /* REL relocations do not occur on x86-64 */
	return o->symtab && o->strtab ? 0 : -1;
}

const char *lt_sym_name(const struct lt_obj *o, const ElfW(Sym) *s)
{
	return s->st_name < o->strsz ? o->strtab + s->st_name : "";
}

struct all_walk {
	int (*fn)(const struct lt_obj *o, const struct lt_fn_slot *s, void *ctx);
	void *ctx;
};

static int all_each(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	const struct all_walk *w = arg;
	struct lt_obj o;
	if (!lt_obj_is_self(info) && lt_obj_read(info, &o) == 0)
		lt_obj_fn_slots(&o, w->fn, w->ctx);
	return 0;
}

void lt_all_fn_slots(int (*fn)(const struct lt_obj *o, const struct lt_fn_slot *s, void *ctx), void *ctx)
{
	struct all_walk w = { fn, ctx };
	dl_iterate_phdr(all_each, &w);
}

void lt_obj_fn_slots(const struct lt_obj *o, int (*fn)(const struct lt_obj *o, const struct lt_fn_slot *s, void *ctx),
		     void *ctx)
{
	for (int r = 0; r < 2; r++) {
		size_t n = o->rel[r] ? o->relsz[r] / sizeof(ElfW(Rela)) : 0;
		for (size_t i = 0; i < n; i++) {
			const ElfW(Rela) *rl = &o->rel[r][i];
			uint32_t type = ELF64_R_TYPE(rl->r_info), si = ELF64_R_SYM(rl->r_info);
			if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) || !si)
				continue;
			const ElfW(Sym) *sym = &o->symtab[si];
			int stype = ELF64_ST_TYPE(sym->st_info);
			if (stype == STT_OBJECT || stype == STT_TLS || stype == STT_GNU_IFUNC)
				continue; /* a variable of that name, never a stub */
			struct lt_fn_slot s = { sym, lt_sym_name(o, sym), (uint64_t *)(o->bias + rl->r_offset),
						sym->st_shndx != SHN_UNDEF ? o->bias + sym->st_value : 0 };
			if (fn(o, &s, ctx))
				return;
		}
	}
}

/* A definition the dynamic linker would bind a reference to: defined,
 * global or weak, not hidden, and the default version. */
static int sym_binds(const struct lt_obj *o, uint32_t i, int data)
{
	const ElfW(Sym) *s = &o->symtab[i];
	int bind = ELF64_ST_BIND(s->st_info), type = ELF64_ST_TYPE(s->st_info);
	if (s->st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK))
		return 0;
	if (type != (data ? STT_OBJECT : STT_FUNC) && type != STT_NOTYPE)
		return 0; /* IFUNCs need their resolver run: not hooked */
	if (ELF64_ST_VISIBILITY(s->st_other) == STV_HIDDEN || ELF64_ST_VISIBILITY(s->st_other) == STV_INTERNAL)
		return 0;
	return !o->versym || !(o->versym[i] & 0x8000);
}

static uint32_t gnu_hash_of(const char *s)
{
	uint32_t h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static uint32_t sysv_hash_of(const char *s)
{
	uint32_t h = 0;
	for (; *s; s++) {
		h = (h << 4) + (unsigned char)*s;
		h ^= (h >> 24) & 0xf0;
	}
	return h & 0x0fffffff;
}

/* The object's own definition of name (a function, or with data a
 * variable), or 0. */
uint64_t lt_obj_lookup(const struct lt_obj *o, const char *name, int data)
{
	if (o->gnu_hash) {
		const uint32_t *g = o->gnu_hash;
		uint32_t nbuckets = g[0], symoffset = g[1], bloom_size = g[2], shift = g[3];
		if (!nbuckets || !bloom_size)
			return 0;
		const uint64_t *bloom = (const uint64_t *)&g[4];
		const uint32_t *buckets = (const uint32_t *)&bloom[bloom_size];
		const uint32_t *chain = &buckets[nbuckets];
		uint32_t h = gnu_hash_of(name);
		uint64_t word = bloom[(h / 64) % bloom_size];
		uint64_t mask = (1ull << (h % 64)) | (1ull << ((h >> shift) % 64));
		if ((word & mask) != mask)
			return 0;
		uint32_t i = buckets[h % nbuckets];
		if (i < symoffset)
			return 0;
		for (;; i++) {
			uint32_t h2 = chain[i - symoffset];
			if ((h | 1) == (h2 | 1) && !strcmp(name, lt_sym_name(o, &o->symtab[i])) && sym_binds(o, i, data))
				return o->bias + o->symtab[i].st_value;
			if (h2 & 1)
				return 0;
		}
	}
	if (o->sysv_hash) {
		uint32_t nbucket = o->sysv_hash[0], nchain = o->sysv_hash[1];
		if (!nbucket)
			return 0;
		const uint32_t *bucket = &o->sysv_hash[2], *chain = &bucket[nbucket];
		for (uint32_t i = bucket[sysv_hash_of(name) % nbucket]; i && i < nchain; i = chain[i])
			if (!strcmp(name, lt_sym_name(o, &o->symtab[i])) && sym_binds(o, i, data))
				return o->bias + o->symtab[i].st_value;
	}
	return 0;
}

/* Whether the object is liblogtax itself. */
int lt_obj_is_self(const struct dl_phdr_info *info)
{
	uint64_t me = (uint64_t)lt_find_next;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && me >= a && me < a + ph->p_memsz)
			return 1;
	}
	return 0;
}

/* ---- a definition by name ------------------------------------------------- */

struct find_ctx {
	const char *name;
	uint64_t addr;
	int data;
};

/* The first object in load order that defines it (the main program, then
 * the libraries as loaded): the global scope's answer for objects in it. */
static int find_def(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct find_ctx *c = arg;
	struct lt_obj o;
	if (lt_obj_is_self(info) || lt_obj_read(info, &o) < 0)
		return 0;
	c->addr = lt_obj_lookup(&o, c->name, c->data);
	return c->addr != 0;
}

static uint64_t definition_of(const char *name, int data)
{
	struct find_ctx c = { name, 0, data };
	dl_iterate_phdr(find_def, &c);
	return c.addr;
}

void *lt_find_symbol(const char *name, int data)
{
	return (void *)definition_of(name, data);
}

/* The definition dlsym(RTLD_NEXT) would give us: the first object after
 * ours in load order that defines it; failing that, one before ours (the
 * main program). Objects opened with RTLD_LOCAL are in the walk too. No
 * dl* call: the program's dlerror() state is left as it was. */
struct next_ctx {
	const char *name;
	uint64_t after, before;
	int past_self;
};

static int find_next(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct next_ctx *c = arg;
	struct lt_obj o;
	if (lt_obj_is_self(info)) {
		c->past_self = 1;
		return 0;
	}
	if (lt_obj_read(info, &o) < 0)
		return 0;
	uint64_t a = lt_obj_lookup(&o, c->name, 0);
	if (a && c->past_self) {
		c->after = a;
		return 1;
	}
	if (a && !c->before)
		c->before = a;
	return 0;
}

void *lt_find_next(const char *name)
{
	struct next_ctx c = { name, 0, 0, 0 };
	dl_iterate_phdr(find_next, &c);
	return (void *)(c.after ? c.after : c.before);
}

/* ---- the real dlopen, dlmopen and dlclose ---------------------------------- */

static void *real_dl[3];

void *lt_real_dl_fn(unsigned which)
{
	static const char *const names[3] = { "dlopen", "dlmopen", "dlclose" };
	if (!real_dl[which])
		real_dl[which] = lt_find_next(names[which]);
	return real_dl[which];
}

void *lt_real_dlopen(const char *file, int mode)
{
	void *(*f)(const char *, int) = (void *(*)(const char *, int))lt_real_dl_fn(LT_DL_OPEN);
	return f ? f(file, mode) : NULL;
}

int lt_real_dlclose(void *handle)
{
	int (*f)(void *) = (int (*)(void *))lt_real_dl_fn(LT_DL_CLOSE);
	return f ? f(handle) : -1;
}
