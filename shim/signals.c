/* Terminating signals: a program killed by SIGTERM, SIGINT and the like
 * with the default disposition leaves its data file, and still dies of
 * that signal (its parent sees the same status).
 *
 * For each signal of the set below whose disposition is SIG_DFL, the shim
 * installs a handler of its own. It asks the control thread to write the
 * file (the handler may have interrupted anything, the dynamic loader
 * included; the control thread takes those locks, the handler only waits
 * on a futex, at most FINAL_WAIT_MS), then sets SIG_DFL, unblocks the
 * signal and raises it again.
 *
 * The program must not notice: every call that sets or reads a disposition
 * (sigaction and the older signal, bsd_signal, ssignal, sysv_signal, sigset,
 * sigignore, siginterrupt; glibc's versions call its internal sigaction,
 * past this wrapper) goes through sigaction below. While our handler is
 * installed the program is told what it set last (`virt`, kept exactly as
 * the kernel returned it: when the program sets SIG_DFL the kernel gets it
 * first, and hands it back as we take the signal over again). A program
 * that installs its own handler or SIG_IGN gets it for real and we stand
 * aside; if it sets SIG_DFL again we take over again. If the disposition
 * changed past us (glibc's system() ignores SIGINT during the call with its
 * internal sigaction), the kernel's answer is passed on as it is.
 *
 * The wrappers are async-signal-safe (a handler may call signal(sig,
 * SIG_DFL); raise(sig)): each signal's state is guarded by a spin lock that
 * a handler interrupting its own thread's holder skips instead of waiting. */
#include "lt.h"
#include "rawsys.h"
#include "signals.h"
#include "base.h"
#include "die.h"
#include "output.h"
#include "process.h"
#include "symbols.h"
#include "../common/ltx_format.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Signals whose default action ends the process without a core dump, that
 * a program is commonly ended with (a crash's signals are left alone: the
 * periodic snapshot covers them, and a core must show the crash itself). */
static const int managed[] = { SIGHUP, SIGINT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2 };
#define NMANAGED (sizeof managed / sizeof managed[0])

/* Exported by glibc, no longer declared by its headers. */
int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);
sighandler_t bsd_signal(int sig, sighandler_t h);

static struct sigaction virt[NMANAGED]; /* what the program set last, as the kernel holds it */
static volatile pid_t lock_owner[NMANAGED];
static uint64_t sigintr_bits; /* siginterrupt(sig, 1) for our signals: signal() omits SA_RESTART */
static int active;

/* glibc's own functions, for the signals we leave alone: resolved before
 * the program runs, never in a handler (a lookup takes the loader's lock). */
enum { F_SIGNAL, F_BSD_SIGNAL, F_SSIGNAL, F_SYSV_SIGNAL, F___SYSV_SIGNAL, F_SIGSET, F_SIGIGNORE, F_SIGINTERRUPT, F_N };
static const char *const fn_names[F_N] = { "signal", "bsd_signal", "ssignal", "sysv_signal", "__sysv_signal",
					   "sigset", "sigignore", "siginterrupt" };
static void *fns[F_N];

static void *fn(int which)
{
	if (!fns[which])
		fns[which] = lt_find_next(fn_names[which]);
	return fns[which];
}

static int index_of(int sig)
{
	for (unsigned i = 0; i < NMANAGED; i++)
		if (managed[i] == sig)
			return (int)i;
	return -1;
}

static void handler(int sig, siginfo_t *si, void *uc);

static int is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == handler;
}

static int is_dfl(const struct sigaction *sa)
{
	return sa->sa_handler == SIG_DFL;
}

/* Per-signal spin lock. A thread that holds it and is interrupted by a
 * handler that wants it again proceeds without it (nested, same thread). */
