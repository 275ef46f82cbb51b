/* MODULE records: where each ELF object was loaded, so that the analyzer
 * can name the call sites and read the format strings offline.
 *
 * The objects loaded when the file is written come from dl_iterate_phdr.
 * A library unloaded before then (dlclose) would be missing, and its call
 * sites would show as bare addresses: so dlclose is wrapped (dlclose.c),
 * and the objects it actually unmapped are noted here and written flagged
 * LTX_MODULE_UNLOADED.
 *
 * Paths are written absolute: the link map keeps a path as it was given to
 * dlopen ("./plugin.so"), which means nothing once the program has changed
 * directory or to the analyzer; the path of the file mapped at the
 * object's first segment, from /proc/self/maps, is used instead. No dl*
 * call is made here (dlerror() stays as the program left it). */
#include "lt.h"
#include "modules.h"
#include "base.h"
#include "../common/ltx_format.h"
#include "../common/ltx_write.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#define UNLOADED_MAX 512 /* unloaded objects remembered (the same one unloaded again counts once) */

struct unloaded {
	struct unloaded *next;
	size_t bytes;
	uint32_t unloads; /* lt_unloads once it was gone (LTX_MODULE_UNLOADS_SHIFT) */
	struct lt_modinfo m;
	uint32_t path_len;
	char path[];
};
static struct unloaded *volatile unloaded_head; /* newest first */
uint32_t lt_unloads;
static uint32_t unloaded_n;
static int unloaded_warned;

/* The first GNU build-id note of at most max bytes in a note segment
 * [p, end): its length, 0 if none. */
static size_t note_build_id(const unsigned char *p, const unsigned char *end, uint32_t max,
			    const unsigned char **out)
{
	while (p + sizeof(ElfW(Nhdr)) <= end) {
		const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
		const unsigned char *name = p + sizeof *nh;
		const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
		const unsigned char *next = desc + ((nh->n_descsz + 3) & ~3u);
		if (next > end)
			break;
		if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4) &&
		    nh->n_descsz <= max) {
			*out = desc;
			return nh->n_descsz;
		}
		p = next;
	}
	return 0;
}

/* GNU build-id from the PT_NOTE segments mapped in memory. */
static size_t build_id(const struct dl_phdr_info *info, const unsigned char **out)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		size_t n = note_build_id(p, p + ph->p_memsz, UINT32_MAX, out);
		if (n)
			return n;
	}
	return 0;
}

/* Range, bias and build-id; 0 if the object has no loadable segment. */
int lt_mod_info(const struct dl_phdr_info *info, struct lt_modinfo *m)
{
	memset(m, 0, sizeof *m);
	m->lo = UINT64_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (a < m->lo)
			m->lo = a;
		if (a + ph->p_memsz > m->hi)
			m->hi = a + ph->p_memsz;
	}
	if (m->hi == 0)
		return 0;
	m->bias = info->dlpi_addr;
	const unsigned char *bid = NULL;
	size_t n = build_id(info, &bid);
	if (n > LT_BID_MAX)
		n = 0; /* not a build-id anyone makes: leave it out */
	m->bid_len = (uint32_t)n;
	if (n)
		memcpy(m->bid, bid, n);
	return 1;
}

static int same_module(const struct lt_modinfo *a, const struct lt_modinfo *b)
{
	return a->bias == b->bias && a->lo == b->lo && a->hi == b->hi && a->bid_len == b->bid_len &&
	       !memcmp(a->bid, b->bid, a->bid_len);
}

/* ---- /proc/self/maps ------------------------------------------------------- */

