/*
 * README: evloop-demo.c - a poll() event loop that logs like libvirt's did.
 *
 * What it models: libvirtd's main event loop (vireventpoll.c) as of 2014.
 * A table of handles (watch id, fd, events, callback, opaque) is turned
 * into a pollfd array on every iteration, poll() is called, and the
 * callback of every ready handle is dispatched.  As in libvirt, the loop
 * is full of debug logging: one message per iteration from source
 * "util.event", two per dispatched handle from "util.eventpoll" (a debug
 * line before the callback and a probe-like info line after it), and a
 * keepalive message from "rpc.server" every 64th iteration.  With
 * liblegacylog in its default ringbuffer mode nearly all the CPU goes to
 * those calls even though nothing is printed; in fast mode they are almost
 * free.
 *
 * The workload: NFDS pipes, each with one unread byte in it, all watched
 * for readability.  The callbacks do nothing (the byte is never read), so
 * every fd is ready on every iteration and poll() never blocks.
 *
 * How it is run:
 *   evloop-demo [ITERATIONS] [NFDS]          (defaults: 2000 500)
 *   LEGACYLOG_MODE=ringbuffer|fast evloop-demo 2000 500
 * Build, next to liblegacylog.so:
 *   gcc -O2 -g -Wall -Wextra -o /tmp/tp/evloop-demo evloop-demo.c \
 *       -L/tmp/tp -llegacylog -Wl,-rpath,'$ORIGIN'
 * At exit it prints, on stdout, the number of logging calls it made from
 * each source, counted at the call sites, so that tests can compare them
 * with what logtax measured:
 *   evloop-demo: iterations=N nfds=M
 *   evloop-demo: calls source=util.event count=N
 *   evloop-demo: calls source=util.eventpoll count=N
 *   evloop-demo: calls source=rpc.server count=N
 * and per call site of util.eventpoll (one debug, one info):
 *   evloop-demo: site source=util.eventpoll level=debug count=N
 *   evloop-demo: site source=util.eventpoll level=info count=N
 * Bad arguments: a usage message on stderr and exit status 2.
 */

/*
 * poll() must stay a call to the libc "poll" symbol, so that an LD_PRELOAD
 * library can interpose it; with _FORTIFY_SOURCE glibc may redirect it to
 * __poll_chk, which calls the internal __poll directly.
 */
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "legacylog.h"

#define DEFAULT_ITERATIONS 2000
#define DEFAULT_NFDS       500
#define KEEPALIVE_INTERVAL 64   /* iterations between keepalive checks */
#define SPARE_FDS          10

LEGACY_LOG_SOURCE(log_event, "util.event");
LEGACY_LOG_SOURCE(log_eventpoll, "util.eventpoll");
LEGACY_LOG_SOURCE(log_rpc, "rpc.server");

/* Logging calls made, counted at each call site. */
static unsigned long long calls_event;
static unsigned long long calls_eventpoll;
static unsigned long long calls_eventpoll_info; /* of them, the info call site's */
static unsigned long long calls_rpc;

/* Event bits as the loop's users see them (not the poll() bits). */
enum {
    EVENT_HANDLE_READABLE = 1 << 0,
    EVENT_HANDLE_WRITABLE = 1 << 1,
    EVENT_HANDLE_ERROR    = 1 << 2,
    EVENT_HANDLE_HANGUP   = 1 << 3,
};

typedef void (*event_handle_cb)(int watch, int fd, int events, void *opaque);

struct event_handle {
    int watch;
    int fd;
    int events;
    event_handle_cb cb;
    void *opaque;
    int deleted;
};

struct event_loop {
    struct event_handle *handles;
    size_t nhandles;
    size_t handles_alloc;
    int next_watch;
    struct pollfd *fds;         /* rebuilt on every iteration */
    size_t fds_alloc;
    unsigned long long dispatched;
};

/* One watched pipe. */
struct pipe_client {
    int rfd;
    int wfd;
    int watch;
};

static void
usage_error(const char *prog, const char *why)
{
    fprintf(stderr, "%s: %s; usage: %s [ITERATIONS] [NFDS] (positive integers, defaults %d %d)\n",
            prog, why, prog, DEFAULT_ITERATIONS, DEFAULT_NFDS);
    exit(2);
}

static int
parse_positive(const char *s, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0 || v > INT_MAX)
        return -1;
    *out = v;
    return 0;
}

