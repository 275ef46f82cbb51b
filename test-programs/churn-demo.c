/*
 * churn-demo: threads that come and go while others log, as in a daemon
 * that starts a thread per request.
 *
 * SLOTS slots run at once; each makes CALLS logging calls in all, spread
 * over a chain of threads: in slot s, thread k makes its share and exits,
 * then the slot's runner (a thread that never logs) starts thread k + 1.
 * Even slots use one thread for the whole share (long-lived threads);
 * odd slots split it over CHAIN threads (short-lived ones). So more
 * threads log over the run than at any moment (at most SLOTS at once).
 * Each slot has its own source "churn.S"; calls alternate between two call
 * sites and cycle through the four levels.
 *
 *   churn-demo [SLOTS [CALLS [CHAIN [UNTIL]]]]   (defaults 8 1000000 40)
 * With UNTIL (a path), each slot runs its chain again and again until that
 * file exists (for tests that act on the program while threads come and go).
 *
 * At exit it prints, counted at the call sites:
 *   churn-demo: calls source=churn.S count=N     (one line per slot)
 *   churn-demo: total count=T
 *   churn-demo: threads logged=N                 (worker threads started)
 *   churn-demo: rss kB=N                         (VmRSS at the end)
 * Bad arguments: a usage line on stderr, exit status 2.
 */
#include "legacylog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct slot {
	int index;
	long calls, chain;
	char name[32];
	struct legacy_log_source src;
	unsigned long long count; /* calls made, counted at the call sites */
	long started;
	const char *until;
	pthread_t runner;
};

struct work {
	struct slot *s;
	long calls;
	unsigned long long done;
};

static void *worker(void *arg)
{
	struct work *w = arg;
	for (long i = 0; i < w->calls; i++) {
		int prio = LEGACY_LOG_DEBUG + (int)(i % 4);
		if (i & 1) {
			LEGACY_LOG(w->s->src, prio, "request %ld done", i);
			w->done++;
		} else {
			LEGACY_LOG(w->s->src, prio, "request %ld", i);
			w->done++;
		}
	}
	return NULL;
}

/* Runs the slot's chain of workers, one after the other. */
static void *runner(void *arg)
{
	struct slot *s = arg;
	long n = s->index % 2 ? s->chain : 1;
	for (long k = 0; k < n; k++) {
		if (k == n - 1 && s->until && access(s->until, F_OK) != 0)
			k = -1; /* once more from the start, after this one */
		long i = k < 0 ? n - 1 : k;
		struct work w = { s, s->calls / n + (i < s->calls % n), 0 };
		pthread_t t;
		if (pthread_create(&t, NULL, worker, &w) != 0) {
			perror("churn-demo: pthread_create");
			exit(1);
		}
		pthread_join(t, NULL);
		s->count += w.done;
		s->started++;
	}
	return NULL;
}

static long arg(int argc, char **argv, int i, long def)
{
	if (argc <= i)
		return def;
	char *end;
	long v = strtol(argv[i], &end, 10);
	if (*end || v <= 0) {
		fprintf(stderr, "usage: churn-demo [SLOTS [CALLS [CHAIN [UNTIL]]]] (positive integers)\n");
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc > 5) {
		fprintf(stderr, "usage: churn-demo [SLOTS [CALLS [CHAIN [UNTIL]]]]\n");
		return 2;
	}
	long nslots = arg(argc, argv, 1, 8), calls = arg(argc, argv, 2, 1000000), chain = arg(argc, argv, 3, 40);
	if (nslots > 1024) {
		fprintf(stderr, "churn-demo: at most 1024 slots\n");
		return 2;
	}
	struct slot *slots = calloc((size_t)nslots, sizeof *slots);
	if (!slots)
		return 1;
	for (long i = 0; i < nslots; i++) {
		struct slot *s = &slots[i];
		s->index = (int)i;
		s->calls = calls;
		s->chain = chain;
		s->until = argc > 4 ? argv[4] : NULL;
		snprintf(s->name, sizeof s->name, "churn.%ld", i);
		s->src.name = s->name;
		if (pthread_create(&s->runner, NULL, runner, s) != 0) {
			perror("churn-demo: pthread_create");
			return 1;
		}
	}
	unsigned long long total = 0;
	long started = 0;
	for (long i = 0; i < nslots; i++) {
		pthread_join(slots[i].runner, NULL);
		printf("churn-demo: calls source=%s count=%llu\n", slots[i].name, slots[i].count);
		total += slots[i].count;
		started += slots[i].started;
	}
	printf("churn-demo: total count=%llu\n", total);
	printf("churn-demo: threads logged=%ld\n", started);
	FILE *st = fopen("/proc/self/status", "r");
	char line[256];
	while (st && fgets(line, sizeof line, st))
		if (!strncmp(line, "VmRSS:", 6))
			printf("churn-demo: rss kB=%ld\n", strtol(line + 6, NULL, 10));
	if (st)
		fclose(st);
	free(slots);
	return fflush(stdout) ? 1 : 0;
}
