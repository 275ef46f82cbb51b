#include "ltx_settings.h"
#include "ltx_format.h"

#include <string.h>

const char *const ltx_known_vars[] = { "LOGTAX_OUTPUT", "LOGTAX_TIME", "LOGTAX_FILTER", "LOGTAX_FILTER_FILE", NULL };

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	if (!*s)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int ltx_parse_time(const char *s, uint32_t *mode, uint32_t *every, const char **why)
{
	*every = LTX_SAMPLE_DEFAULT;
	if (!strcmp(s, "off")) {
		*mode = LTX_TIME_OFF;
	} else if (!strcmp(s, "all")) {
		*mode = LTX_TIME_ALL;
	} else if (!strcmp(s, "sample")) {
		*mode = LTX_TIME_SAMPLE;
	} else if (!strncmp(s, "sample:", 7)) {
		if (parse_u32(s + 7, 1, LTX_SAMPLE_MAX, every) < 0) {
			*why = "N in sample:N must be a whole number from 1 to 1073741824";
			return -1;
		}
		*mode = LTX_TIME_SAMPLE;
	} else {
		*why = "expected off, sample, sample:N or all";
		return -1;
	}
	return 0;
}
