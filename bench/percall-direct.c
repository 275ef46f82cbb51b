/* percall-direct: percall's loop (see percall.c) on a logging function that
 * lives in the executable and is called directly, as nginx's is: the call
 * only entry patching reaches. direct_log does what liblegacylog's fast
 * mode does (a filtered-out call: a call and two comparisons), so the
 * figures sit beside percall's, which go through a PLT and GOT entry.
 *   percall-direct [CALLS] [ROUNDS]    prints the median round, ns per call
 * Under callgrind, --toggle-collect=bench_loop: Ir / calls is instructions
 * per call (CALLS/10 + 1 warm-up calls first, as percall). Hooked as
 *   LOGTAX_HOOK='direct_log:name=1:level=2' */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Messages below it are filtered out (all of them here); a global, read
 * at each call as a daemon reads its log level. */
int direct_log_threshold = 4;
static long printed;

__attribute__((noinline, noclone)) int direct_log(const char *src, int level, const char *fmt, ...);
__attribute__((noinline, noclone)) int direct_log(const char *src, int level, const char *fmt, ...)
{
	if (level < direct_log_threshold || !src)
		return 0;
	/* what passes is written (none does here): a logger that calls out,
	 * as real ones do (a leaf is refused) */
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	printed++;
	return n;
}

__attribute__((noinline)) void bench_loop(long n);
__attribute__((noinline)) void bench_loop(long n)
{
	for (long i = 0; i < n; i++)
		direct_log("bench.0", 1, "value %ld", i);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 2000000;
	long rounds = argc > 2 ? atol(argv[2]) : 9;
	if (calls <= 0 || rounds <= 0 || rounds > 1000) {
		fprintf(stderr, "usage: percall-direct [CALLS] [ROUNDS 1..1000]\n");
		return 2;
	}
	double *r = malloc(sizeof *r * (size_t)rounds);
	if (!r)
		return 1;
	bench_loop(calls / 10 + 1);
	for (long k = 0; k < rounds; k++) {
		double t0 = now_ns();
		bench_loop(calls);
		r[k] = (now_ns() - t0) / (double)calls;
	}
	qsort(r, (size_t)rounds, sizeof *r, cmp);
	printf("%.3f\n", r[rounds / 2]);
	free(r);
	return printed != 0;
}