int lt_maps_read(struct lt_maps *mp)
{
	mp->len = 0;
	mp->cap = 64 * 1024;
	mp->buf = lt_map(mp->cap);
	int fd = mp->buf ? open("/proc/self/maps", O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		goto fail;
	for (;;) {
		if (mp->len == mp->cap) {
			char *n = lt_map(mp->cap * 2);
			if (!n) {
				close(fd);
				goto fail;
			}
			memcpy(n, mp->buf, mp->len);
			lt_unmap(mp->buf, mp->cap);
			mp->buf = n;
			mp->cap *= 2;
		}
		ssize_t k = read(fd, mp->buf + mp->len, mp->cap - mp->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		mp->len += (size_t)k;
	}
	close(fd);
	return 0;
fail:
	if (mp->buf)
		lt_unmap(mp->buf, mp->cap);
	mp->buf = NULL;
	mp->len = mp->cap = 0;
	return -1;
}

void lt_maps_free(struct lt_maps *mp)
{
	if (mp->buf)
		lt_unmap(mp->buf, mp->cap);
	mp->buf = NULL;
}

static uint64_t hex(const char **p, const char *end)
{
	uint64_t v = 0;
	for (; *p < end; (*p)++) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			break;
		v = v << 4 | (uint64_t)d;
	}
	return v;
}

/* The absolute path of the file mapped at addr: its length, 0 if none. */
size_t lt_maps_path(const struct lt_maps *mp, uint64_t addr, const char **path)
{
	const char *p = mp->buf, *end = mp->buf + mp->len;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *q = p;
		uint64_t lo = hex(&q, eol);
		uint64_t hi = q < eol && *q == '-' ? (q++, hex(&q, eol)) : 0;
		if (addr >= lo && addr < hi) {
			/* perms, offset, device, inode, then the path */
			for (int field = 0; field < 4 && q < eol; field++) {
				while (q < eol && *q == ' ')
					q++;
				while (q < eol && *q != ' ')
					q++;
			}
			while (q < eol && *q == ' ')
				q++;
			if (q >= eol || *q != '/')
				return 0;
			size_t n = (size_t)(eol - q);
			static const char del[] = " (deleted)";
			if (n > sizeof del - 1 && !memcmp(eol - (sizeof del - 1), del, sizeof del - 1))
				n -= sizeof del - 1;
			*path = q;
			return n;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* ---- writing --------------------------------------------------------------- */

#define SEEN_MAX 2048
struct write_ctx {
	struct ltx_writer *w;
	uint32_t next_id;
	struct lt_maps maps; /* read at the first relative path */
	int maps_tried;
	struct lt_modinfo *seen; /* the loaded ones, to leave out an unloaded one loaded again */
	uint32_t nseen;
};

static int emit_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct write_ctx *c = arg;
	struct ltx_module m;
	struct lt_modinfo mi;
	if (!lt_mod_info(info, &mi))
		return 0;
	char exe[4096];
	const char *path = info->dlpi_name;
	size_t path_len = path ? strlen(path) : 0;
	if (!path_len) {
		/* The main program has no name in the link map. */
		ssize_t n = c->next_id == 0 ? readlink("/proc/self/exe", exe, sizeof exe - 1) : -1;
		exe[n > 0 ? n : 0] = 0;
		path = exe;
		path_len = strlen(exe);
	} else if (path[0] != '/') {
		if (!c->maps_tried++)
			lt_maps_read(&c->maps);
		const char *abs;
		size_t n = c->maps.buf ? lt_maps_path(&c->maps, mi.lo, &abs) : 0;
		if (n) {
			path = abs;
			path_len = n;
		}
	}
	memset(&m, 0, sizeof m);
	m.id = c->next_id++;
	m.bias = mi.bias;
	m.lo = mi.lo;
	m.hi = mi.hi;
	m.build_id_len = mi.bid_len;
	m.path_len = (uint32_t)path_len;
	ltx_w_record(c->w, LTX_REC_MODULE, &m, sizeof m, mi.bid, m.build_id_len, path, m.path_len);
	if (c->seen && c->nseen < SEEN_MAX)
		c->seen[c->nseen++] = mi;
	return 0;
}

/* The loaded objects from /proc/self/maps instead of dl_iterate_phdr, which
 * takes the loader's lock: for a writer that may have interrupted the
 * loader (a signal handler, _exit called from one). An object is a file
 * mapped at offset 0 that starts with an ELF header; its program headers
 * and build-id note are read only where that first mapping covers them. */
static void emit_loaded_from_maps(struct write_ctx *c)
{
	struct lt_maps mp;
	if (lt_maps_read(&mp) < 0)
		return;
	const char *p = mp.buf, *end = mp.buf + mp.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *q = p;
		p = nl ? nl + 1 : end;
		/* start-end perms offset dev inode path */
		uint64_t lo = hex(&q, eol);
		uint64_t hi = q < eol && *q == '-' ? (q++, hex(&q, eol)) : 0;
		char readable = q + 1 < eol ? q[1] : 0;
		uint64_t off = 1;
		for (int field = 0; field < 4 && q < eol; field++) {
			while (q < eol && *q == ' ')
				q++;
			if (field == 1)
				off = hex(&q, eol);
			while (q < eol && *q != ' ')
				q++;
		}
		while (q < eol && *q == ' ')
			q++;
		if (off || readable != 'r' || q >= eol || *q != '/' || hi <= lo || hi - lo < sizeof(ElfW(Ehdr)))
			continue;
		const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)lo;
		uint64_t ph_end = (uint64_t)eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(ElfW(Phdr));
		if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_phentsize != sizeof(ElfW(Phdr)) || ph_end > hi - lo)
			continue;
		const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(lo + eh->e_phoff);
		uint64_t vmin = UINT64_MAX, vmax = 0;
		for (int i = 0; i < eh->e_phnum; i++)
			if (ph[i].p_type == PT_LOAD) {
				if (ph[i].p_vaddr < vmin)
					vmin = ph[i].p_vaddr;
				if (ph[i].p_vaddr + ph[i].p_memsz > vmax)
					vmax = ph[i].p_vaddr + ph[i].p_memsz;
			}
		if (vmin == UINT64_MAX)
			continue;
		struct lt_modinfo mi;
		memset(&mi, 0, sizeof mi);
		mi.bias = lo - (vmin & ~(uint64_t)4095);
		mi.lo = mi.bias + vmin;
		mi.hi = mi.bias + vmax;
		for (int i = 0; i < eh->e_phnum && !mi.bid_len; i++) {
			uint64_t a = mi.bias + ph[i].p_vaddr;
			if (ph[i].p_type != PT_NOTE || a < lo || a + ph[i].p_memsz > hi)
				continue;
			const unsigned char *n = (const unsigned char *)a, *desc = NULL;
			mi.bid_len = (uint32_t)note_build_id(n, n + ph[i].p_memsz, LT_BID_MAX, &desc);
			if (mi.bid_len)
				memcpy(mi.bid, desc, mi.bid_len);
		}
		struct ltx_module m;
		memset(&m, 0, sizeof m);
		m.id = c->next_id++;
		m.bias = mi.bias;
		m.lo = mi.lo;
		m.hi = mi.hi;
		m.build_id_len = mi.bid_len;
		m.path_len = (uint32_t)(eol - q);
		ltx_w_record(c->w, LTX_REC_MODULE, &m, sizeof m, mi.bid, m.build_id_len, q, m.path_len);
		if (c->seen && c->nseen < SEEN_MAX)
			c->seen[c->nseen++] = mi;
	}
	lt_maps_free(&mp);
}

