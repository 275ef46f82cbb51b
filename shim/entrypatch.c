/* The built-in entry points (g_log, virLogMessage, sd_journal_print...)
 * are exported by the shim: a call bound by name at run time, through a
 * PLT or GOT entry of another object, comes to us. A call bound inside
 * the defining library does not: GLib is linked -Bsymbolic-functions, so
 * its own warnings and criticals call g_log directly. Here the library's
 * definition gets its first instructions replaced by a jump to our
 * exported entry point (patch_x86_64.c), and the descriptor's `real`
 * becomes the relocated copy of those instructions: a call that arrives
 * either way is counted once, then goes on into the function's body.
 *
 * `real` is set to the copy before the entry is patched and given back
 * if the patch fails, so the shim never passes a call into a patched
 * entry (which would come straight back to it).
 *
 * LOGTAX_PATCH=got: nothing here. auto: every built-in's definition except
 * those in libc (glibc's own code reaches syslog through internal aliases
 * almost never, and patching libc in every traced process would load the
 * decoder into processes that gain nothing). entry: libc's too.
 *
 * Runs at start-up and after each dlopen (other threads may run: the
 * engine's protocol makes that safe), never on the hot path. */
#include "lt.h"
#include "entrypatch.h"
#include "base.h"
#include "desc.h"
#include "die.h"
#include "dlclose.h"
#include "elfsym.h"
#include "entries.h"
#include "patch.h"
#include "symbols.h"
#include "../common/ltx_settings.h"

#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <string.h>

int lt_entrypatch_active;

#if LT_HAVE_TRAMPOLINES

#define MAX_DESCS 64
/* Patches are linked into the engine's list for good: never freed. Two
 * per entry point leave room for a library unloaded and loaded again. */
static struct lt_patch pool[2 * MAX_DESCS];
static unsigned pool_used;
static struct lt_patch *done[MAX_DESCS]; /* lt_descs[i]'s patch */
static uint8_t told[MAX_DESCS];          /* its refusal was reported */
static void *refused_at[MAX_DESCS];       /* the definition refused: not tried again after each dlopen */
static uint64_t self_entry[MAX_DESCS];   /* our exported entry point of lt_descs[i] */
static int self_found;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	struct lt_obj o;
	if (!lt_obj_is_self(info))
		return 0;
	if (lt_obj_read(info, &o) == 0)
		for (unsigned i = 0; i < lt_ndescs && i < MAX_DESCS; i++)
			self_entry[i] = lt_obj_lookup(&o, lt_descs[i]->symbol, 0);
	return 1;
}

struct where {
	uint64_t addr;
	const char *name; /* dlpi_name: "" for the program */
	uint64_t bias;
	int found;
};

static int object_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct where *w = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && w->addr >= a && w->addr < a + ph->p_memsz) {
			w->name = info->dlpi_name ? info->dlpi_name : "";
			w->bias = info->dlpi_addr;
			w->found = 1;
			return 1;
		}
	}
	return 0;
}

static int in_libc(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return !strncmp(base, "libc.so", 7);
}

/* "logtax: SYMBOL: entry not patched: WHY; only calls through a PLT or
 * GOT entry are counted" */
/* The latest refusal's reason per entry, for `logtax ctl PID status`: an
 * attached shim patches on its control thread, which cannot write to the
 * program's stderr, so the line lt_warn would print is lost there. */
static char refused_why[MAX_DESCS][200];

static void refuse(unsigned i, const char *why)
{
	size_t w = 0;
	for (; why[w] && w + 1 < sizeof refused_why[i]; w++)
		refused_why[i][w] = why[w];
	refused_why[i][w] = 0;
	if (told[i]++)
		return;
	char msg[300];
	size_t k = 0;
	const char *parts[] = { "entry not patched: ", why, "; only calls through a PLT or GOT entry are counted" };
	for (unsigned j = 0; j < 3; j++)
		for (const char *s = parts[j]; *s && k + 1 < sizeof msg; s++)
			msg[k++] = *s;
	msg[k] = 0;
	lt_warn(lt_descs[i]->symbol, msg);
}

void lt_entrypatch_refusals(void (*each)(const char *symbol, const char *why, void *arg), void *arg)
{
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < lt_ndescs && i < MAX_DESCS; i++)
		if (refused_why[i][0] && !done[i])
			each(lt_descs[i]->symbol, refused_why[i], arg);
	pthread_mutex_unlock(&lock);
}

