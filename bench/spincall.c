/* spincall.c - a stand-in for liblegacylog's legacy_log, preloaded into
 * test-programs/req-daemon by bench/b-server-split.sh: each debug call
 * spins SPINCALL_TICKS TSC ticks (no syscall, no memory touched), info and
 * higher calls return at once; with SPINCALL_DROP=1 debug calls return at
 * once too (the "B" arm, without logtax); SPINCALL_SYSCALL=1 adds one
 * gettid system call inside each debug call, as liblegacylog's ringbuffer
 * mode makes. At exit it prints on stderr the
 * time measured inside the debug calls, read the way the shim reads a
 * timed call (TSC at entry and at return), so that the daemon's CPU saving
 * can be set against the time inside the calls with no logtax loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86intrin.h>

static long ticks = -1, drop, sys;
static unsigned long long inside, calls, tsc0;
static struct timespec mono0;

void legacy_log(const void *src, int priority, const char *file, int line, const char *func, const char *fmt, ...)
{
	(void)src, (void)file, (void)line, (void)func, (void)fmt;
	if (ticks < 0) {
		const char *s = getenv("SPINCALL_TICKS");
		ticks = s ? atol(s) : 3000;
		s = getenv("SPINCALL_DROP");
		drop = s && *s == '1';
		s = getenv("SPINCALL_SYSCALL");
		sys = s && *s == '1';
		clock_gettime(CLOCK_MONOTONIC, &mono0);
		tsc0 = __rdtsc();
	}
	if (priority != 1 || drop)
		return;
	unsigned long long t = __rdtsc(), e;
	if (sys)
		syscall(SYS_gettid); /* as liblegacylog's ringbuffer mode does per call */
	while ((e = __rdtsc()) - t < (unsigned long long)ticks)
		;
	inside += e - t;
	calls++;
}

/* The TSC's rate from the process's own run: ticks over CLOCK_MONOTONIC. */
__attribute__((destructor)) static void report(void)
{
	struct timespec m;
	if (!calls)
		return;
	clock_gettime(CLOCK_MONOTONIC, &m);
	double ns = (double)(m.tv_sec - mono0.tv_sec) * 1e9 + (double)(m.tv_nsec - mono0.tv_nsec);
	double per_tick = ns / (double)(__rdtsc() - tsc0);
	fprintf(stderr, "spincall: calls=%llu inside_ns=%.0f\n", calls, (double)inside * per_tick);
}
