/* Naming a hooked function by object (see hooktarget.h). A hook with an
 * object glob is looked for in the objects loaded now, at start-up and
 * after each dlopen: the glob is matched against each object's path, the
 * function by name or number with the symbol finder (elfsym.c), which also
 * sees .symtab-only and debug-file symbols and a stripped binary's static
 * functions (by address and .eh_frame). An address hook has no GOT entry
 * to rewrite: it is reached only by entry patching its definition.
 *
 * Globs are matched with the rule language's matcher (ltx_glob: no malloc,
 * no locale), which is what fnmatch without flags does for these paths:
 * '*' also crosses '/'. */
#include "lt.h"
#include "hooktarget.h"
#include "desc.h"
#include "elfsym.h"
#include "entries.h"
#include "patch.h"
#include "symbols.h"
#include "../common/ltx_entries.h"
#include "../common/ltx_rules.h"
#include "../common/ltx_settings.h"

#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#define MAX_OBJS 64
#define PATH_CAP 512

static char exe_path[PATH_CAP]; /* the program's path, read once */

static const char *program_path(void)
{
	if (!exe_path[0]) {
		ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
		exe_path[n > 0 ? n : 0] = 0;
	}
	return exe_path;
}

static int glob_matches(const char *glob, const char *name)
{
	const char *path = name[0] ? name : program_path();
	if (!strchr(glob, '/')) {
		const char *b = strrchr(path, '/');
		path = b ? b + 1 : path;
	}
	return ltx_glob(glob, path);
}

struct holder {
	uint64_t addr;
	int match;
	const char *glob;
};

static int find_holder(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct holder *h = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && h->addr >= a && h->addr < a + ph->p_memsz) {
			h->match = glob_matches(h->glob, info->dlpi_name ? info->dlpi_name : "");
			return 1;
		}
	}
	return 0;
}

int lt_hook_obj_match(const char *glob, uint64_t addr)
{
	struct holder h = { addr, 0, glob };
	dl_iterate_phdr(find_holder, &h);
	return h.match;
}

/* The objects a glob matches, copied out while the loader's lock is held
 * (the symbol finder opens and maps files: done after). */
struct matched {
	const char *glob;
	unsigned n;
	char name[MAX_OBJS][PATH_CAP];
	uint64_t bias[MAX_OBJS];
};
static struct matched found;

static int collect(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct matched *m = arg;
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	if (m->n >= MAX_OBJS || lt_obj_is_self(info) || !glob_matches(m->glob, name))
		return 0;
	size_t len = strlen(name);
	if (len >= PATH_CAP)
		return 0;
	memcpy(m->name[m->n], name, len + 1);
	m->bias[m->n++] = info->dlpi_addr;
	return 0;
}

unsigned lt_hook_resolve(const struct ltx_hook_spec *h, uint64_t *addr, uint64_t *size, unsigned cap,
			 const char **why)
{
	found.glob = h->obj;
	found.n = 0;
	dl_iterate_phdr(collect, &found);
	if (!found.n) {
		*why = "no loaded object matches its glob (looked for again after each dlopen)";
		return 0;
	}
	unsigned n = 0;
	const char *last = NULL;
	for (unsigned i = 0; i < found.n && n < cap; i++) {
		uint64_t a = 0, s = 0;
		const char *w = NULL;
		int rc = h->fn[0] ? lt_sym_find(found.name[i], found.bias[i], h->fn, &a, &s, &w)
				  : lt_sym_number(found.name[i], found.bias[i], h->offset, &a, &s, &w);
		if (rc < 0) {
			last = w;
			continue;
		}
		unsigned k;
		for (k = 0; k < n && addr[k] != a; k++)
			;
		if (k < n)
			continue; /* one file mapped twice under two names */
		addr[n] = a;
		size[n++] = s;
	}
	if (!n)
		*why = last ? last : "not found in the objects its glob matches";
	return n;
}

/* ---- refusals, for `logtax ctl PID status` ------------------------------
 * A shim attached to a running program patches where the program's
 * stderr cannot be reached, so a refused hook would be told to no one:
 * status lists them, as entrypatch.c's refused built-ins. The patcher
 * (under its lock) is the only writer; the control thread reads without
 * a lock, by a sequence count (odd while a slot is written: the reader
 * copies again), so status never waits for a patch pass and a fork child
 * never inherits a lock held by it. Every byte is an atomic access. */
struct refusal {
	uint32_t seq;
	const char *target; /* NULL: nothing refused */
	char why[200];
};
static struct refusal refusals[LTX_HOOK_STUBS];

