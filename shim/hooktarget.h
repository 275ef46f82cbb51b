/* hooktarget.c: where a --hook names its function (fn@OBJECT-GLOB,
 * OBJECT-GLOB+0xOFFSET) among the loaded objects, and entry patching a
 * definition to jump to a hook's stub. */
#ifndef LT_HOOKTARGET_H
#define LT_HOOKTARGET_H

#include "lt.h"

#include <stdint.h>

struct ltx_hook_spec;
struct lt_desc;

/* Whether the object holding addr has a path glob matches: without '/'
 * its file name, with '/' its full path ("" of the program: the path of
 * /proc/self/exe). */
int lt_hook_obj_match(const char *glob, uint64_t addr) LT_HIDDEN;

/* The definitions of h (fn@GLOB, or GLOB+0xOFFSET; h->obj set) in the
 * loaded objects the glob matches, looked up in .symtab, .dynsym and the
 * separate debug file (elfsym.h): up to cap addresses and sizes. Returns
 * the number found; 0 with *why saying why (no object matches, or the
 * matching objects' own reason). Not on the hot path; not reentrant (the
 * caller's lock). */
unsigned lt_hook_resolve(const struct ltx_hook_spec *h, uint64_t *addr, uint64_t *size, unsigned cap,
			 const char **why) LT_HIDDEN;

/* Entry patches fn (size bytes) to jump to stub, the trampoline stub of d:
 * d->real becomes the relocated entry before the jump is written, and is
 * given back if the patch fails. 0, or -1 with *why (a string that lives
 * as long as the process). A definition patched already (by anyone) is
 * refused. */
int lt_hook_entry_patch(struct lt_desc *d, void *fn, uint64_t size, void *stub, const char **why) LT_HIDDEN;

/* Refused entry patches of hooked definitions, for `logtax ctl PID
 * status`. One slot per hook descriptor st (one hook, one definition):
 * the latest refusal (why, copied, cut to a fixed size) of target (the
 * hook as given; the string must outlive the hook set), or, with why
 * NULL, none (patched since). Written only under the hook patcher's lock;
 * read without one. */
void lt_hook_refusal(unsigned st, const char *target, const char *why) LT_HIDDEN;
/* Every slot emptied: a new attach's hooks (under the patcher's lock). */
void lt_hook_refusals_clear(void) LT_HIDDEN;
/* each(target, why, arg) for every hooked definition whose entry patch
 * was refused and not patched since. Never waits for a patch pass. */
void lt_hook_refusals(void (*each)(const char *target, const char *why, void *arg), void *arg) LT_HIDDEN;

#endif
