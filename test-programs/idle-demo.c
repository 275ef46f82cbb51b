/* idle-demo: a single-threaded daemon that is mostly idle. It logs once,
 * then waits in poll() for 1.2 s at a time until FILE exists, logging once
 * per wake-up. logtax must reach it with `logtax ctl` (its control thread
 * starts once a wait has lasted a second) without a thread before that.
 *   idle-demo FILE */
#include "legacylog.h"

#include <poll.h>
#include <stdio.h>
#include <unistd.h>

LEGACY_LOG_SOURCE(src, "idle.tick");

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: idle-demo FILE\n");
		return 2;
	}
	long n = 0;
	do {
		LEGACY_LOG(src, LEGACY_LOG_DEBUG, "tick %ld", n);
		n++;
		poll(NULL, 0, 1200);
	} while (access(argv[1], F_OK) != 0);
	printf("idle-demo: calls source=idle.tick count=%ld\n", n);
	return 0;
}
