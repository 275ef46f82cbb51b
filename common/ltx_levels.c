/* See ltx_levels.h. No libc beyond string compares: the shim uses it. */
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

#define N(a) (unsigned)(sizeof a / sizeof a[0])
static const struct ltx_family_info families[] = {
	{ LTX_FAM_CALIB, "calibration", 0, 0 },
	{ LTX_FAM_LEGACY, "legacy", virlog_levels, N(virlog_levels) },
	{ LTX_FAM_LIBVIRT, "libvirt", virlog_levels, N(virlog_levels) },
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
	for (unsigned i = 0; f && i < f->nlevels; i++)
		if (f->levels[i].raw == raw)
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
