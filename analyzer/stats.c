/* See stats.h. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Quantile q of sorted s (linear interpolation between order statistics). */
static double quantile(const double *s, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	double f = pos - (double)i;
	return i + 1 < n ? s[i] + f * (s[i + 1] - s[i]) : s[n - 1];
}

struct an_summary an_summarize(const double *v, size_t n)
{
	struct an_summary r = { 0, 0, 0, 0, 0 };
	if (!n)
		return r;
	double *s = malloc(n * sizeof *s);
	if (!s)
		return r;
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_d);
	r.median = quantile(s, n, 0.5);
	r.q1 = quantile(s, n, 0.25);
	r.q3 = quantile(s, n, 0.75);
	r.min = s[0];
	r.max = s[n - 1];
	free(s);
	return r;
}

double an_median(const double *v, size_t n)
{
	return an_summarize(v, n).median;
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void an_bootstrap_median_ci(const double *v, size_t n, unsigned iters, uint64_t seed, double *lo, double *hi)
{
	*lo = *hi = n ? an_median(v, n) : 0;
	if (n < 2 || !iters)
		return;
	double *meds = malloc(iters * sizeof *meds), *re = malloc(n * sizeof *re);
	if (meds && re) {
		uint64_t st = seed;
		for (unsigned it = 0; it < iters; it++) {
			for (size_t i = 0; i < n; i++)
				re[i] = v[splitmix(&st) % n];
			qsort(re, n, sizeof *re, cmp_d);
			meds[it] = quantile(re, n, 0.5);
		}
		qsort(meds, iters, sizeof *meds, cmp_d);
		*lo = quantile(meds, iters, 0.025);
		*hi = quantile(meds, iters, 0.975);
	}
	free(meds);
	free(re);
}

/* P(U <= u) for samples of m and n without ties: counts of the
 * arrangements, by the recurrence f(m,n,u) = f(m-1,n,u-n) + f(m,n-1,u). */
static double exact_cdf(size_t m, size_t n, double u)
{
	size_t max = m * n;
	/* f[i][j][k] flattened; sizes are small (m, n <= 20). */
	double *f = calloc((m + 1) * (n + 1) * (max + 1), sizeof *f);
	if (!f)
		return -1;
#define F(i, j, k) f[((i) * (n + 1) + (j)) * (max + 1) + (k)]
	for (size_t i = 0; i <= m; i++)
		for (size_t j = 0; j <= n; j++) {
			if (!i || !j) {
				F(i, j, 0) = 1;
				continue;
			}
			for (size_t k = 0; k <= i * j; k++)
				F(i, j, k) = (k >= j ? F(i - 1, j, k - j) : 0) + F(i, j - 1, k);
		}
	double total = 0, below = 0;
	for (size_t k = 0; k <= max; k++) {
		total += F(m, n, k);
		if ((double)k <= u + 1e-9)
			below += F(m, n, k);
	}
#undef F
	free(f);
	return below / total;
}

double an_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u_out, int *exact)
{
	*u_out = 0;
	*exact = 0;
	if (!na || !nb)
		return 1;
	size_t n = na + nb;
	struct item {
		double v;
		int from_a;
	} *all = malloc(n * sizeof *all);
	double *rank = malloc(n * sizeof *rank);
	if (!all || !rank) {
		free(all);
		free(rank);
		return 1;
	}
	for (size_t i = 0; i < na; i++)
		all[i] = (struct item){ a[i], 1 };
	for (size_t i = 0; i < nb; i++)
		all[na + i] = (struct item){ b[i], 0 };
	qsort(all, n, sizeof *all, cmp_d); /* v is the first member */
	double ties = 0; /* sum of t^3 - t over groups of ties */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && all[j].v == all[i].v; j++)
			;
		double t = (double)(j - i);
		for (size_t k = i; k < j; k++)
			rank[k] = ((double)i + (double)j + 1) / 2; /* mean of ranks i+1..j */
		ties += t * t * t - t;
	}
	double ra = 0;
	for (size_t i = 0; i < n; i++)
		if (all[i].from_a)
			ra += rank[i];
	free(all);
	free(rank);
	double u = ra - (double)na * (double)(na + 1) / 2;
	*u_out = u;
	double p;
	if (ties == 0 && na <= 20 && nb <= 20) {
		double lo = exact_cdf(na, nb, u), hi = 1 - exact_cdf(na, nb, u - 1);
		if (lo >= 0) {
			*exact = 1;
			p = 2 * (lo < hi ? lo : hi);
			return p > 1 ? 1 : p;
		}
	}
	double mean = (double)na * (double)nb / 2;
	double var = (double)na * (double)nb / 12 * (((double)n + 1) - ties / ((double)n * ((double)n - 1)));
	if (var <= 0)
		return 1;
	double z = (fabs(u - mean) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	p = erfc(z / sqrt(2));
	return p > 1 ? 1 : p;
}
