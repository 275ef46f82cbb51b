/* rules.c: rule sets (LOGTAX_FILTER, `logtax ctl rules`) and their
 * generations. */
#ifndef LT_RULES_H
#define LT_RULES_H

#include "lt.h"
#include "desc.h"

#include <stddef.h>
#include <stdint.h>

/* A rule set of one generation (rules.c): immutable once published. */
#include "../common/ltx_rules.h"
struct lt_rules_node {
	struct lt_rules_node *next; /* older generations */
	uint32_t gen;
	uint32_t pad;
	uint64_t applied_mono; /* CLOCK_MONOTONIC ns */
	size_t map_len;
	struct ltx_ruleset rs; /* variable size: last */
};
extern struct lt_rules_node *volatile lt_rules_head LT_HIDDEN;

void lt_rules_init(void) LT_HIDDEN;
void lt_rules_forked(void) LT_HIDDEN;
/* Publishes a new rule set as the next generation; returns it, or -1 with a
 * one-line message in err. Not for the hot path (maps memory, takes a lock). */
int lt_rules_apply(const char *text, size_t len, const char *origin, int origin_is_file, char *err, size_t errcap) LT_HIDDEN;
const struct lt_rules_node *lt_rules_for(uint32_t gen) LT_HIDDEN;
/* The deciding rule of a new key of generation gen: its action (enum
 * ltx_action; keep when none matched), its index + 1 (0: none) and, for
 * limit and sample, its N and window (seconds; 0 for sample). */
struct lt_pick {
	uint32_t action, rule, n, per;
};
void lt_rules_decide(const struct lt_desc *d, const char *name, int32_t level, uint64_t ret, uint32_t gen,
		     struct lt_pick *out) LT_HIDDEN;

#endif
