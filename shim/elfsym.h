/* Naming any function of a loaded object for --hook: by symbol (the
 * object's .symtab, its .dynsym, and its separate debug file) or by number.
 *
 * path is a dl_iterate_phdr dlpi_name ("" for the main program, read from
 * /proc/self/exe); bias its dlpi_addr (0 for a file that is not loaded: the
 * addresses returned are then the file's own). On success *addr is
 * bias + the function's address in the file, *size its length (from the
 * symbol, else from the .eh_frame entry that starts there, else 0:
 * unknown). On failure -1 and *why (a static string) says what was wrong.
 *
 * The files are read with their every offset and length checked against
 * the file's size: a damaged or hostile file is refused, never trusted.
 * They are mapped read-only while read (a file truncated meanwhile by
 * someone else could still raise SIGBUS). Runs at start-up, not on the hot
 * path; takes no lock of its own (it calls open, mmap and realpath). */
#ifndef LT_ELFSYM_H
#define LT_ELFSYM_H

#include <stdint.h>

/* fn: looked up in .symtab, then .dynsym, then the debug file found by
 * build-id (ROOT/.build-id/xx/rest.debug) or .gnu_debuglink (next to the
 * object, in its .debug/, and in ROOT/DIR). A global definition is
 * preferred; two static functions of that name at different addresses are
 * refused as ambiguous (name one by number). "fn@VERSION" spellings in a
 * .symtab match fn. */
int lt_sym_find(const char *path, uint64_t bias, const char *name, uint64_t *addr, uint64_t *size,
		const char **why);

/* N as nm and objdump print it: an address if it lies inside an executable
 * PT_LOAD of the object, else a file offset inside one. It must be where
 * a function starts (a symbol's or an .eh_frame entry's start, when either
 * covers it); one inside a known function is refused. */
int lt_sym_number(const char *path, uint64_t bias, uint64_t number, uint64_t *addr, uint64_t *size,
		  const char **why);

/* Where separate debug files live; "/usr/lib/debug" unless a test says. */
extern const char *lt_sym_debug_root;

#endif
