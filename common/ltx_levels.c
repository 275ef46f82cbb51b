/* See ltx_levels.h. Each family's own level scale, mapped onto the common
 * one by a table; the rule matcher and the reports both read levels through
 * here, so a family added here is covered by both. No libc beyond string
 * compares: the shim uses it. */
#include "ltx_levels.h"
#include "ltx_format.h"

/* virLogPriority (libvirt) and the legacy_log model: 1 debug, 2 info,
 * 3 warning, 4 error. */
static const struct ltx_level_map virlog_levels[] = {
	{ 1, LTX_LVL_DEBUG, 0 },
	{ 2, LTX_LVL_INFO, 0 },
	{ 3, LTX_LVL_WARNING, 0 },
	{ 4, LTX_LVL_ERROR, 0 },
};

/* GLogLevelFlags: ERROR 1<<2 (always fatal), CRITICAL 1<<3, WARNING 1<<4,
 * MESSAGE 1<<5, INFO 1<<6, DEBUG 1<<7; bit 1 is G_LOG_FLAG_FATAL. Whether a
 * warning or a critical is fatal depends on the program's fatal masks: the
 * shim asks at run time (shim/families.c). */
static const struct ltx_level_map glib_levels[] = {
	{ 1 << 2, LTX_LVL_ERROR, 1 },
	{ 1 << 3, LTX_LVL_ERROR, 0 },
	{ 1 << 4, LTX_LVL_WARNING, 0 },
	{ 1 << 5, LTX_LVL_NOTICE, 0 },
	{ 1 << 6, LTX_LVL_INFO, 0 },
	{ 1 << 7, LTX_LVL_DEBUG, 0 },
};

/* syslog(3) priorities (after LOG_PRI), also the journal's PRIORITY=:
 * 0 emerg, 1 alert, 2 crit, 3 err, 4 warning, 5 notice, 6 info, 7 debug.
 * None stops the program. */
static const struct ltx_level_map syslog_levels[] = {
	{ 0, LTX_LVL_ERROR, 0 },   { 1, LTX_LVL_ERROR, 0 }, { 2, LTX_LVL_ERROR, 0 }, { 3, LTX_LVL_ERROR, 0 },
	{ 4, LTX_LVL_WARNING, 0 }, { 5, LTX_LVL_NOTICE, 0 }, { 6, LTX_LVL_INFO, 0 },  { 7, LTX_LVL_DEBUG, 0 },
};

#define N(a) (unsigned)(sizeof a / sizeof a[0])
static const struct ltx_family_info families[] = {
	{ LTX_FAM_CALIB, "calibration", 0, 0, LTX_PART_WHOLE, 0, 0 },
	{ LTX_FAM_LEGACY, "legacy", virlog_levels, N(virlog_levels), LTX_PART_WHOLE, 0, 0 },
	{ LTX_FAM_LIBVIRT, "libvirt", virlog_levels, N(virlog_levels), LTX_PART_WHOLE, 0, 0 },
	{ LTX_FAM_GLIB, "glib", glib_levels, N(glib_levels), LTX_PART_LOWEST_BIT, 0xfc, 1 << 1 },
	{ LTX_FAM_SYSLOG, "syslog", syslog_levels, N(syslog_levels), LTX_PART_LOW3, 0, 0 },
	{ LTX_FAM_JOURNAL, "journal", syslog_levels, N(syslog_levels), LTX_PART_WHOLE, 0, 0 },
	/* A hooked function's levels have no known scale: reports show the number. */
	{ LTX_FAM_HOOK, "hook", 0, 0, LTX_PART_WHOLE, 0, 0 },
};

const struct ltx_family_info *ltx_family(uint32_t family)
{
	for (unsigned i = 0; i < N(families); i++)
		if (families[i].family == family)
			return &families[i];
	return 0;
}

const char *ltx_family_name(uint32_t family)
{
	const struct ltx_family_info *f = ltx_family(family);
	return f ? f->name : "unknown";
}

static const struct ltx_level_map *find(uint32_t family, int32_t raw)
{
	const struct ltx_family_info *f = ltx_family(family);
	if (!f)
		return 0;
	int32_t v = raw;
	if (f->part == LTX_PART_LOW3) {
		v = raw & 7;
	} else if (f->part == LTX_PART_LOWEST_BIT) {
		v = raw & f->bits;
		v &= -v;
		if (!v)
			return 0;
	}
	for (unsigned i = 0; i < f->nlevels; i++)
		if (f->levels[i].raw == v)
			return &f->levels[i];
	return 0;
}

enum ltx_level ltx_level_of(uint32_t family, int32_t raw)
{
	const struct ltx_level_map *m = find(family, raw);
	return m ? (enum ltx_level)m->level : LTX_LVL_UNKNOWN;
}

int ltx_level_fatal(uint32_t family, int32_t raw)
{
	const struct ltx_family_info *f = ltx_family(family);
	if (f && (raw & f->fatal_bits))
		return 1;
	const struct ltx_level_map *m = find(family, raw);
	return m && m->fatal;
}

static const char *const level_names[] = { "debug", "info", "notice", "warning", "error", "?" };

const char *ltx_level_name(enum ltx_level l)
{
	return level_names[l <= LTX_LVL_UNKNOWN ? l : LTX_LVL_UNKNOWN];
}

enum ltx_level ltx_level_parse(const char *s, unsigned len)
{
	static const struct {
		const char *name;
		enum ltx_level level;
	} names[] = {
		{ "debug", LTX_LVL_DEBUG }, { "info", LTX_LVL_INFO },       { "notice", LTX_LVL_NOTICE },
		{ "warning", LTX_LVL_WARNING }, { "warn", LTX_LVL_WARNING }, { "error", LTX_LVL_ERROR },
		{ "err", LTX_LVL_ERROR },
	};
	for (unsigned i = 0; i < N(names); i++) {
		const char *n = names[i].name;
		unsigned k = 0;
		while (k < len && n[k] && n[k] == s[k])
			k++;
		if (k == len && !n[k])
			return names[i].level;
	}
	return LTX_LVL_UNKNOWN;
}

enum ltx_level ltx_level_of_scale(const struct ltx_level_pair *scale, unsigned n, uint32_t family, int32_t raw)
{
	if (!n)
		return ltx_level_of(family, raw);
	for (unsigned i = 0; i < n; i++)
		if (scale[i].raw == raw)
			return scale[i].level < LTX_LVL_UNKNOWN ? (enum ltx_level)scale[i].level : LTX_LVL_UNKNOWN;
	return LTX_LVL_UNKNOWN;
}
