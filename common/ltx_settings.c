#include "ltx_settings.h"
#include "ltx_entries.h"
#include "ltx_format.h"

#include <string.h>

const char *const ltx_known_vars[] = { "LOGTAX_OUTPUT", "LOGTAX_TIME",        "LOGTAX_STACKS",
				       "LOGTAX_TRACE",  "LOGTAX_HOOK",        "LOGTAX_FILTER",
				       "LOGTAX_FILTER_FILE", "LOGTAX_CONTROL", "LOGTAX_SNAPSHOT",
				       "LOGTAX_NO_FOLLOW", "LOGTAX_PATCH",
				       NULL };

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

int ltx_parse_control(const char *s, uint32_t *mode, const char **why)
{
	if (!strcmp(s, "auto"))
		*mode = LTX_CONTROL_AUTO;
	else if (!strcmp(s, "thread"))
		*mode = LTX_CONTROL_THREAD;
	else if (!strcmp(s, "off"))
		*mode = LTX_CONTROL_OFF;
	else {
		*why = "expected auto, thread or off";
		return -1;
	}
	return 0;
}

int ltx_parse_patch(const char *s, uint32_t *mode, const char **why)
{
	if (!strcmp(s, "auto"))
		*mode = LTX_PATCH_AUTO;
	else if (!strcmp(s, "entry"))
		*mode = LTX_PATCH_ENTRY;
	else if (!strcmp(s, "got"))
		*mode = LTX_PATCH_GOT;
	else {
		*why = "expected entry, got or auto";
		return -1;
	}
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

int ltx_parse_snapshot(const char *s, uint32_t *secs, const char **why)
{
	if (parse_u32(s, 0, LTX_SNAPSHOT_MAX, secs) < 0) {
		*why = "expected the seconds between snapshots, 0 (off) to 86400";
		return -1;
	}
	return 0;
}

int ltx_parse_no_follow(const char *s, uint32_t *pid, const char **why)
{
	if (parse_u32(s, 1, LTX_PID_MAX, pid) < 0) {
		*why = "expected the process id of the one process to trace (1 to 4194304)";
		return -1;
	}
	return 0;
}

static int is_sep(char c)
{
	return c == ' ' || c == ',' || c == '\t' || c == '\n';
}

static int ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

#define HOOK_FAIL(p, msg)        \
	do {                     \
		*pos = (unsigned)(p); \
		*why = (msg);    \
		return -1;       \
	} while (0)

int ltx_parse_hooks(const char *s, struct ltx_hook_spec *out, unsigned cap, unsigned *n, const char **why,
		    unsigned *pos)
{
	size_t i = 0;
	*n = 0;
	for (;;) {
		while (is_sep(s[i]))
			i++;
		if (!s[i])
			return 0;
		if (*n >= cap)
			HOOK_FAIL(i, "too many hooks (at most 32)");
		struct ltx_hook_spec *h = &out[*n];
		memset(h, 0, sizeof *h);
		size_t start = i;
		if (!ident_start(s[i]))
			HOOK_FAIL(i, "expected a function name (letters, digits and _, not starting with a digit)");
		while (ident_char(s[i]))
			i++;
		if (i - start > LTX_HOOK_NAME_MAX)
			HOOK_FAIL(start, "function name longer than 127 characters");
		memcpy(h->fn, s + start, i - start);
		h->fn[i - start] = 0;
		for (unsigned k = 0; k < *n; k++)
			if (!strcmp(out[k].fn, h->fn))
				HOOK_FAIL(start, "this function is already hooked");
#define BUILTIN(id, fam, sym)                 \
	if (!strcmp(h->fn, #sym))             \
		HOOK_FAIL(start, "logtax already intercepts this function, no hook needed");
		LTX_ENTRIES(BUILTIN)
#undef BUILTIN
		while (s[i] == ':') {
			i++;
			uint8_t *arg;
			if (!strncmp(s + i, "name=", 5)) {
				arg = &h->name_arg;
				i += 5;
			} else if (!strncmp(s + i, "level=", 6)) {
				arg = &h->level_arg;
				i += 6;
			} else {
				HOOK_FAIL(i, "expected name=ARG or level=ARG after ':'");
			}
			if (*arg)
				HOOK_FAIL(i, "given twice");
			size_t a = i;
			char num[8];
			while (s[i] >= '0' && s[i] <= '9' && i - a < sizeof num - 1)
				i++;
			memcpy(num, s + a, i - a);
			num[i - a] = 0;
			uint32_t v;
			if (s[i] >= '0' && s[i] <= '9')
				HOOK_FAIL(a, "ARG must be a whole number from 1 to 16");
			if (parse_u32(num, 1, LTX_HOOK_ARG_MAX, &v) < 0)
				HOOK_FAIL(a, "ARG must be a whole number from 1 to 16");
			*arg = (uint8_t)v;
		}
		if (s[i] && !is_sep(s[i]))
			HOOK_FAIL(i, "expected ':name=ARG', ':level=ARG', or a space or comma before the next hook");
		(*n)++;
	}
}
