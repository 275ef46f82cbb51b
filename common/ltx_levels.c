#include "ltx_levels.h"
#include "ltx_format.h"

const char *ltx_family_name(uint32_t family)
{
	switch (family) {
	case LTX_FAM_CALIB: return "calibration";
	case LTX_FAM_LEGACY: return "legacy";
	case LTX_FAM_LIBVIRT: return "libvirt";
	default: return "unknown";
	}
}

enum ltx_level ltx_level_of(uint32_t family, int32_t raw)
{
	switch (family) {
	case LTX_FAM_LEGACY:
	case LTX_FAM_LIBVIRT:
		/* 1 debug, 2 info, 3 warning, 4 error (virLogPriority) */
		switch (raw) {
		case 1: return LTX_LVL_DEBUG;
		case 2: return LTX_LVL_INFO;
		case 3: return LTX_LVL_WARNING;
		case 4: return LTX_LVL_ERROR;
		default: return LTX_LVL_UNKNOWN;
		}
	default:
		return LTX_LVL_UNKNOWN;
	}
}

const char *ltx_level_name(enum ltx_level l)
{
	static const char *const names[] = { "debug", "info", "notice", "warning", "error", "?" };
	return names[l <= LTX_LVL_UNKNOWN ? l : LTX_LVL_UNKNOWN];
}
