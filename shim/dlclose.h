/* dlclose.c: the dlclose wrapper, and the stand-ins of entry points whose
 * library went away. */
#ifndef LT_DLCLOSE_H
#define LT_DLCLOSE_H

#include "desc.h"

void *lt_gone_resolve(struct lt_desc *d) LT_HIDDEN; /* entry_x86_64.S: a stand-in was called */
/* p is one of those stand-ins (entry.h: lt_gone_stubs). */
int lt_is_gone_stub(const void *p) LT_HIDDEN;

/* lt_find_next's answer, or its copy when its entry is patched: what a
 * descriptor passes calls on to (entering a patched entry would come
 * straight back to the shim). */
void *lt_find_real(const char *name) LT_HIDDEN;

#endif
