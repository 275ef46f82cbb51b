/*
 * attach-demo: an event loop that logs and counts its own calls per phase,
 * for the tests of the shim loaded late (tests/e2e/t-attach-*.sh).
 *
 *   attach-demo ITERS [DIR]
 *
 * Phase 1: ITERS iterations (a poll(), then a few legacy_log calls each).
 * Then, if ATTACH_SHIM names liblogtax.so, the program loads it itself the
 * way `logtax attach` does (dlopen, then logtax_attach with the settings in
 * ATTACH_SETTINGS, "NAME=VALUE" lines), between two iterations: the shim
 * arrives at a known place. Phase 2: ITERS iterations, whose calls per
 * source are printed ("calls source=S count=N"). With DIR, the program
 * then makes DIR/phase2 (holding its pid) and waits (polling, not logging) for DIR/go, which
 * the test makes after `logtax ctl PID detach` has answered; phase 3 runs
 * ITERS more iterations. At each phase's end it checks that liblegacylog
 * saw exactly the calls it made (the library's own counter), and says on
 * stderr where its legacy_log reference points (the shim or the library).
 *
 * With ATTACH_PHASE4=1 (and DIR), after phase 3 it makes DIR/phase3 and
 * waits for DIR/go3, then runs phase 4: a test attaches with `logtax
 * attach` during the first wait and detaches during the second.
 * With ATTACH_AGAIN=1 it attaches again once it has seen DIR/go (with
 * ATTACH_SETTINGS_AGAIN if set), before
 * phase 3 (whose calls per source go to stderr). legacy_log's first bytes
 * are compared with what they were before the shim came at the end, or
 * with DIR when DIR/go is seen (detached). With ATTACH_DORMANT=1 the
 * shim is only dlopen'ed, never attached: it
 * must then do nothing at all. At the end the program compares the first
 * bytes of legacy_log with what they were before the shim came.
 *
 * stdout and the exit status are the same whether or not the shim came:
 * what differs (where the shim arrived, its message) goes to stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "legacylog.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

LEGACY_LOG_SOURCE(src_net, "demo.net");
LEGACY_LOG_SOURCE(src_io, "demo.io");
LEGACY_LOG_SOURCE(src_core, "demo.core");

static unsigned long made[3]; /* this phase's calls per source */
static unsigned long waits;   /* this phase's polls */

static void iteration(long i)
{
	poll(NULL, 0, 0);
	waits++;
	for (long k = 0; k <= i % 3; k++) {
		LEGACY_LOG(src_net, LEGACY_LOG_DEBUG, "packet %ld.%ld", i, k);
		made[0]++;
	}
	LEGACY_LOG(src_io, LEGACY_LOG_INFO, "read %ld", i);
	made[1]++;
	if (i % 4 == 0) {
		LEGACY_LOG(src_core, LEGACY_LOG_WARN, "tick %ld", i);
		made[2]++;
	}
}

/* Where this program's reference to legacy_log leads now (read through the
 * GOT each time: the shim rewrites it when attached, detach restores it). */
static const char *legacy_log_owner(void)
{
	void *volatile fn = (void *)legacy_log;
	Dl_info di;
	if (!dladdr(fn, &di) || !di.dli_fname)
		return "?";
	const char *b = strrchr(di.dli_fname, '/');
	return b ? b + 1 : di.dli_fname;
}

static int phase(int n, long iters, unsigned long *seen_before)
{
	memset(made, 0, sizeof made);
	waits = 0;
	for (long i = 0; i < iters; i++)
		iteration(i);
	unsigned long seen = legacy_log_calls(), mine = made[0] + made[1] + made[2];
	int bad = seen - *seen_before != mine;
	printf("attach-demo: phase %d: %lu calls made, %s\n", n, mine,
	       bad ? "NOT all reached liblegacylog" : "all reached liblegacylog");
	fprintf(stderr, "attach-demo: phase %d: legacy_log leads to %s; waits=%lu\n", n, legacy_log_owner(), waits);
	*seen_before = seen;
	return bad;
}