void lt_write_modules(struct ltx_writer *w, int from_maps)
{
	struct write_ctx c;
	memset(&c, 0, sizeof c);
	c.w = w;
	size_t seen_bytes = SEEN_MAX * sizeof(struct lt_modinfo);
	c.seen = lt_map(seen_bytes);
	if (from_maps)
		emit_loaded_from_maps(&c);
	else
		dl_iterate_phdr(emit_loaded, &c);
	for (struct unloaded *u = __atomic_load_n(&unloaded_head, __ATOMIC_ACQUIRE); u; u = u->next) {
		int again = 0;
		for (uint32_t i = 0; i < c.nseen && !again; i++)
			again = same_module(&c.seen[i], &u->m);
		if (again)
			continue; /* loaded again at the same place: one record says it */
		struct ltx_module m;
		memset(&m, 0, sizeof m);
		m.id = c.next_id++;
		m.flags = LTX_MODULE_UNLOADED | __atomic_load_n(&u->unloads, __ATOMIC_RELAXED) << LTX_MODULE_UNLOADS_SHIFT;
		m.bias = u->m.bias;
		m.lo = u->m.lo;
		m.hi = u->m.hi;
		m.build_id_len = u->m.bid_len;
		m.path_len = u->path_len;
		ltx_w_record(w, LTX_REC_MODULE, &m, sizeof m, u->m.bid, m.build_id_len, u->path, m.path_len);
	}
	if (c.seen)
		lt_unmap(c.seen, seen_bytes);
	lt_maps_free(&c.maps);
}

static int overlap(const struct lt_modinfo *a, const struct lt_modinfo *b)
{
	return a->lo < b->hi && b->lo < a->hi;
}

/* One more unloaded object, gone at the unloads-th unloading dlclose. */
void lt_note_unloaded(const struct lt_modinfo *m, const char *path, size_t path_len, uint32_t unloads)
{
	/* The newest record over the same addresses is this object, unloaded
	 * before from the same place: nothing else was there in between, so
	 * that record now stands for both stays (its number moves on). */
	for (struct unloaded *u = __atomic_load_n(&unloaded_head, __ATOMIC_ACQUIRE); u; u = u->next)
		if (overlap(&u->m, m)) {
			if (same_module(&u->m, m) && u->path_len == path_len && !memcmp(u->path, path, path_len)) {
				__atomic_store_n(&u->unloads, unloads, __ATOMIC_RELAXED);
				return;
			}
			break;
		}
	if (__atomic_fetch_add(&unloaded_n, 1, __ATOMIC_RELAXED) >= UNLOADED_MAX) {
		if (!__atomic_exchange_n(&unloaded_warned, 1, __ATOMIC_RELAXED))
			lt_warn("warning: more than 512 libraries unloaded; call sites in later ones will not be named",
				NULL);
		return;
	}
	size_t bytes = sizeof(struct unloaded) + path_len + 1;
	struct unloaded *u = lt_map(bytes);
	if (!u)
		return;
	u->bytes = bytes;
	u->unloads = unloads;
	u->m = *m;
	u->path_len = (uint32_t)path_len;
	memcpy(u->path, path, path_len);
	struct unloaded *head;
	do {
		head = unloaded_head;
		u->next = head;
	} while (!__atomic_compare_exchange_n(&unloaded_head, &head, u, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}
