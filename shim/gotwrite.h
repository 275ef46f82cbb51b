/* gotwrite.c: a GOT entry written (RELRO opened and closed again), kept
 * while attached and written back at detach. */
#ifndef LT_GOTWRITE_H
#define LT_GOTWRITE_H

#include "lt.h"

#include <stdint.h>

struct lt_obj;
/* Stores v in a GOT entry (a RELRO page is opened for it and closed
 * again); attached, the old value is kept for detach. 0 or -1. */
int lt_got_write(const struct lt_obj *o, uint64_t *slot, uint64_t v) LT_HIDDEN;
/* Objects unloaded at [lo, hi): their kept GOT entries are forgotten. */
void lt_got_forget(uint64_t lo, uint64_t hi) LT_HIDDEN;
/* Detach: every kept entry written back if it still holds what we wrote
 * (restored: read back equal; changed: left alone, as are those of an
 * object gone; bad: the write failed). The list is emptied. */
void lt_got_restore(uint32_t *restored, uint32_t *changed, uint32_t *bad) LT_HIDDEN;

#endif
