#include "ltx_settings.h"
#include "ltx_entries.h"
#include "ltx_format.h"
#include "ltx_levels.h"

#include <string.h>

const char *const ltx_known_vars[] = { "LOGTAX_OUTPUT", "LOGTAX_TIME",        "LOGTAX_STACKS",
				       "LOGTAX_TRACE",  "LOGTAX_HOOK",        "LOGTAX_FILTER",
				       "LOGTAX_FILTER_FILE", "LOGTAX_CONTROL", "LOGTAX_SNAPSHOT",
				       "LOGTAX_NO_FOLLOW", "LOGTAX_PATCH", "LOGTAX_METRICS", "LOGTAX_METRICS_SITES", "LOGTAX_JOBS",
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

int ltx_parse_jobs(const char *s, uint32_t *on, const char **why)
{
	if (parse_u32(s, 0, 1, on) < 0) {
		*why = "expected 1 (count each worker's jobs) or 0 (off)";
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

/* A target ends at ':', a separator or the end. */
static int target_end(char c)
{
	return !c || c == ':' || is_sep(c);
}

static int all_ident(const char *s, size_t len)
{
	if (!len || !ident_start(s[0]))
		return 0;
	for (size_t k = 1; k < len; k++)
		if (!ident_char(s[k]))
			return 0;
	return 1;
}

/* The target at s + i: fn, fn@GLOB or GLOB+0xHEX. Advances *i past it. */
static int parse_target(const char *s, size_t *i, struct ltx_hook_spec *h, const char **why, unsigned *pos)
{
	size_t start = *i, end = start, at = 0, plus = 0;
	while (!target_end(s[end])) {
		if (s[end] == '@' && !at)
			at = end + 1;
		if (s[end] == '+')
			plus = end + 1; /* the last one: a glob may hold '+' (libstdc++) */
		end++;
	}
	*i = end;
	if (at) {
		if (!all_ident(s + start, at - 1 - start))
			HOOK_FAIL(start, "expected a function name (letters, digits and _, not starting with a digit) "
					 "before '@'");
		if (at - 1 - start > LTX_HOOK_NAME_MAX)
			HOOK_FAIL(start, "function name longer than 127 characters");
		if (end == at)
			HOOK_FAIL(at, "expected an object glob after '@'");
		if (end - at > LTX_HOOK_NAME_MAX)
			HOOK_FAIL(at, "object glob longer than 127 characters");
		memcpy(h->fn, s + start, at - 1 - start);
		memcpy(h->obj, s + at, end - at);
		return 0;
	}
	if (all_ident(s + start, end - start)) {
		if (end - start > LTX_HOOK_NAME_MAX)
			HOOK_FAIL(start, "function name longer than 127 characters");
		memcpy(h->fn, s + start, end - start);
		return 0;
	}
	if (!plus) {
		size_t k = start;
		if (ident_start(s[k])) {
			while (ident_char(s[k]))
				k++;
			HOOK_FAIL(k, "expected ':OPTION', '@OBJECT-GLOB', or a space or comma before the next hook");
		}
		HOOK_FAIL(start, "expected a function name (letters, digits and _, not starting with a digit), "
				 "fn@OBJECT-GLOB or OBJECT-GLOB+0xOFFSET");
	}
	if (plus - 1 == start)
		HOOK_FAIL(start, "expected an object glob before '+0xOFFSET'");
	if (plus - 1 - start > LTX_HOOK_NAME_MAX)
		HOOK_FAIL(start, "object glob longer than 127 characters");
	if (s[plus] != '0' || (s[plus + 1] != 'x' && s[plus + 1] != 'X'))
		HOOK_FAIL(plus, "expected 0x and the function's address in hex after '+'");
	size_t d = plus + 2;
	if (d == end)
		HOOK_FAIL(d, "expected hex digits after '0x'");
	uint64_t v = 0;
	for (size_t k = d; k < end; k++) {
		char c = s[k];
		unsigned x;
		if (c >= '0' && c <= '9')
			x = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x = (unsigned)(c - 'A' + 10);
		else
			HOOK_FAIL(k, "expected hex digits after '0x'");
		if (v >> 60)
			HOOK_FAIL(d, "offset larger than 64 bits");
		v = v << 4 | x;
	}
	memcpy(h->obj, s + start, plus - 1 - start);
	h->offset = v;
	return 0;
}

/* A whole number of at most 10 digits at s + *i. */
static int parse_num(const char *s, size_t *i, uint32_t hi, uint32_t *v)
{
	size_t a = *i;
	uint64_t x = 0;
	while (s[*i] >= '0' && s[*i] <= '9') {
		x = x * 10 + (uint64_t)(s[*i] - '0');
		if (x > hi)
			return -1;
		(*i)++;
	}
	if (*i == a)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static const char *const scale_names[] = { "debug", "info", "notice", "warning", "error" };

/* levels=SCALE at s + *i (the value). */
static int parse_scale(const char *s, size_t *i, struct ltx_hook_spec *h, const char **why, unsigned *pos)
{
	static const char expect[] = "expected levels=syslog or levels=N:LEVEL[,N:LEVEL]... "
				     "(LEVEL one of debug, info, notice, warning, error)";
	if (!strncmp(s + *i, "syslog", 6) && target_end(s[*i + 6])) {
		/* 0 emerg, 1 alert, 2 crit, 3 err, 4 warning, 5 notice, 6 info, 7 debug */
		static const uint8_t sys[8] = { LTX_LVL_ERROR,	 LTX_LVL_ERROR,	 LTX_LVL_ERROR, LTX_LVL_ERROR,
						LTX_LVL_WARNING, LTX_LVL_NOTICE, LTX_LVL_INFO,	LTX_LVL_DEBUG };
		for (int k = 0; k < 8; k++)
			h->levels[k] = (struct ltx_level_pair){ k, sys[k] };
		h->nlevels = 8;
		*i += 6;
		return 0;
	}
	for (;;) {
		size_t a = *i;
		uint32_t raw;
		if (parse_num(s, i, 0x7fffffff, &raw) < 0)
			HOOK_FAIL(a, s[a] >= '0' && s[a] <= '9' ? "N must be a whole number from 0 to 2147483647" : expect);
		for (unsigned k = 0; k < h->nlevels; k++)
			if (h->levels[k].raw == (int32_t)raw)
				HOOK_FAIL(a, "this level number is given twice");
		if (h->nlevels >= LTX_HOOK_LEVELS_MAX)
			HOOK_FAIL(a, "too many levels (at most 16)");
		if (s[*i] != ':')
			HOOK_FAIL(*i, "expected ':LEVEL' after the level number");
		(*i)++;
		size_t l = *i;
		while ((s[*i] >= 'a' && s[*i] <= 'z') || (s[*i] >= 'A' && s[*i] <= 'Z'))
			(*i)++;
		unsigned k;
		for (k = 0; k < 5; k++)
			if (strlen(scale_names[k]) == *i - l && !strncmp(s + l, scale_names[k], *i - l))
				break;
		if (k == 5)
			HOOK_FAIL(l, "LEVEL must be one of debug, info, notice, warning, error");
		h->levels[h->nlevels++] = (struct ltx_level_pair){ (int32_t)raw, k };
		/* ',' then a digit: the list goes on; anything else: the next hook */
		if (s[*i] != ',' || s[*i + 1] < '0' || s[*i + 1] > '9')
			return 0;
		(*i)++;
	}
}

static int same_target(const struct ltx_hook_spec *a, const struct ltx_hook_spec *b)
{
	return !strcmp(a->fn, b->fn) && !strcmp(a->obj, b->obj) && a->offset == b->offset;
}

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
		if (parse_target(s, &i, h, why, pos) < 0)
			return -1;
		for (unsigned k = 0; k < *n; k++)
			if (same_target(&out[k], h))
				HOOK_FAIL(start, "this function is already hooked");
#define BUILTIN(id, fam, sym)                 \
	if (!strcmp(h->fn, #sym))             \
		HOOK_FAIL(start, "logtax already intercepts this function, no hook needed");
		LTX_ENTRIES(BUILTIN)
#undef BUILTIN
		int have_scale = 0;
		while (s[i] == ':') {
			i++;
			uint8_t *arg;
			if (!strncmp(s + i, "name=", 5)) {
				arg = &h->name_arg;
				i += 5;
			} else if (!strncmp(s + i, "level=", 6)) {
				arg = &h->level_arg;
				i += 6;
			} else if (!strncmp(s + i, "fmt=", 4)) {
				arg = &h->fmt_arg;
				i += 4;
			} else if (!strncmp(s + i, "func=", 5)) {
				arg = &h->func_arg;
				i += 5;
			} else if (!strncmp(s + i, "file=", 5)) {
				arg = &h->file_arg;
				i += 5;
			} else if (!strncmp(s + i, "line=", 5)) {
				arg = &h->line_arg;
				i += 5;
			} else if (!strncmp(s + i, "levels=", 7)) {
				i += 7;
				if (have_scale++)
					HOOK_FAIL(i, "given twice");
				if (parse_scale(s, &i, h, why, pos) < 0)
					return -1;
				continue;
			} else if (!strncmp(s + i, "keep=", 5)) {
				/* calls its callers cannot do without (PostgreSQL's
				 * errstart at ERROR and above): no rule drops them */
				i += 5;
				if (h->has_keep++)
					HOOK_FAIL(i, "given twice");
				size_t a = i;
				uint32_t raw;
				if (parse_num(s, &i, 0x7fffffff, &raw) < 0)
					HOOK_FAIL(a, "keep=N: N must be a whole number from 0 to 2147483647");
				h->keep_from = (int32_t)raw;
				continue;
			} else {
				HOOK_FAIL(i, "expected name=ARG, level=ARG, fmt=ARG, func=ARG, file=ARG, line=ARG, levels=SCALE or keep=N after ':'");
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
			HOOK_FAIL(i, "expected ':OPTION', or a space or comma before the next hook");
		if (h->has_keep && !h->level_arg)
			HOOK_FAIL(start, "keep=N needs level=ARG: it keeps the calls by their level");
		(*n)++;
	}
}