static short
event_to_poll(int events)
{
    short ret = 0;

    if (events & EVENT_HANDLE_READABLE)
        ret |= POLLIN;
    if (events & EVENT_HANDLE_WRITABLE)
        ret |= POLLOUT;
    return ret;
}

static int
event_from_poll(short revents)
{
    int ret = 0;

    if (revents & POLLIN)
        ret |= EVENT_HANDLE_READABLE;
    if (revents & POLLOUT)
        ret |= EVENT_HANDLE_WRITABLE;
    if (revents & POLLERR)
        ret |= EVENT_HANDLE_ERROR;
    if (revents & POLLNVAL)     /* as libvirt did: treat as an error */
        ret |= EVENT_HANDLE_ERROR;
    if (revents & POLLHUP)
        ret |= EVENT_HANDLE_HANGUP;
    return ret;
}

static int
event_add_handle(struct event_loop *loop, int fd, int events,
                 event_handle_cb cb, void *opaque)
{
    struct event_handle *h;

    if (loop->nhandles == loop->handles_alloc) {
        size_t n = loop->handles_alloc ? loop->handles_alloc * 2 : 16;
        void *p = realloc(loop->handles, n * sizeof(*loop->handles));

        if (!p)
            return -1;
        loop->handles = p;
        loop->handles_alloc = n;
    }
    h = &loop->handles[loop->nhandles++];
    h->watch = loop->next_watch++;
    h->fd = fd;
    h->events = events;
    h->cb = cb;
    h->opaque = opaque;
    h->deleted = 0;
    return h->watch;
}

/* Returns the number of pollfd entries, or -1 if out of memory. */
static int
event_make_pollfds(struct event_loop *loop)
{
    size_t i, n = 0;

    if (loop->fds_alloc < loop->nhandles) {
        void *p = realloc(loop->fds, loop->nhandles * sizeof(*loop->fds));

        if (!p)
            return -1;
        loop->fds = p;
        loop->fds_alloc = loop->nhandles;
    }
    for (i = 0; i < loop->nhandles; i++) {
        if (loop->handles[i].deleted)
            continue;
        loop->fds[n].fd = loop->handles[i].fd;
        loop->fds[n].events = event_to_poll(loop->handles[i].events);
        loop->fds[n].revents = 0;
        n++;
    }
    return (int)n;
}

/* The pollfd array holds the live handles in table order. */
static void
event_dispatch_handles(struct event_loop *loop, int nfds)
{
    size_t i, n;

    for (i = 0, n = 0; i < loop->nhandles && n < (size_t)nfds; i++) {
        struct event_handle *h = &loop->handles[i];
        int events;

        if (h->deleted)
            continue;
        if (loop->fds[n].fd != h->fd || !loop->fds[n].revents) {
            n++;
            continue;
        }
        events = event_from_poll(loop->fds[n].revents);

        LEGACY_LOG(log_eventpoll, LEGACY_LOG_DEBUG,
                   "Dispatch n=%zu f=%d w=%d events=%d", i, h->fd, h->watch, events);
        calls_eventpoll++;

        h->cb(h->watch, h->fd, events, h->opaque);
        loop->dispatched++;

        LEGACY_LOG(log_eventpoll, LEGACY_LOG_INFO,
                   "EVENT_POLL_DISPATCH_HANDLE: watch=%d events=%d opaque=%p",
                   h->watch, events, h->opaque);
        calls_eventpoll++;
        calls_eventpoll_info++;
        n++;
    }
}

static void
keepalive_check(int iteration)
{
    LEGACY_LOG(log_rpc, LEGACY_LOG_INFO,
               "keepalive: no response from client, countToDeath=%d idle=%ds",
               5 - (iteration / KEEPALIVE_INTERVAL) % 5, iteration / KEEPALIVE_INTERVAL);
    calls_rpc++;
}

/* Returns 0, or -1 with errno set. */
static int
event_run_once(struct event_loop *loop, int iteration)
{
    int nfds, ret;

    LEGACY_LOG(log_event, LEGACY_LOG_DEBUG,
               "RunOnce: iteration=%d nhandles=%zu", iteration, loop->nhandles);
    calls_event++;

    if (iteration % KEEPALIVE_INTERVAL == 0)
        keepalive_check(iteration);

    nfds = event_make_pollfds(loop);
    if (nfds < 0) {
        errno = ENOMEM;
        return -1;
    }

    do {
        ret = poll(loop->fds, (nfds_t)nfds, -1);
    } while (ret < 0 && errno == EINTR);
    if (ret < 0)
        return -1;

    event_dispatch_handles(loop, nfds);
    return 0;
}

