/* attach.c: the shim loaded late into a running process (logtax attach),
 * and detach. */
#ifndef LT_ATTACH_H
#define LT_ATTACH_H

#include "lt.h"

#include <stddef.h>

/* `logtax ctl PID detach`: 0 and a summary in msg, or -1 and why. */
int lt_detach(char *msg, size_t cap) LT_HIDDEN;

#endif
