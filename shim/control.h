/* control.c: `logtax ctl` requests, served on the control thread's ticks. */
#ifndef LT_CONTROL_H
#define LT_CONTROL_H

#include "lt.h"

#include <stddef.h>
#include <stdint.h>

void lt_ctl_setup(void) LT_HIDDEN; /* at init: where the control directory is */
void lt_ctl_start(void) LT_HIDDEN;
void lt_ctl_tick(uint64_t now_mono_ns) LT_HIDDEN;
void lt_ctl_exit(void) LT_HIDDEN;
int lt_ctl_started(void) LT_HIDDEN;
void lt_ctl_forked(void) LT_HIDDEN;
/* `detach` is served by fn (0 and a summary in msg, or -1 and why), given
 * by logtax_attach (attach.c sits above this room: it starts the control
 * thread). Never given, the process is one `logtax run` started and the
 * request is refused. */
void lt_ctl_detach_by(int (*fn)(char *msg, size_t cap)) LT_HIDDEN;

#endif