static int exists(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

/* As the injector does: dlopen, then logtax_attach, on this thread. 0, or
 * the exit status to end with. */
static int load_and_attach(const char *shim, unsigned long seen, int again)
{
	void *h = dlopen(shim, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "attach-demo: dlopen: %s\n", dlerror());
		return 3;
	}
	int (*attach)(const char *, char *, unsigned) =
		(int (*)(const char *, char *, unsigned))dlsym(h, "logtax_attach");
	const char *dormant = getenv("ATTACH_DORMANT");
	if (!attach) {
		fprintf(stderr, "attach-demo: no logtax_attach in %s\n", shim);
		return 3;
	}
	if (dormant && *dormant == '1') {
		fprintf(stderr, "attach-demo: loaded the shim, not attached\n");
		return 0;
	}
	const char *set = getenv("ATTACH_SETTINGS");
	if (again && getenv("ATTACH_SETTINGS_AGAIN"))
		set = getenv("ATTACH_SETTINGS_AGAIN");
	char msg[4096];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = attach(set ? set : "", msg, sizeof msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "attach-demo: attached (%lu calls seen): rc=%d %s\n", seen, rc, msg);
	fprintf(stderr, "attach-demo: logtax_attach took %ld us\n",
		(long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
	return rc ? 10 + rc : 0;
}

/* Makes DIR/MARK (holding the pid, for logtax ctl PID), then waits,
 * polling, not logging, until DIR/GO exists. */
static void handshake(const char *dir, const char *mark, const char *go)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, mark);
	FILE *f = fopen(p, "w");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	unsigned long polls = 0;
	while (!exists(dir, go)) {
		poll(NULL, 0, 20);
		polls++;
	}
	fprintf(stderr, "attach-demo: waited for %s: %lu polls\n", go, polls);
}

int main(int argc, char **argv)
{
	int rc;
	long iters = argc > 1 ? atol(argv[1]) : 1000;
	const char *dir = argc > 2 ? argv[2] : NULL;
	const char *shim = getenv("ATTACH_SHIM");
	unsigned long seen = legacy_log_calls();
	/* the library's function itself (dlsym: not this program's GOT entry) */
	const unsigned char *fn = dlsym(RTLD_DEFAULT, "legacy_log");
	unsigned char before[16];
	memcpy(before, fn, sizeof before);
	int bad = phase(1, iters, &seen), same = 0;

	if (shim && *shim && (rc = load_and_attach(shim, seen, 0)) != 0)
		return rc;

	memset(made, 0, sizeof made);
	bad |= phase(2, iters, &seen);
	printf("attach-demo: calls source=demo.net count=%lu\n", made[0]);
	printf("attach-demo: calls source=demo.io count=%lu\n", made[1]);
	printf("attach-demo: calls source=demo.core count=%lu\n", made[2]);
	fprintf(stderr, "attach-demo: phase 2 waits=%lu\n", waits);
	fflush(stdout);

	if (dir) {
		handshake(dir, "phase2", "go");
		same = !memcmp(before, fn, sizeof before); /* detached: as before the attach */
		/* ATTACH_AGAIN=1: attached once more after the detach, for phase 3 */
		const char *again = getenv("ATTACH_AGAIN");
		if (shim && *shim && again && *again == '1' && (rc = load_and_attach(shim, seen, 1)) != 0)
			return rc;
	}
	bad |= phase(3, iters, &seen);
	fprintf(stderr, "attach-demo: phase 3 calls source=demo.net count=%lu\n", made[0]);
	fprintf(stderr, "attach-demo: phase 3 calls source=demo.io count=%lu\n", made[1]);
	fprintf(stderr, "attach-demo: phase 3 calls source=demo.core count=%lu\n", made[2]);
	const char *four = getenv("ATTACH_PHASE4");
	if (dir && four && *four == '1') {
		/* attached from outside during the first wait, detached during this one */
		handshake(dir, "phase3", "go3");
		same = !memcmp(before, fn, sizeof before);
		bad |= phase(4, iters, &seen);
	}
	if (!dir)
		same = !memcmp(before, fn, sizeof before);
	printf("attach-demo: legacy_log's first %zu bytes as before phase 1: %s\n", sizeof before, same ? "yes" : "NO");
	return bad || !same ? 1 : 0;
}
