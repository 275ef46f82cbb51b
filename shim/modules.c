/* MODULE records: where each ELF object was loaded, so that the analyzer
 * can name the call sites and read the format strings offline.
 *
 * The objects loaded when the file is written come from dl_iterate_phdr.
 * A library unloaded before then (dlclose) would be missing, and its call
 * sites would show as bare addresses: so dlclose is wrapped, and the
 * objects it actually unmapped (it may unload none, or a dependency too)
 * are noted, with their range, bias, build-id and path, taken before the
 * real dlclose ran, and written flagged LTX_MODULE_UNLOADED.
 *
 * Paths are written absolute: the link map keeps a path as it was given to
 * dlopen ("./plugin.so"), which means nothing once the program has changed
 * directory or to the analyzer; the path of the file mapped at the
 * object's first segment, from /proc/self/maps, is used instead. No dl*
 * call is made here (dlerror() stays as the program left it). */
#include "lt.h"
#include "../common/ltx_format.h"
#include "../common/ltx_write.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#define BID_MAX 64
#define UNLOADED_MAX 512 /* unloaded objects remembered (the same one unloaded again counts once) */

struct modinfo {
	uint64_t bias, lo, hi;
	uint32_t bid_len;
	uint32_t name_at; /* snapshot: offset of its name in the name area */
	unsigned char bid[BID_MAX];
};

struct unloaded {
	struct unloaded *next;
	size_t bytes;
	uint32_t unloads; /* lt_unloads once it was gone (LTX_MODULE_UNLOADS_SHIFT) */
	struct modinfo m;
	uint32_t path_len;
	char path[];
};
static struct unloaded *volatile unloaded_head; /* newest first */
uint32_t lt_unloads;
static uint32_t unloaded_n;
static int unloaded_warned;

/* GNU build-id from the PT_NOTE segments mapped in memory. */
static size_t build_id(const struct dl_phdr_info *info, const unsigned char **out)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const unsigned char *name = p + sizeof *nh;
			const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
			const unsigned char *next = desc + ((nh->n_descsz + 3) & ~3u);
			if (next > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4)) {
				*out = desc;
				return nh->n_descsz;
			}
			p = next;
		}
	}
	return 0;
}

/* Range, bias and build-id; 0 if the object has no loadable segment. */
static int mod_info(const struct dl_phdr_info *info, struct modinfo *m)
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
	if (n > BID_MAX)
		n = 0; /* not a build-id anyone makes: leave it out */
	m->bid_len = (uint32_t)n;
	if (n)
		memcpy(m->bid, bid, n);
	return 1;
}

static int same_module(const struct modinfo *a, const struct modinfo *b)
{
	return a->bias == b->bias && a->lo == b->lo && a->hi == b->hi && a->bid_len == b->bid_len &&
	       !memcmp(a->bid, b->bid, a->bid_len);
}

/* ---- /proc/self/maps ------------------------------------------------------- */

struct maps {
	char *buf;
	size_t len, cap;
};

static int maps_read(struct maps *mp)
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

static void maps_free(struct maps *mp)
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
static size_t maps_path(const struct maps *mp, uint64_t addr, const char **path)
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
	struct maps maps; /* read at the first relative path */
	int maps_tried;
	struct modinfo *seen; /* the loaded ones, to leave out an unloaded one loaded again */
	uint32_t nseen;
};

static int emit_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct write_ctx *c = arg;
	struct ltx_module m;
	struct modinfo mi;
	if (!mod_info(info, &mi))
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
			maps_read(&c->maps);
		const char *abs;
		size_t n = c->maps.buf ? maps_path(&c->maps, mi.lo, &abs) : 0;
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
	struct maps mp;
	if (maps_read(&mp) < 0)
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
		struct modinfo mi;
		memset(&mi, 0, sizeof mi);
		mi.bias = lo - (vmin & ~(uint64_t)4095);
		mi.lo = mi.bias + vmin;
		mi.hi = mi.bias + vmax;
		for (int i = 0; i < eh->e_phnum && !mi.bid_len; i++) {
			uint64_t a = mi.bias + ph[i].p_vaddr;
			if (ph[i].p_type != PT_NOTE || a < lo || a + ph[i].p_memsz > hi)
				continue;
			const unsigned char *n = (const unsigned char *)a, *nend = n + ph[i].p_memsz;
			while (n + sizeof(ElfW(Nhdr)) <= nend) {
				const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)n;
				const unsigned char *name = n + sizeof *nh;
				const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
				const unsigned char *next = desc + ((nh->n_descsz + 3) & ~3u);
				if (next > nend)
					break;
				if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4) &&
				    nh->n_descsz <= BID_MAX) {
					mi.bid_len = nh->n_descsz;
					memcpy(mi.bid, desc, nh->n_descsz);
					break;
				}
				n = next;
			}
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
	maps_free(&mp);
}

void lt_write_modules(struct ltx_writer *w, int from_maps)
{
	struct write_ctx c;
	memset(&c, 0, sizeof c);
	c.w = w;
	size_t seen_bytes = SEEN_MAX * sizeof(struct modinfo);
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
	maps_free(&c.maps);
}

/* ---- dlclose ----------------------------------------------------------------- */

/* The objects loaded before a dlclose: ranges, build-ids, names. */
struct snap {
	void *mem;
	size_t bytes;
	struct modinfo *m;
	uint32_t n, cap;
	char *names;
	size_t names_len, names_cap;
	uint8_t *present; /* after the real dlclose: still loaded */
	struct maps maps;
};

