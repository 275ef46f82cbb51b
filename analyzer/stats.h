/* Statistics for A/B runs: order statistics, a bootstrap confidence
 * interval of a median, and the Mann-Whitney U test. Self-contained (libm
 * only) so the unit tests link it alone. */
#ifndef AN_STATS_H
#define AN_STATS_H

#include <stddef.h>
#include <stdint.h>

struct an_summary {
	double median, q1, q3, min, max;
};

/* Of n >= 1 values (not changed). Quartiles interpolate linearly. */
struct an_summary an_summarize(const double *v, size_t n);
double an_median(const double *v, size_t n);

/* 95% percentile-bootstrap interval of the median of v: `iters` resamples
 * drawn with a fixed seed, so the same data give the same interval. */
void an_bootstrap_median_ci(const double *v, size_t n, unsigned iters, uint64_t seed, double *lo, double *hi);

/* Two-sided Mann-Whitney U test of a against b. *u is U of a (the number
 * of pairs where a > b, ties counting one half). Exact when there are no
 * ties and both samples have at most 20 values; otherwise the normal
 * approximation with tie and continuity corrections. *exact says which. */
double an_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u, int *exact);

#endif
