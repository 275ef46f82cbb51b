/* ELF symbol lookup in files (see elfsym.h). A small reader of our own:
 * the shim links nothing but libc, and this runs inside the program. Every
 * access goes through at() or vat(), which check the range against the
 * file's size, so a damaged file reads as "not found", never as a crash. */
#include "elfsym.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *lt_sym_debug_root = "/usr/lib/debug";

struct elf {
	const uint8_t *m;
	uint64_t n;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	unsigned phnum;
	const Elf64_Shdr *sh;
	unsigned shnum;
	const char *shstr;
	uint64_t shstrsz;
};

/* len bytes at off, or NULL if they are not all in the file */
static const void *at(const struct elf *e, uint64_t off, uint64_t len)
{
	if (off > e->n || len > e->n - off)
		return NULL;
	return e->m + off;
}

static void elf_close(struct elf *e)
{
	if (e->m)
		munmap((void *)e->m, e->n);
	e->m = NULL;
}

static int elf_open(struct elf *e, const char *path, const char **why)
{
	memset(e, 0, sizeof *e);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return *why = "the file cannot be opened", -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return *why = "not a regular file of ELF size", -1;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return *why = "the file cannot be mapped", -1;
	e->m = m;
	e->n = (uint64_t)st.st_size;
	e->eh = m;
	const Elf64_Ehdr *h = e->eh;
	if (memcmp(h->e_ident, ELFMAG, SELFMAG) || h->e_ident[EI_CLASS] != ELFCLASS64 ||
	    h->e_ident[EI_DATA] != ELFDATA2LSB) {
		elf_close(e);
		return *why = "not a 64-bit little-endian ELF file", -1;
	}
	/* the tables are read in place: misaligned ones are not read at all */
	if (h->e_phoff && !(h->e_phoff & 7) && h->e_phentsize == sizeof(Elf64_Phdr) &&
	    (e->ph = at(e, h->e_phoff, (uint64_t)h->e_phnum * sizeof(Elf64_Phdr))))
		e->phnum = h->e_phnum;
	if (h->e_shoff && !(h->e_shoff & 7) && h->e_shentsize == sizeof(Elf64_Shdr)) {
		const Elf64_Shdr *s0 = at(e, h->e_shoff, sizeof(Elf64_Shdr));
		uint64_t shnum = h->e_shnum ? h->e_shnum : s0 ? s0->sh_size : 0; /* extended numbering */
		if (shnum < (1u << 24) && (e->sh = at(e, h->e_shoff, shnum * sizeof(Elf64_Shdr)))) {
			e->shnum = (unsigned)shnum;
			uint64_t si = h->e_shstrndx == SHN_XINDEX ? e->sh[0].sh_link : h->e_shstrndx;
			if (si && si < e->shnum && e->sh[si].sh_type == SHT_STRTAB &&
			    (e->shstr = at(e, e->sh[si].sh_offset, e->sh[si].sh_size)))
				e->shstrsz = e->sh[si].sh_size;
		}
	}
	return 0;
}

static const char *str_at(const char *tab, uint64_t tabsz, uint64_t off)
{
	if (!tab || off >= tabsz || !memchr(tab + off, 0, tabsz - off))
		return NULL;
	return tab + off;
}

static const Elf64_Shdr *section_named(const struct elf *e, const char *name)
{
	for (unsigned i = 1; i < e->shnum; i++) {
		const char *s = str_at(e->shstr, e->shstrsz, e->sh[i].sh_name);
		if (s && !strcmp(s, name))
			return &e->sh[i];
	}
	return NULL;
}

static const void *sec_data(const struct elf *e, const Elf64_Shdr *s)
{
	return s && s->sh_type != SHT_NOBITS ? at(e, s->sh_offset, s->sh_size) : NULL;
}

/* len bytes at address v (as linked), through the PT_LOAD that holds it */
static const uint8_t *vat(const struct elf *e, uint64_t v, uint64_t len)
{
	for (unsigned i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type == PT_LOAD && v >= p->p_vaddr && v - p->p_vaddr < p->p_filesz &&
		    len <= p->p_filesz - (v - p->p_vaddr))
			return at(e, p->p_offset + (v - p->p_vaddr), len);
	}
	return NULL;
}

/* ---- symbols -------------------------------------------------------------- */

struct found {
	uint64_t value, size;
	int global;   /* a global or weak definition was found */
	int nlocal;   /* distinct addresses of local ones */
	int ifunc;
};

static int name_matches(const char *s, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(s, name, n) && (s[n] == 0 || s[n] == '@');
}

