/* Rules: which logging calls to drop. Parsed and matched here, once, for
 * the shim (LOGTAX_FILTER at start, `logtax ctl PID filter` later) and for
 * the analyzer (checking rules before a run, predicting what a rule set
 * saves), so both agree by construction.
 *
 *   RULES    := RULE { whitespace RULE }      '#' at a rule's start: comment to end of line
 *   RULE     := ACTION ':' SELECTOR | limit ':' SELECTOR ':' N '/' (s | min)
 *             | sample ':' SELECTOR ':' 1 '/' N
 *   ACTION   := drop | keep
 *   SELECTOR := [ENTRY '/'] NAME ['@' LEVEL] ['<' CALLER]
 *   LEVEL    := [ '<' | '<=' | '>' | '>=' ] (debug | info | notice | warning | error)
 * ENTRY, NAME and CALLER are globs (*, ?, [...], [!...], \ quotes the next
 * character). ENTRY matches an entry point's symbol or its family's name;
 * NAME the source name (a call without one has the name ""); CALLER the
 * calling function's symbol or the calling module's file name (its full
 * path if the glob holds a '/'). The first rule that matches decides; no
 * match keeps the call. limit keeps at most N calls of each key in each
 * second (minute) of CLOCK_MONOTONIC; sample keeps a key's 1st, (N+1)th,
 * (2N+1)th ... call; both drop the others. N is 1 to 4294967295. (The shim
 * keeps their state per key and thread: see shim/hotpath.c.)
 *
 * No malloc, no stdio, no locale: the parser writes into memory the caller
 * provides (ask for the size first), the matcher only reads. */
#ifndef LTX_RULES_H
#define LTX_RULES_H

#include "ltx_format.h"

#include <stddef.h>
#include <stdint.h>

#define LTX_RULES_MAX_TEXT (256u * 1024) /* bytes of rule text */
#define LTX_RULES_MAX (16u * 1024)       /* rules in one set */

enum ltx_rule_cmp { LTX_CMP_ANY, LTX_CMP_EQ, LTX_CMP_LT, LTX_CMP_LE, LTX_CMP_GT, LTX_CMP_GE };

struct ltx_rule {
	uint8_t action; /* enum ltx_action */
	uint8_t cmp;    /* enum ltx_rule_cmp: how the level compares */
	uint8_t level;  /* enum ltx_level */
	uint8_t pad;
	uint32_t entry;  /* offsets of NUL-terminated globs in the set; 0 = none */
	uint32_t name;
	uint32_t caller;
	uint32_t at; /* offset of the rule in the text */
	uint32_t n;   /* limit: calls kept per window; sample: 1 call kept in n */
	uint32_t per; /* limit: the window in seconds (1 or 60); 0 otherwise */
};

/* An immutable rule set: one block, no pointers inside, so it can be copied
 * or placed in any memory. */
struct ltx_ruleset {
	uint32_t size;       /* bytes of the whole block */
	uint32_t nrules;
	uint32_t has_caller; /* some rule has a CALLER part */
	uint32_t text_len;   /* the text as given, NUL-terminated, at text_off */
	uint32_t text_off;
	uint32_t pad;
	struct ltx_rule rules[];
};

struct ltx_rules_error {
	const char *msg;  /* static text */
	size_t at;        /* offset in the text of the bad character */
	size_t rule_at;   /* offset and length of the rule it belongs to */
	size_t rule_len;
	unsigned line, col; /* of `at`, both from 1 */
};

/* Parses len bytes of text. Returns the size of the rule set; fills mem if
 * it is at least that large (mem may be NULL to ask for the size). Returns 0
 * on a bad rule, with *err filled; nothing is ever half-parsed. */
size_t ltx_rules_parse(const char *text, size_t len, void *mem, size_t cap, struct ltx_rules_error *err);

/* One line, no newline, at most cap-1 bytes plus NUL:
 *   origin is a file:  "FILE:LINE:COL: bad rule 'RULE': MSG"
 *   otherwise:         "ORIGIN: bad rule 'RULE' at column COL: MSG"
 *                      (" at line L, column C" when the text has several lines) */
size_t ltx_rules_error_format(char *buf, size_t cap, const char *origin, int origin_is_file, const char *text,
			      size_t len, const struct ltx_rules_error *e);

/* What a rule is matched against. The caller is resolved only when a rule
 * with a CALLER part is reached: resolve() sets *sym and *module (either
 * may be NULL) and returns 0, or returns -1 (then CALLER parts never match). */
struct ltx_rule_subject {
	const char *entry; /* the entry point's symbol */
	uint32_t family;   /* enum ltx_family */
	const char *name;  /* NULL: no name */
	int32_t level;     /* the raw level argument */
	int (*resolve)(void *ctx, const char **sym, const char **module);
	void *ctx;
	/* The entry's own level scale (a --hook's levels=), nscale 0: the family's. */
	const struct ltx_level_pair *scale;
	unsigned nscale;
};

/* The deciding rule's action (enum ltx_action: keep, drop, limit or
 * sample; keep for a fatal level); *which = its index or -1. */
int ltx_rules_match(const struct ltx_ruleset *rs, const struct ltx_rule_subject *s, int *which);

static inline const char *ltx_rules_str(const struct ltx_ruleset *rs, uint32_t off)
{
	return off ? (const char *)rs + off : 0;
}

/* Glob match of a whole string: *, ?, [...], [!...] or [^...], ranges, and
 * \ quoting the next character. Bytes compare as unsigned; no locale. */
int ltx_glob(const char *pat, const char *s);

#endif
