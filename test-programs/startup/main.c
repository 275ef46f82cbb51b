/*
 * startup-demo: logging calls at every stage of a process's life, most of
 * them before or after liblogtax is ready:
 *   preinit   from the program's .preinit_array, before any library's
 *             constructor (liblogtax initialises itself inside this call)
 *   ctor.*    constructors of two libraries (see ctorlog.c), before
 *             liblogtax's own constructor
 *   exe.ctor  the program's constructor (after liblogtax's)
 *   main      main
 *   atexit    an atexit handler
 *   exe.dtor  the program's destructor
 *   dtor.*    the two libraries' destructors, after liblogtax's destructor
 * Counts are printed at the very end, from an exit handler registered from
 * the last destructor to run (so they include every stage), as
 *   startup-demo: calls source=S count=N
 * on file descriptor 1 (with write: stdio is shut down by then).
 *
 *   startup-demo [CALLS]   (calls made in main; default 10)
 */
#include "../legacylog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern unsigned long long ctorlog_calls_1[2], ctorlog_calls_2[2];
int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);

LEGACY_LOG_SOURCE(src_pre, "preinit");
LEGACY_LOG_SOURCE(src_ctor, "exe.ctor");
LEGACY_LOG_SOURCE(src_main, "main");
LEGACY_LOG_SOURCE(src_atexit, "atexit");
LEGACY_LOG_SOURCE(src_dtor, "exe.dtor");
static unsigned long long n_pre, n_ctor, n_main, n_atexit, n_dtor;
static long calls = 10;

static void preinit(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc > 1)
		calls = atol(argv[1]);
	for (int i = 0; i < 3; i++) {
		LEGACY_LOG(src_pre, LEGACY_LOG_DEBUG, "preinit call %d", i);
		n_pre++;
	}
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit_fn)(int, char **, char **) = preinit;

__attribute__((constructor)) static void exe_init(void)
{
	for (int i = 0; i < 4; i++) {
		LEGACY_LOG(src_ctor, LEGACY_LOG_DEBUG, "program constructor %d", i);
		n_ctor++;
	}
}

static void put(const char *s, unsigned long long n)
{
	char buf[128];
	int len = snprintf(buf, sizeof buf, "startup-demo: calls source=%s count=%llu\n", s, n);
	if (write(1, buf, (size_t)len) != len)
		_exit(1);
}

static void report(void *arg)
{
	(void)arg;
	put("preinit", n_pre);
	put("ctor.early", ctorlog_calls_1[0]);
	put("ctor.late", ctorlog_calls_2[0]);
	put("exe.ctor", n_ctor);
	put("main", n_main);
	put("atexit", n_atexit);
	put("exe.dtor", n_dtor);
	put("dtor.early", ctorlog_calls_1[1]);
	put("dtor.late", ctorlog_calls_2[1]);
}

/* The program's destructor runs first among destructors; the libraries'
 * run after it. A handler registered now (not tied to this object) runs
 * once every destructor has. */
__attribute__((destructor)) static void exe_fini(void)
{
	for (int i = 0; i < 6; i++) {
		LEGACY_LOG(src_dtor, LEGACY_LOG_WARN, "program destructor %d", i);
		n_dtor++;
	}
	__cxa_atexit(report, NULL, NULL);
}

static void at_exit(void)
{
	for (int i = 0; i < 2; i++) {
		LEGACY_LOG(src_atexit, LEGACY_LOG_ERROR, "atexit call %d", i);
		n_atexit++;
	}
}

int main(void)
{
	atexit(at_exit);
	for (long i = 0; i < calls; i++) {
		LEGACY_LOG(src_main, LEGACY_LOG_INFO, "main call %ld", i);
		n_main++;
	}
	return 0;
}