/* Looks name up in every symbol section of type type. */
static void sym_scan(const struct elf *e, uint32_t type, const char *name, struct found *f)
{
	for (unsigned i = 1; i < e->shnum; i++) {
		const Elf64_Shdr *s = &e->sh[i];
		if (s->sh_type != type || s->sh_entsize != sizeof(Elf64_Sym) || s->sh_link >= e->shnum ||
		    (s->sh_offset & 7))
			continue;
		const Elf64_Sym *sym = sec_data(e, s);
		const Elf64_Shdr *ss = &e->sh[s->sh_link];
		const char *str = ss->sh_type == SHT_STRTAB ? sec_data(e, ss) : NULL;
		if (!sym || !str)
			continue;
		uint64_t nsym = s->sh_size / sizeof(Elf64_Sym);
		for (uint64_t k = 1; k < nsym; k++) {
			const Elf64_Sym *y = &sym[k];
			int t = ELF64_ST_TYPE(y->st_info), b = ELF64_ST_BIND(y->st_info);
			if (y->st_shndx == SHN_UNDEF || (t != STT_FUNC && t != STT_GNU_IFUNC))
				continue;
			const char *sn = str_at(str, ss->sh_size, y->st_name);
			if (!sn || !name_matches(sn, name))
				continue;
			if (t == STT_GNU_IFUNC) {
				f->ifunc = 1;
				continue;
			}
			if (b == STB_GLOBAL || b == STB_WEAK) {
				if (!f->global || (!f->size && y->st_size))
					f->value = y->st_value, f->size = y->st_size;
				f->global = 1;
			} else if (!f->global) {
				if (!f->nlocal || f->value != y->st_value)
					f->nlocal++;
				f->value = y->st_value;
				if (y->st_size)
					f->size = y->st_size;
			}
		}
	}
}

/* The size of a function starting at v: the function symbol that starts
 * there. -1 when v is inside a symbol's function but not at its start (its
 * start in *inside). */
static int sym_size_at(const struct elf *e, uint64_t v, uint64_t *size, uint64_t *inside)
{
	int r = 0;
	for (unsigned i = 1; i < e->shnum; i++) {
		const Elf64_Shdr *s = &e->sh[i];
		if ((s->sh_type != SHT_SYMTAB && s->sh_type != SHT_DYNSYM) || s->sh_entsize != sizeof(Elf64_Sym) ||
		    (s->sh_offset & 7))
			continue;
		const Elf64_Sym *sym = sec_data(e, s);
		if (!sym)
			continue;
		uint64_t nsym = s->sh_size / sizeof(Elf64_Sym);
		for (uint64_t k = 1; k < nsym; k++) {
			const Elf64_Sym *y = &sym[k];
			if (y->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(y->st_info) != STT_FUNC)
				continue;
			if (y->st_value == v && y->st_size) {
				*size = y->st_size;
				return 1;
			}
			if (v > y->st_value && v - y->st_value < y->st_size) {
				*inside = y->st_value;
				r = -1;
			}
		}
	}
	return r;
}

/* ---- .eh_frame ------------------------------------------------------------- */

struct rd {
	const struct elf *e;
	uint64_t v; /* address of the next byte */
	int bad;
};

static uint64_t rd_bytes(struct rd *r, unsigned n)
{
	const uint8_t *p = r->bad ? NULL : vat(r->e, r->v, n);
	if (!p) {
		r->bad = 1;
		return 0;
	}
	uint64_t x = 0;
	memcpy(&x, p, n); /* little-endian */
	r->v += n;
	return x;
}

static uint64_t rd_uleb(struct rd *r)
{
	uint64_t x = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b = (uint8_t)rd_bytes(r, 1);
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80) || r->bad)
			return x;
	}
	r->bad = 1;
	return 0;
}

static int64_t rd_sleb(struct rd *r)
{
	int64_t x = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		b = (uint8_t)rd_bytes(r, 1);
		if (shift < 64)
			x |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
	} while ((b & 0x80) && !r->bad && shift < 70);
	if (shift < 64 && (b & 0x40))
		x |= -((int64_t)1 << shift);
	return x;
}

