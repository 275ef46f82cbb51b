#include "ltx_settings.h"
#include "ltx_format.h"

#include <string.h>

const char *const ltx_known_vars[] = { "LOGTAX_OUTPUT", "LOGTAX_TIME", "LOGTAX_STACKS", "LOGTAX_TRACE", NULL };

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

int ltx_parse_stacks(const char *s, uint32_t *depth, uint32_t *every, const char **why)
{
	static const char expect[] = "expected DEPTH[:N]: up to DEPTH frames (1 to 128) for 1 call in N "
				     "(1 to 1073741824, default 64)";
	char num[16];
	size_t n = 0;
	while (s[n] && s[n] != ':' && n < sizeof num - 1) {
		num[n] = s[n];
		n++;
	}
	num[n] = 0;
	if ((s[n] && s[n] != ':') || parse_u32(num, 1, LTX_STACK_MAX_DEPTH, depth) < 0) {
		*why = expect;
		return -1;
	}
	*every = LTX_STACKS_EVERY_DEFAULT;
	if (s[n] == ':' && parse_u32(s + n + 1, 1, LTX_SAMPLE_MAX, every) < 0) {
		*why = expect;
		return -1;
	}
	return 0;
}

int ltx_parse_trace(const char *s, uint32_t *events, const char **why)
{
	if (parse_u32(s, 1, LTX_TRACE_MAX, events) < 0) {
		*why = "expected the number of events each thread keeps, 1 to 1048576";
		return -1;
	}
	return 0;
}
