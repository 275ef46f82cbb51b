/* hotpath.c: the hot path, run on every intercepted call. */
#ifndef LT_HOTPATH_H
#define LT_HOTPATH_H

#include "desc.h"
#include "state.h"

#include <stdint.h>

extern __thread struct lt_tls lt_tls LT_TLS LT_HIDDEN;

/* Makes t the thread's table (NULL: none) for the count paths too. */
void lt_tls_set_table(struct lt_table *t) LT_HIDDEN;

/* The trampoline's calls to these two are direct: no endbr64 (an
 * instruction on every call) where CET is built in. */
#if defined(__CET__) && (__CET__ & 1)
#define LT_DIRECT_ONLY __attribute__((nocf_check))
#else
#define LT_DIRECT_ONLY
#endif
struct lt_ret lt_hook_enter(struct lt_frame *f, struct lt_desc *d) LT_HIDDEN LT_DIRECT_ONLY;
struct lt_ret lt_hook_rare(struct lt_frame *f, struct lt_desc *d, uint64_t sc) LT_HIDDEN LT_DIRECT_ONLY;
/* What a timed call's end gives the trampoline back (rax, rdx). */
struct lt_exit {
	uint64_t ret; /* the caller's return address */
	uint64_t rbx; /* the caller's rbx */
};
struct lt_exit lt_hook_exit(struct lt_shadow *e, uint64_t t1) LT_HIDDEN LT_DIRECT_ONLY;
struct lt_ret lt_hook_act(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s) LT_HIDDEN;
struct lt_ret lt_time_start(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s) LT_HIDDEN;
struct lt_slot *lt_find_slot(const struct lt_table *t, const struct lt_frame *f, const struct lt_desc *d) LT_HIDDEN;
int64_t lt_stack_interval(void) LT_HIDDEN;
uint64_t lt_key_hash(uint64_t ret, uint64_t name, uint64_t meta) LT_HIDDEN;
void lt_rearm(void) LT_HIDDEN;

#endif
