/* fork.c: the atfork handlers, the _Fork wrapper, the fork child's fresh
 * start. */
#ifndef LT_FORK_H
#define LT_FORK_H

#include "lt.h"

void lt_fork_init(void) LT_HIDDEN; /* the atfork handlers */
/* The child's fresh start; also run by the _Fork wrapper. */
void lt_forked_child(void) LT_HIDDEN;

#endif
