/* limit's time base: the TSC rate, and the ticks at which a second and a
 * minute of CLOCK_MONOTONIC began, so that the hot path can tell a
 * window's end from one TSC read. Measured when a limit rule first
 * appears (a few ms, once per process), refined on the control thread's
 * ticks as the span grows. Read by the hot path, hence a room below it
 * that uses nothing but the clocks. */
#include "lt.h"
#include "clockfit.h"
#include "base.h"

#include <pthread.h>
#include <stdint.h>
#include <time.h>

static pthread_mutex_t fit_lock = PTHREAD_MUTEX_INITIALIZER;

/* In a fork child: only the forking thread exists. */
void lt_clockfit_forked(void)
{
	pthread_mutex_init(&fit_lock, NULL);
}

#define FITS 64
static struct lt_clockfit fits[FITS];
static uint32_t nfits;
const struct lt_clockfit *volatile lt_clockfit;
static uint64_t fit_tsc0, fit_mono0; /* the first pair: every rate is measured from it */

/* The TSC and CLOCK_MONOTONIC read together: the TSC read on either side,
 * the closest of a few tries. */
static void clock_pair(uint64_t *tsc, uint64_t *mono)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 8; i++) {
		uint64_t a = lt_rdtsc(), m = lt_clock_ns(CLOCK_MONOTONIC), b = lt_rdtsc();
		if (b >= a && b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*mono = m;
		}
	}
}

/* The tick at which the last whole `unit` ns of CLOCK_MONOTONIC began. */
static uint64_t boundary(uint64_t tsc, uint64_t mono, uint64_t unit, uint64_t tps)
{
	unsigned __int128 back = (unsigned __int128)(mono % unit) * tps / 1000000000u;
	return tsc - (uint64_t)back;
}

void lt_clockfit_tick(uint64_t now)
{
	(void)now;
	if (__atomic_load_n(&lt_clockfit, __ATOMIC_ACQUIRE))
		lt_clockfit_update(); /* refined as the span grows */
}

int lt_clockfit_update(void)
{
	pthread_mutex_lock(&fit_lock);
	uint64_t tsc, mono;
	if (!fit_mono0) {
		/* The first fit: a few ms of measuring, once per process. */
		clock_pair(&fit_tsc0, &fit_mono0);
		do
			clock_pair(&tsc, &mono);
		while (mono - fit_mono0 < 4000000);
	} else {
		clock_pair(&tsc, &mono);
	}
	const struct lt_clockfit *c = lt_clockfit;
	uint64_t span = mono - fit_mono0;
	/* A better rate as the span doubles; a new anchor every 10 s at least,
	 * so that CLOCK_MONOTONIC's slewing (NTP) does not pull the windows
	 * away. The fits are a ring: a slot is reused after 64 fits (10 min
	 * at least), long after any reader of it is done. */
	if ((!c || span >= 2 * c->span || span >= c->span + 10000000000ull) && tsc > fit_tsc0) {
		struct lt_clockfit *f = &fits[nfits++ % FITS];
		f->tps = (uint64_t)((unsigned __int128)(tsc - fit_tsc0) * 1000000000u / span);
		f->base1 = boundary(tsc, mono, 1000000000ull, f->tps);
		f->base60 = boundary(tsc, mono, 60000000000ull, f->tps);
		f->span = span;
		__atomic_store_n(&lt_clockfit, f, __ATOMIC_RELEASE);
	}
	int ok = lt_clockfit ? 0 : -1;
	pthread_mutex_unlock(&fit_lock);
	return ok;
}
