/* Parsers of the LOGTAX_* settings, shared by the shim (which applies them)
 * and the analyzer (which `logtax run` asks to check them first), so both
 * accept exactly the same text. No malloc, no stdio: the shim calls these
 * before anything else is set up. Each returns 0, or -1 with a short reason
 * in *why. */
#ifndef LTX_SETTINGS_H
#define LTX_SETTINGS_H

#include <stdint.h>

#define LTX_SAMPLE_DEFAULT 64
#define LTX_SAMPLE_MAX (1u << 30)

/* LOGTAX_TIME: off | sample | sample:N | all */
int ltx_parse_time(const char *s, uint32_t *mode, uint32_t *every, const char **why);

/* LOGTAX_STACKS: DEPTH[:N], a stack of up to DEPTH frames (1..128) for 1
 * call in N (1..2^30, default LTX_STACKS_EVERY_DEFAULT). */
#define LTX_STACKS_EVERY_DEFAULT 64
int ltx_parse_stacks(const char *s, uint32_t *depth, uint32_t *every, const char **why);

/* LOGTAX_TRACE: EVENTS, the events each thread keeps (1..LTX_TRACE_MAX). */
#define LTX_TRACE_MAX (1u << 20)
int ltx_parse_trace(const char *s, uint32_t *events, const char **why);

/* The variables the shim knows; NULL-terminated. */
extern const char *const ltx_known_vars[];

#endif