static int snap_size(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	size_t *need = arg;
	need[0]++;
	need[1] += (info->dlpi_name ? strlen(info->dlpi_name) : 0) + 1;
	return 0;
}

static int snap_fill(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct snap *s = arg;
	const char *name = info->dlpi_name;
	size_t len = name ? strlen(name) : 0;
	/* The main program and the vDSO are never unloaded. */
	if (!len || !info->dlpi_addr || s->n >= s->cap || s->names_len + len + 1 > s->names_cap)
		return 0;
	struct modinfo *m = &s->m[s->n];
	if (!mod_info(info, m))
		return 0;
	m->name_at = (uint32_t)s->names_len;
	memcpy(s->names + s->names_len, name, len + 1);
	s->names_len += len + 1;
	s->n++;
	return 0;
}

static int snap_take(struct snap *s)
{
	memset(s, 0, sizeof *s);
	size_t need[2] = { 0, 0 };
	dl_iterate_phdr(snap_size, need);
	/* room for a few objects loaded meanwhile by another thread */
	s->cap = (uint32_t)need[0] + 16;
	s->names_cap = need[1] + 16 * 256;
	s->bytes = s->cap * (sizeof *s->m + 1) + s->names_cap;
	s->mem = lt_map(s->bytes);
	if (!s->mem)
		return -1;
	s->m = s->mem;
	s->present = (uint8_t *)(s->m + s->cap);
	s->names = (char *)(s->present + s->cap);
	dl_iterate_phdr(snap_fill, s);
	for (uint32_t i = 0; i < s->n; i++)
		if (s->names[s->m[i].name_at] != '/') {
			maps_read(&s->maps); /* before the real dlclose unmaps it */
			break;
		}
	return 0;
}

static void snap_free(struct snap *s)
{
	maps_free(&s->maps);
	if (s->mem)
		lt_unmap(s->mem, s->bytes);
}

static int snap_mark(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct snap *s = arg;
	for (uint32_t i = 0; i < s->n; i++)
		if (s->m[i].bias == info->dlpi_addr) {
			struct modinfo now;
			if (mod_info(info, &now) && now.lo == s->m[i].lo)
				s->present[i] = 1;
		}
	return 0;
}

static int overlap(const struct modinfo *a, const struct modinfo *b)
{
	return a->lo < b->hi && b->lo < a->hi;
}

/* One more unloaded object, gone at the unloads-th unloading dlclose. */
static void note_unloaded(const struct modinfo *m, const char *path, size_t path_len, uint32_t unloads)
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

/* ---- entry points whose library went away ----------------------------------
 * A descriptor's `real` may be in a library the dlclose unloaded (a plugin
 * opened with RTLD_LOCAL brought liblegacylog, and took it away again). The
 * hot path jumps to `real` on every call whose key it knows, so it must
 * never point into unmapped memory: it is pointed at another definition if
 * one is still loaded, else at the entry's stand-in (entry_x86_64.S), which
 * looks again when called (the library may be back, at another address). */

static long nothing_defines_it(void)
{
	return 0; /* what a dropped call of any entry point returns */
}

void *lt_gone_resolve(struct lt_desc *d)
{
	int e = errno;
	void *p = lt_find_next(d->symbol);
	if (p)
		__atomic_store_n(&d->real, p, __ATOMIC_RELEASE);
	else
		p = (void *)nothing_defines_it;
	errno = e;
	return p;
}

static void reresolve(const struct snap *s)
{
	if (!LT_HAVE_TRAMPOLINES)
		return;
	for (unsigned i = 0; i < lt_ndescs; i++) {
		struct lt_desc *d = lt_descs[i];
		uint64_t real = (uint64_t)__atomic_load_n(&d->real, __ATOMIC_ACQUIRE);
		for (uint32_t k = 0; real && k < s->n; k++) {
			if (s->present[k] || real < s->m[k].lo || real >= s->m[k].hi)
				continue;
			void *p = lt_find_next(d->symbol);
			__atomic_store_n(&d->real, p ? p : (void *)(lt_gone_stubs + (size_t)i * LT_HOOK_STUB_SIZE),
					 __ATOMIC_RELEASE);
			break;
		}
	}
}

LT_EXPORT int dlclose(void *handle);
LT_EXPORT int dlclose(void *handle)
{
	int (*real)(void *) = (int (*)(void *))lt_real_dl_fn(LT_DL_CLOSE);
	if (!real)
		return -1;
	int e = errno;
	uint32_t busy = lt_tls.busy;
	lt_tls.busy = 1;
	struct snap s;
	int have = snap_take(&s) == 0;
	lt_tls.busy = busy;
	errno = e;
	int rc = real(handle); /* runs the library's destructors, which may log */
	e = errno;
	if (have) {
		lt_tls.busy = 1;
		dl_iterate_phdr(snap_mark, &s);
		uint32_t gone = 0, unloads = 0;
		for (uint32_t i = 0; i < s.n; i++)
			gone += !s.present[i];
		if (gone)
			unloads = __atomic_add_fetch(&lt_unloads, 1, __ATOMIC_ACQ_REL);
		for (uint32_t i = 0; i < s.n; i++) {
			if (s.present[i])
				continue;
			const char *path = s.names + s.m[i].name_at, *abs;
			size_t len = strlen(path), n;
			if (path[0] != '/' && s.maps.buf && (n = maps_path(&s.maps, s.m[i].lo, &abs))) {
				path = abs;
				len = n;
			}
			note_unloaded(&s.m[i], path, len, unloads);
		}
		reresolve(&s);
		snap_free(&s);
		lt_tls.busy = busy;
	}
	errno = e;
	return rc;
}
