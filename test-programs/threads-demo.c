/*
 * README: threads-demo.c - several threads logging at once.
 *
 * What it models: a multi-threaded daemon (libvirtd has a pool of RPC
 * worker threads) whose threads all log at the same time.  In
 * liblegacylog's ringbuffer mode every call takes the same global mutex,
 * so the threads mostly wait for each other; in fast mode filtered-out
 * calls touch nothing shared.  It gives logtax concurrent callers, one log
 * source per thread, to check that per-source counts and times stay right.
 *
 * Each thread N (0..THREADS-1) uses its own source "thread.N" and makes
 * CALLS logging calls with priorities cycling debug, info, warn, error,
 * alternating between two call sites.  All threads wait on a barrier
 * first so that they start logging together.
 *
 * How it is run:
 *   threads-demo [THREADS] [CALLS]           (defaults: 4 100000)
 *   LEGACYLOG_MODE=ringbuffer|fast threads-demo 4 100000
 * Build, next to liblegacylog.so:
 *   gcc -O2 -g -Wall -Wextra -pthread -o /tmp/tp/threads-demo threads-demo.c \
 *       -L/tmp/tp -llegacylog -Wl,-rpath,'$ORIGIN'
 * At exit it prints, on stdout, the calls it made, counted at the call
 * sites:
 *   threads-demo: calls source=thread.N count=C      (one line per thread)
 *   threads-demo: total count=T
 * Bad arguments: a usage message on stderr and exit status 2.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "legacylog.h"

#define DEFAULT_THREADS 4
#define DEFAULT_CALLS   100000
#define MAX_THREADS     1024
#define SOURCE_NAME_MAX 32

struct worker {
    pthread_t thread;
    int index;
    long calls;
    pthread_barrier_t *barrier;
    char name[SOURCE_NAME_MAX];
    struct legacy_log_source source;    /* this thread's "thread.N" */
    unsigned long long count;           /* calls made, counted at the call sites */
};

static void
usage_error(const char *prog, const char *why)
{
    fprintf(stderr, "%s: %s; usage: %s [THREADS] [CALLS] (positive integers, THREADS <= %d, defaults %d %d)\n",
            prog, why, prog, MAX_THREADS, DEFAULT_THREADS, DEFAULT_CALLS);
    exit(2);
}

static int
parse_positive(const char *s, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    long i;

    pthread_barrier_wait(w->barrier);

    for (i = 0; i < w->calls; i++) {
        int priority = LEGACY_LOG_DEBUG + (int)(i % 4);

        if (i % 2 == 0) {
            LEGACY_LOG(w->source, priority,
                       "worker %d: handling request serial=%ld", w->index, i);
            w->count++;
        } else {
            LEGACY_LOG(w->source, priority,
                       "worker %d: request serial=%ld done, ret=%d", w->index, i, 0);
            w->count++;
        }
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    const char *prog = "threads-demo";
    long nthreads = DEFAULT_THREADS, calls = DEFAULT_CALLS;
    struct worker *workers;
    pthread_barrier_t barrier;
    unsigned long long total = 0;
    long i, started = 0;
    int err, status = 0;

    if (argc > 3)
        usage_error(prog, "too many arguments");
    if (argc > 1 && parse_positive(argv[1], MAX_THREADS, &nthreads) < 0)
        usage_error(prog, "THREADS must be an integer from 1 to 1024");
    if (argc > 2 && parse_positive(argv[2], LONG_MAX, &calls) < 0)
        usage_error(prog, "CALLS must be a positive integer");

    workers = calloc((size_t)nthreads, sizeof(*workers));
    if (!workers) {
        perror("threads-demo: calloc");
        return 1;
    }
    err = pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
    if (err) {
        fprintf(stderr, "threads-demo: pthread_barrier_init: %s\n", strerror(err));
        free(workers);
        return 1;
    }

    for (i = 0; i < nthreads; i++) {
        struct worker *w = &workers[i];

        w->index = (int)i;
        w->calls = calls;
        w->barrier = &barrier;
        snprintf(w->name, sizeof(w->name), "thread.%ld", i);
        w->source.name = w->name;   /* priority and serial stay 0 */
        err = pthread_create(&w->thread, NULL, worker_main, w);
        if (err) {
            /* The started threads would wait forever on the barrier. */
            fprintf(stderr, "threads-demo: pthread_create: %s\n", strerror(err));
            exit(1);
        }
        started++;
    }
    for (i = 0; i < started; i++) {
        err = pthread_join(workers[i].thread, NULL);
        if (err) {
            fprintf(stderr, "threads-demo: pthread_join: %s\n", strerror(err));
            status = 1;
        }
    }
    pthread_barrier_destroy(&barrier);

    for (i = 0; i < nthreads; i++) {
        printf("threads-demo: calls source=%s count=%llu\n", workers[i].name, workers[i].count);
        total += workers[i].count;
    }
    printf("threads-demo: total count=%llu\n", total);

    free(workers);
    if (fflush(stdout) != 0)
        status = 1;
    return status;
}
