/* entries.c: every entry point's descriptor, the user hooks' pool, and
 * how a descriptor is prepared for the hot path. */
#ifndef LT_ENTRIES_H
#define LT_ENTRIES_H

#include "desc.h"

#include <stdint.h>

extern struct lt_desc lt_desc_calib LT_HIDDEN;
extern struct lt_desc *const lt_descs[] LT_HIDDEN;
extern const unsigned lt_ndescs LT_HIDDEN;
struct lt_desc *lt_desc_by_id(uint32_t id) LT_HIDDEN;
extern struct lt_desc lt_hook_descs[] LT_HIDDEN; /* the user hooks' pool (got.c hands them out) */
extern uint32_t lt_hook_used LT_HIDDEN; /* descriptors handed out */
extern uint32_t lt_syslog_ident_idx LT_HIDDEN; /* syslog's ident's number, 1..255; 0 = too many idents */
/* Derives the hot path's words and masks from the declarative fields. */
void lt_desc_prepare(struct lt_desc *d) LT_HIDDEN;

/* A hook's levels= scale (got.c sets it with the descriptor), for the
 * rules and the data file: NULL with *n = 0 when it has none. */
struct ltx_level_pair;
extern const struct ltx_level_pair *lt_hook_scales[] LT_HIDDEN;
extern uint8_t lt_hook_nscale[] LT_HIDDEN;
const struct ltx_level_pair *lt_hook_scale(const struct lt_desc *d, unsigned *n) LT_HIDDEN;
/* A hook's keep=N (INT64_MAX without one): whether a call at LEVEL is one
 * no rule may drop, limit or sample. */
extern int64_t lt_hook_keep_from[] LT_HIDDEN;
int lt_hook_keeps(const struct lt_desc *d, int32_t level) LT_HIDDEN;

#endif
