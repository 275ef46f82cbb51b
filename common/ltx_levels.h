/* Families and their levels, shared by the analyzer and the rule parser:
 * each family's own scale mapped onto debug < info < notice < warning <
 * error. Table-driven (ltx_levels.c): a new family is one more row. */
#ifndef LTX_LEVELS_H
#define LTX_LEVELS_H

#include "ltx_format.h"

#include <stdint.h>

enum ltx_level { LTX_LVL_DEBUG, LTX_LVL_INFO, LTX_LVL_NOTICE, LTX_LVL_WARNING, LTX_LVL_ERROR, LTX_LVL_UNKNOWN };

/* One raw level of a family. `fatal`: the call does not return (or aborts),
 * so a rule never drops it. */
struct ltx_level_map {
	int32_t raw;
	uint8_t level; /* enum ltx_level */
	uint8_t fatal;
};

/* How a raw level argument gives the value looked up in `levels`. */
enum ltx_level_part {
	LTX_PART_WHOLE,      /* as it is */
	LTX_PART_LOW3,       /* the low 3 bits: syslog's LOG_PRI (the facility is above) */
	LTX_PART_LOWEST_BIT, /* the most severe of the bits in `bits`: GLib's levels are flags */
};

struct ltx_family_info {
	uint32_t family; /* enum ltx_family */
	const char *name; /* what rules and reports call it */
	const struct ltx_level_map *levels;
	unsigned nlevels;
	uint8_t part;        /* enum ltx_level_part */
	int32_t bits;        /* LTX_PART_LOWEST_BIT: the level bits */
	int32_t fatal_bits;  /* any of these set in the raw level: fatal (GLib's FLAG_FATAL) */
};

const struct ltx_family_info *ltx_family(uint32_t family);
const char *ltx_family_name(uint32_t family);
/* The common level of a raw level argument of a family. */
enum ltx_level ltx_level_of(uint32_t family, int32_t raw);
/* Whether a call at this raw level must never be dropped. */
int ltx_level_fatal(uint32_t family, int32_t raw);
const char *ltx_level_name(enum ltx_level l);
/* A level name as rules write it (debug, info, notice, warning/warn,
 * error/err), len bytes; LTX_LVL_UNKNOWN if none. */
enum ltx_level ltx_level_parse(const char *s, unsigned len);
/* The common level of raw on an entry's own scale (a --hook's levels=),
 * LTX_LVL_UNKNOWN if absent; with no scale (n == 0), the family's. */
enum ltx_level ltx_level_of_scale(const struct ltx_level_pair *scale, unsigned n, uint32_t family, int32_t raw);

#endif
