/*
 * waits-demo.c - one thread per wait function the shim wraps, each an
 * event loop of a known number of iterations.
 *
 * Built with -O2 -D_FORTIFY_SOURCE=2 (Debian's default): the "poll_chk"
 * and "ppoll_chk" threads wait on a fixed-size pollfd array with a count
 * the compiler cannot see, which glibc's headers turn into __poll_chk and
 * __ppoll_chk; "poll" and "ppoll" pass an array of unknown size and stay
 * plain calls (the test checks both with nm).
 *
 * Each thread, named "w-KIND", waits ITERS times on a pipe that always has
 * data (so no wait blocks) and logs one call per wait with source
 * "wait.KIND". At exit it prints, per thread:
 *   waits-demo: thread=w-KIND waits=N
 *   waits-demo: calls source=wait.KIND count=N
 * Usage: waits-demo [ITERS] (default 1000). Bad arguments: exit 2.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#include "legacylog.h"

enum kind { K_POLL, K_POLL_CHK, K_PPOLL, K_PPOLL_CHK, K_SELECT, K_PSELECT, K_EPOLL_WAIT, K_EPOLL_PWAIT,
	    K_EPOLL_PWAIT2, K_N };
static const char *const kind_name[K_N] = { "poll",       "poll_chk",    "ppoll",      "ppoll_chk",   "select",
					    "pselect",    "epoll_wait",  "epoll_pwait", "epoll_pwait2" };

struct loop {
	pthread_t thread;
	enum kind kind;
	long iters;
	int fd; /* the read end of a pipe with data in it */
	long waits, calls;
	char tname[16], src[32];
	struct legacy_log_source source;
};

/* Not visible to the compiler as an array of known size. */
__attribute__((noinline)) static struct pollfd *opaque(struct pollfd *p)
{
	__asm__ volatile("" : "+r"(p));
	return p;
}

static volatile nfds_t one = 1; /* a count the compiler cannot see */

static int wait_once(struct loop *l, int ep)
{
	struct pollfd fixed[4];
	struct timespec zero = { 0, 0 };
	fd_set rd;
	struct epoll_event ev;
	memset(fixed, 0, sizeof fixed);
	fixed[0].fd = l->fd;
	fixed[0].events = POLLIN;
	switch (l->kind) {
	case K_POLL:
		return poll(opaque(fixed), 1, 0);
	case K_POLL_CHK:
		return poll(fixed, one, 0);
	case K_PPOLL:
		return ppoll(opaque(fixed), 1, &zero, NULL);
	case K_PPOLL_CHK:
		return ppoll(fixed, one, &zero, NULL);
	case K_SELECT: {
		struct timeval tv = { 0, 0 };
		FD_ZERO(&rd);
		FD_SET(l->fd, &rd);
		return select(l->fd + 1, &rd, NULL, NULL, &tv);
	}
	case K_PSELECT:
		FD_ZERO(&rd);
		FD_SET(l->fd, &rd);
		return pselect(l->fd + 1, &rd, NULL, NULL, &zero, NULL);
	case K_EPOLL_WAIT:
		return epoll_wait(ep, &ev, 1, 0);
	case K_EPOLL_PWAIT:
		return epoll_pwait(ep, &ev, 1, 0, NULL);
	case K_EPOLL_PWAIT2: {
		int r = epoll_pwait2(ep, &ev, 1, &zero, NULL);
		return r < 0 && errno == ENOSYS ? 1 : r; /* an old kernel: still one wait */
	}
	default:
		return -1;
	}
}

static void *loop_main(void *arg)
{
	struct loop *l = arg;
	int ep = -1;
	pthread_setname_np(pthread_self(), l->tname);
	if (l->kind == K_EPOLL_WAIT || l->kind == K_EPOLL_PWAIT || l->kind == K_EPOLL_PWAIT2) {
		struct epoll_event ev = { .events = EPOLLIN };
		ep = epoll_create1(0);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &ev) < 0) {
			perror("waits-demo: epoll");
			exit(1);
		}
	}
	for (long i = 0; i < l->iters; i++) {
		int r = wait_once(l, ep);
		l->waits++;
		if (r < 0) {
			fprintf(stderr, "waits-demo: %s: %s\n", kind_name[l->kind], strerror(errno));
			exit(1);
		}
		LEGACY_LOG(l->source, LEGACY_LOG_DEBUG, "iteration %ld of %s", i, kind_name[l->kind]);
		l->calls++;
	}
	if (ep >= 0)
		close(ep);
	return NULL;
}

int main(int argc, char **argv)
{
	long iters = 1000;
	if (argc > 2 || (argc == 2 && (iters = strtol(argv[1], NULL, 10)) <= 0)) {
		fprintf(stderr, "usage: waits-demo [ITERS] (a positive integer)\n");
		return 2;
	}
	struct loop loops[K_N];
	memset(loops, 0, sizeof loops);
	for (int k = 0; k < K_N; k++) {
		struct loop *l = &loops[k];
		int p[2];
		if (pipe(p) < 0 || write(p[1], "x", 1) != 1) {
			perror("waits-demo: pipe");
			return 1;
		}
		l->kind = (enum kind)k;
		l->iters = iters;
		l->fd = p[0];
		snprintf(l->tname, sizeof l->tname, "w-%s", kind_name[k]);
		snprintf(l->src, sizeof l->src, "wait.%s", kind_name[k]);
		l->source.name = l->src;
	}
	/* One after the other: each thread's state is its own either way. */
	for (int k = 0; k < K_N; k++) {
		if (pthread_create(&loops[k].thread, NULL, loop_main, &loops[k]) != 0) {
			fprintf(stderr, "waits-demo: pthread_create failed\n");
			return 1;
		}
		pthread_join(loops[k].thread, NULL);
	}
	for (int k = 0; k < K_N; k++) {
		printf("waits-demo: thread=%s waits=%ld\n", loops[k].tname, loops[k].waits);
		printf("waits-demo: calls source=%s count=%ld\n", loops[k].src, loops[k].calls);
	}
	return fflush(stdout) != 0;
}
