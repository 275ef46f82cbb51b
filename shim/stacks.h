/* stacks.c: sampled call stacks (libunwind, loaded only when asked). */
#ifndef LT_STACKS_H
#define LT_STACKS_H

#include "desc.h"
#include "state.h"

#include <stdint.h>

struct lt_ret lt_stack_path(struct lt_frame *f, uint64_t value) LT_HIDDEN;
int lt_stacks_load(void) LT_HIDDEN;
void lt_stacks_reset(struct lt_stacks *st) LT_HIDDEN;
/* Adds src's (key, stack) counts to dst, keys renumbered by keymap (src
 * keyno -> dst keyno, LT_NO_KEY: not kept); what does not fit in dst is
 * handed to lost() with the src keyno. */
void lt_stacks_merge(struct lt_stacks *dst, const struct lt_stacks *src, const uint32_t *keymap, uint32_t nmap,
		     void (*lost)(void *ctx, uint32_t keyno, uint64_t count, uint64_t ticks), void *ctx) LT_HIDDEN;

#endif
