/* The function around an address of a module, resolved as the shim's
 * dladdr resolves it (the dynamic symbol table only, a symbol's size
 * respected), so rules with a CALLER part match the same calls when the
 * analyzer predicts what they drop. */
#ifndef AN_SYMBOLS_H
#define AN_SYMBOLS_H

#include <stdint.h>

/* NULL when the module cannot be read or no dynamic symbol covers offset
 * (an address in the module's own terms: absolute address - load bias).
 * The string lives until an_symbols_free(). */
const char *an_dynsym_at(const char *path, uint64_t offset);
void an_symbols_free(void);

#endif
