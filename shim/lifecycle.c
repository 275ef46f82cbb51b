/* The shim's life cycle, process-wide: how it came to be loaded (which
 * decides whether its wrappers work at all), how far its set-up went, and
 * which attach the state belongs to. Kept apart from attach.c, which
 * changes these, because nearly every room reads them: a room that asks
 * "am I counting?" should not depend on the attach machinery. */
#include "lt.h"
#include "lifecycle.h"
#include "symbols.h"

#include <link.h>
#include <string.h>

volatile int lt_mode;
volatile int lt_state;
volatile uint32_t lt_epoch;
uint32_t lt_gen_base;
struct lt_attached lt_attached;

/* Not inline in the header: the wrappers that ask (waits, fork, exits,
 * dlopen/dlclose, a key's first call) are never the hot path, and the
 * header then needs nothing of this file. */
int lt_live(void)
{
	int m = lt_mode;
	return m == LT_MODE_PRELOAD || m == LT_MODE_ATTACHED || m == LT_MODE_UNKNOWN;
}

int lt_counting(void)
{
	return lt_live() && (lt_mode != LT_MODE_ATTACHED || lt_state == 2);
}

struct order {
	int i, self, libc;
};

static int in_order(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct order *o = arg;
	const char *n = info->dlpi_name ? info->dlpi_name : "";
	const char *b = strrchr(n, '/');
	b = b ? b + 1 : n;
	if (o->self < 0 && lt_obj_is_self(info))
		o->self = o->i;
	else if (o->libc < 0 && !strncmp(b, "libc.so", 7))
		o->libc = o->i;
	o->i++;
	return 0;
}

/* Preloaded objects come right after the program, before its libraries:
 * libc before us means we were loaded later (dlopen), and our symbols
 * interpose nothing. (No libc found: a program we cannot judge; treated
 * as preloaded, what the shim did before it could be attached.) */
int lt_mode_decide(void)
{
	int m = __atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE);
	if (m != LT_MODE_UNKNOWN)
		return m;
	struct order o = { 0, -1, -1 };
	dl_iterate_phdr(in_order, &o);
	int want = o.libc >= 0 && o.self > o.libc ? LT_MODE_DORMANT : LT_MODE_PRELOAD;
	__atomic_compare_exchange_n(&lt_mode, &m, want, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE);
}
