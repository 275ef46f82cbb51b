/* tail-demo: an event loop where a known few logging calls take long.
 *
 * Ringbuffer mode formats every call; a call whose argument is a 16 MiB
 * string runs over the whole string (a millisecond or more), as a call that
 * blocks on a full pipe or disk would. logtax counts such long windows
 * apart (KEY_TAIL) and the analyzer counts them once rather than scaling
 * them up like a sampled ordinary call.
 *   tail-demo [FAST] [SLOW]   (default 20000 calls from "tail.fast", 8 from
 *   "tail.slow"), one wait (poll with no fds) every 100 calls. */
#include "legacylog.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

LEGACY_LOG_SOURCE(src_fast, "tail.fast");
LEGACY_LOG_SOURCE(src_slow, "tail.slow");

int main(int argc, char **argv)
{
	long fast = argc > 1 ? atol(argv[1]) : 20000, slow = argc > 2 ? atol(argv[2]) : 8;
	if (fast <= 0 || slow < 0 || slow > fast) {
		fprintf(stderr, "usage: tail-demo [FAST >= 1] [SLOW <= FAST]\n");
		return 2;
	}
	size_t big = 16u << 20;
	char *s = malloc(big + 1);
	if (!s)
		return 1;
	memset(s, 'x', big);
	s[big] = 0;
	long n_fast = 0, n_slow = 0, every = slow ? fast / slow : 0;
	for (long i = 0; i < fast; i++) {
		LEGACY_LOG(src_fast, LEGACY_LOG_DEBUG, "call %ld", i);
		n_fast++;
		if (every && i % every == 0 && n_slow < slow) {
			LEGACY_LOG(src_slow, LEGACY_LOG_DEBUG, "blob %s", s);
			n_slow++;
		}
		if (i % 100 == 0)
			poll(NULL, 0, 0);
	}
	free(s);
	printf("tail-demo: calls source=tail.fast count=%ld\n", n_fast);
	printf("tail-demo: calls source=tail.slow count=%ld\n", n_slow);
	return 0;
}
