/* stack-demo: logging calls under known call chains, for stack sampling.
 *
 *   stack-demo chain N     N times main -> chain_a -> chain_b -> chain_c ->
 *                          legacy_log, then N/2 times main -> chain_b ->
 *                          chain_c -> legacy_log (same call site, another
 *                          stack); prints the counts of each chain.
 *   stack-demo signals N   N calls from main's loop while a profiling timer
 *                          fires every 100 us and its handler logs too (a
 *                          handler that logs while the thread is inside the
 *                          shim or the unwinder); prints both counts. Run it
 *                          with LEGACYLOG_MODE=fast: the ringbuffer mode
 *                          takes a mutex, so a handler that logs deadlocks
 *                          it with or without logtax.
 *   stack-demo deep N D    N calls from a recursion D frames deep.
 *   stack-demo paths N     N calls, call i down path i % 2048 of a binary
 *                          tree of calls 11 levels deep: 2048 distinct
 *                          stacks, more than the shim keeps per thread.
 *   stack-demo loader N    as signals, while the loop also dlopens and
 *                          dlcloses a library (the handler then logs from
 *                          inside the dynamic loader).
 *
 * The chain functions are not inlined and do work after their call, so each
 * keeps its frame and its return address: a test can symbolize the stack
 * that logtax recorded with addr2line and expect chain_c, chain_b, chain_a,
 * main in that order. Output lines: "stack-demo: calls source=S count=N"
 * and "stack-demo: chain NAME count=N". */
#include "legacylog.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

LEGACY_LOG_SOURCE(src_chain, "demo.chain");
LEGACY_LOG_SOURCE(src_signal, "demo.signal");
LEGACY_LOG_SOURCE(src_deep, "demo.deep");

static volatile unsigned long sink;
static unsigned long chain_calls;
static volatile sig_atomic_t handler_calls;

#define NOINLINE __attribute__((noinline, noclone))

NOINLINE void chain_c(int i)
{
	LEGACY_LOG(src_chain, LEGACY_LOG_DEBUG, "chain call %d", i);
	chain_calls++;
	sink += (unsigned long)i; /* work after the call: no tail call */
}

NOINLINE void chain_b(int i)
{
	chain_c(i);
	sink++;
}

NOINLINE void chain_a(int i)
{
	chain_b(i);
	sink++;
}

NOINLINE static int deep(int d, int i)
{
	if (d <= 1) {
		LEGACY_LOG(src_deep, LEGACY_LOG_DEBUG, "deep call %d", i);
		return 1;
	}
	int r = deep(d - 1, i);
	sink++;
	return r + 1;
}

NOINLINE static void walk(unsigned bits, int level);
NOINLINE static void left(unsigned bits, int level)
{
	walk(bits, level);
	sink++;
}
NOINLINE static void right(unsigned bits, int level)
{
	walk(bits, level);
	sink += 2;
}
NOINLINE static void walk(unsigned bits, int level)
{
	if (level == 0) {
		LEGACY_LOG(src_deep, LEGACY_LOG_DEBUG, "path end");
		return;
	}
	if (bits & 1)
		right(bits >> 1, level - 1);
	else
		left(bits >> 1, level - 1);
	sink++;
}

static void on_prof(int sig)
{
	(void)sig;
	LEGACY_LOG(src_signal, LEGACY_LOG_DEBUG, "from the handler");
	handler_calls++;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "chain";
	long n = argc > 2 ? atol(argv[2]) : 1000;
	if (n <= 0) {
		fprintf(stderr, "usage: stack-demo chain|signals|deep N [DEPTH]\n");
		return 2;
	}
	if (!strcmp(mode, "chain")) {
		for (long i = 0; i < n; i++)
			chain_a((int)i);
		for (long i = 0; i < n / 2; i++)
			chain_b((int)i);
		printf("stack-demo: chain a-b-c count=%ld\n", n);
		printf("stack-demo: chain b-c count=%ld\n", n / 2);
		printf("stack-demo: calls source=demo.chain count=%lu\n", chain_calls);
	} else if (!strcmp(mode, "signals") || !strcmp(mode, "loader")) {
		int loader = !strcmp(mode, "loader");
		/* First calls set the sources up (under the logger's lock): do
		 * them before any handler can run. */
		on_prof(0);
		chain_a(-1);
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_prof;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGPROF, &sa, NULL);
		struct itimerval it = { { 0, 100 }, { 0, 100 } };
		setitimer(ITIMER_PROF, &it, NULL);
		for (long i = 0; i < n; i++) {
			chain_a((int)i);
			if (loader && i % 64 == 0) {
				void *h = dlopen("libanl.so.1", RTLD_NOW | RTLD_LOCAL);
				if (h)
					dlclose(h);
			}
		}
		struct itimerval off;
		memset(&off, 0, sizeof off);
		setitimer(ITIMER_PROF, &off, NULL);
		printf("stack-demo: calls source=demo.chain count=%lu\n", chain_calls);
		printf("stack-demo: calls source=demo.signal count=%ld\n", (long)handler_calls);
	} else if (!strcmp(mode, "paths")) {
		for (long i = 0; i < n; i++)
			walk((unsigned)(i % 2048), 11);
		printf("stack-demo: calls source=demo.deep count=%ld\n", n);
	} else if (!strcmp(mode, "deep")) {
		int d = argc > 3 ? atoi(argv[3]) : 50;
		for (long i = 0; i < n; i++)
			deep(d, (int)i);
		printf("stack-demo: calls source=demo.deep count=%ld\n", n);
	} else {
		fprintf(stderr, "stack-demo: unknown mode '%s'\n", mode);
		return 2;
	}
	return 0;
}
