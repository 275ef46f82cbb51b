/*
 * rate-demo.c - logs at a known rate for a known time, and says which
 * second of CLOCK_MONOTONIC each call fell in.
 *
 * What it is for: checking `limit:SELECTOR:N/s` exactly. logtax's windows
 * are whole seconds of CLOCK_MONOTONIC; this program logs only in the
 * middle of each second (from 0.15 s to 0.85 s into it), and reads the
 * clock before and after each call, so every call is known to lie inside
 * one second, far from its edges. Each message carries that second
 * ("sec=S"), so the lines liblegacylog writes (LEGACYLOG_OUTPUT) say how
 * many calls of each second the real function received.
 *
 * How it is run:
 *   rate-demo [RATE] [SECONDS]     (defaults: 300 calls per second, 4 s)
 * It starts at the next whole second. At exit it prints, on stdout:
 *   rate-demo: second sec=S calls=N      (one line per second it logged in)
 *   rate-demo: calls source=rate.tick count=N
 *   rate-demo: edge=N                    (calls that came within 0.1 s of
 *                                         a second's edge: 0 unless the
 *                                         machine stalled it; such a call
 *                                         carries sec=-1)
 * Bad arguments: a usage message on stderr and exit status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "legacylog.h"

LEGACY_LOG_SOURCE(log_tick, "rate.tick");

#define MAX_SECONDS 60

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(long long t)
{
	struct timespec ts = { (time_t)(t / 1000000000LL), (long)(t % 1000000000LL) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

int main(int argc, char **argv)
{
	long rate = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
	long secs = argc > 2 ? strtol(argv[2], NULL, 10) : 4;
	if (argc > 3 || rate < 1 || rate > 100000 || secs < 1 || secs > MAX_SECONDS) {
		fprintf(stderr, "rate-demo: usage: rate-demo [RATE 1-100000] [SECONDS 1-%d]\n", MAX_SECONDS);
		return 2;
	}
	static long calls[MAX_SECONDS];
	long long first = (now_ns() / 1000000000LL + 1) * 1000000000LL;
	long total = 0, edge = 0;
	for (long s = 0; s < secs; s++) {
		long long start = first + s * 1000000000LL;
		/* RATE calls over 0.7 s of this second, from 0.15 s on */
		for (long i = 0; i < rate; i++) {
			sleep_until(start + 150000000LL + 700000000LL * i / rate);
			long long t0 = now_ns();
			long long sec = t0 / 1000000000LL, in = t0 % 1000000000LL;
			int safe = sec == start / 1000000000LL && in >= 100000000LL && in < 900000000LL;
			LEGACY_LOG(log_tick, LEGACY_LOG_DEBUG, "tick sec=%lld i=%ld", safe ? sec : -1LL, i);
			long long t1 = now_ns();
			if (safe && t1 / 1000000000LL == sec && t1 % 1000000000LL < 900000000LL)
				calls[s]++;
			else
				edge++;
			total++;
		}
	}
	for (long s = 0; s < secs; s++)
		printf("rate-demo: second sec=%lld calls=%ld\n", first / 1000000000LL + s, calls[s]);
	printf("rate-demo: calls source=%s count=%ld\n", log_tick.name, total);
	printf("rate-demo: edge=%ld\n", edge);
	return 0;
}
