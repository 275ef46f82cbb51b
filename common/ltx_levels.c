/* Each family's own level scale, mapped onto the common one. One table per
 * family: the rule parser (issue 3) and the reports read levels through
 * ltx_level_of(), so a family added here is covered by both. */
#include "ltx_levels.h"
#include "ltx_format.h"

#include <stddef.h>

struct lvl {
	int32_t value; /* the family's level value, after `part` below */
	enum ltx_level level;
};

struct scale {
	const char *family;
	/* How the raw argument gives a level value: LEVEL_WHOLE uses it as is;
	 * LEVEL_LOW3 keeps the low 3 bits (syslog's LOG_PRI: the facility is in
	 * the other bits); LEVEL_LOWEST_BIT takes the most severe of the level
	 * bits in `bits` (GLib's levels are flags, lower bit = more severe). */
	enum { LEVEL_NONE, LEVEL_WHOLE, LEVEL_LOW3, LEVEL_LOWEST_BIT } part;
	int32_t bits;
	const struct lvl *levels; /* ends with level LTX_LVL_UNKNOWN */
};

/* virLogPriority (and the test programs' model of it) */
static const struct lvl libvirt_levels[] = {
	{ 1, LTX_LVL_DEBUG }, { 2, LTX_LVL_INFO }, { 3, LTX_LVL_WARNING }, { 4, LTX_LVL_ERROR }, { 0, LTX_LVL_UNKNOWN },
};

/* GLogLevelFlags: ERROR 1<<2 (always fatal), CRITICAL 1<<3, WARNING 1<<4,
 * MESSAGE 1<<5, INFO 1<<6, DEBUG 1<<7; bits 0-1 are flags (recursion, fatal). */
static const struct lvl glib_levels[] = {
	{ 1 << 2, LTX_LVL_ERROR }, { 1 << 3, LTX_LVL_ERROR }, { 1 << 4, LTX_LVL_WARNING },
	{ 1 << 5, LTX_LVL_NOTICE }, { 1 << 6, LTX_LVL_INFO }, { 1 << 7, LTX_LVL_DEBUG }, { 0, LTX_LVL_UNKNOWN },
};

/* syslog(3) priorities, also the journal's PRIORITY=: 0 emerg .. 7 debug */
static const struct lvl syslog_levels[] = {
	{ 0, LTX_LVL_ERROR }, { 1, LTX_LVL_ERROR }, { 2, LTX_LVL_ERROR }, { 3, LTX_LVL_ERROR },
	{ 4, LTX_LVL_WARNING }, { 5, LTX_LVL_NOTICE }, { 6, LTX_LVL_INFO }, { 7, LTX_LVL_DEBUG },
	{ 0, LTX_LVL_UNKNOWN },
};

static const struct lvl no_levels[] = { { 0, LTX_LVL_UNKNOWN } };

static const struct scale scales[LTX_FAM_COUNT] = {
	[LTX_FAM_CALIB] = { "calibration", LEVEL_NONE, 0, no_levels },
	[LTX_FAM_LEGACY] = { "legacy", LEVEL_WHOLE, 0, libvirt_levels },
	[LTX_FAM_LIBVIRT] = { "libvirt", LEVEL_WHOLE, 0, libvirt_levels },
	[LTX_FAM_GLIB] = { "glib", LEVEL_LOWEST_BIT, 0xfc, glib_levels },
	[LTX_FAM_SYSLOG] = { "syslog", LEVEL_LOW3, 0, syslog_levels },
	[LTX_FAM_JOURNAL] = { "journal", LEVEL_WHOLE, 0, syslog_levels },
	/* A hooked function's levels have no known scale: reports show the number. */
	[LTX_FAM_HOOK] = { "hook", LEVEL_NONE, 0, no_levels },
};

const char *ltx_family_name(uint32_t family)
{
	return family < LTX_FAM_COUNT ? scales[family].family : "unknown";
}

enum ltx_level ltx_level_of(uint32_t family, int32_t raw)
{
	if (family >= LTX_FAM_COUNT)
		return LTX_LVL_UNKNOWN;
	const struct scale *s = &scales[family];
	int32_t v;
	switch (s->part) {
	case LEVEL_WHOLE:
		v = raw;
		break;
	case LEVEL_LOW3:
		v = raw & 7;
		break;
	case LEVEL_LOWEST_BIT:
		v = raw & s->bits;
		if (!v)
			return LTX_LVL_UNKNOWN;
		v &= -v;
		break;
	default:
		return LTX_LVL_UNKNOWN;
	}
	for (const struct lvl *l = s->levels; l->level != LTX_LVL_UNKNOWN; l++)
		if (l->value == v)
			return l->level;
	return LTX_LVL_UNKNOWN;
}

const char *ltx_level_name(enum ltx_level l)
{
	static const char *const names[] = { "debug", "info", "notice", "warning", "error", "?" };
	return names[l <= LTX_LVL_UNKNOWN ? l : LTX_LVL_UNKNOWN];
}
