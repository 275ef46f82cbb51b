/*
 * attach-stress: THREADS threads log without pause while the shim is
 * attached and detached CYCLES times (tests/e2e/t-attach-stress.sh).
 *
 *   attach-stress THREADS CYCLES DIR
 *
 * The shim is loaded as `logtax attach` loads it (dlopen, then
 * logtax_attach with ATTACH_SETTINGS) by the main thread, while the others
 * log. Each cycle prints "cycle N A0 A1 P D1": the calls all threads had
 * made before logtax_attach was called (A0), when it returned (A1), a
 * while later when the program made DIR/attached.N (P: before the test
 * asks for the detach), and once DIR/detached.N exists (D1: the test made
 * it after `logtax ctl PID detach` answered). Every call after A1 and up to
 * P must be counted, none after D1 can be: the attach's file holds between
 * P - A1 and D1 - A0 calls. At the end the program checks that
 * liblegacylog saw every call it made (its own counter).
 *
 * With STRESS_BURST=K in the environment, THREADS more threads (source
 * "stress.burst") sleep in poll between attaches and, once logtax_attach
 * has returned, make exactly K calls each; the program waits for them
 * before it makes DIR/attached.N. Each attach's file then holds exactly
 * THREADS * K calls of that source (the line "burst N CALLS" says how
 * many were made in cycle N); their threads sit in a wait across every
 * detach and attach.
 *
 * With STRESS_SLEEPER=1, one more thread waits in pthread_cond_wait from
 * the first attach to the end (counted as a job wait when the attach's
 * settings have LOGTAX_JOBS=1), and in every cycle the program sends it
 * SIGUSR1, whose handler makes one call (source "stress.signal") inside
 * that wait: the line "signal N 1". Its wait began under the first attach
 * and ends in the last one, after the signal; it then ends. No other
 * thread waits on a condition variable.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "legacylog.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

LEGACY_LOG_SOURCE(src_work, "stress.work");
LEGACY_LOG_SOURCE(src_burst, "stress.burst");
LEGACY_LOG_SOURCE(src_signal, "stress.signal");

#define MAX_THREADS 64
static struct {
	unsigned long n;
	char pad[56];
} made[MAX_THREADS];
static int stop;
static int nthreads;

static void *worker(void *arg)
{
	long t = (long)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		LEGACY_LOG(src_work, LEGACY_LOG_DEBUG, "thread %ld call %lu", t, made[t].n);
		__atomic_store_n(&made[t].n, made[t].n + 1, __ATOMIC_RELEASE);
		if ((made[t].n & 255) == 0)
			poll(NULL, 0, 0);
	}
	return NULL;
}

static unsigned long total(void)
{
	unsigned long s = 0;
	for (int i = 0; i < nthreads; i++)
		s += __atomic_load_n(&made[i].n, __ATOMIC_ACQUIRE);
	return s;
}

/* STRESS_BURST: round r is asked for by setting `round` to r; a burst
 * thread makes its K calls and then sets its done[] to r. */
static int burst_k, round_no;
static struct {
	int done;
	unsigned long n;
	char pad[52];
} burst[MAX_THREADS];

/* STRESS_SLEEPER */
static pthread_mutex_t sl_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sl_cv = PTHREAD_COND_INITIALIZER;
static int sl_gen, sl_in_wait, sl_signals;
static unsigned long sl_wakes;

static void on_usr1(int sig)
{
	(void)sig;
	LEGACY_LOG(src_signal, LEGACY_LOG_DEBUG, "signal %d", sl_signals);
	__atomic_add_fetch(&sl_signals, 1, __ATOMIC_RELEASE);
}

static void *sleeper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sl_mu);
	for (int want = 1; want <= 2; want++) {
		sl_in_wait = want;
		while (sl_gen < want) {
			pthread_cond_wait(&sl_cv, &sl_mu);
			sl_wakes++;
		}
	}
	pthread_mutex_unlock(&sl_mu);
	return NULL;
}

static void sleeper_gen(int g)
{
	pthread_mutex_lock(&sl_mu);
	sl_gen = g;
	pthread_cond_broadcast(&sl_cv);
	pthread_mutex_unlock(&sl_mu);
}

static void *burster(void *arg)
{
	long t = (long)arg;
	int seen = 0;
	for (;;) {
		int r = __atomic_load_n(&round_no, __ATOMIC_ACQUIRE);
		if (r < 0)
			return NULL;
		if (r == seen) {
			poll(NULL, 0, 2);
			continue;
		}
		for (int i = 0; i < burst_k; i++) {
			LEGACY_LOG(src_burst, LEGACY_LOG_INFO, "burst thread %ld round %d call %d", t, r, i);
			burst[t].n++;
		}
		seen = r;
		__atomic_store_n(&burst[t].done, r, __ATOMIC_RELEASE);
	}
}

