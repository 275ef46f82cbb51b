/*
 * recurse-demo: logging functions that allocate, call another logged
 * function, and call themselves (librecurselog.so, see recurselog.c), from
 * THREADS threads at once; the program also replaces malloc, and its malloc
 * logs every 64th call (source "recurse.malloc"), from inside whatever
 * called malloc: the logging library, libc, the dynamic linker, or
 * liblogtax itself. A malloc that logs must not log again from inside
 * itself, so it keeps a per-thread guard.
 *
 *   recurse-demo [ROUNDS [DEPTH [THREADS]]]   (defaults 1000 100 4)
 * Each thread makes ROUNDS calls at priority DEPTH on "recurse.top", each
 * recursing DEPTH - 1 levels (more than the shim's 64-deep shadow stack of
 * timed calls). At exit, counted where the calls are made:
 *   recurse-demo: calls source=S count=N
 */
#include "../legacylog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern unsigned long long recurselog_calls[3];

LEGACY_LOG_SOURCE(src_top, "recurse.top");
static unsigned long long n_top, n_malloc;
static long rounds = 1000, depth = 100;

/* ---- a malloc that logs ------------------------------------------------ */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) /* a sanitizer brings its own malloc */
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);
static __thread int in_malloc;
static unsigned long long mallocs;
static volatile int malloc_logging = 1; /* off before the counts are printed */
LEGACY_LOG_SOURCE(src_malloc, "recurse.malloc");

static void malloc_logs(void)
{
	if (in_malloc || !malloc_logging || __atomic_add_fetch(&mallocs, 1, __ATOMIC_RELAXED) % 64)
		return;
	in_malloc = 1;
	LEGACY_LOG(src_malloc, LEGACY_LOG_DEBUG, "malloc number %llu", mallocs);
	__atomic_fetch_add(&n_malloc, 1, __ATOMIC_RELAXED);
	in_malloc = 0;
}

void *malloc(size_t n)
{
	void *p = __libc_malloc(n);
	malloc_logs();
	return p;
}

void *calloc(size_t n, size_t m)
{
	void *p = __libc_calloc(n, m);
	malloc_logs();
	return p;
}

void *realloc(void *p, size_t n)
{
	void *q = __libc_realloc(p, n);
	malloc_logs();
	return q;
}

void free(void *p)
{
	__libc_free(p);
}
#endif

static void *worker(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++) {
		LEGACY_LOG(src_top, (int)depth, "round %ld", i);
		__atomic_fetch_add(&n_top, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		rounds = atol(argv[1]);
	if (argc > 2)
		depth = atol(argv[2]);
	long nthreads = argc > 3 ? atol(argv[3]) : 4;
	if (argc > 4 || rounds <= 0 || depth <= 0 || nthreads <= 0 || nthreads > 64) {
		fprintf(stderr, "usage: recurse-demo [ROUNDS [DEPTH [THREADS]]]\n");
		return 2;
	}
	pthread_t t[64];
	for (long i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0) {
			perror("recurse-demo: pthread_create");
			return 1;
		}
	for (long i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	malloc_logging = 0; /* printing allocates */
#endif
	printf("recurse-demo: calls source=recurse.top count=%llu\n", n_top);
	printf("recurse-demo: calls source=recurse.deep count=%llu\n", recurselog_calls[0]);
	printf("recurse-demo: calls source=recurse.nested count=%llu\n", recurselog_calls[1]);
	printf("recurse-demo: calls source=recurse.back count=%llu\n", recurselog_calls[2]);
	if (n_malloc)
		printf("recurse-demo: calls source=recurse.malloc count=%llu\n", n_malloc);
	return 0;
}
