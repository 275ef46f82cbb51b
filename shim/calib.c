/* Calibration: the shim's own cost per call, measured at start-up through
 * the real trampoline on an empty function, and written to the data file
 * (LTX_REC_CALIB) so that the analyzer can subtract it. */
#include "lt.h"
#include "calib.h"
#include "base.h"
#include "desc.h"
#include "entries.h"
#include "entry.h"
#include "hotpath.h"
#include "state.h"
#include "threads.h"
#include "../common/ltx_format.h"

#include <stdlib.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sums of the calibration keys of one mode (one key per call site). */
static void calib_sums(long mode, uint64_t *ticks, uint64_t *timed)
{
	*ticks = *timed = 0;
	const struct lt_table *t = lt_tls.table;
	for (uint64_t i = 0; t && i <= t->mask; i++) {
		const struct lt_slot *s = &t->slots[i];
		if (s->ret && LT_META_ENTRY(s->meta) == 0 && LT_META_LEVEL(s->meta) == mode) {
			*ticks += s->ticks;
			*timed += s->timed;
		}
	}
}

/* The shim's own cost: the same empty function called directly and through
 * the trampoline in each mode, in interleaved rounds; medians are kept.
 * Takes about a millisecond. */
#define CAL_CALLS 256
#define CAL_ROUNDS 21
#define CAL_CHUNKS 16
#define CAL_CHUNK_CALLS 4096
void lt_calibrate(void)
{
	uint64_t m[5][CAL_ROUNDS], w0, w1, n0, n1;
	/* On a table of its own, dropped afterwards (it cannot grow: 3 keys). */
	struct lt_table *own = lt_table_swap(NULL);
	if (!own)
		return;
	/* mode 0 counts without timing here */
	lt_tls.time_left = lt_tls.stack_left = lt_tls.armed = lt_tls.countdown = INT64_MAX;
	for (long mode = 0; mode < 3; mode++)
		lt_calib_entry(mode); /* first sight: create the keys */
	for (int r = 0; r < CAL_ROUNDS; r++) {
		uint64_t t0 = lt_rdtsc();
		for (int i = 0; i < CAL_CALLS; i++)
			lt_calib_target(0);
		uint64_t t1 = lt_rdtsc();
		for (int i = 0; i < CAL_CALLS; i++)
			lt_calib_entry(0);
		uint64_t t2 = lt_rdtsc();
		for (int i = 0; i < CAL_CALLS; i++)
			lt_calib_entry(1);
		uint64_t t3 = lt_rdtsc();
		calib_sums(2, &w0, &n0);
		for (int i = 0; i < CAL_CALLS; i++)
			lt_calib_entry(2);
		uint64_t t4 = lt_rdtsc();
		calib_sums(2, &w1, &n1);
		m[0][r] = t1 - t0;
		m[1][r] = t2 - t1;
		m[2][r] = t3 - t2;
		m[3][r] = t4 - t3;
		m[4][r] = w1 - w0;
	}
	for (int k = 0; k < 5; k++)
		qsort(m[k], CAL_ROUNDS, sizeof m[k][0], cmp_u64);
	lt_calib.calls = CAL_CALLS;
	lt_calib.rounds = CAL_ROUNDS;
	lt_calib.direct_ticks = m[0][CAL_ROUNDS / 2];
	lt_calib.count_ticks = m[1][CAL_ROUNDS / 2];
	lt_calib.drop_ticks = m[2][CAL_ROUNDS / 2];
	lt_calib.timed_ticks = m[3][CAL_ROUNDS / 2];
	lt_calib.window_ticks = m[4][CAL_ROUNDS / 2];

	/* Sampling as configured: timed calls are rare, as they will be. Each
	 * chunk of calls is paired with one of the same calls counted only
	 * (the countdown held off), in turn before and after it, and what a
	 * timed call adds is the median of the pairs' differences: a median
	 * of whole chunks less the rounds above, taken at another moment,
	 * was some 64 times the drift of a call's cost (3 to 95 ns between
	 * runs). sample_ticks is then the counted calls' cost plus that, so
	 * sample_ticks / sample_calls stays a call's mean cost. The window of
	 * a timed call is the median of the chunks' (an interrupt inside one
	 * window must not move the figure). */
	if (lt_cfg.time_mode == LTX_TIME_SAMPLE) {
		int64_t diff[CAL_CHUNKS];
		uint64_t win[CAL_CHUNKS], timed = 0;
		lt_rearm();
		for (int c = 0; c < CAL_CHUNKS; c++) {
			uint64_t cost[2];
			for (int k = 0; k < 2; k++) {
				int sampled = (k == 0) == (c % 2 == 0);
				int64_t saved = lt_tls.countdown;
				if (!sampled)
					lt_tls.countdown = INT64_MAX;
				else
					calib_sums(0, &w0, &n0);
				uint64_t t0 = lt_rdtsc();
				for (int i = 0; i < CAL_CHUNK_CALLS; i++)
					lt_calib_entry(0);
				uint64_t t1 = lt_rdtsc();
				cost[sampled] = t1 - t0;
				if (!sampled) {
					lt_tls.countdown = saved;
					continue;
				}
				calib_sums(0, &w1, &n1);
				win[c] = n1 > n0 ? (w1 - w0) * 1024 / (n1 - n0) : 0; /* ticks/1024 per timed call */
				timed += n1 - n0;
			}
			diff[c] = (int64_t)(cost[1] - cost[0]);
		}
		qsort(diff, CAL_CHUNKS, sizeof diff[0], cmp_i64);
		qsort(win, CAL_CHUNKS, sizeof win[0], cmp_u64);
		int64_t extra = diff[CAL_CHUNKS / 2] > 0 ? diff[CAL_CHUNKS / 2] : 0;
		lt_calib.sample_calls = (uint64_t)CAL_CHUNKS * CAL_CHUNK_CALLS;
		lt_calib.sample_ticks = lt_calib.sample_calls / CAL_CALLS * lt_calib.count_ticks + (uint64_t)extra * CAL_CHUNKS;
		lt_calib.sample_timed = timed;
		lt_calib.sample_window_ticks = win[CAL_CHUNKS / 2] * timed / 1024;
	}
	lt_rearm();
	lt_table_drop(lt_table_swap(own));
	/* Trace mode: the calibration's timed calls paid for their events (so
	 * their cost is measured with it) but are not the program's. */
	struct lt_thread *th = lt_tls.thr;
	if (th && th->trace)
		th->trace->recorded = th->trace->pos = 0;
}

/* The calibration entry's real function is the assembly's empty target;
 * set here, not in the descriptor's initializer, so that the descriptor
 * table refers to no code. */
void lt_calib_prepare(void)
{
	lt_desc_calib.real = (void *)lt_calib_target;
	lt_desc_prepare(&lt_desc_calib);
}