/* A pointer in DWARF EH encoding enc; datarel is relative to base. */
static uint64_t rd_enc(struct rd *r, uint8_t enc, uint64_t base)
{
	uint64_t here = r->v, x;
	if (enc == 0xff || (enc & 0x80)) {
		r->bad = 1; /* omitted or indirect: not for a pc */
		return 0;
	}
	switch (enc & 0x0f) {
	case 0x00: x = rd_bytes(r, 8); break;
	case 0x01: x = rd_uleb(r); break;
	case 0x02: x = rd_bytes(r, 2); break;
	case 0x03: x = rd_bytes(r, 4); break;
	case 0x04: x = rd_bytes(r, 8); break;
	case 0x09: x = (uint64_t)rd_sleb(r); break;
	case 0x0a: x = (uint64_t)(int64_t)(int16_t)rd_bytes(r, 2); break;
	case 0x0b: x = (uint64_t)(int64_t)(int32_t)rd_bytes(r, 4); break;
	case 0x0c: x = rd_bytes(r, 8); break;
	default: r->bad = 1; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: return x;
	case 0x10: return x + here;
	case 0x30: return x + base;
	default: r->bad = 1; return 0;
	}
}

/* The FDE pointer encoding of the CIE at address cie ('R' in its
 * augmentation), or -1. */
static int cie_enc(const struct elf *e, uint64_t cie)
{
	struct rd r = { e, cie, 0 };
	uint64_t len = rd_bytes(&r, 4);
	if (len == 0xffffffff)
		rd_bytes(&r, 8), rd_bytes(&r, 8); /* 64-bit length and id */
	else if (rd_bytes(&r, 4) != 0)
		return -1; /* not a CIE */
	uint8_t version = (uint8_t)rd_bytes(&r, 1);
	char aug[16];
	unsigned n = 0;
	for (;;) {
		char c = (char)rd_bytes(&r, 1);
		if (r.bad || n == sizeof aug)
			return -1;
		aug[n++] = c;
		if (!c)
			break;
	}
	if (aug[0] != 'z')
		return aug[0] ? -1 : 0; /* no augmentation: absolute pointers */
	rd_uleb(&r);
	rd_sleb(&r);
	if (version == 1)
		rd_bytes(&r, 1);
	else
		rd_uleb(&r);
	rd_uleb(&r);
	for (unsigned i = 1; aug[i] && !r.bad; i++) {
		switch (aug[i]) {
		case 'R': return (int)rd_bytes(&r, 1);
		case 'L': rd_bytes(&r, 1); break;
		case 'P': {
			uint8_t pe = (uint8_t)rd_bytes(&r, 1);
			rd_enc(&r, pe & 0x7f, 0);
			break;
		}
		case 'S': case 'B': break;
		default: return -1;
		}
	}
	return r.bad ? -1 : 0;
}

/* The FDE covering v, from .eh_frame_hdr's sorted table: its start and
 * length. 0 if none (or no table). */
static int fde_at(const struct elf *e, uint64_t v, uint64_t *start, uint64_t *len)
{
	const Elf64_Phdr *hp = NULL;
	for (unsigned i = 0; i < e->phnum; i++)
		if (e->ph[i].p_type == PT_GNU_EH_FRAME)
			hp = &e->ph[i];
	if (!hp)
		return 0;
	uint64_t hdr = hp->p_vaddr;
	struct rd r = { e, hdr, 0 };
	uint8_t version = (uint8_t)rd_bytes(&r, 1), ptr_enc = (uint8_t)rd_bytes(&r, 1),
		cnt_enc = (uint8_t)rd_bytes(&r, 1), tab_enc = (uint8_t)rd_bytes(&r, 1);
	if (r.bad || version != 1 || tab_enc != 0x3b)
		return 0; /* datarel sdata4 is what every linker writes */
	rd_enc(&r, ptr_enc, hdr);
	uint64_t count = rd_enc(&r, cnt_enc, hdr), table = r.v;
	if (r.bad || !count || !vat(e, table, 8) || count > (e->n / 8))
		return 0;
	/* the last entry whose start <= v */
	uint64_t lo = 0, hi = count;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		struct rd m = { e, table + mid * 8, 0 };
		uint64_t s = hdr + (uint64_t)(int64_t)(int32_t)rd_bytes(&m, 4);
		if (m.bad)
			return 0;
		if (s <= v)
			lo = mid;
		else
			hi = mid;
	}
	struct rd t = { e, table + lo * 8, 0 };
	uint64_t fs = hdr + (uint64_t)(int64_t)(int32_t)rd_bytes(&t, 4);
	uint64_t fde = hdr + (uint64_t)(int64_t)(int32_t)rd_bytes(&t, 4);
	if (t.bad || fs > v)
		return 0;
	struct rd f = { e, fde, 0 };
	uint64_t flen = rd_bytes(&f, 4);
	if (flen == 0xffffffff || !flen)
		return 0; /* 64-bit FDEs are not written for code of this size */
	uint64_t idpos = f.v, id = rd_bytes(&f, 4);
	if (f.bad || !id || id > idpos)
		return 0;
	int enc = cie_enc(e, idpos - id);
	if (enc < 0)
		return 0;
	uint64_t pc = rd_enc(&f, (uint8_t)enc, hdr);
	uint64_t range = rd_enc(&f, (uint8_t)(enc & 0x0f), 0);
	if (f.bad || pc != fs || v - pc >= range)
		return 0;
	*start = pc;
	*len = range;
	return 1;
}

