/* percall: the cost of one logging call, with and without logtax.
 *
 * Calls legacy_log (liblegacylog.so in fast mode: a filtered-out call costs
 * a call and two comparisons, like libvirt's after 2014) N times from one
 * call site, in R rounds, and prints the median round as ns per call.
 * bench/run.sh runs it with the shim in each mode, interleaved, and subtracts.
 * Under callgrind, bench_loop() is the only function collected
 * (--toggle-collect=bench_loop), so Ir / N is instructions per call.
 *   percall [CALLS] [ROUNDS] [THREADS] [KEYS]
 * THREADS > 1 runs the loop in that many threads at once (one round each);
 * KEYS > 1 spreads the calls over that many distinct keys (levels x sources).
 * With PERCALL_RSS=1 it also prints its resident memory (kB) at the end;
 * PERCALL_CLOCK=cpu times with the thread's CPU clock instead of the wall. */
#include "../test-programs/legacylog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Resident memory in kB, from /proc/self/status. */
static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static void report(double ns)
{
	if (getenv("PERCALL_RSS"))
		printf("%.3f %ld\n", ns, rss_kb());
	else
		printf("%.3f\n", ns);
}

#define MAX_SOURCES 25000 /* x 4 levels: up to 100,000 keys */
static struct legacy_log_source sources[MAX_SOURCES];
static char names[MAX_SOURCES][16];
static long calls = 2000000, nkeys = 1;

/* Wall time by default; PERCALL_CLOCK=cpu measures the thread's CPU time,
 * which does not count time spent waiting for a CPU (threads > CPUs). */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(clock_id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* noinline: callgrind collects this function and its callees only. */
__attribute__((noinline)) void bench_loop(long n, long keys)
{
	if (keys <= 1) {
		for (long i = 0; i < n; i++)
			legacy_log(&sources[0], LEGACY_LOG_DEBUG, __FILE__, __LINE__, __func__, "value %ld", i);
		return;
	}
	/* 4 levels x up to 25,000 sources = up to 100,000 keys from one call site */
	for (long i = 0; i < n; i++) {
		long k = i % keys;
		legacy_log(&sources[k >> 2], (int)(k & 3) + 1, __FILE__, __LINE__, __func__, "value %ld", i);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void *thread_main(void *arg)
{
	double *out = arg;
	bench_loop(calls / 10, nkeys); /* warm up: first sight of every key */
	double t0 = now_ns();
	bench_loop(calls, nkeys);
	*out = (now_ns() - t0) / (double)calls;
	return NULL;
}

int main(int argc, char **argv)
{
	calls = argc > 1 ? atol(argv[1]) : 2000000;
	long rounds = argc > 2 ? atol(argv[2]) : 9;
	long threads = argc > 3 ? atol(argv[3]) : 1;
	nkeys = argc > 4 ? atol(argv[4]) : 1;
	if (calls <= 0 || rounds <= 0 || rounds > 1000 || threads <= 0 || threads > 64 || nkeys <= 0 ||
	    nkeys > 4 * MAX_SOURCES) {
		fprintf(stderr, "usage: percall [CALLS] [ROUNDS 1..1000] [THREADS 1..64] [KEYS 1..100000]\n");
		return 2;
	}
	const char *clk = getenv("PERCALL_CLOCK");
	if (clk && !strcmp(clk, "cpu"))
		clock_id = CLOCK_THREAD_CPUTIME_ID;
	for (int i = 0; i < MAX_SOURCES; i++) {
		snprintf(names[i], sizeof names[i], "bench.%d", i);
		sources[i].name = names[i];
	}
	if (threads > 1) {
		pthread_t t[64];
		double ns[64];
		for (long i = 0; i < threads; i++)
			pthread_create(&t[i], NULL, thread_main, &ns[i]);
		for (long i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		qsort(ns, (size_t)threads, sizeof ns[0], cmp);
		report(ns[threads / 2]);
		return 0;
	}
	double *r = malloc(sizeof *r * (size_t)rounds);
	bench_loop(calls / 10 + 1, nkeys);
	for (long k = 0; k < rounds; k++) {
		double t0 = now_ns();
		bench_loop(calls, nkeys);
		r[k] = (now_ns() - t0) / (double)calls;
	}
	qsort(r, (size_t)rounds, sizeof *r, cmp);
	report(r[rounds / 2]);
	free(r);
	return 0;
}
