/*
 * README: proc-demo.c - a supervisor that starts processes every way a
 * daemon does: fork (a worker that ends with _exit), fork + exec, vfork +
 * exec, posix_spawn, exec of itself, an exec that fails, system() and
 * popen(). Each process logs with its own sources, so the calls of every
 * process (and of every program a process runs in turn) can be told apart.
 *
 * How it is run (N: calls per source, a positive integer):
 *   proc-demo leaf N SOURCE     log N calls from SOURCE, print, exit 0
 *   proc-demo fork N            log N (proc.parent); fork a worker that logs
 *                               N+1 (proc.worker) and ends with _exit(0);
 *                               wait, log N+2 more (proc.parent.after)
 *   proc-demo fork-exit N       log N; fork a child that only calls _exit(3)
 *   proc-demo fork-exec N       log N; fork a child that execs `leaf N+1 proc.leaf`
 *   proc-demo fork-log-exec N   log N; fork a child that logs N+1
 *                               (proc.child.pre) and then execs `leaf N+2 proc.leaf`
 *   proc-demo vfork-exec N      log N; vfork a child that execs `leaf N+1 proc.leaf`
 *   proc-demo vfork-log N       log N; vfork a child that logs N+1
 *                               (proc.vfork.child; undefined behaviour in C,
 *                               done on purpose) and calls _exit(0)
 *   proc-demo spawn N           log N; posix_spawn `leaf N+1 proc.spawn`, then
 *                               posix_spawnp `proc-demo leaf N+2 proc.spawnp`
 *                               (found in PATH)
 *   proc-demo exec-self N       log N (proc.pre-exec), then exec itself as
 *                               `leaf N+1 proc.post-exec` (same pid)
 *   proc-demo exec-fail N       log N, exec a missing file (fails), log N+1
 *                               more (proc.after-fail), exit 0
 *   proc-demo clean-env N       log N; fork a child that execs `leaf N+1
 *                               proc.clean` with only PATH in its environment
 *                               (and ASAN_OPTIONS, UBSAN_OPTIONS if set)
 *   proc-demo system N          log N; system("proc-demo leaf N+1 proc.system");
 *                               popen("proc-demo leaf N+2 proc.popen")
 *   proc-demo env               print which of LD_PRELOAD and LOGTAX_* it sees
 * Each process prints on stdout, flushed before any fork:
 *   proc-demo[PID]: calls source=S count=N     what it logged, per source
 *   proc-demo[PID]: child=CPID status=exit:N|signal:N
 *   proc-demo[PID]: env LD_PRELOAD=yes|no LOGTAX=NAME,NAME  (leaf, env)
 * The program runs itself from /proc/self/exe. Exit status: 0, or 1 when a
 * child did not end as it should (a message says which); bad arguments: a
 * usage message on stderr and exit status 2.
 * Build: gcc -O2 -o proc-demo proc-demo.c -L. -llegacylog -Wl,-rpath,'$ORIGIN'
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "legacylog.h"

extern char **environ;

static char self[PATH_MAX];
static int failed;

/* One source per name, made on first use (a source must stay writable). */
static struct legacy_log_source *
source(const char *name)
{
    static struct legacy_log_source pool[16];
    static int used;
    int i;

    for (i = 0; i < used; i++)
        if (strcmp(pool[i].name, name) == 0)
            return &pool[i];
    if (used == 16) {
        fprintf(stderr, "proc-demo: too many sources\n");
        exit(2);
    }
    pool[used].name = strdup(name);
    return &pool[used++];
}

static void
log_n(const char *name, long n)
{
    struct legacy_log_source *src = source(name);
    long i;

    for (i = 0; i < n; i++)
        LEGACY_LOG(*src, LEGACY_LOG_DEBUG, "%s call %ld", name, i);
    printf("proc-demo[%d]: calls source=%s count=%ld\n", (int)getpid(), name, n);
    fflush(stdout);
}

/* Waits for pid; prints how it ended; want: "exit:N" or "signal:N". */
static void
reap(pid_t pid, const char *want)
{
    int st;
    char got[32];

    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            perror("proc-demo: waitpid");
            failed = 1;
            return;
        }
    }
    if (WIFEXITED(st))
        snprintf(got, sizeof got, "exit:%d", WEXITSTATUS(st));
    else
        snprintf(got, sizeof got, "signal:%d", WTERMSIG(st));
    printf("proc-demo[%d]: child=%d status=%s\n", (int)getpid(), (int)pid, got);
    fflush(stdout);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "proc-demo: child %d ended %s, expected %s\n", (int)pid, got, want);
        failed = 1;
    }
}

static void
print_env(void)
{
    char names[512] = "";
    char **e;
    size_t n = 0;

    for (e = environ; *e; e++) {
        if (strncmp(*e, "LOGTAX_", 7) == 0) {
            size_t len = strcspn(*e, "=");
            if (n + len + 2 < sizeof names) {
                if (n)
                    names[n++] = ',';
                memcpy(names + n, *e, len);
                n += len;
                names[n] = 0;
            }
        }
    }
    printf("proc-demo[%d]: env LD_PRELOAD=%s LOGTAX=%s\n", (int)getpid(),
           getenv("LD_PRELOAD") ? "yes" : "no", n ? names : "-");
    fflush(stdout);
}

static void
usage(const char *why)
{
    fprintf(stderr, "proc-demo: %s; usage: proc-demo MODE N (see the comment at the top of proc-demo.c)\n", why);
    exit(2);
}

