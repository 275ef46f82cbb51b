/* clockfit.c: limit's time base, the TSC fitted to CLOCK_MONOTONIC. */
#ifndef LT_CLOCKFIT_H
#define LT_CLOCKFIT_H

#include "lt.h"

#include <stdint.h>

/* The TSC, with the ticks where a second and a minute of CLOCK_MONOTONIC
 * began. Immutable once published; a better fit (over a longer span)
 * replaces it, the old one stays readable. */
struct lt_clockfit {
	uint64_t tps;    /* ticks per second */
	uint64_t base1;  /* a tick at which a whole second began */
	uint64_t base60; /* ... a whole minute */
	uint64_t span;   /* ns the rate was measured over */
};
extern const struct lt_clockfit *volatile lt_clockfit LT_HIDDEN;
/* Makes the first fit (a few ms of measuring) or a better one when the
 * span since start has doubled; 0, or -1 when there is none. Slow path,
 * rules and control thread only. */
int lt_clockfit_update(void) LT_HIDDEN;
/* The control thread's tick: a fit there is refined (none is made). */
void lt_clockfit_tick(uint64_t now_mono_ns) LT_HIDDEN;
void lt_clockfit_forked(void) LT_HIDDEN;

#endif
