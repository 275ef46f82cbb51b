/* Small formatting helpers shared by the report writers. */
#ifndef AN_UTIL_H
#define AN_UTIL_H

#include <stdint.h>
#include <stdio.h>

/* "1,234,567" */
const char *an_count(uint64_t v, char *buf, size_t cap);
/* "452 ns", "12.3 us", "4.56 ms", "1.02 s" */
const char *an_dur(double ns, char *buf, size_t cap);
/* "93.2%" or "-" for a negative (unknown) share */
const char *an_pct(double share, char *buf, size_t cap);
/* A name from a data file, made safe for a terminal: control and non-ASCII
 * bytes become \xNN. */
const char *an_safe(const char *s, char *buf, size_t cap);

#endif
