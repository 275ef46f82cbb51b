/* service.c: the control thread (or its inline stand-in), its ticks,
 * and the writes it does for others. */
#ifndef LT_SERVICE_H
#define LT_SERVICE_H

#include "lt.h"

#include <stdint.h>

void lt_svc_ensure(void) LT_HIDDEN;
/* Asks the control thread to write the data file now (reason, signal) and
 * waits for it, at most timeout_ms: for callers that may be signal
 * handlers. 0 written, -1 failed or no answer in time, -2 no thread runs
 * (inline mode, or none). */
int lt_svc_write(uint32_t reason, uint32_t sig, int timeout_ms) LT_HIDDEN;
int lt_svc_is_self(void) LT_HIDDEN; /* the calling thread is the control thread */
void lt_svc_forked(void) LT_HIDDEN;
/* attach.c: the control thread started at attach, stopped at detach. */
int lt_svc_attached(void (*job)(void)) LT_HIDDEN;
void lt_svc_detached(void) LT_HIDDEN;
int lt_svc_stopped(void) LT_HIDDEN;
extern volatile int lt_svc_restart LT_HIDDEN;
extern volatile int lt_svc_inline LT_HIDDEN;
void lt_svc_poll(int idle) LT_HIDDEN;
extern uint64_t lt_svc_long_ticks LT_HIDDEN;
int lt_svc_running(void) LT_HIDDEN;
/* The slow path's call: start the control thread, or have our constructor
 * start it (lt_svc_ctor_ran) when it has not run yet. */
void lt_svc_on_call(void) LT_HIDDEN;
void lt_svc_ctor_ran(void) LT_HIDDEN;
/* Adds a function run every tick (~200 ms) on the control thread. */
int lt_svc_add_tick(void (*fn)(uint64_t now_mono_ns)) LT_HIDDEN;

#endif
