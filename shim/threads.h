/* threads.c: the list of threads, each one's key table and name arena. */
#ifndef LT_THREADS_H
#define LT_THREADS_H

#include "state.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct lt_thread *lt_thread_self(void) LT_HIDDEN;
extern struct lt_thread *volatile lt_threads LT_HIDDEN;
extern uint64_t lt_late_calls LT_HIDDEN; /* calls on threads whose state was already torn down */
void lt_thread_push(struct lt_thread *th) LT_HIDDEN;
/* A state's epoch once its thread has let go of it for good (moved on to
 * a later attach's state, or exited): nothing on that thread reads or
 * writes it again, and the next attach may unmap it (thread_exit.c). */
#define LT_EPOCH_RELEASED 0xffffffffu
void lt_thread_release(struct lt_thread *th) LT_HIDDEN;
size_t lt_table_bytes(uint64_t slots) LT_HIDDEN;
struct lt_table *lt_table_new(uint64_t slots) LT_HIDDEN;
#define LT_TABLE_MIN 256
#define LT_NAMES_MIN (16 * 1024)
struct lt_table *lt_table_swap(struct lt_table *t) LT_HIDDEN;
void lt_table_drop(struct lt_table *t) LT_HIDDEN;
struct lt_table *lt_table_grow(struct lt_thread *th, struct lt_table *old) LT_HIDDEN;
void lt_table_sums(const struct lt_table *t, uint64_t out[4]) LT_HIDDEN;
void lt_table_loop_starts(struct lt_table *t, uint64_t out[4]) LT_HIDDEN;
/* A base action (LT_SA_SAMPLE..LT_SA_KEEP) with the flags the modes on need
 * (LT_SA_STACKED, LT_SA_TRACED): decide() and a later change of a decision
 * (families.c, a GLib level made fatal) use it alike. */
uint32_t lt_sa_with_modes(uint32_t base) LT_HIDDEN;
/* Stores a key's name, flags, level and unloads in th's name arena: offset
 * + 1, or 0. */
struct lt_site_ref;
uint32_t lt_keep_name(struct lt_thread *th, const char *s, uint32_t flags, int32_t level, uint32_t unloads,
		      const struct lt_site_ref *site) LT_HIDDEN;
/* The list of threads is walked (and an exited thread unlinked) under this
 * lock, with every signal blocked, so that a signal handler on the holder
 * cannot wait for it. Taken at thread exit, by the writer, by `logtax ctl
 * status` and by GLib's fatal-level recheck; never on the hot path or in
 * the slow path. */
void lt_threads_lock(sigset_t *old) LT_HIDDEN;
void lt_threads_unlock(const sigset_t *old) LT_HIDDEN;
void lt_threads_lock_forked(void) LT_HIDDEN;
uint64_t lt_calls_total(void) LT_HIDDEN;
extern pthread_key_t lt_thread_key LT_HIDDEN; /* its destructor: thread_exit.c */
extern int lt_thread_key_ok LT_HIDDEN;

#endif
