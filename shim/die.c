/* Dying of a signal as its default action would, for the signal handler
 * and for a writer that a terminating signal interrupted (output.c); and
 * the real sigaction both use, looked up once, before any handler runs
 * (a lookup takes the loader's lock). */
#include "lt.h"
#include "rawsys.h"
#include "die.h"
#include "base.h"
#include "symbols.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static lt_sigaction_fn real_sigaction;

lt_sigaction_fn lt_real_sigaction(void)
{
	if (!real_sigaction)
		real_sigaction = (lt_sigaction_fn)lt_find_next("sigaction");
	return real_sigaction;
}

void lt_die_of(int sig)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	lt_real_sigaction()(sig, &dfl, NULL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	lt_syscall(SYS_tgkill, getpid(), lt_gettid(), sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
}