/* ---- the debug file -------------------------------------------------------- */

static int build_id(const struct elf *e, const uint8_t **id, uint32_t *len)
{
	for (unsigned i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type != PT_NOTE)
			continue;
		const uint8_t *b = at(e, p->p_offset, p->p_filesz);
		uint64_t o = 0, n = b ? p->p_filesz : 0;
		while (n - o >= 12) {
			uint32_t nsz, dsz, type;
			memcpy(&nsz, b + o, 4);
			memcpy(&dsz, b + o + 4, 4);
			memcpy(&type, b + o + 8, 4);
			uint64_t na = ((uint64_t)nsz + 3) & ~3ull, da = ((uint64_t)dsz + 3) & ~3ull;
			if (na > n - o - 12 || da > n - o - 12 - na)
				break;
			if (type == NT_GNU_BUILD_ID && nsz == 4 && !memcmp(b + o + 12, "GNU", 4) && dsz && dsz <= 64) {
				*id = b + o + 12 + na;
				*len = dsz;
				return 1;
			}
			o += 12 + na + da;
		}
	}
	/* a debug file may keep the note only as a section */
	const Elf64_Shdr *s = section_named(e, ".note.gnu.build-id");
	const uint8_t *b = sec_data(e, s);
	if (b && s->sh_size >= 16) {
		uint32_t nsz, dsz;
		memcpy(&nsz, b, 4);
		memcpy(&dsz, b + 4, 4);
		if (nsz == 4 && dsz && dsz <= 64 && 16 + (uint64_t)dsz <= s->sh_size) {
			*id = b + 16;
			*len = dsz;
			return 1;
		}
	}
	return 0;
}