void lt_hook_refusal(unsigned st, const char *target, const char *why)
{
	if (st >= LTX_HOOK_STUBS)
		return;
	struct refusal *r = &refusals[st];
	if (!why && !__atomic_load_n(&r->target, __ATOMIC_RELAXED))
		return; /* nothing to forget */
	/* Release stores, acquire loads (no fences: ThreadSanitizer builds
	 * refuse them): a reader that sees one byte of this write sees the
	 * odd count stored before it. */
	uint32_t s = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&r->seq, s + 1, __ATOMIC_RELAXED);
	size_t n = 0;
	for (; why && why[n] && n + 1 < sizeof r->why; n++)
		__atomic_store_n(&r->why[n], why[n], __ATOMIC_RELEASE);
	__atomic_store_n(&r->why[n], 0, __ATOMIC_RELEASE);
	__atomic_store_n(&r->target, why ? target : NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&r->seq, s + 2, __ATOMIC_RELEASE);
}

void lt_hook_refusals_clear(void)
{
	for (unsigned i = 0; i < LTX_HOOK_STUBS; i++)
		lt_hook_refusal(i, NULL, NULL);
}

void lt_hook_refusals(void (*each)(const char *target, const char *why, void *arg), void *arg)
{
	uint32_t used = __atomic_load_n(&lt_hook_used, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < used && i < LTX_HOOK_STUBS; i++) {
		struct refusal *r = &refusals[i];
		char why[sizeof r->why];
		const char *target = NULL;
		/* a writer holds a slot for a few hundred stores: a few tries;
		 * a line cut by a write that never stops is still bounded */
		for (int tries = 0; tries < 16; tries++) {
			uint32_t s = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
			target = __atomic_load_n(&r->target, __ATOMIC_ACQUIRE);
			for (size_t k = 0; target && k < sizeof why; k++)
				why[k] = __atomic_load_n(&r->why[k], __ATOMIC_ACQUIRE);
			if (!(s & 1) && __atomic_load_n(&r->seq, __ATOMIC_RELAXED) == s)
				break;
		}
		if (!target)
			continue;
		why[sizeof why - 1] = 0;
		if (why[0])
			each(target, why, arg);
	}
}

#if LT_HAVE_TRAMPOLINES

/* Never freed: the engine links them into its list for good. */
static struct lt_patch pool[LTX_HOOK_STUBS];
static unsigned pool_used;
static int loader_set;

int lt_hook_entry_patch(struct lt_desc *d, void *fn, uint64_t size, void *stub, const char **why)
{
	if (!size) {
		*why = "its size is unknown";
		return -1;
	}
	if (lt_patch_entry_of(fn) != fn || lt_patch_home_of(fn) != fn) {
		*why = "its entry is patched already";
		return -1;
	}
	/* prepared before (patched under an earlier attach and removed at its
	 * detach, or refused): used again, not a new slot per attach or pass */
	struct lt_patch *p = lt_patch_unused_at(fn, stub);
	if (!p) {
		if (pool_used == sizeof pool / sizeof pool[0]) {
			*why = "too many patched entries";
			return -1;
		}
		if (!loader_set++)
			/* capstone is loaded past our own dlopen wrapper, which
			 * would come back to the hooks */
			lt_patch_set_loader(lt_real_dlopen);
		p = &pool[pool_used];
		if (lt_patch_prepare(p, fn, size, stub)) {
			*why = lt_patch_why(p);
			return -1;
		}
		pool_used++; /* in the engine's list now */
	}
	if (!p->calls_out) {
		/* callers in its own unit may rely on which registers it leaves
		 * alone; the trampoline keeps only what the ABI asks */
		*why = "it calls nothing its compiler could not see, so its callers may keep values in registers "
		       "the shim uses";
		return -1;
	}
	void *expect = __atomic_load_n(&d->real, __ATOMIC_ACQUIRE);
	__atomic_store_n(&d->real, lt_patch_copy(p), __ATOMIC_RELEASE);
	if (lt_patch_apply(p)) {
		void *copy = lt_patch_copy(p);
		__atomic_compare_exchange_n(&d->real, &copy, expect ? expect : fn, 0, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
		*why = lt_patch_why(p);
		return -1;
	}
	return 0;
}

#else

int lt_hook_entry_patch(struct lt_desc *d, void *fn, uint64_t size, void *stub, const char **why)
{
	(void)d;
	(void)fn;
	(void)size;
	(void)stub;
	*why = "entry patching is x86-64 only";
	return -1;
}

#endif
