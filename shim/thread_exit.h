/* thread_exit.c: a thread's state when the thread ends, kept whole or
 * folded into the exited threads' sums. */
#ifndef LT_THREAD_EXIT_H
#define LT_THREAD_EXIT_H

#include "state.h"

#define LT_KEEP_EXITED 64 /* exited threads kept whole; later ones are folded */
void lt_thread_exit_init(void) LT_HIDDEN;
void lt_thread_exit(struct lt_thread *th) LT_HIDDEN;
void lt_threads_forked(void) LT_HIDDEN;
/* A new attach: the list of thread states starts empty, and the earlier
 * attaches' states their threads have let go of are unmapped (attach.c). */
void lt_threads_abandon(void) LT_HIDDEN;
/* Earlier attaches' states still mapped (their threads may hold them), and
 * how many have been unmapped so far (`logtax ctl status`). */
void lt_threads_stale(uint32_t *held, uint64_t *freed) LT_HIDDEN;
/* Everything a thread's state holds, unmapped (no reader may be in it). */
void lt_thread_free(struct lt_thread *th) LT_HIDDEN;

#endif