static uint32_t crc32_of(const uint8_t *p, uint64_t n)
{
	static uint32_t table[256];
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	uint32_t c = 0xffffffffu;
	for (uint64_t i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* Whether the file at path is the debug file of e (same build-id, or the
 * debuglink's CRC when e has no build-id); opened into d if so. */
static int debug_try(const struct elf *e, const char *path, uint32_t crc, int have_crc, struct elf *d)
{
	const char *why;
	if (elf_open(d, path, &why) < 0)
		return 0;
	const uint8_t *a, *b;
	uint32_t na, nb;
	if (build_id(e, &a, &na)) {
		if (build_id(d, &b, &nb) && na == nb && !memcmp(a, b, na))
			return 1;
	} else if (have_crc && crc32_of(d->m, d->n) == crc) {
		return 1;
	}
	elf_close(d);
	return 0;
}

static int cat(char *buf, size_t cap, const char *const *parts, unsigned n)
{
	size_t k = 0;
	for (unsigned i = 0; i < n; i++)
		for (const char *s = parts[i]; *s; s++) {
			if (k + 1 >= cap)
				return -1;
			buf[k++] = *s;
		}
	buf[k] = 0;
	return 0;
}

static int debug_open(const struct elf *e, const char *real, struct elf *d)
{
	char path[PATH_MAX];
	const uint8_t *id;
	uint32_t n;
	if (build_id(e, &id, &n) && n >= 2) {
		char hex[132];
		static const char digits[] = "0123456789abcdef";
		for (uint32_t i = 0; i < n; i++)
			hex[2 * i] = digits[id[i] >> 4], hex[2 * i + 1] = digits[id[i] & 15];
		hex[2 * n] = 0;
		char first[3] = { hex[0], hex[1], 0 };
		const char *parts[] = { lt_sym_debug_root, "/.build-id/", first, "/", hex + 2, ".debug" };
		if (!cat(path, sizeof path, parts, 6) && debug_try(e, path, 0, 0, d))
			return 1;
	}
	const Elf64_Shdr *s = section_named(e, ".gnu_debuglink");
	const char *link = sec_data(e, s);
	if (!link)
		return 0;
	size_t ln = strnlen(link, s->sh_size);
	uint64_t crc_off = (ln + 4) & ~3ull;
	if (ln == 0 || ln == s->sh_size || crc_off + 4 > s->sh_size || memchr(link, '/', ln))
		return 0;
	uint32_t crc;
	memcpy(&crc, link + crc_off, 4);
	char dir[PATH_MAX];
	size_t dl = strlen(real);
	if (dl >= sizeof dir)
		return 0;
	memcpy(dir, real, dl + 1);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = 0;
	const char *c1[] = { dir, "/", link };
	const char *c2[] = { dir, "/.debug/", link };
	const char *c3[] = { lt_sym_debug_root, dir, "/", link };
	if (!cat(path, sizeof path, c1, 3) && strcmp(path, real) && debug_try(e, path, crc, 1, d))
		return 1;
	if (!cat(path, sizeof path, c2, 3) && debug_try(e, path, crc, 1, d))
		return 1;
	if (!cat(path, sizeof path, c3, 4) && debug_try(e, path, crc, 1, d))
		return 1;
	return 0;
}

/* ---- the two lookups --------------------------------------------------------- */

static const char *real_path(const char *path, char *buf)
{
	if (!path || !*path)
		path = "/proc/self/exe";
	return realpath(path, buf) ? buf : NULL;
}

int lt_sym_find(const char *path, uint64_t bias, const char *name, uint64_t *addr, uint64_t *size,
		const char **why)
{
	char real[PATH_MAX];
	struct elf e, d;
	struct found f;
	memset(&f, 0, sizeof f);
	if (!name || !*name)
		return *why = "no name given", -1;
	if (!real_path(path, real))
		return *why = "the object's file cannot be found", -1;
	if (elf_open(&e, real, why) < 0)
		return -1;
	sym_scan(&e, SHT_SYMTAB, name, &f);
	if (!f.global && !f.nlocal)
		sym_scan(&e, SHT_DYNSYM, name, &f);
	int have_debug = 0;
	if (!f.global && !f.nlocal && (have_debug = debug_open(&e, real, &d)))
		sym_scan(&d, SHT_SYMTAB, name, &f);
	int r = -1;
	if (!f.global && f.nlocal > 1) {
		*why = "several static functions have this name: name one by address (OBJECT+0xADDR)";
	} else if (f.global || f.nlocal) {
		uint64_t fs, fl;
		if (!f.size && fde_at(&e, f.value, &fs, &fl) && fs == f.value)
			f.size = fl;
		*addr = bias + f.value;
		*size = f.size;
		r = 0;
	} else if (f.ifunc) {
		*why = "it is an IFUNC (the function is chosen at load time): hook the implementation by name";
	} else {
		*why = have_debug ? "no function of this name in the object or its debug file"
				  : "no function of this name in the object (and no debug file found)";
	}
	if (have_debug)
		elf_close(&d);
	elf_close(&e);
	return r;
}

int lt_sym_number(const char *path, uint64_t bias, uint64_t number, uint64_t *addr, uint64_t *size,
		  const char **why)
{
	char real[PATH_MAX];
	struct elf e, d;
	if (!real_path(path, real))
		return *why = "the object's file cannot be found", -1;
	if (elf_open(&e, real, why) < 0)
		return -1;
	uint64_t v = 0;
	int found = 0;
	for (unsigned i = 0; i < e.phnum && !found; i++) {
		const Elf64_Phdr *p = &e.ph[i];
		if (p->p_type == PT_LOAD && (p->p_flags & PF_X) && number >= p->p_vaddr && number - p->p_vaddr < p->p_memsz)
			v = number, found = 1;
	}
	for (unsigned i = 0; i < e.phnum && !found; i++) {
		const Elf64_Phdr *p = &e.ph[i];
		if (p->p_type == PT_LOAD && (p->p_flags & PF_X) && number >= p->p_offset &&
		    number - p->p_offset < p->p_filesz)
			v = number - p->p_offset + p->p_vaddr, found = 1;
	}
	if (!found) {
		elf_close(&e);
		return *why = "the number is neither an address nor a file offset inside the object's code", -1;
	}
	uint64_t sz = 0, inside = 0, fs, fl;
	int s = sym_size_at(&e, v, &sz, &inside);
	if (!s && debug_open(&e, real, &d)) {
		s = sym_size_at(&d, v, &sz, &inside);
		elf_close(&d);
	}
	int r = 0;
	if (s < 0 || (s == 0 && fde_at(&e, v, &fs, &fl) && fs != v)) {
		*why = "the number falls inside a function, not at its start";
		r = -1;
	} else {
		if (s == 0 && fde_at(&e, v, &fs, &fl))
			sz = fl;
		*addr = bias + v;
		*size = sz;
	}
	elf_close(&e);
	return r;
}
