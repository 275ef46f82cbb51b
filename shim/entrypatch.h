/* entrypatch.c: the built-in entry points' own definitions entry patched
 * (LOGTAX_PATCH), so calls that never cross a PLT or GOT reach the shim. */
#ifndef LT_ENTRYPATCH_H
#define LT_ENTRYPATCH_H

#include "lt.h"

#include <stdint.h>

/* Patches every built-in entry point whose definition is loaded and not
 * patched yet. At start-up (first = 1) and after each dlopen; other
 * threads may be running. */
void lt_entrypatch_builtins(int first) LT_HIDDEN;
/* Whether a dlopen must be followed by lt_entrypatch_builtins. */
extern int lt_entrypatch_active LT_HIDDEN;
/* Function entries patched now (built-ins and hooks). */
unsigned lt_entrypatch_applied(void) LT_HIDDEN;
/* each(symbol, why, arg) for every built-in entry whose patch was refused
 * (the latest reason), under the patcher's lock. */
void lt_entrypatch_refusals(void (*each)(const char *symbol, const char *why, void *arg), void *arg) LT_HIDDEN;
/* Detach: every patched entry gets its bytes back (*ok: read back equal,
 * *bad: not), and each descriptor's real function is the function again. */
void lt_entrypatch_remove_all(uint32_t *ok, uint32_t *bad) LT_HIDDEN;

#endif
