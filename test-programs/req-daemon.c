/*
 * req-daemon.c - a small request server over a unix socket, for logtax ab
 * --server and --pid: what a daemon's CPU per request is, with its debug
 * logging kept or dropped.
 *
 *   req-daemon SOCKET DEBUG_PER_REQUEST
 *       listens on SOCKET (removed first if it is there); one poll loop
 *       serves every client. A request is a line: "req" is answered "ok"
 *       after DEBUG_PER_REQUEST calls at debug level (source req.debug)
 *       and one at info (req.served); "stats" is answered with the number
 *       of "req" requests served so far. On SIGTERM or SIGINT it prints its
 *       counts on stderr, "req-daemon: calls source=S count=N", one line per
 *       source, and exits 0.
 *   req-daemon client SOCKET N
 *       sends N "req" requests one after the other, each waiting for its
 *       answer (N = 0: until killed); exits 0 when every answer was "ok".
 *   req-daemon stats SOCKET
 *       prints the daemon's "stats" answer.
 *
 * With liblegacylog's default ringbuffer mode each debug call locks and
 * formats a line (libvirt before 2014): dropping req.debug saves most of
 * the daemon's CPU per request. Bad arguments: usage on stderr, exit 2.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "legacylog.h"

LEGACY_LOG_SOURCE(log_debug, "req.debug");
LEGACY_LOG_SOURCE(log_served, "req.served");

#define MAX_CLIENTS 64

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(const char *why)
{
    fprintf(stderr, "req-daemon: %s; usage: req-daemon SOCKET DEBUG_PER_REQUEST | "
                    "req-daemon client SOCKET N | req-daemon stats SOCKET\n", why);
    exit(2);
}

static long number(const char *s, long lo, long hi)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (!*s || *end || n < lo || n > hi)
        usage("a number is out of range");
    return n;
}

static struct sockaddr_un address(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path)
        usage("the socket path is too long");
    strcpy(sa.sun_path, path);
    return sa;
}

static int dial(const char *path)
{
    struct sockaddr_un sa = address(path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        fprintf(stderr, "req-daemon: cannot connect to %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return fd;
}

/* One request, one answer line (at most len - 1 bytes). */
static int ask(int fd, const char *req, char *ans, size_t len)
{
    size_t rl = strlen(req), n = 0;
    if (write(fd, req, rl) != (ssize_t)rl)
        return -1;
    while (n + 1 < len) {
        ssize_t k = read(fd, ans + n, 1);
        if (k <= 0)
            return -1;
        if (ans[n] == '\n')
            break;
        n++;
    }
    ans[n] = 0;
    return 0;
}

static int client(const char *path, long n)
{
    int fd = dial(path);
    char ans[64];
    for (long i = 0; n == 0 || i < n; i++)
        if (ask(fd, "req\n", ans, sizeof ans) < 0 || strcmp(ans, "ok")) {
            fprintf(stderr, "req-daemon client: request %ld: no \"ok\"\n", i + 1);
            return 1;
        }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "client"))
        return client(argv[2], number(argv[3], 0, 1000000000));
    if (argc == 3 && !strcmp(argv[1], "stats")) {
        char ans[64];
        int fd = dial(argv[2]);
        if (ask(fd, "stats\n", ans, sizeof ans) < 0)
            return 1;
        printf("%s\n", ans);
        return 0;
    }
    if (argc != 3)
        usage("bad arguments");
    long per = number(argv[2], 0, 1000000);
    struct sockaddr_un sa = address(argv[1]);
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_handler = on_term;
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    signal(SIGPIPE, SIG_IGN);
    unlink(argv[1]);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 16) < 0) {
        fprintf(stderr, "req-daemon: cannot listen on %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    struct pollfd fds[MAX_CLIENTS + 1];
    char buf[MAX_CLIENTS + 1][64];
    size_t have[MAX_CLIENTS + 1];
    int n = 1;
    long served = 0, debug_calls = 0, served_calls = 0;
    fds[0].fd = ls;
    fds[0].events = POLLIN;
    while (!stop) {
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("req-daemon: poll");
            return 1;
        }
        if (fds[0].revents & POLLIN) {
            int c = accept(ls, NULL, NULL);
            if (c >= 0 && n <= MAX_CLIENTS) {
                fds[n].fd = c;
                fds[n].events = POLLIN;
                fds[n].revents = 0;
                have[n++] = 0;
            } else if (c >= 0) {
                close(c);
            }
        }
        for (int i = 1; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t k = read(fds[i].fd, buf[i] + have[i], sizeof buf[i] - 1 - have[i]);
            if (k <= 0) {
                close(fds[i].fd);
                fds[i] = fds[n - 1];
                buf[i][0] = 0;
                memcpy(buf[i], buf[n - 1], have[n - 1]);
                have[i] = have[n - 1];
                n--;
                i--;
                continue;
            }
            have[i] += (size_t)k;
            char *nl;
            while ((nl = memchr(buf[i], '\n', have[i]))) {
                *nl = 0;
                char out[64];
                if (!strcmp(buf[i], "req")) {
                    for (long d = 0; d < per; d++, debug_calls++)
                        LEGACY_LOG(log_debug, LEGACY_LOG_DEBUG, "request %ld: step %ld of %ld", served, d, per);
                    LEGACY_LOG(log_served, LEGACY_LOG_INFO, "request %ld served", served);
                    served_calls++;
                    served++;
                    snprintf(out, sizeof out, "ok\n");
                } else if (!strcmp(buf[i], "stats")) {
                    snprintf(out, sizeof out, "%ld\n", served);
                } else {
                    snprintf(out, sizeof out, "error\n");
                }
                if (write(fds[i].fd, out, strlen(out)) < 0) {
                    /* the client went away: its hang-up comes with the next poll */
                }
                size_t used = (size_t)(nl - buf[i]) + 1;
                memmove(buf[i], nl + 1, have[i] - used);
                have[i] -= used;
            }
            if (have[i] == sizeof buf[i] - 1)
                have[i] = 0; /* an overlong line: dropped */
        }
    }
    fprintf(stderr, "req-daemon: calls source=req.debug count=%ld\n", debug_calls);
    fprintf(stderr, "req-daemon: calls source=req.served count=%ld\n", served_calls);
    unlink(argv[1]);
    return 0;
}
