/*
 * README: daemon-demo.c - a daemon that detaches the classic way, and one
 * that closes every file descriptor it did not open itself: what a
 * preloaded library must survive in programs that tidy up at start.
 *
 * How it is run (N: calls, a positive integer; paths absolute):
 *   daemon-demo close-fds N RESULT
 *       closes every descriptor (close_range), puts /dev/null on 0 and 1 and
 *       its own file RESULT on 2 (its log), logs N (daemon.work), writes its
 *       counts to RESULT, exits 0
 *   daemon-demo daemonize N PIDFILE RESULT STOP
 *       the launcher logs N (daemon.launcher) and forks; the child calls
 *       setsid, logs N+1 (daemon.middle), forks the daemon and ends with
 *       _exit(0); the daemon changes to /, sets umask 0, closes every
 *       descriptor, puts /dev/null on 0-2, logs N+2 (daemon.main), writes its
 *       counts to RESULT and its pid to PIDFILE, and runs until STOP exists.
 *       The launcher waits for the middle process and for PIDFILE, then
 *       exits 0 (as a service manager expects of a forking daemon).
 * Counts are printed as "daemon-demo[PID]: calls source=S count=N", on
 * stdout by the launcher and the middle process, in RESULT by the rest.
 * Bad arguments: a usage message on stderr and exit status 2.
 * Build: gcc -O2 -o daemon-demo daemon-demo.c -L. -llegacylog
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "legacylog.h"

LEGACY_LOG_SOURCE(log_launcher, "daemon.launcher");
LEGACY_LOG_SOURCE(log_middle, "daemon.middle");
LEGACY_LOG_SOURCE(log_main, "daemon.main");
LEGACY_LOG_SOURCE(log_work, "daemon.work");

static void
usage(const char *why)
{
    fprintf(stderr, "daemon-demo: %s; usage: daemon-demo close-fds N RESULT | "
                    "daemon-demo daemonize N PIDFILE RESULT STOP\n", why);
    exit(2);
}

static void
log_n(struct legacy_log_source *src, long n)
{
    long i;

    for (i = 0; i < n; i++)
        LEGACY_LOG(*src, LEGACY_LOG_INFO, "%s call %ld", src->name, i);
}

/* A line into fd (a daemon has no stdio worth the name). */
static void
say(int fd, const char *source, long n)
{
    char line[160];
    int len = snprintf(line, sizeof line, "daemon-demo[%d]: calls source=%s count=%ld\n", (int)getpid(), source, n);
    if (write(fd, line, (size_t)len) != len)
        _exit(1);
}

/* Closes every descriptor, then /dev/null on 0 and 1 (and 2 unless
 * err_path names the file to put there). */
static void
close_all(const char *err_path)
{
    close_range(0, ~0u, 0);
    if (open("/dev/null", O_RDONLY) != 0 || open("/dev/null", O_WRONLY) != 1)
        _exit(1);
    int fd = err_path ? open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644) : open("/dev/null", O_WRONLY);
    if (fd != 2)
        _exit(1);
}

static void
wait_for(const char *path)
{
    struct timespec ts = { 0, 20 * 1000 * 1000 };

    while (access(path, F_OK) != 0)
        nanosleep(&ts, NULL);
}

static long
count_arg(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (*end || n <= 0 || n > 100000000)
        usage("N must be a positive integer");
    return n;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "close-fds") == 0) {
        long n = count_arg(argv[2]);
        close_all(argv[3]);
        log_n(&log_work, n);
        say(2, "daemon.work", n);
        return 0;
    }
    if (argc != 6 || strcmp(argv[1], "daemonize") != 0)
        usage("bad arguments");
    long n = count_arg(argv[2]);
    const char *pidfile = argv[3], *result = argv[4], *stop = argv[5];
    if (pidfile[0] != '/' || result[0] != '/' || stop[0] != '/')
        usage("paths must be absolute (the daemon changes to /)");

    log_n(&log_launcher, n);
    say(1, "daemon.launcher", n);
    pid_t middle = fork();
    if (middle < 0) {
        perror("daemon-demo: fork");
        return 1;
    }
    if (middle > 0) {
        int st;
        while (waitpid(middle, &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "daemon-demo: the middle process failed\n");
            return 1;
        }
        wait_for(pidfile);
        return 0;
    }
    if (setsid() < 0)
        _exit(1);
    log_n(&log_middle, n + 1);
    say(1, "daemon.middle", n + 1);
    pid_t daemon = fork();
    if (daemon != 0)
        _exit(daemon < 0 ? 1 : 0);

    if (chdir("/") != 0)
        _exit(1);
    umask(0);
    close_all(NULL);
    log_n(&log_main, n + 2);
    int fd = open(result, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        _exit(1);
    say(fd, "daemon.main", n + 2);
    close(fd);
    char tmp[4200], line[32];
    snprintf(tmp, sizeof tmp, "%s.tmp", pidfile);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int len = snprintf(line, sizeof line, "%d\n", (int)getpid());
    if (fd < 0 || write(fd, line, (size_t)len) != len || close(fd) != 0 || rename(tmp, pidfile) != 0)
        _exit(1);
    wait_for(stop);
    return 0;
}
