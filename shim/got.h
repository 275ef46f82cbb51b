/* got.c: user hooks (LOGTAX_HOOK) by GOT rewriting, and the GOT entries
 * of objects opened with RTLD_DEEPBIND. */
#ifndef LT_GOT_H
#define LT_GOT_H

#include "lt.h"

#include <stdint.h>

void lt_hooks_init(void) LT_HIDDEN;

struct lt_obj;
/* Stores v in a GOT entry (a RELRO page is opened for it and closed
 * again); attached, the old value is kept for detach. 0 or -1. */
int lt_got_write(const struct lt_obj *o, uint64_t *slot, uint64_t v) LT_HIDDEN;

struct lt_desc;
struct ltx_level_pair;
/* A hook descriptor's level scale (levels=): *n entries, or NULL and 0. */

#endif
