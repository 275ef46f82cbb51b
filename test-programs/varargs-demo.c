/* varargs-demo: logging calls whose arguments are hard to forward.
 *
 * Each call passes what a wrapper most easily breaks: doubles in vector
 * registers (al != 0), more arguments than registers (some on the stack),
 * long doubles, a mix of both, and each call site is new (so the shim's
 * slow path runs with the vector registers live) and then repeated. It also
 * checks that the event-loop wrappers leave return values and errno alone.
 * With LEGACYLOG_OUTPUT=stderr LEGACYLOG_LEVEL=1 the messages are printed:
 * tests compare them with and without logtax, in every time mode.
 *   varargs-demo [ROUNDS]   (default 3) */
#include "legacylog.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

LEGACY_LOG_SOURCE(src_float, "demo.float");
LEGACY_LOG_SOURCE(src_stack, "demo.stack");

static void calls(int round)
{
	double x = 1.5 + round, y = -2.25 * round;
	long double ld = 3.125L + round;
	LEGACY_LOG(src_float, LEGACY_LOG_DEBUG, "round %d: x=%.3f y=%.3f", round, x, y);
	LEGACY_LOG(src_float, LEGACY_LOG_INFO, "eight doubles %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f", x, x + 1,
		   x + 2, x + 3, x + 4, x + 5, x + 6, x + 7);
	LEGACY_LOG(src_float, LEGACY_LOG_INFO, "ten doubles %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f", x,
		   y, x, y, x, y, x, y, x, y);
	LEGACY_LOG(src_stack, LEGACY_LOG_WARN, "stack %d %ld %s %d %lld %c %u %d %s", round, 1234567890123L,
		   "str", -5, 9876543210LL, 'q', 42u, round * 7, "end");
	LEGACY_LOG(src_stack, LEGACY_LOG_ERROR, "mixed %d %.2f %s %Lf %d %.4e", round, x, "m", ld, -round, y);
}

static int check_waits(void)
{
	int bad = 0;
	errno = 0;
	/* poll on an invalid descriptor: returns 1 with POLLNVAL, errno untouched */
	struct pollfd p = { .fd = -1 + 100000, .events = POLLIN };
	int r = poll(&p, 1, 0);
	if (r != 1 || !(p.revents & POLLNVAL)) {
		fprintf(stderr, "varargs-demo: poll returned %d revents %#x\n", r, p.revents);
		bad = 1;
	}
	/* select with a negative count: -1 and EINVAL */
	errno = 0;
	r = select(-1, NULL, NULL, NULL, NULL);
	if (r != -1 || errno != EINVAL) {
		fprintf(stderr, "varargs-demo: select returned %d errno %d\n", r, errno);
		bad = 1;
	}
	/* epoll_wait on a non-epoll fd: -1 and EINVAL */
	struct epoll_event ev;
	errno = 0;
	r = epoll_wait(0, &ev, 1, 0);
	if (r != -1 || (errno != EINVAL && errno != EBADF)) {
		fprintf(stderr, "varargs-demo: epoll_wait returned %d errno %d\n", r, errno);
		bad = 1;
	}
	/* errno survives a logging call */
	errno = ERANGE;
	LEGACY_LOG(src_stack, LEGACY_LOG_DEBUG, "errno check");
	if (errno != ERANGE) {
		fprintf(stderr, "varargs-demo: errno changed to %d by a logging call\n", errno);
		bad = 1;
	}
	return bad;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	if (rounds <= 0) {
		fprintf(stderr, "usage: varargs-demo [ROUNDS]\n");
		return 2;
	}
	for (int i = 0; i < rounds; i++)
		calls(i);
	int bad = check_waits();
	printf("varargs-demo: calls source=demo.float count=%d\n", 3 * rounds);
	printf("varargs-demo: calls source=demo.stack count=%d\n", 2 * rounds + 1);
	return bad;
}
