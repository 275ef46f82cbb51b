/*
 * pool-demo.c - an event loop that hands jobs to a pool of workers through
 * a condition variable, the shape of libvirtd (its event loop plus the
 * rpc-libvirtd worker pool).
 *
 * The main thread ("pool-loop") is the event loop: each iteration waits in
 * poll (1 ms, no descriptor), makes LOOP_CALLS logging calls (source
 * "pool.loop") and hands a job to every idle worker until each has had
 * JOBS. The WORKERS workers, all named "pool-worker", wait for their next
 * job in pthread_cond_wait (workers 0, 2), pthread_cond_timedwait (worker
 * 1) or pthread_cond_clockwait (worker 3), the last two with a deadline far
 * off; each job makes CALLS logging calls
 * (source "pool.worker") with some arithmetic between them. A worker
 * says it is idle under the mutex and then waits, so the loop only hands a
 * job to a worker that is inside its wait (every job follows a wait); a
 * worker that has had its JOBS ends without waiting again. At exit, on
 * stdout, what it counted itself:
 *   pool-demo: thread=loop iterations=N calls=C
 *   pool-demo: thread=worker.I waits=W jobs=J calls=C cpu_ns=T   (one per worker;
 *   T its CPU clock as it ended)
 *   pool-demo: calls source=S count=N
 *
 * With COMPAT=1 in the environment the workers use glibc's pre-2.3.2
 * condition variables (pthread_cond_*@GLIBC_2.2.5, what a program built
 * before 2003 is bound to): a check that the shim's versioned wrappers leave
 * those alone.
 *
 * Usage: pool-demo [WORKERS [JOBS [CALLS [LOOP_CALLS]]]] (defaults 4 200 50 3).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "legacylog.h"

#if defined(__x86_64__)
/* glibc's compat condition variables, as a program linked before 2.3.2 sees them. */
int compat_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int compat_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t);
int compat_cond_signal(pthread_cond_t *c);
__asm__(".symver compat_cond_wait, pthread_cond_wait@GLIBC_2.2.5");
__asm__(".symver compat_cond_timedwait, pthread_cond_timedwait@GLIBC_2.2.5");
__asm__(".symver compat_cond_signal, pthread_cond_signal@GLIBC_2.2.5");
#define HAVE_COMPAT 1
#else
#define HAVE_COMPAT 0
#endif

#define MAX_WORKERS 64

LEGACY_LOG_SOURCE(loop_src, "pool.loop");
LEGACY_LOG_SOURCE(worker_src, "pool.worker");

