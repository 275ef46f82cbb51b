/* Writing a GOT entry, and undoing it. A slot on a page RELRO made
 * read-only is written with the page opened for the moment and closed
 * again. While the shim is attached every write is remembered with the
 * value it replaced, so that detach can put the program's own values back
 * (those of an object unloaded since are forgotten, by dlclose.c).
 * Used by the user hooks and RTLD_DEEPBIND (got.c), the attach's rebinding
 * (rebind.c) and detach (attach.c); never on a hot path. */
#include "lt.h"
#include "gotwrite.h"
#include "base.h"
#include "lifecycle.h"
#include "patch.h"
#include "symbols.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- remembered while attached ------------------------------------------- */

/* What the shim wrote into GOT entries while attached: kept until detach.
 * Under saved_lock; never on a hot path. */
struct saved {
	uint64_t *slot;
	uint64_t old, now;
};
#define SAVED_MAX (64 * 1024)
static struct saved *saved;
static uint32_t nsaved, saved_lost;
static pthread_mutex_t saved_lock = PTHREAD_MUTEX_INITIALIZER;
static int restoring; /* lt_got_restore holds saved_lock: its own writes are not kept */

static void got_saved(uint64_t *slot, uint64_t old, uint64_t now)
{
	if (__atomic_load_n(&restoring, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&saved_lock);
	if (!saved)
		saved = lt_map(SAVED_MAX * sizeof *saved);
	uint32_t i;
	for (i = 0; i < nsaved && saved[i].slot != slot; i++)
		;
	if (i < nsaved) {
		saved[i].now = now; /* rewritten: the first value is the program's */
	} else if (saved && nsaved < SAVED_MAX) {
		saved[nsaved++] = (struct saved){ slot, old, now };
	} else {
		saved_lost++;
	}
	pthread_mutex_unlock(&saved_lock);
}

void lt_got_forget(uint64_t lo, uint64_t hi)
{
	pthread_mutex_lock(&saved_lock);
	for (uint32_t i = 0; i < nsaved;)
		if ((uint64_t)saved[i].slot >= lo && (uint64_t)saved[i].slot < hi)
			saved[i] = saved[--nsaved];
		else
			i++;
	pthread_mutex_unlock(&saved_lock);
}

/* ---- writing ---------------------------------------------------------------- */


/* Stores v at slot; a read-only page (RELRO) is opened and closed again.
 * Attached, what the slot held is kept for detach. o may be NULL when
 * /proc tells the page's protection. */
int lt_got_write(const struct lt_obj *o, uint64_t *slot, uint64_t v)
{
	uint64_t a = (uint64_t)slot;
	if (a & 7)
		return -1;
	int prot = lt_page_prot(a);
	if (prot < 0 && !o)
		return -1;
	if (prot < 0) /* no /proc: what ld.so did is what we know */
		prot = a >= o->relro_lo && a < o->relro_hi ? PROT_READ : PROT_READ | PROT_WRITE;
	if (__atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE) == LT_MODE_ATTACHED)
		got_saved(slot, __atomic_load_n(slot, __ATOMIC_ACQUIRE), v);
	if (prot & PROT_WRITE) {
		__atomic_store_n(slot, v, __ATOMIC_RELEASE);
		return 0;
	}
	uint64_t page = getauxval(AT_PAGESZ) ? getauxval(AT_PAGESZ) : 4096;
	void *p = (void *)(a & ~(page - 1));
	if (mprotect(p, page, prot | PROT_READ | PROT_WRITE) < 0)
		return -1;
	__atomic_store_n(slot, v, __ATOMIC_RELEASE);
	mprotect(p, page, prot);
	return 0;
}

/* ---- detach ---------------------------------------------------------------- */

/* Whether the slot lies in a loaded object's writable-after-relocation
 * range: the object that held it may have been unloaded behind our back
 * (a dlclose through a pointer taken before the attach). */
struct where {
	uint64_t addr;
	int found;
};

static int holds(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct where *w = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && w->addr >= a && w->addr + 8 <= a + ph->p_memsz) {
			w->found = 1;
			return 1;
		}
	}
	return 0;
}

/* Writes every saved GOT entry back: restored (and read back equal),
 * changed since (left: not ours any more), gone with their object. */
void lt_got_restore(uint32_t *restored, uint32_t *changed, uint32_t *bad)
{
	pthread_mutex_lock(&saved_lock);
	__atomic_store_n(&restoring, 1, __ATOMIC_RELEASE);
	for (uint32_t i = 0; i < nsaved; i++) {
		struct saved *s = &saved[i];
		struct where w = { (uint64_t)s->slot, 0 };
		dl_iterate_phdr(holds, &w);
		if (!w.found || __atomic_load_n(s->slot, __ATOMIC_ACQUIRE) != s->now) {
			(*changed)++;
			continue;
		}
		if (lt_got_write(NULL, s->slot, s->old) == 0 && __atomic_load_n(s->slot, __ATOMIC_ACQUIRE) == s->old)
			(*restored)++;
		else
			(*bad)++;
	}
	nsaved = 0;
	saved_lost = 0;
	__atomic_store_n(&restoring, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&saved_lock);
}

