/* got.c: user hooks (LOGTAX_HOOK) by GOT rewriting, and the GOT entries
 * of objects opened with RTLD_DEEPBIND. */
#ifndef LT_GOT_H
#define LT_GOT_H

#include "lt.h"

void lt_hooks_init(void) LT_HIDDEN;

#endif