struct worker {
	pthread_t thread;
	int index;
	pthread_cond_t cv; /* zero-initialised: valid for both kinds */
	int idle, job;     /* under the pool's mutex */
	long waits, jobs, calls;
	long long cpu_ns; /* its own CPU clock, read as it ends */
	volatile unsigned long sink;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct worker workers[MAX_WORKERS];
static long njobs = 200, ncalls = 50, loop_calls = 3;
static int compat;

static int cond_wait(struct worker *w)
{
	int kind = w->index % 4; /* 0, 2: wait; 1: timedwait; 3: clockwait */
	struct timespec far;
	clock_gettime(kind == 3 ? CLOCK_MONOTONIC : CLOCK_REALTIME, &far);
	far.tv_sec += 3600;
#if HAVE_COMPAT
	if (compat)
		return kind & 1 ? compat_cond_timedwait(&w->cv, &mu, &far) : compat_cond_wait(&w->cv, &mu);
#endif
	if (kind == 3)
		return pthread_cond_clockwait(&w->cv, &mu, CLOCK_MONOTONIC, &far);
	return kind == 1 ? pthread_cond_timedwait(&w->cv, &mu, &far) : pthread_cond_wait(&w->cv, &mu);
}

static void cond_signal(struct worker *w)
{
#if HAVE_COMPAT
	if (compat) {
		compat_cond_signal(&w->cv);
		return;
	}
#endif
	pthread_cond_signal(&w->cv);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pthread_setname_np(pthread_self(), "pool-worker");
	for (long j = 0; j < njobs; j++) {
		pthread_mutex_lock(&mu);
		w->idle = 1;
		while (!w->job) {
			int r = cond_wait(w);
			w->waits++;
			if (r != 0 && r != ETIMEDOUT) {
				fprintf(stderr, "pool-demo: condition wait: %s\n", strerror(r));
				exit(1);
			}
		}
		w->job = 0;
		w->idle = 0;
		pthread_mutex_unlock(&mu);
		for (long i = 0; i < ncalls; i++) {
			for (int k = 0; k < 200; k++)
				w->sink = w->sink * 31 + (unsigned long)k;
			LEGACY_LOG(worker_src, LEGACY_LOG_DEBUG, "worker %d job %ld step %ld", w->index, j, i);
			w->calls++;
		}
		w->jobs++;
	}
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	w->cpu_ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	return NULL;
}

static long arg(char **argv, int argc, int i, long def, long max)
{
	if (argc <= i)
		return def;
	char *end;
	long v = strtol(argv[i], &end, 10);
	if (*end || v < 0 || v > max) {
		fprintf(stderr, "usage: pool-demo [WORKERS [JOBS [CALLS [LOOP_CALLS]]]] (WORKERS 1-%d)\n", MAX_WORKERS);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	int nworkers = (int)arg(argv, argc, 1, 4, MAX_WORKERS);
	njobs = arg(argv, argc, 2, 200, 100000000);
	ncalls = arg(argv, argc, 3, 50, 100000000);
	loop_calls = arg(argv, argc, 4, 3, 100000000);
	if (argc > 5 || nworkers < 1)
		arg(argv, 2, 1, 0, -1); /* usage */
	const char *c = getenv("COMPAT");
	compat = c && !strcmp(c, "1");
	if (compat && !HAVE_COMPAT) {
		fprintf(stderr, "pool-demo: COMPAT=1 needs x86-64\n");
		return 2;
	}
	pthread_setname_np(pthread_self(), "pool-loop");
	for (int i = 0; i < nworkers; i++) {
		workers[i].index = i;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
			fprintf(stderr, "pool-demo: pthread_create failed\n");
			return 1;
		}
	}
	long handed = 0, iterations = 0, lcalls = 0, want = (long)nworkers * njobs;
	long given[MAX_WORKERS] = { 0 };
	while (handed < want) {
		if (poll(NULL, 0, 1) < 0) {
			perror("pool-demo: poll");
			return 1;
		}
		iterations++;
		for (long i = 0; i < loop_calls; i++) {
			LEGACY_LOG(loop_src, LEGACY_LOG_DEBUG, "loop iteration %ld", iterations);
			lcalls++;
		}
		pthread_mutex_lock(&mu);
		for (int i = 0; i < nworkers; i++) {
			struct worker *w = &workers[i];
			if (w->idle && !w->job && given[i] < njobs) {
				w->job = 1;
				w->idle = 0;
				given[i]++;
				handed++;
				cond_signal(w);
			}
		}
		pthread_mutex_unlock(&mu);
	}
	long wcalls = 0;
	for (int i = 0; i < nworkers; i++) {
		pthread_join(workers[i].thread, NULL);
		wcalls += workers[i].calls;
	}
	printf("pool-demo: thread=loop iterations=%ld calls=%ld\n", iterations, lcalls);
	for (int i = 0; i < nworkers; i++)
		printf("pool-demo: thread=worker.%d waits=%ld jobs=%ld calls=%ld cpu_ns=%lld\n", i, workers[i].waits,
		       workers[i].jobs, workers[i].calls, workers[i].cpu_ns);
	printf("pool-demo: calls source=pool.loop count=%ld\n", lcalls);
	printf("pool-demo: calls source=pool.worker count=%ld\n", wcalls);
	return fflush(stdout) != 0;
}
