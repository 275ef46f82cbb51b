/* entry-threads-demo: 8 threads call thr_log (a function of the program,
 * called directly: patched at start) without a pause while the main thread
 * loads libentrylate.so with dlopen, which defines late_log, another hooked
 * function: patching the new library's code must not disturb the threads
 * running through the first one (no page they execute made unexecutable,
 * no half-written instruction). Once dlopen has returned, the threads call
 * late_log too; then they stop. Every call is counted by its thread.
 *   entry-threads-demo: calls entry=thr_log source=thread level=6 level_name=info count=C
 *   entry-threads-demo: calls entry=late_log source=late level=7 level_name=debug count=C
 *   entry-threads-demo: body source=thread count=C
 *   entry-threads-demo: body source=late count=C
 *   entry-threads-demo [CALLS]   (each thread's least number of calls per phase, default 20000) */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

enum { NTHREADS = 8 };

static atomic_ulong thr_bodies;
static _Atomic(int (*)(const char *, int)) late_fn;
static atomic_int stop;
static atomic_ulong progress[NTHREADS];
static unsigned long made_thr[NTHREADS], made_late[NTHREADS];

int thr_log(const char *src, int level) __attribute__((noinline, noclone));
/* A logger writes what it is given somewhere: the call out (never made
 * here) is what makes it one its callers cannot see into, as real loggers
 * are (a leaf is refused: its callers may keep values in registers). */
int thr_log(const char *src, int level)
{
	atomic_fetch_add_explicit(&thr_bodies, 1, memory_order_relaxed);
	if (!src[0])
		fputs("entry-threads-demo: a message without a source\n", stderr);
	return src[0] + level;
}

static void *worker(void *arg)
{
	int t = (int)(long)arg;
	long sum = 0;
	while (!atomic_load_explicit(&stop, memory_order_acquire)) {
		made_thr[t]++;
		sum += thr_log("thread", 6);
		int (*late)(const char *, int) = atomic_load_explicit(&late_fn, memory_order_acquire);
		if (late) {
			made_late[t]++;
			sum += late("late", 7);
		}
		atomic_fetch_add_explicit(&progress[t], 1, memory_order_release);
	}
	return (void *)sum;
}

/* Waits until every thread has gone round its loop n more times. */
static void wait_progress(unsigned long n)
{
	unsigned long base[NTHREADS];
	for (int t = 0; t < NTHREADS; t++)
		base[t] = atomic_load(&progress[t]);
	for (int t = 0; t < NTHREADS; t++)
		while (atomic_load(&progress[t]) - base[t] < n)
			sched_yield();
}

/* A leaf of the executable (it calls nothing): its callers in this file
 * may keep values in registers across the call, so its entry is refused. */
int thr_tick(unsigned long n) __attribute__((noinline, noclone));
int thr_tick(unsigned long n)
{
	return (int)(n % 7);
}

int main(int argc, char **argv)
{
	unsigned long calls = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	if (thr_tick(calls) > 7)
		return 3;
	if (calls == 0) {
		fprintf(stderr, "usage: entry-threads-demo [CALLS]\n");
		return 2;
	}
	pthread_t th[NTHREADS];
	for (int t = 0; t < NTHREADS; t++)
		if (pthread_create(&th[t], NULL, worker, (void *)(long)t)) {
			fprintf(stderr, "entry-threads-demo: pthread_create failed\n");
			return 1;
		}
	wait_progress(calls);
	/* Found through the program's RUNPATH, as a plugin is. */
	void *h = dlopen("libentrylate.so", RTLD_NOW);
	if (!h) {
		fprintf(stderr, "entry-threads-demo: dlopen: %s\n", dlerror());
		return 1;
	}
	int (*late)(const char *, int) = (int (*)(const char *, int))dlsym(h, "late_log");
	unsigned long (*late_bodies)(void) = (unsigned long (*)(void))dlsym(h, "late_bodies");
	if (!late || !late_bodies) {
		fprintf(stderr, "entry-threads-demo: dlsym: %s\n", dlerror());
		return 1;
	}
	wait_progress(calls);
	atomic_store_explicit(&late_fn, late, memory_order_release);
	wait_progress(calls);
	atomic_store_explicit(&stop, 1, memory_order_release);
	unsigned long thr = 0, lt = 0;
	for (int t = 0; t < NTHREADS; t++) {
		pthread_join(th[t], NULL);
		thr += made_thr[t];
		lt += made_late[t];
	}
	printf("entry-threads-demo: calls entry=thr_log source=thread level=6 level_name=info count=%lu\n", thr);
	printf("entry-threads-demo: calls entry=late_log source=late level=7 level_name=debug count=%lu\n", lt);
	printf("entry-threads-demo: body source=thread count=%lu\n", atomic_load(&thr_bodies));
	printf("entry-threads-demo: body source=late count=%lu\n", late_bodies());
	return 0;
}
