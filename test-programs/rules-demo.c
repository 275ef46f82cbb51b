/*
 * README: rules-demo.c - a program whose logging calls differ in every way
 * a logtax rule can select them: source, level, calling function and
 * calling module.
 *
 * One round makes these calls (function: source level x count):
 *   demo_event_run:    util.event  debug x 4, util.event warning x 1
 *   demo_rpc_dispatch: rpc.server  debug x 2, rpc.server info x 2
 *   callers_work (libcallers.so): lib.worker debug x 2, error x 2
 * demo_event_run and demo_rpc_dispatch are exported (-rdynamic), so a rule
 * can name them as callers.
 *
 * How it is run:
 *   rules-demo ROUNDS              ROUNDS rounds, then exit
 *   rules-demo --until FILE        rounds with a 10 ms poll() between them,
 *                                  until FILE exists (for live rule changes)
 *   rules-demo --fork-until FILE   one round, then fork: the child writes its
 *                                  pid to FILE.pid and goes on as --until
 *                                  FILE (its counts printed at its exit), the
 *                                  parent waits for it and exits with its status
 * At exit it prints on stdout what it called, counted at the call sites:
 *   rules-demo: rounds=N
 *   rules-demo: site func=F source=S level=L count=N   (one per site)
 *   rules-demo: calls source=S count=N                 (one per source)
 * Bad arguments: a usage message on stderr and exit status 2.
 */
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "legacylog.h"

long callers_work(long n);

LEGACY_LOG_SOURCE(log_event, "util.event");
LEGACY_LOG_SOURCE(log_rpc, "rpc.server");

static unsigned long long n_event_debug, n_event_warn, n_rpc_debug, n_rpc_info, n_lib;

void demo_event_run(int round);
void demo_rpc_dispatch(int round);

void
demo_event_run(int round)
{
    int i;

    for (i = 0; i < 4; i++) {
        LEGACY_LOG(log_event, LEGACY_LOG_DEBUG, "round %d step %d", round, i);
        n_event_debug++;
    }
    LEGACY_LOG(log_event, LEGACY_LOG_WARN, "round %d: slow", round);
    n_event_warn++;
}

void
demo_rpc_dispatch(int round)
{
    int i;

    for (i = 0; i < 2; i++) {
        LEGACY_LOG(log_rpc, LEGACY_LOG_DEBUG, "dispatch %d.%d", round, i);
        n_rpc_debug++;
        LEGACY_LOG(log_rpc, LEGACY_LOG_INFO, "reply %d.%d", round, i);
        n_rpc_info++;
    }
}

static void
usage(const char *why)
{
    fprintf(stderr, "rules-demo: %s; usage: rules-demo ROUNDS | rules-demo --until FILE\n", why);
    exit(2);
}

int
main(int argc, char **argv)
{
    long rounds = -1, r;
    const char *until = NULL;
    char *end;

    if (argc == 2) {
        errno = 0;
        rounds = strtol(argv[1], &end, 10);
        if (errno || *end || rounds <= 0 || rounds > INT_MAX)
            usage("ROUNDS must be a positive integer");
    } else if (argc == 3 && strcmp(argv[1], "--until") == 0) {
        until = argv[2];
    } else if (argc == 3 && strcmp(argv[1], "--fork-until") == 0) {
        char pidfile[4096];
        FILE *f;
        pid_t child;
        int st;

        until = argv[2];
        demo_event_run(0);      /* the parent logs first: its state goes along */
        n_event_debug = n_event_warn = 0;
        fflush(stdout);
        child = fork();
        if (child < 0) {
            perror("rules-demo: fork");
            return 1;
        }
        if (child > 0) {
            while (waitpid(child, &st, 0) < 0 && errno == EINTR)
                ;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
        }
        snprintf(pidfile, sizeof(pidfile), "%s.pid", until);
        f = fopen(pidfile, "w");
        if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
            perror("rules-demo: pid file");
            return 1;
        }
    } else {
        usage("bad arguments");
    }

    for (r = 0; until || r < rounds; r++) {
        demo_event_run((int)r);
        demo_rpc_dispatch((int)r);
        n_lib += (unsigned long long)callers_work(4);
        if (until) {
            if (access(until, F_OK) == 0) {
                r++;
                break;
            }
            poll(NULL, 0, 10);
        }
    }

    printf("rules-demo: rounds=%ld\n", r);
    printf("rules-demo: site func=demo_event_run source=util.event level=debug count=%llu\n", n_event_debug);
    printf("rules-demo: site func=demo_event_run source=util.event level=warning count=%llu\n", n_event_warn);
    printf("rules-demo: site func=demo_rpc_dispatch source=rpc.server level=debug count=%llu\n", n_rpc_debug);
    printf("rules-demo: site func=demo_rpc_dispatch source=rpc.server level=info count=%llu\n", n_rpc_info);
    printf("rules-demo: site func=callers_work source=lib.worker level=debug count=%llu\n", n_lib / 2);
    printf("rules-demo: site func=callers_work source=lib.worker level=error count=%llu\n", n_lib - n_lib / 2);
    printf("rules-demo: calls source=util.event count=%llu\n", n_event_debug + n_event_warn);
    printf("rules-demo: calls source=rpc.server count=%llu\n", n_rpc_debug + n_rpc_info);
    printf("rules-demo: calls source=lib.worker count=%llu\n", n_lib);
    return fflush(stdout) ? 1 : 0;
}
