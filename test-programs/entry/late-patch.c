/* late-patch-demo: a hooked function whose entry is refused at the attach
 * and patched after a later dlopen (tests/e2e/t-hook-targets.sh).
 *
 *   late-patch-demo DIR LIBRARY ROUNDS
 *
 * A thread that blocks every signal (as GLib starts its threads) calls
 * late_fn without pause, so the shim, loaded as `logtax attach` loads it
 * (dlopen, then logtax_attach with ATTACH_SETTINGS), refuses to patch
 * late_fn's entry (its int3 could kill that thread). The program then
 * makes DIR/attached and waits for DIR/go; stops and joins the thread;
 * dlopens LIBRARY (the shim patches entries again after a dlopen, and
 * nothing stands in the way now); calls late_fn ROUNDS times itself, then
 * makes DIR/loaded and waits for DIR/end. late_fn is called directly
 * (call rel32): only a patched entry counts it, so the attach's file holds
 * exactly the calls after the dlopen. Printed:
 *   late-patch-demo: calls after the dlopen entry=late_fn count=N */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int stop;
static unsigned long spun;

/* Calls out, as a logger does (a leaf of the executable is refused). */
int late_fn(long n) __attribute__((noinline, noclone));
int late_fn(long n)
{
	if (n < 0)
		fputs("late-patch-demo: a negative n\n", stderr);
	return (int)(n & 1);
}

static void *spin(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		late_fn((long)spun);
		__atomic_store_n(&spun, spun + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void wait_for(const char *dir, const char *name)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	while (access(p, F_OK) != 0) {
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
}

static void make(const char *dir, const char *name)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	if (argc < 4 || atol(argv[3]) < 1) {
		fprintf(stderr, "usage: late-patch-demo DIR LIBRARY ROUNDS\n");
		return 2;
	}
	const char *dir = argv[1];
	long rounds = atol(argv[3]);
	const char *shim = getenv("ATTACH_SHIM"), *set = getenv("ATTACH_SETTINGS");
	void *h = shim ? dlopen(shim, RTLD_NOW) : NULL;
	int (*attach)(const char *, char *, unsigned) =
		h ? (int (*)(const char *, char *, unsigned))dlsym(h, "logtax_attach") : NULL;
	if (!attach) {
		fprintf(stderr, "late-patch-demo: cannot load logtax_attach from %s\n", shim ? shim : "(ATTACH_SHIM unset)");
		return 3;
	}
	pthread_t t;
	pthread_create(&t, NULL, spin, NULL);
	while (__atomic_load_n(&spun, __ATOMIC_RELAXED) == 0)
		sched_yield();
	char msg[4096];
	if (attach(set ? set : "", msg, sizeof msg)) {
		fprintf(stderr, "late-patch-demo: logtax_attach: %s\n", msg);
		return 3;
	}
	make(dir, "attached");
	wait_for(dir, "go");
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	if (!dlopen(argv[2], RTLD_NOW)) {
		fprintf(stderr, "late-patch-demo: %s\n", dlerror());
		return 3;
	}
	long sum = 0;
	for (long i = 0; i < rounds; i++)
		sum += late_fn(i);
	printf("late-patch-demo: calls after the dlopen entry=late_fn count=%ld\n", rounds);
	printf("late-patch-demo: returned sum=%ld\n", sum);
	fflush(stdout);
	make(dir, "loaded");
	wait_for(dir, "end");
	return 0;
}
