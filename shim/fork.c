/* fork: the atfork handlers, the _Fork wrapper, and the child's fresh start. */
#include "lt.h"
#include "fork.h"
#include "lifecycle.h"
#include "base.h"
#include "clockfit.h"
#include "hotpath.h"
#include "output.h"
#include "process.h"
#include "rules.h"
#include "service.h"
#include "stacks.h"
#include "state.h"
#include "symbols.h"
#include "thread_exit.h"
#include "threads.h"
#include "../common/ltx_format.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>

/* glibc's registration behind pthread_atfork (exported since 2.3.2), and
 * this object's handle (crtbeginS.o, or entry_x86_64.S when the shim is
 * linked without start files for its CET notes). */
extern int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso);
extern void *__dso_handle LT_HIDDEN;

/* The writer's lock is held across fork, so the child's copy of the state
 * is not half written; unless this thread holds it already (a handler that
 * interrupted our writer forks: the child re-initialises it anyway). */
static __thread int fork_locked LT_TLS;

static void fork_prepare(void)
{
	fork_locked = !lt_tls.busy && pthread_mutex_lock(&lt_write_lock) == 0;
}

static void fork_parent(void)
{
	if (fork_locked)
		pthread_mutex_unlock(&lt_write_lock);
	fork_locked = 0;
}

static void fork_child(void)
{
	fork_locked = 0;
	if (lt_live())
		lt_forked_child();
}

/* The child starts with its own counts: what the parent counted stays in
 * the parent's file. Only the forking thread exists here. Also run by the
 * _Fork wrapper (below), which no atfork handler sees. */
void lt_forked_child(void)
{
	lt_pid = getpid();
	lt_output_forked();
	lt_svc_forked();
	lt_rules_forked();
	lt_clockfit_forked();
	lt_threads_forked(); /* the other threads' states are the parent's: unmapped */
	/* Send this thread's next logging call to the slow path once, where
	 * the control thread is started again. */
	lt_tls_set_table(NULL);
	struct lt_thread *self = lt_tls.thr;
	lt_threads = self;
	lt_late_calls = 0;
	lt_clocks_start();
	if (!self)
		return;
	self->next = NULL;
	self->tid = lt_gettid();
	self->flags = LTX_THREAD_MAIN;
	self->waits = self->wait_ticks = self->busy_ticks = 0;
	self->wait_start = self->last_wait_end = 0;
	memset(self->pre_loop, 0, sizeof self->pre_loop);
	self->untimed_full = self->reentered = 0;
	self->cpu_samples = self->cpu_sampled_ticks = self->cpu_sampled_ns = 0;
	self->cpu_armed = self->cpu_countdown = 0;
	struct lt_table *t = self->table;
	for (uint64_t i = 0; t && i <= t->mask; i++) {
		t->slots[i].calls = t->slots[i].timed = t->slots[i].ticks = 0;
		struct lt_ext *x = &t->ext[i];
		memset(x->hist, 0, sizeof x->hist);
		memset(x->stack_lost, 0, sizeof x->stack_lost);
		memset(x->stack_lost_ticks, 0, sizeof x->stack_lost_ticks);
		x->tail_timed = x->tail_ticks = x->first_ticks = x->pre_calls = 0;
		x->rl_kept = x->rl_pre_kept = 0; /* a rule's window or count goes on */
		x->has_first = 0;
	}
	lt_stacks_reset(self->stacks);
	if (self->trace)
		self->trace->recorded = self->trace->pos = 0;
}

static pid_t (*real_Fork)(void);
typedef int (*clone_fn)(int (*)(void *), void *, int, void *, ...);
typedef long (*syscall_fn)(long, ...);
static clone_fn real_clone;
static syscall_fn real_syscall;

void lt_fork_init(void)
{
	/* What pthread_atfork does, without its object from libc_nonshared.a
	 * (built without CET notes, it would take them off the shim): the
	 * handlers belong to this object, __dso_handle. */
	__register_atfork(fork_prepare, fork_parent, fork_child, &__dso_handle);
	real_Fork = (pid_t(*)(void))lt_find_next("_Fork");
	/* now, not at a first call that may come from a signal handler */
	real_clone = (clone_fn)lt_find_next("clone");
	real_syscall = (syscall_fn)lt_find_next("syscall");
}

/* _Fork: fork without atfork handlers (glibc 2.34); its child gets what
 * our handler would have given it. (fork() calls glibc's own _Fork
 * directly, not this.) */
LT_EXPORT pid_t _Fork(void)
{
	if (!real_Fork && !(real_Fork = (pid_t(*)(void))lt_find_next("_Fork"))) {
		errno = ENOSYS;
		return -1;
	}
	pid_t p = real_Fork();
	if (p == 0 && lt_live()) {
		int e = errno;
		lt_forked_child();
		errno = e;
	}
	return p;
}

/* clone() and syscall(SYS_fork, SYS_clone or SYS_clone3) make children no
 * atfork handler sees. One with memory of its own (no CLONE_VM) is a new
 * process: it gets the fork child's start, and so its own file. One that
 * shares its parent's memory (a thread, vfork) is left alone: the state is
 * its parent's (lt_own_process). */

struct clone_start {
	int (*fn)(void *);
	void *arg;
};

static int clone_child(void *p)
{
	const struct clone_start *c = p; /* the child's copy of the parent's frame */
	int e = errno;
	lt_forked_child();
	errno = e;
	int status = c->fn(c->arg);
	/* glibc ends the child with the exit system call when fn returns: no
	 * destructor, no _exit; the file is written here. */
	lt_write_final(LTX_REASON_EXIT, 0);
	return status;
}

LT_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	/* glibc reads these only when flags ask for them */
	va_list ap;
	va_start(ap, arg);
	pid_t *ptid = va_arg(ap, pid_t *);
	void *tls = va_arg(ap, void *);
	pid_t *ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if (!real_clone && !(real_clone = (clone_fn)lt_find_next("clone"))) {
		errno = ENOSYS;
		return -1;
	}
	if ((flags & CLONE_VM) || !fn || !lt_live())
		return real_clone(fn, stack, flags, arg, ptid, tls, ctid);
	struct clone_start c = { fn, arg };
	return real_clone(clone_child, stack, flags, &c, ptid, tls, ctid);
}

LT_EXPORT long syscall(long n, ...)
{
	va_list ap;
	va_start(ap, n);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real_syscall && !(real_syscall = (syscall_fn)lt_find_next("syscall"))) {
		errno = ENOSYS;
		return -1;
	}
	/* A child on the same stack, with memory of its own. (clone3's
	 * struct clone_args: flags at 0, stack at 40.) */
	int forks = n == SYS_fork || (n == SYS_clone && !(a[0] & CLONE_VM) && !a[1]);
#ifdef SYS_clone3
	if (n == SYS_clone3 && a[0] && (unsigned long)a[1] >= 64) {
		const uint64_t *ca = (const uint64_t *)a[0];
		forks = !(ca[0] & CLONE_VM) && !ca[5];
	}
#endif
	long r = real_syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (forks && r == 0 && lt_live()) {
		int e = errno;
		lt_forked_child();
		errno = e;
	}
	return r;
}