static int lock_sig(int i)
{
	pid_t me = lt_gettid();
	if (__atomic_load_n(&lock_owner[i], __ATOMIC_RELAXED) == me)
		return 0;
	for (;;) {
		pid_t none = 0;
		if (__atomic_compare_exchange_n(&lock_owner[i], &none, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 1;
		lt_syscall(SYS_sched_yield);
	}
}

static void unlock_sig(int i, int locked)
{
	if (locked)
		__atomic_store_n(&lock_owner[i], 0, __ATOMIC_RELEASE);
}

/* Installs our handler; *was gets what the kernel held. */
static int take_over(int sig, struct sigaction *was)
{
	struct sigaction ours;
	memset(&ours, 0, sizeof ours);
	ours.sa_sigaction = handler;
	sigfillset(&ours.sa_mask); /* nothing else runs on this thread while we wait */
	ours.sa_flags = SA_SIGINFO | SA_RESTART;
	return lt_real_sigaction()(sig, &ours, was);
}

void lt_signals_init(void)
{
	for (int k = 0; k < F_N; k++)
		fn(k);
	if (!lt_real_sigaction())
		return;
	for (unsigned i = 0; i < NMANAGED; i++) {
		struct sigaction cur;
		int locked = lock_sig((int)i);
		if (lt_real_sigaction()(managed[i], NULL, &cur) == 0 && is_dfl(&cur))
			take_over(managed[i], &virt[i]);
		unlock_sig((int)i, locked);
	}
	__atomic_store_n(&active, 1, __ATOMIC_RELEASE);
}

static int sigaction_impl(int sig, const struct sigaction *act, struct sigaction *old)
{
	lt_sigaction_fn real = lt_real_sigaction();
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	int i = index_of(sig);
	if (i < 0 || !__atomic_load_n(&active, __ATOMIC_ACQUIRE) || !lt_own_process())
		return real(sig, act, old);
	int e = errno;
	int locked = lock_sig(i);
	struct sigaction cur;
	int rc;
	if (real(sig, NULL, &cur) < 0 || !is_ours(&cur)) {
		/* the program's own disposition, or one set past us: as it is;
		 * a SIG_DFL set now is taken over again */
		rc = real(sig, act, old);
		if (rc == 0 && act && is_dfl(act)) {
			struct sigaction was;
			if (take_over(sig, &was) == 0)
				virt[i] = was;
		}
	} else if (act && !is_dfl(act)) {
		/* a handler or SIG_IGN: the program's from now on */
		struct sigaction prev = virt[i];
		rc = real(sig, act, NULL);
		if (rc == 0 && old)
			*old = prev;
	} else if (act) {
		/* SIG_DFL again: the kernel takes it, and gives it back exactly */
		struct sigaction prev = virt[i], was;
		rc = real(sig, act, NULL);
		if (rc == 0) {
			if (take_over(sig, &was) == 0)
				virt[i] = was;
			if (old)
				*old = prev;
		}
	} else {
		if (old)
			*old = virt[i];
		rc = 0;
	}
	unlock_sig(i, locked);
	if (rc == 0)
		errno = e;
	return rc;
}

LT_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return sigaction_impl(sig, act, old);
}

LT_EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return sigaction_impl(sig, act, old);
}

/* ---- the older interfaces, as glibc 2.36 builds them on sigaction ---------- */

typedef sighandler_t (*signal_fn)(int, sighandler_t);

/* On one of our signals, as glibc builds them on sigaction: BSD's (signal,
 * bsd_signal, ssignal: the signal blocked in its handler, SA_RESTART unless
 * siginterrupt said otherwise) or System V's (sysv_signal: reset to SIG_DFL
 * on delivery, not blocked). Other signals go to glibc's own. */
static sighandler_t signal_impl(int sig, sighandler_t h, int which, int sysv)
{
	if (index_of(sig) < 0) {
		signal_fn f = (signal_fn)fn(which);
		if (f)
			return f(sig, h);
	}
	if (h == SIG_ERR || sig < 1 || sig >= NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	struct sigaction act, oact;
	memset(&act, 0, sizeof act);
	act.sa_handler = h;
	sigemptyset(&act.sa_mask);
	if (sysv) {
		act.sa_flags = SA_RESETHAND | SA_NODEFER;
	} else {
		sigaddset(&act.sa_mask, sig);
		act.sa_flags = (sigintr_bits >> sig) & 1 ? 0 : SA_RESTART;
	}
	if (sigaction_impl(sig, &act, &oact) < 0)
		return SIG_ERR;
	return oact.sa_handler;
}

LT_EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	return signal_impl(sig, h, F_SIGNAL, 0);
}

