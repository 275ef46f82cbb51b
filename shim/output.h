/* output.c: the data file. */
#ifndef LT_OUTPUT_H
#define LT_OUTPUT_H

#include "lt.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

extern pthread_mutex_t lt_write_lock LT_HIDDEN; /* held across fork (fork.c) */
int lt_write_data(uint32_t reason) LT_HIDDEN;
int lt_write_metrics(void) LT_HIDDEN; /* LOGTAX_METRICS's file alone (metrics.c) */
/* As lt_write_data; sig: the signal of a SIGNAL write. try: take the write
 * lock only if free (a caller that may have interrupted a writer). */
int lt_write_file(uint32_t reason, uint32_t sig, int try) LT_HIDDEN;
void lt_output_forked(void) LT_HIDDEN; /* the fork child's file is its own */
/* The calling thread is inside the writer (a signal handler interrupted it). */
int lt_writer_is_self(void) LT_HIDDEN;
/* A terminating signal that arrived while this thread was writing: the
 * writer finishes, then dies of it. */
extern volatile int lt_deferred_sig LT_HIDDEN;
extern uint32_t lt_exec_failed LT_HIDDEN; /* LTX_OUT_EXEC_FAILED once an exec failed after its file */
int lt_saw_calls(void) LT_HIDDEN;
void lt_data_path(char *buf, size_t cap) LT_HIDDEN; /* DIR/logtax.PID.ltx */

#endif
