/* callwrap.c - the least a timer of logging calls can be, for
 * bench/b-server-split.sh: preloaded into test-programs/req-daemon, it
 * forwards each legacy_log call to liblegacylog's between two TSC reads
 * and adds up the debug calls' time; with CALLWRAP_DROP=1 it returns from
 * the debug calls at once (the "B" arm). At exit it prints on stderr
 * "callwrap: calls=N inside_ns=T". No logtax is loaded: the daemon's CPU
 * saved by B can be set against the time inside the calls with nothing
 * else in the way. req-daemon's calls pass at most three long arguments,
 * so three are forwarded. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

struct legacy_log_source;
typedef void log_fn(const struct legacy_log_source *, int, const char *, int, const char *, const char *, ...);

static log_fn *real;
static int drop = -1;
static unsigned long long inside, calls, tsc0;
static struct timespec mono0;

void legacy_log(const struct legacy_log_source *src, int priority, const char *file, int line, const char *func,
		const char *fmt, ...)
{
	if (drop < 0) {
		const char *s = getenv("CALLWRAP_DROP");
		drop = s && *s == '1';
		real = (log_fn *)dlsym(RTLD_NEXT, "legacy_log");
		clock_gettime(CLOCK_MONOTONIC, &mono0);
		tsc0 = __rdtsc();
	}
	if (!real || (priority == 1 && drop))
		return;
	va_list ap;
	va_start(ap, fmt);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	va_end(ap);
	unsigned long long t = __rdtsc();
	real(src, priority, file, line, func, fmt, a, b, c);
	unsigned long long e = __rdtsc();
	if (priority == 1) {
		inside += e - t;
		calls++;
	}
}

/* The TSC's rate from the process's own run: ticks over CLOCK_MONOTONIC. */
__attribute__((destructor)) static void report(void)
{
	struct timespec m;
	if (!calls)
		return;
	clock_gettime(CLOCK_MONOTONIC, &m);
	double ns = (double)(m.tv_sec - mono0.tv_sec) * 1e9 + (double)(m.tv_nsec - mono0.tv_nsec);
	fprintf(stderr, "callwrap: calls=%llu inside_ns=%.0f\n", calls, (double)inside * ns / (double)(__rdtsc() - tsc0));
}
