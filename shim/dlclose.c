/* dlclose, wrapped: the objects a dlclose actually unmapped (it may unload
 * none, or a dependency too) are noted for the MODULE records (modules.c),
 * with their range, bias, build-id and path taken before the real dlclose
 * ran; and an entry point whose real function went with them is pointed
 * elsewhere before the hot path can jump into unmapped memory. */
#include "lt.h"
#include "dlclose.h"
#include "gotwrite.h"
#include "lifecycle.h"
#include "base.h"
#include "desc.h"
#include "entries.h"
#include "entry.h"
#include "hotpath.h"
#include "modules.h"
#include "patch.h"
#include "symbols.h"

#include <errno.h>
#include <link.h>
#include <string.h>

/* The objects loaded before a dlclose: ranges, build-ids, names. */
struct snap {
	void *mem;
	size_t bytes;
	struct lt_modinfo *m;
	uint32_t n, cap;
	char *names;
	size_t names_len, names_cap;
	uint8_t *present; /* after the real dlclose: still loaded */
	struct lt_maps maps;
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
	struct lt_modinfo *m = &s->m[s->n];
	if (!lt_mod_info(info, m))
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
			lt_maps_read(&s->maps); /* before the real dlclose unmaps it */
			break;
		}
	return 0;
}

static void snap_free(struct snap *s)
{
	lt_maps_free(&s->maps);
	if (s->mem)
		lt_unmap(s->mem, s->bytes);
}

static int snap_mark(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct snap *s = arg;
	for (uint32_t i = 0; i < s->n; i++)
		if (s->m[i].bias == info->dlpi_addr) {
			struct lt_modinfo now;
			if (lt_mod_info(info, &now) && now.lo == s->m[i].lo)
				s->present[i] = 1;
		}
	return 0;
}

/* ---- entry points whose library went away ----------------------------------
 * A descriptor's `real` may be in a library the dlclose unloaded (a plugin
 * opened with RTLD_LOCAL brought liblegacylog, and took it away again). The
 * hot path jumps to `real` on every call whose key it knows, so it must
 * never point into unmapped memory: it is pointed at another definition if
 * one is still loaded, else at the entry's stand-in (entry_x86_64.S), which
 * looks again when called (the library may be back, at another address). */

void *lt_find_real(const char *name)
{
	void *p = lt_find_next(name);
#if LT_HAVE_TRAMPOLINES
	if (p)
		p = lt_patch_entry_of(p);
#endif
	return p;
}

static long nothing_defines_it(void)
{
	return 0; /* what a dropped call of any entry point returns */
}

void *lt_gone_resolve(struct lt_desc *d)
{
	int e = errno;
	void *p = lt_find_real(d->symbol);
	if (p)
		__atomic_store_n(&d->real, p, __ATOMIC_RELEASE);
	else
		p = (void *)nothing_defines_it;
	errno = e;
	return p;
}

int lt_is_gone_stub(const void *p)
{
	return (const char *)p >= lt_gone_stubs && (const char *)p < lt_gone_stubs + 64 * LT_HOOK_STUB_SIZE;
}

static void reresolve(const struct snap *s)
{
	if (!LT_HAVE_TRAMPOLINES)
		return;
	for (unsigned i = 0; i < lt_ndescs; i++) {
		struct lt_desc *d = lt_descs[i];
		/* a patched entry's copy stands for the function it was made from */
		uint64_t real = (uint64_t)__atomic_load_n(&d->real, __ATOMIC_ACQUIRE);
#if LT_HAVE_TRAMPOLINES
		real = (uint64_t)lt_patch_home_of((void *)real);
#endif
		for (uint32_t k = 0; real && k < s->n; k++) {
			if (s->present[k] || real < s->m[k].lo || real >= s->m[k].hi)
				continue;
			void *p = lt_find_real(d->symbol);
			__atomic_store_n(&d->real, p ? p : (void *)(lt_gone_stubs + (size_t)i * LT_HOOK_STUB_SIZE),
					 __ATOMIC_RELEASE);
			break;
		}
	}
#if LT_HAVE_TRAMPOLINES
	/* Entries patched in an unloaded object are gone with it (after the
	 * loop above, which asked each copy what it stood for). */
	for (uint32_t k = 0; k < s->n; k++)
		if (!s->present[k])
			lt_patch_unloaded(s->m[k].lo, s->m[k].hi);
#endif
	/* and the GOT entries an attach rewrote in them */
	for (uint32_t k = 0; k < s->n; k++)
		if (!s->present[k])
			lt_got_forget(s->m[k].lo, s->m[k].hi);
}

LT_EXPORT int dlclose(void *handle);
LT_EXPORT int dlclose(void *handle)
{
	int (*real)(void *) = (int (*)(void *))lt_real_dl_fn(LT_DL_CLOSE);
	if (!real)
		return -1;
	if (!lt_live())
		return real(handle); /* dormant or detached */
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
			if (path[0] != '/' && s.maps.buf && (n = lt_maps_path(&s.maps, s.m[i].lo, &abs))) {
				path = abs;
				len = n;
			}
			lt_note_unloaded(&s.m[i], path, len, unloads);
		}
		reresolve(&s);
		snap_free(&s);
		lt_tls.busy = busy;
	}
	errno = e;
	return rc;
}