static int exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: attach-stress THREADS CYCLES DIR\n");
		return 2;
	}
	nthreads = atoi(argv[1]);
	int cycles = atoi(argv[2]);
	const char *dir = argv[3];
	if (nthreads < 1 || nthreads > MAX_THREADS)
		return 2;
	const char *shim = getenv("ATTACH_SHIM"), *set = getenv("ATTACH_SETTINGS");
	void *h = shim ? dlopen(shim, RTLD_NOW) : NULL;
	int (*attach)(const char *, char *, unsigned) =
		h ? (int (*)(const char *, char *, unsigned))dlsym(h, "logtax_attach") : NULL;
	if (!attach) {
		fprintf(stderr, "attach-stress: cannot load logtax_attach from %s\n", shim ? shim : "(ATTACH_SHIM unset)");
		return 3;
	}
	pthread_t th[MAX_THREADS], bth[MAX_THREADS];
	for (long i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	const char *bk = getenv("STRESS_BURST");
	burst_k = bk ? atoi(bk) : 0;
	for (long i = 0; burst_k > 0 && i < nthreads; i++)
		pthread_create(&bth[i], NULL, burster, (void *)i);
	const char *sl = getenv("STRESS_SLEEPER");
	int with_sleeper = sl && atoi(sl) > 0;
	pthread_t slt;
	if (with_sleeper) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr1;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		pthread_create(&slt, NULL, sleeper, NULL);
	}
	int bad = 0;
	for (int c = 1; c <= cycles && !bad; c++) {
		char msg[4096], p[4096];
		struct timespec t0, t1;
		unsigned long a0 = total();
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int rc = attach(set ? set : "", msg, sizeof msg);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		unsigned long a1 = total();
		fprintf(stderr, "attach-stress: cycle %d: logtax_attach took %ld us\n", c,
			(long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
		if (rc) {
			fprintf(stderr, "attach-stress: cycle %d: logtax_attach: %d %s\n", c, rc, msg);
			bad = 1;
			break;
		}
		if (burst_k > 0) {
			__atomic_store_n(&round_no, c, __ATOMIC_RELEASE);
			for (int i = 0; i < nthreads; i++)
				while (__atomic_load_n(&burst[i].done, __ATOMIC_ACQUIRE) != c)
					poll(NULL, 0, 1);
			printf("burst %d %lu\n", c, (unsigned long)nthreads * (unsigned long)burst_k);
		}
		if (with_sleeper) {
			if (c == 1)
				sleeper_gen(1); /* into its second wait, through the shim's wrapper */
			for (;;) { /* it holds the mutex until it is inside the wait */
				pthread_mutex_lock(&sl_mu);
				int in = sl_in_wait == 2;
				pthread_mutex_unlock(&sl_mu);
				if (in)
					break;
				poll(NULL, 0, 1);
			}
			pthread_kill(slt, SIGUSR1);
			while (__atomic_load_n(&sl_signals, __ATOMIC_ACQUIRE) < c)
				poll(NULL, 0, 1);
			printf("signal %d 1\n", c);
			if (c == cycles) {
				sleeper_gen(2);
				pthread_join(slt, NULL);
				printf("attach-stress: the sleeper woke %lu times (2 without spurious wake-ups)\n", sl_wakes);
			}
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		unsigned long pp = total();
		snprintf(p, sizeof p, "%s/attached.%d", dir, c);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			close(fd);
		snprintf(p, sizeof p, "%s/detached.%d", dir, c);
		while (!exists(p))
			poll(NULL, 0, 5);
		unsigned long d1 = total();
		printf("cycle %d %lu %lu %lu %lu\n", c, a0, a1, pp, d1);
		fflush(stdout);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&round_no, -1, __ATOMIC_RELEASE);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		if (burst_k > 0)
			pthread_join(bth[i], NULL);
	}
	unsigned long mine = total(), seen = legacy_log_calls();
	for (int i = 0; burst_k > 0 && i < nthreads; i++)
		mine += burst[i].n;
	if (with_sleeper) {
		if (sl_gen < 2) { /* the cycles ended early */
			sleeper_gen(2);
			pthread_join(slt, NULL);
		}
		mine += (unsigned long)sl_signals;
	}
	printf("attach-stress: %lu calls made, liblegacylog saw %lu\n", mine, seen);
	return bad || mine != seen ? 1 : 0;
}
