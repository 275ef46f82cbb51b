/* hotpath.c: the hot path, run on every intercepted call. */
#ifndef LT_HOTPATH_H
#define LT_HOTPATH_H

#include "desc.h"
#include "state.h"

#include <stdint.h>

extern __thread struct lt_tls lt_tls LT_TLS LT_HIDDEN;

struct lt_ret lt_hook_enter(struct lt_frame *f, struct lt_desc *d) LT_HIDDEN;
uint64_t lt_hook_exit(uint64_t sp, uint64_t t1) LT_HIDDEN;
struct lt_ret lt_hook_act(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s) LT_HIDDEN;
struct lt_ret lt_time_start(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s) LT_HIDDEN;
struct lt_slot *lt_find_slot(const struct lt_table *t, const struct lt_frame *f, const struct lt_desc *d) LT_HIDDEN;
int64_t lt_stack_interval(void) LT_HIDDEN;
uint64_t lt_key_hash(uint64_t ret, uint64_t name, uint64_t meta) LT_HIDDEN;
void lt_rearm(void) LT_HIDDEN;

#endif
