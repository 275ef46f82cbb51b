/* Rule text from the command line or a file, parsed with the shim's own
 * parser (common/ltx_rules.c). */
#ifndef AN_RULES_IO_H
#define AN_RULES_IO_H

#include "../common/ltx_rules.h"

#include <stddef.h>

/* Reads a rule file whole (at most LTX_RULES_MAX_TEXT bytes). Returns a
 * malloc'ed NUL-terminated text and its length, or NULL with a one-line
 * message in err. */
char *an_rules_read_file(const char *path, size_t *len, char *err, size_t errlen);

/* Parses text into a malloc'ed rule set, or NULL with the parser's one-line
 * message in err (origin names the text: an option, a variable or a file). */
struct ltx_ruleset *an_rules_parse(const char *text, size_t len, const char *origin, int origin_is_file, char *err,
				   size_t errlen);

#endif
