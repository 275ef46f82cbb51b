/* control.c: `logtax ctl` requests, served on the control thread's ticks. */
#ifndef LT_CONTROL_H
#define LT_CONTROL_H

#include "lt.h"

#include <stdint.h>

void lt_ctl_setup(void) LT_HIDDEN; /* at init: where the control directory is */
void lt_ctl_start(void) LT_HIDDEN;
void lt_ctl_tick(uint64_t now_mono_ns) LT_HIDDEN;
void lt_ctl_exit(void) LT_HIDDEN;
int lt_ctl_started(void) LT_HIDDEN;
void lt_ctl_forked(void) LT_HIDDEN;

#endif