int
main(int argc, char **argv)
{
    char num[32], num2[32];
    long n = 0;
    pid_t pid;

    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        usage("cannot read /proc/self/exe");
    self[len] = 0;
    if (argc < 2)
        usage("no mode");
    if (strcmp(argv[1], "env") == 0) {
        print_env();
        return 0;
    }
    if (argc < 3)
        usage("no count");
    char *end;
    n = strtol(argv[2], &end, 10);
    if (*end || n <= 0 || n > 100000000)
        usage("N must be a positive integer");
    snprintf(num, sizeof num, "%ld", n + 1);
    snprintf(num2, sizeof num2, "%ld", n + 2);
    const char *mode = argv[1];

    if (strcmp(mode, "leaf") == 0) {
        if (argc != 4)
            usage("leaf needs N and SOURCE");
        print_env();
        log_n(argv[3], n);
        return 0;
    }
    log_n("proc.parent", n);
    if (strcmp(mode, "fork") == 0) {
        pid = fork();
        if (pid == 0) {
            log_n("proc.worker", n + 1);
            _exit(0);
        }
        reap(pid, "exit:0");
        log_n("proc.parent.after", n + 2);
    } else if (strcmp(mode, "fork-exit") == 0) {
        pid = fork();
        if (pid == 0)
            _exit(3);
        reap(pid, "exit:3");
    } else if (strcmp(mode, "fork-exec") == 0 || strcmp(mode, "fork-log-exec") == 0) {
        pid = fork();
        if (pid == 0) {
            if (strcmp(mode, "fork-log-exec") == 0) {
                log_n("proc.child.pre", n + 1);
                execl(self, "proc-demo", "leaf", num2, "proc.leaf", (char *)NULL);
            } else {
                char *args[] = { "proc-demo", "leaf", num, "proc.leaf", NULL };
                execv(self, args);
            }
            perror("proc-demo: exec");
            _exit(127);
        }
        reap(pid, "exit:0");
    } else if (strcmp(mode, "vfork-exec") == 0) {
        char *args[] = { "proc-demo", "leaf", num, "proc.leaf", NULL };
        pid = vfork();
        if (pid == 0) {
            execv(self, args);
            _exit(127);
        }
        reap(pid, "exit:0");
    } else if (strcmp(mode, "vfork-log") == 0) {
        struct legacy_log_source *src = source("proc.vfork.child");
        long i;
        pid = vfork();
        if (pid == 0) {
            /* Undefined behaviour: only _exit or exec may follow vfork. */
            for (i = 0; i < n + 1; i++)
                LEGACY_LOG(*src, LEGACY_LOG_DEBUG, "vfork child call %ld", i);
            _exit(0);
        }
        printf("proc-demo[%d]: calls source=proc.vfork.child count=%ld\n", (int)getpid(), n + 1);
        fflush(stdout);
        reap(pid, "exit:0");
    } else if (strcmp(mode, "spawn") == 0) {
        char *a1[] = { "proc-demo", "leaf", num, "proc.spawn", NULL };
        char *a2[] = { "proc-demo", "leaf", num2, "proc.spawnp", NULL };
        int rc = posix_spawn(&pid, self, NULL, NULL, a1, environ);
        if (rc) {
            fprintf(stderr, "proc-demo: posix_spawn: %s\n", strerror(rc));
            return 1;
        }
        reap(pid, "exit:0");
        rc = posix_spawnp(&pid, "proc-demo", NULL, NULL, a2, environ);
        if (rc) {
            fprintf(stderr, "proc-demo: posix_spawnp: %s\n", strerror(rc));
            return 1;
        }
        reap(pid, "exit:0");
    } else if (strcmp(mode, "exec-self") == 0) {
        execl(self, "proc-demo", "leaf", num, "proc.post-exec", (char *)NULL);
        perror("proc-demo: exec");
        return 1;
    } else if (strcmp(mode, "exec-fail") == 0) {
        char *args[] = { "missing", NULL };
        if (execv("/nonexistent/proc-demo-missing", args) == 0 || errno != ENOENT) {
            fprintf(stderr, "proc-demo: exec of a missing file: expected ENOENT\n");
            return 1;
        }
        log_n("proc.after-fail", n + 1);
    } else if (strcmp(mode, "clean-env") == 0) {
        char *args[] = { "proc-demo", "leaf", num, "proc.clean", NULL };
        /* only PATH; a sanitizer's settings are kept so that a sanitized
         * build of this program can start at all */
        char *env[4] = { "PATH=/usr/bin:/bin", NULL, NULL, NULL };
        int k = 1;
        for (char **e = environ; *e; e++)
            if (strncmp(*e, "ASAN_OPTIONS=", 13) == 0 || strncmp(*e, "UBSAN_OPTIONS=", 14) == 0)
                if (k < 3)
                    env[k++] = *e;
        pid = fork();
        if (pid == 0) {
            execve(self, args, env);
            _exit(127);
        }
        reap(pid, "exit:0");
    } else if (strcmp(mode, "system") == 0) {
        char cmd[PATH_MAX + 64];
        snprintf(cmd, sizeof cmd, "'%s' leaf %s proc.system", self, num);
        int st = system(cmd);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "proc-demo: system: status %d\n", st);
            failed = 1;
        }
        snprintf(cmd, sizeof cmd, "'%s' leaf %s proc.popen", self, num2);
        FILE *p = popen(cmd, "r");
        char line[256];
        if (!p) {
            perror("proc-demo: popen");
            return 1;
        }
        while (fgets(line, sizeof line, p))
            fputs(line, stdout);
        if (pclose(p) != 0) {
            fprintf(stderr, "proc-demo: popen: the child failed\n");
            failed = 1;
        }
        fflush(stdout);
    } else {
        usage("unknown mode");
    }
    return failed;
}
