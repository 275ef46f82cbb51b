/* The entry trampolines' symbols (entry_x86_64.S; entry_generic.c on
 * machines without trampolines) that C code uses. */
#ifndef LT_ENTRY_H
#define LT_ENTRY_H

#include "lt.h"

void lt_calib_entry(long mode) LT_HIDDEN;
void lt_calib_target(long mode) LT_HIDDEN;
#define LT_HOOK_STUB_SIZE 16
extern char lt_hook_stubs[] LT_HIDDEN; /* LTX_HOOK_STUBS stubs of LT_HOOK_STUB_SIZE bytes */
/* lt_descs[i]'s stand-in (LT_HOOK_STUB_SIZE bytes each) for a real function
 * whose library was unloaded; it finds the definition again when called. */
extern char lt_gone_stubs[] LT_HIDDEN;
#if LT_HAVE_TRAMPOLINES
/* Where a hook stub may jump (struct lt_desc.fast, set by got.c): the
 * generic trampoline, or a count path made for where the name and level
 * are. */
extern char lt_tramp[] LT_HIDDEN;
extern void *const lt_count_paths[7 * 7] LT_HIDDEN; /* [name * 7 + level], argument 0-5, 6 = none */
#endif

#endif