/* The callback of every pipe: deliberately empty, the byte stays unread. */
static void
pipe_readable_cb(int watch, int fd, int events, void *opaque)
{
    (void)watch;
    (void)fd;
    (void)events;
    (void)opaque;
}

static void
raise_nofile_limit(const char *prog, long nfds)
{
    struct rlimit rl;
    rlim_t needed = (rlim_t)nfds * 2 + SPARE_FDS;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        perror("evloop-demo: getrlimit(RLIMIT_NOFILE)");
        exit(1);
    }
    if (rl.rlim_max != RLIM_INFINITY && needed > rl.rlim_max) {
        char why[128];

        snprintf(why, sizeof(why), "NFDS=%ld needs %llu fds, above RLIMIT_NOFILE (%llu)",
                 nfds, (unsigned long long)needed, (unsigned long long)rl.rlim_max);
        usage_error(prog, why);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < needed) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? needed : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
            perror("evloop-demo: setrlimit(RLIMIT_NOFILE)");
            exit(1);
        }
    }
}

int
main(int argc, char **argv)
{
    const char *prog = "evloop-demo";
    long iterations = DEFAULT_ITERATIONS, nfds = DEFAULT_NFDS;
    struct event_loop loop = { .next_watch = 1 };
    struct pipe_client *clients;
    int status = 0;
    long i;

    if (argc > 3)
        usage_error(prog, "too many arguments");
    if (argc > 1 && parse_positive(argv[1], &iterations) < 0)
        usage_error(prog, "ITERATIONS must be a positive integer");
    if (argc > 2 && parse_positive(argv[2], &nfds) < 0)
        usage_error(prog, "NFDS must be a positive integer");

    raise_nofile_limit(prog, nfds);

    clients = calloc((size_t)nfds, sizeof(*clients));
    if (!clients) {
        perror("evloop-demo: calloc");
        return 1;
    }
    for (i = 0; i < nfds; i++) {
        int p[2];

        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
            perror("evloop-demo: pipe2");
            status = 1;
            nfds = i;
            goto cleanup;
        }
        clients[i].rfd = p[0];
        clients[i].wfd = p[1];
        if (write(p[1], "x", 1) != 1) {
            perror("evloop-demo: write");
            status = 1;
            nfds = i + 1;
            goto cleanup;
        }
        clients[i].watch = event_add_handle(&loop, p[0], EVENT_HANDLE_READABLE,
                                            pipe_readable_cb, &clients[i]);
        if (clients[i].watch < 0) {
            fprintf(stderr, "evloop-demo: out of memory\n");
            status = 1;
            nfds = i + 1;
            goto cleanup;
        }
    }

    for (i = 0; i < iterations; i++) {
        if (event_run_once(&loop, (int)i) < 0) {
            perror("evloop-demo: event loop");
            status = 1;
            break;
        }
    }
    if (status == 0 && loop.dispatched != (unsigned long long)iterations * (unsigned long long)nfds)
        fprintf(stderr, "evloop-demo: warning: %llu handles dispatched, expected %llu\n",
                loop.dispatched, (unsigned long long)iterations * (unsigned long long)nfds);

    printf("evloop-demo: iterations=%ld nfds=%ld\n", i, nfds);
    printf("evloop-demo: calls source=%s count=%llu\n", log_event.name, calls_event);
    printf("evloop-demo: calls source=%s count=%llu\n", log_eventpoll.name, calls_eventpoll);
    printf("evloop-demo: calls source=%s count=%llu\n", log_rpc.name, calls_rpc);
    printf("evloop-demo: site source=%s level=debug count=%llu\n", log_eventpoll.name,
           calls_eventpoll - calls_eventpoll_info);
    printf("evloop-demo: site source=%s level=info count=%llu\n", log_eventpoll.name, calls_eventpoll_info);

cleanup:
    for (i = 0; i < nfds; i++) {
        close(clients[i].rfd);
        close(clients[i].wfd);
    }
    free(clients);
    free(loop.handles);
    free(loop.fds);
    if (fflush(stdout) != 0)
        status = 1;
    return status;
}