LT_EXPORT sighandler_t bsd_signal(int sig, sighandler_t h)
{
	return signal_impl(sig, h, F_BSD_SIGNAL, 0);
}

LT_EXPORT sighandler_t ssignal(int sig, sighandler_t h)
{
	return signal_impl(sig, h, F_SSIGNAL, 0);
}

LT_EXPORT sighandler_t sysv_signal(int sig, sighandler_t h)
{
	return signal_impl(sig, h, F_SYSV_SIGNAL, 1);
}

LT_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t h)
{
	return signal_impl(sig, h, F___SYSV_SIGNAL, 1);
}

LT_EXPORT sighandler_t sigset(int sig, sighandler_t disp)
{
	if (index_of(sig) < 0) {
		signal_fn f = (signal_fn)fn(F_SIGSET);
		if (f)
			return f(sig, disp);
	}
	sigset_t set, oset;
	sigemptyset(&set);
	if (sigaddset(&set, sig) < 0)
		return SIG_ERR;
	struct sigaction act, oact;
	if (disp == SIG_HOLD) {
		if (sigprocmask(SIG_BLOCK, &set, &oset) < 0)
			return SIG_ERR;
		if (sigismember(&oset, sig))
			return SIG_HOLD;
		if (sigaction_impl(sig, NULL, &oact) < 0)
			return SIG_ERR;
		return oact.sa_handler;
	}
	memset(&act, 0, sizeof act);
	act.sa_handler = disp;
	sigemptyset(&act.sa_mask);
	act.sa_flags = 0;
	if (sigaction_impl(sig, &act, &oact) < 0)
		return SIG_ERR;
	if (sigprocmask(SIG_UNBLOCK, &set, &oset) < 0)
		return SIG_ERR;
	return sigismember(&oset, sig) ? SIG_HOLD : oact.sa_handler;
}

LT_EXPORT int sigignore(int sig)
{
	if (index_of(sig) < 0) {
		int (*f)(int) = (int (*)(int))fn(F_SIGIGNORE);
		if (f)
			return f(sig);
	}
	struct sigaction act;
	memset(&act, 0, sizeof act);
	act.sa_handler = SIG_IGN;
	sigemptyset(&act.sa_mask);
	return sigaction_impl(sig, &act, NULL);
}

LT_EXPORT int siginterrupt(int sig, int interrupt)
{
	if (index_of(sig) < 0) {
		int (*f)(int, int) = (int (*)(int, int))fn(F_SIGINTERRUPT);
		if (f)
			return f(sig, interrupt);
	}
	struct sigaction action;
	if (sigaction_impl(sig, NULL, &action) < 0)
		return -1;
	if (interrupt) {
		__atomic_or_fetch(&sigintr_bits, 1ull << sig, __ATOMIC_RELAXED);
		action.sa_flags &= ~SA_RESTART;
	} else {
		__atomic_and_fetch(&sigintr_bits, ~(1ull << sig), __ATOMIC_RELAXED);
		action.sa_flags |= SA_RESTART;
	}
	return sigaction_impl(sig, &action, NULL) < 0 ? -1 : 0;
}

/* ---- the handler --------------------------------------------------------- */

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	int e = errno;
	if (lt_writer_is_self() && lt_own_process()) {
		/* This thread was writing the file (at exit, before exec): the
		 * control thread could not take over. Let the write finish; the
		 * writer dies of the signal then. */
		lt_deferred_sig = sig;
		errno = e;
		return;
	}
	/* Not in a vfork child: the state is its parent's (lt_write_final
	 * checks), but it must still die of the signal. */
	lt_write_final(LTX_REASON_SIGNAL, (uint32_t)sig);
	lt_die_of(sig);
	/* Still here: the signal was ignored after all (another thread set
	 * SIG_IGN meanwhile); the program carries on as it would have. */
	errno = e;
}
