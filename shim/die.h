/* die.c: dying of a signal, and the real sigaction. */
#ifndef LT_DIE_H
#define LT_DIE_H

#include "lt.h"

#include <signal.h>

typedef int (*lt_sigaction_fn)(int, const struct sigaction *, struct sigaction *);
/* glibc's sigaction (ours is exported by signals.c); NULL if not found. */
lt_sigaction_fn lt_real_sigaction(void) LT_HIDDEN;
/* Ends the process with sig as its default action would (SIG_DFL, raise,
 * unblock); returns only if that did not end it. */
void lt_die_of(int sig) LT_HIDDEN;

#endif
