/* symbols.c: the shim's own symbol look-ups (no dlsym, no dlerror() state
 * touched), the real dl* functions, and a copy that cannot fault. */
#ifndef LT_SYMBOLS_H
#define LT_SYMBOLS_H

#include "lt.h"

#include <link.h>
#include <stddef.h>
#include <stdint.h>

/* Copies a NUL-terminated string that may not be readable: 1 done (cut to
 * cap - 1 bytes if need be), 0 unreadable. Never faults. */
int lt_safe_copy(char *dst, const char *src, size_t cap) LT_HIDDEN;
/* Up to n bytes at src into dst, stopping at the first unreadable page:
 * the number copied (0 when src is unreadable). */
size_t lt_safe_read(void *dst, const void *src, size_t n) LT_HIDDEN;
/* A function's (or with data, a variable's) first definition in load order,
 * ours skipped, found in the objects' hash tables: unlike dlsym, leaves
 * dlerror() alone. */
void *lt_find_symbol(const char *name, int data) LT_HIDDEN;
/* dlsym(RTLD_NEXT, name)'s answer, or a definition in any loaded object (a
 * library opened with RTLD_LOCAL is not in the global scope), without
 * touching dlerror()'s state: a failed dlsym would leave an error for the
 * program's next dlerror(), and even a successful one clears an error the
 * program has not read yet. */
void *lt_find_next(const char *name) LT_HIDDEN;

/* The real dlopen, dlmopen, dlclose (ours are exported), found once. */
enum { LT_DL_OPEN, LT_DL_MOPEN, LT_DL_CLOSE };
void *lt_real_dl_fn(unsigned which) LT_HIDDEN;
void *lt_real_dlopen(const char *file, int mode) LT_HIDDEN;
int lt_real_dlclose(void *handle) LT_HIDDEN;

/* A loaded object's dynamic section, as got.c walks it for relocations. */
struct lt_obj {
	uint64_t bias, lo, hi;
	uint64_t relro_lo, relro_hi; /* pages ld.so made read-only */
	const ElfW(Sym) *symtab;
	const char *strtab;
	size_t strsz;
	const ElfW(Rela) *rel[2]; /* DT_JMPREL, DT_RELA */
	size_t relsz[2];
	const uint32_t *gnu_hash;
	const uint32_t *sysv_hash;
	const ElfW(Half) *versym;
};
int lt_obj_read(const struct dl_phdr_info *info, struct lt_obj *o) LT_HIDDEN;
int lt_obj_is_self(const struct dl_phdr_info *info) LT_HIDDEN; /* liblogtax itself */
const char *lt_sym_name(const struct lt_obj *o, const ElfW(Sym) *s) LT_HIDDEN;
/* The object's own definition of name (a function, or with data a
 * variable), or 0. */
uint64_t lt_obj_lookup(const struct lt_obj *o, const char *name, int data) LT_HIDDEN;

/* A GOT slot through which the object calls a function by name. */
struct lt_fn_slot {
	const ElfW(Sym) *sym;
	const char *name;
	uint64_t *slot;
	uint64_t own; /* the object's own definition of the name, or 0 */
};
/* Whether a slot holding cur is a lazy PLT slot not bound yet: it points
 * into its own object, not at the object's own definition. */
static inline int lt_slot_lazy(const struct lt_obj *o, const struct lt_fn_slot *s, uint64_t cur)
{
	return cur >= o->lo && cur < o->hi && cur != s->own;
}
/* fn for each such slot of o (JUMP_SLOT and GLOB_DAT relocations of a
 * named function: never a variable, TLS or an IFUNC, whose slots are no
 * stubs); fn returns nonzero to stop. */
void lt_obj_fn_slots(const struct lt_obj *o, int (*fn)(const struct lt_obj *o, const struct lt_fn_slot *s, void *ctx),
		     void *ctx) LT_HIDDEN;
/* The same for every loaded object but the shim itself. */
void lt_all_fn_slots(int (*fn)(const struct lt_obj *o, const struct lt_fn_slot *s, void *ctx), void *ctx) LT_HIDDEN;

#endif
