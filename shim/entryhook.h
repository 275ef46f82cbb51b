/* Entry patching for hooked functions (see entryhook.c). */
#ifndef LT_ENTRYHOOK_H
#define LT_ENTRYHOOK_H

#include <stdint.h>

struct lt_patch;

/* LOGTAX_PATCH (enum ltx_patch), as settings.c read it. */
extern uint32_t lt_entry_mode;
/* The dlopen that loads the disassembler (the shim's real one). */
void lt_entry_set_loader(void *(*open_fn)(const char *, int));

/* Patches the entry of fn's definition def to jump to stub. *real (the
 * stub's descriptor's real function) becomes the relocated copy, stored
 * before the jump is written. 1: patched (now, or before with this stub);
 * 0: not, and why says why (the caller warns and falls back to GOT
 * entries). */
int lt_entry_hook(const char *fn, uint64_t def, void **real, void *stub, const char **why);

/* The patch applied at def, if its bytes are still in place. */
struct lt_patch *lt_entry_find(uint64_t def);

#endif
