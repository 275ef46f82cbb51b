/* families.c: syslog's idents, GLib's fatal levels, what the rules may
 * do with a key. */
#ifndef LT_FAMILIES_H
#define LT_FAMILIES_H

#include "desc.h"

#include <stdint.h>

/* What a family lets the rules do with a key (slow path, families.c). */
#define LT_ALLOW_DROP 0x1u
#define LT_ALLOW_TIME 0x2u
#define LT_KEY_INNER 0x4u /* an inner call: LT_SA_INNER */
#define LT_KEY_FATAL 0x8u /* may abort the program: neither dropped nor timed */

extern uint64_t lt_syslog_ident LT_HIDDEN; /* openlog's ident, else lt_progname */
const char *lt_syslog_ident_name(uint64_t meta) LT_HIDDEN;
void lt_families_init(void) LT_HIDDEN;
uint32_t lt_key_allows(const struct lt_desc *d, uint64_t ret, int32_t level) LT_HIDDEN;

#endif
