/* The process's start and end in the shim: lt_init, once per process (from
 * our constructor, or from the first logging call when that comes first),
 * sets every part up in order; the destructor and a late exit handler
 * write the data file at exit. */
#include "lt.h"
#include "init.h"
#include "lifecycle.h"
#include "base.h"
#include "calib.h"
#include "control.h"
#include "entries.h"
#include "entrypatch.h"
#include "families.h"
#include "fork.h"
#include "got.h"
#include "hotpath.h"
#include "output.h"
#include "process.h"
#include "rules.h"
#include "service.h"
#include "settings.h"
#include "signals.h"
#include "state.h"
#include "symbols.h"
#include "thread_exit.h"
#include "threads.h"
#include "../common/ltx_format.h"
#include "../common/ltx_settings.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The environment when libc has not set `environ` yet: a call from the
 * program's .preinit_array runs before libc's own initialisation, and
 * getenv() then finds nothing (every LOGTAX_ setting would be ignored).
 * The process's initial environment, from /proc/self/environ, kept mapped
 * (what getenv returned may be kept). NULL if it cannot be read. */
static char **early_environ(void)
{
	size_t cap = 64 * 1024, len = 0;
	char *buf = lt_map(cap);
	int fd = buf ? open("/proc/self/environ", O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		goto fail;
	for (;;) {
		if (len + 1 >= cap) {
			char *n = lt_map(cap * 2);
			if (!n) {
				close(fd);
				goto fail;
			}
			memcpy(n, buf, len);
			lt_unmap(buf, cap);
			buf = n;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + len, cap - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = 0;
	size_t n = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		n++;
	char **env = lt_map((n + 1) * sizeof *env);
	if (!env)
		goto fail;
	n = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		env[n++] = buf + i;
	env[n] = NULL;
	return env;
fail:
	if (buf)
		lt_unmap(buf, cap);
	return NULL;
}

void lt_init(void)
{
	/* loaded late and not attached (yet): nothing at all */
	if (lt_mode_decide() == LT_MODE_DORMANT || lt_mode == LT_MODE_DETACHED)
		return;
	int attached = lt_mode == LT_MODE_ATTACHED;
	static int once; /* what an attach after a detach does not do again */
	int again = once++ != 0;
	int expect = 0;
	if (!__atomic_compare_exchange_n(&lt_state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	uint32_t busy = lt_tls.busy;
	lt_tls.busy = 1;
	lt_warn_setup();
	extern char **environ;
	char **env_before = environ;
	if (!env_before)
		environ = early_environ(); /* put back below: libc sets its own */
	lt_clocks_start();
#if defined(__x86_64__)
	unsigned a, b, c, d;
	if (__get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8)))
		lt_cfg.clock_flags |= LTX_CLOCK_TSC_INVARIANT;
#endif
	lt_settings_unknown();
	lt_process_init(again);
	if (lt_inert) {
		/* LOGTAX_NO_FOLLOW names another process: count nothing, decide
		 * nothing, write nothing, start no thread; only keep the shim out
		 * of what this program starts. */
		lt_cfg.time_mode = LTX_TIME_OFF;
		lt_cfg.control = LTX_CONTROL_OFF;
	} else {
		lt_settings_read();
	}
	lt_families_init();
	lt_ctl_setup();
	if (!lt_inert)
		lt_rules_init();
	/* Find the real functions now, while no other thread runs (attached,
	 * they do run: the look-ups take the loader's lock, as dlsym would). */
	if (!again)
		lt_calib_prepare();
	for (unsigned i = 0; i < lt_ndescs; i++) {
		lt_desc_prepare(lt_descs[i]);
		if (!lt_descs[i]->real)
			lt_descs[i]->real = lt_find_next(lt_descs[i]->symbol);
	}
	/* (Most are absent from any one program: lt_find_next's lookups leave
	 * dlerror() alone, so a failed one is not what the program sees.) */
	/* (Attached, the process's threads run meanwhile and patching entries
	 * waits for each of them: attach.c has the shim's thread do it.) */
	if (!lt_inert && !attached) {
		lt_entrypatch_builtins(1);
		lt_hooks_init();
	}
	if (!again) {
		lt_thread_exit_init();
		lt_fork_init();
	}
	lt_tls.busy = 0;
	struct lt_thread *th = lt_thread_self();
	if (th && lt_thread_key_ok)
		pthread_setspecific(lt_thread_key, th);
	/* (measured once: an attach after a detach keeps the figures) */
	if (th && LT_HAVE_TRAMPOLINES && !lt_inert && !again)
		lt_calibrate();
	uint32_t depth = 0, every;
	if (!lt_inert)
		lt_settings_stacks(&depth, &every);
	if (depth) {
		lt_cfg.stack_every = every;
		lt_barrier();
		lt_cfg.stack_depth = depth;
		lt_rearm();
	}
	/* Attached, the fatal signals are not taken over: the program may
	 * handle them already, and detach would have to give them back (the
	 * ATTACH record lists the signal calls as not covered). */
	if (!lt_inert && !attached)
		lt_signals_init();
	if (!env_before)
		environ = NULL;
	lt_tls.busy = busy;
	__atomic_store_n(&lt_state, 2, __ATOMIC_RELEASE);
}

/* Runs after the constructors of the program's libraries (the dynamic
 * linker initialises preloaded objects after them): a call made before
 * (from .preinit_array or such a constructor) has initialised the shim
 * already, but the control thread waits until now. */
__attribute__((constructor)) static void lt_ctor(void)
{
	int e = errno;
	lt_init();
	lt_svc_ctor_ran();
	errno = e;
}

/* The destructors of the program's libraries run after ours (they were
 * initialised before us), and may log: an exit handler registered now, tied
 * to no object, runs once every destructor has (glibc runs handlers added
 * while it runs them), and writes the file again if calls came since. */
int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
static uint64_t written_calls = UINT64_MAX;

static void after_destructors(void *arg)
{
	(void)arg;
	int e = errno;
	if (lt_state == 2 && lt_own_process() && lt_saw_calls() && lt_calls_total() != written_calls)
		lt_write_data(LTX_REASON_EXIT);
	errno = e;
}

/* Runs after the program's own destructors and atexit handlers. Not in a
 * vfork child that called exit(): the state is its parent's. */
__attribute__((destructor)) static void lt_dtor(void)
{
	int e = errno;
	if (lt_state == 2 && lt_own_process()) {
		if (!lt_ended && lt_saw_calls()) {
			written_calls = lt_calls_total();
			if (lt_write_data(LTX_REASON_EXIT) == 0)
				lt_ended = 1;
		}
		__cxa_atexit(after_destructors, NULL, NULL);
		if (lt_svc_running())
			lt_ctl_exit();
	}
	errno = e;
}
