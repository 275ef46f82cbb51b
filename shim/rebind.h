/* rebind.c: when attached, the loaded objects' GOT entries of the
 * functions the shim wraps by symbol pointed at the shim. */
#ifndef LT_REBIND_H
#define LT_REBIND_H

#include "lt.h"

#include <stdint.h>

/* Every loaded object's GOT entries of the functions the shim wraps by
 * symbol, pointed at the shim; returns how many were rewritten. */
uint32_t lt_rebind_gots(void) LT_HIDDEN;
/* After a dlopen while attached: the new objects' entries (counted in
 * lt_attached.got_entries). */
void lt_rebind_dlopened(void) LT_HIDDEN;
/* The functions left out, space-separated: the signal calls. */
extern const char lt_rebind_uncovered[] LT_HIDDEN;

#endif
