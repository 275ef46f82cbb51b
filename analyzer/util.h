/* Small formatting helpers shared by the report writers. */
#ifndef AN_UTIL_H
#define AN_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "symbolize.h"

/* "1,234,567" */
const char *an_count(uint64_t v, char *buf, size_t cap);
/* "452 ns", "12.3 us", "4.56 ms", "1.02 s" */
const char *an_dur(double ns, char *buf, size_t cap);
/* "93.2%" or "-" for a negative (unknown) share */
const char *an_pct(double share, char *buf, size_t cap);
/* A name from a data file, made safe for a terminal: control and non-ASCII
 * bytes become \xNN. */
const char *an_safe(const char *s, char *buf, size_t cap);

/* A string as a C literal's contents: \" \\ \n \t \r and \xNN for other
 * control and non-ASCII bytes; cut to at most `width` characters with "..."
 * when longer (width 0: no limit but cap). */
const char *an_cstr(const char *s, char *buf, size_t cap, size_t width);
/* A CSV field (RFC 4180): quoted, with its quotes doubled, when it holds a
 * comma, quote, CR or newline; NULL writes nothing (an empty field). */
void an_csv_field(FILE *o, const char *s);
/* The last component of a path. */
const char *an_basename(const char *path);

/* Why a call site has no name, for people: NULL when it has one (or has only
 * a symbol-table name), else "module file gone", "in no module", ... */
const char *an_site_note(const struct an_sym *y);
/* Why a template is not shown, or a caution about it: NULL when it was read
 * as it is; "no format argument", "built at run time", "module file changed",
 * "read from writable memory: may differ", ... */
const char *an_tmpl_note(const struct an_tmpl *t);

#endif