static void patch_one(unsigned i, int mode)
{
	struct lt_desc *d = lt_descs[i];
	if (done[i] && __atomic_load_n(&done[i]->state, __ATOMIC_ACQUIRE) == LT_PATCH_APPLIED)
		return;
	done[i] = NULL; /* none yet, or its object was unloaded */
	void *real = __atomic_load_n(&d->real, __ATOMIC_ACQUIRE);
	if (!real || lt_is_gone_stub(real) || lt_patch_home_of(real) != real) {
		real = lt_find_next(d->symbol);
		if (!real || lt_patch_home_of(real) != real)
			return; /* not loaded, or patched already */
	}
	if (!self_entry[i] || real == refused_at[i])
		return;
	refused_at[i] = real; /* until it is patched below */
	struct where w = { (uint64_t)real, "", 0, 0 };
	dl_iterate_phdr(object_of, &w);
	if (!w.found)
		return;
	if (mode == LTX_PATCH_AUTO && in_libc(w.name))
		return;
	/* Prepared before (patched under an earlier attach and removed at its
	 * detach, or refused after it was prepared): used again, not a new
	 * slot of the pool per attach or dlopen. */
	struct lt_patch *p = lt_patch_unused_at(real, (void *)self_entry[i]);
	if (!p) {
		uint64_t addr = 0, size = 0;
		const char *why = NULL;
		if (lt_sym_number(w.name, w.bias, (uint64_t)real - w.bias, &addr, &size, &why) < 0 || !size) {
			refuse(i, why ? why : "its size is unknown");
			return;
		}
		if (pool_used == sizeof pool / sizeof pool[0]) {
			refuse(i, "too many patched entries");
			return;
		}
		p = &pool[pool_used];
		int rc = lt_patch_prepare(p, real, size, (void *)self_entry[i]);
		if (rc) {
			refuse(i, lt_patch_why(p));
			return;
		}
		pool_used++; /* in the engine's list now */
	}
	if (!p->calls_out) {
		/* Callers in its own unit may rely on which registers it leaves
		 * alone; the trampoline keeps only what the ABI asks. (glibc's
		 * syslog family is such a leaf, and nothing in glibc calls it:
		 * not worth a line in every process under --patch entry.) */
		if (in_libc(w.name))
			return;
		refuse(i, "it calls nothing its compiler could not see, so its callers may keep values in "
			  "registers the shim uses");
		return;
	}
	void *expect = __atomic_load_n(&d->real, __ATOMIC_ACQUIRE);
	__atomic_store_n(&d->real, lt_patch_copy(p), __ATOMIC_RELEASE);
	if (lt_patch_apply(p)) {
		void *copy = lt_patch_copy(p);
		__atomic_compare_exchange_n(&d->real, &copy, expect ? expect : real, 0, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
		refuse(i, lt_patch_why(p));
		return;
	}
	done[i] = p;
	refused_at[i] = NULL;
	refused_why[i][0] = 0;
}

void lt_entrypatch_builtins(int first)
{
	int mode = (int)lt_cfg.patch_mode;
	if (mode == LTX_PATCH_GOT)
		return;
	int e = errno;
	pthread_mutex_lock(&lock);
	if (first) {
		/* capstone is loaded past our own dlopen wrapper, which would come
		 * back here */
		lt_patch_set_loader(lt_real_dlopen);
		lt_patch_set_sigaction(lt_real_sigaction());
		__atomic_store_n(&lt_entrypatch_active, 1, __ATOMIC_RELEASE);
	}
	if (!self_found) {
		dl_iterate_phdr(find_self, NULL);
		self_found = 1;
	}
	for (unsigned i = 0; i < lt_ndescs && i < MAX_DESCS; i++)
		patch_one(i, mode);
	pthread_mutex_unlock(&lock);
	errno = e;
}

unsigned lt_entrypatch_applied(void)
{
	return lt_patch_applied();
}

void lt_entrypatch_remove_all(uint32_t *ok, uint32_t *bad)
{
	pthread_mutex_lock(&lock);
	unsigned o = 0, b = 0;
	lt_patch_remove_all(&o, &b);
	*ok += o;
	*bad += b;
	/* a descriptor's copy stands for its function again: a call still on
	 * its way through a trampoline enters the function itself */
	uint32_t hooks = __atomic_load_n(&lt_hook_used, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < lt_ndescs + hooks; i++) {
		struct lt_desc *d = i < lt_ndescs ? lt_descs[i] : &lt_hook_descs[i - lt_ndescs];
		void *real = __atomic_load_n(&d->real, __ATOMIC_ACQUIRE), *home = real ? lt_patch_home_of(real) : real;
		if (home != real)
			__atomic_store_n(&d->real, home, __ATOMIC_RELEASE);
	}
	for (unsigned i = 0; i < MAX_DESCS; i++) {
		done[i] = NULL;
		refused_at[i] = NULL;
		refused_why[i][0] = 0; /* the next attach lists its own refusals */
	}
	pthread_mutex_unlock(&lock);
}

#else

void lt_entrypatch_builtins(int first)
{
	(void)first;
}

unsigned lt_entrypatch_applied(void)
{
	return 0;
}

void lt_entrypatch_remove_all(uint32_t *ok, uint32_t *bad)
{
	(void)ok;
	(void)bad;
}

#endif
