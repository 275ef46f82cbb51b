/*
 * rules-bench: what one logging call costs its caller, in all (argument
 * set-up, PLT jump, logtax's trampoline and hook, and the function or the
 * drop), measured against the same loop without the call.
 *
 *   rules-bench ns CALLS ROUNDS   interleaved rounds: CALLS iterations of an
 *                                 empty loop, then CALLS calls; prints the
 *                                 median over rounds of (call - empty) / CALLS
 *                                 in ns
 *   rules-bench calls CALLS       only the calls (for instruction counts)
 *   rules-bench empty CALLS       only the empty loop
 *
 * The call is legacy_log() from liblegacylog.so, source "bench.src", debug
 * level, one call site: run it with logtax's rules dropping it, keeping it,
 * or without logtax (then LEGACYLOG_MODE=fast makes it a filtered-out call
 * of two comparisons, as libvirt's own cheapest path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../test-programs/legacylog.h"

LEGACY_LOG_SOURCE(bench_src, "bench.src");

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

__attribute__((noinline)) static void empty_loop(long n)
{
	for (long i = 0; i < n; i++)
		__asm__ volatile("" ::"r"(i) : "memory");
}

__attribute__((noinline)) static void call_loop(long n)
{
	for (long i = 0; i < n; i++) {
		__asm__ volatile("" ::"r"(i) : "memory");
		legacy_log(&bench_src, LEGACY_LOG_DEBUG, __FILE__, __LINE__, __func__, "request %ld", i);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rules-bench ns CALLS ROUNDS | calls CALLS | empty CALLS\n");
		return 2;
	}
	long n = atol(argv[2]);
	if (n <= 0)
		return 2;
	if (!strcmp(argv[1], "calls")) {
		call_loop(n);
		return 0;
	}
	if (!strcmp(argv[1], "empty")) {
		empty_loop(n);
		return 0;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 21;
	if (rounds < 1 || rounds > 1000)
		return 2;
	double *d = calloc((size_t)rounds, sizeof *d);
	call_loop(1000); /* first sight of the key, warm caches */
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ns();
		empty_loop(n);
		double t1 = now_ns();
		call_loop(n);
		double t2 = now_ns();
		d[r] = ((t2 - t1) - (t1 - t0)) / (double)n;
	}
	qsort(d, (size_t)rounds, sizeof *d, cmp);
	printf("%.3f\n", d[rounds / 2]);
	free(d);
	return 0;
}
