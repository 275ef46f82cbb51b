/* Parsers of the LOGTAX_* settings, shared by the shim (which applies them)
 * and the analyzer (which `logtax run` asks to check them first), so both
 * accept exactly the same text. No malloc, no stdio: the shim calls these
 * before anything else is set up. Each returns 0, or -1 with a short reason
 * in *why. */
#ifndef LTX_SETTINGS_H
#define LTX_SETTINGS_H

#include "ltx_format.h"

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

/* LOGTAX_SNAPSHOT: SECS, a process that has run SECS seconds keeps a
 * snapshot of its counts on disk, renewed every SECS seconds while they
 * change (0: off). */
#define LTX_SNAPSHOT_DEFAULT 1
#define LTX_SNAPSHOT_MAX 86400
int ltx_parse_snapshot(const char *s, uint32_t *secs, const char **why);

/* LOGTAX_JOBS: 1, a thread's waits in pthread_cond_wait and
 * pthread_cond_timedwait end its jobs (a worker pool's); 0 (the default):
 * they are not looked at. */
int ltx_parse_jobs(const char *s, uint32_t *on, const char **why);

/* LOGTAX_NO_FOLLOW: PID, only the program of process PID (and its fork
 * children) is traced: the shim leaves itself out of the environment of the
 * programs it starts, and a process image that loads it anyway (through
 * system() or popen(), which pass the environment on unchanged) with
 * another pid stays inert. */
#define LTX_PID_MAX 4194304
int ltx_parse_no_follow(const char *s, uint32_t *pid, const char **why);

/* LOGTAX_HOOK: functions to count, 'TARGET[:OPTION]...', several separated
 * by spaces or commas. TARGET is fn (a C identifier), fn@OBJECT-GLOB (fn
 * as defined in the objects whose path the glob matches: without '/' the
 * file name, with '/' the full path), or OBJECT-GLOB+0xOFFSET (the function
 * at that address, as nm prints it, or file offset in that object). OPTION:
 * name=ARG, level=ARG, fmt=ARG (ARG the 1-based position of the argument
 * holding the name (a string), the level (an int), the printf format), or
 * levels=SCALE: how the level maps onto debug < info < notice < warning <
 * error, 'syslog' (0 emerg .. 7 debug) or 'N:LEVEL[,N:LEVEL]...' (a ','
 * followed by a digit continues the list). */
#define LTX_HOOK_MAX 32
#define LTX_HOOK_NAME_MAX 127
#define LTX_HOOK_ARG_MAX 16
#define LTX_HOOK_LEVELS_MAX 16
struct ltx_hook_spec {
	char fn[LTX_HOOK_NAME_MAX + 1];  /* "" for an address hook */
	char obj[LTX_HOOK_NAME_MAX + 1]; /* the object glob; "" = any object */
	uint64_t offset;    /* an address hook's number (fn == "") */
	uint8_t name_arg;   /* 1-based; 0 = none */
	uint8_t level_arg;  /* 1-based; 0 = none */
	uint8_t fmt_arg;    /* 1-based; 0 = none */
	uint8_t func_arg;   /* 1-based; 0 = none: the call site's function name */
	uint8_t file_arg;   /* ... its source file name */
	uint8_t line_arg;   /* ... its line, an int */
	uint8_t nlevels;    /* the scale's entries; 0 = no scale */
	uint8_t has_keep;   /* keep=N given */
	int32_t keep_from;  /* keep=N: calls at level N or above are never dropped by a rule */
	struct ltx_level_pair levels[LTX_HOOK_LEVELS_MAX];
};
/* Fills out[0..*n). On error also sets *pos, the 0-based offset in s where
 * the error is. */
int ltx_parse_hooks(const char *s, struct ltx_hook_spec *out, unsigned cap, unsigned *n, const char **why,
		    unsigned *pos);
/* LOGTAX_CONTROL: how `logtax ctl` reaches a process.
 *   auto    a control thread in a multi-threaded process; in a single-threaded
 *           one, requests are taken up between event-loop waits, and the
 *           thread is started only when it is about to block for long
 *   thread  a control thread in every process that logs
 *   off     no control channel */
enum ltx_control { LTX_CONTROL_AUTO, LTX_CONTROL_THREAD, LTX_CONTROL_OFF };
int ltx_parse_control(const char *s, uint32_t *mode, const char **why);

/* LOGTAX_PATCH / logtax run --patch: how calls are reached.
 *   auto   entry patching (every call, direct ones too) where it is safe,
 *          GOT and PLT entries where not (one warning line naming why);
 *          the built-in families' libc functions (syslog) by GOT only
 *   entry  the same, libc's syslog family entry patched too
 *   got    only GOT and PLT entries: calls between objects */
enum ltx_patch { LTX_PATCH_AUTO, LTX_PATCH_ENTRY, LTX_PATCH_GOT };
int ltx_parse_patch(const char *s, uint32_t *mode, const char **why);

/* The variables the shim knows; NULL-terminated. */
extern const char *const ltx_known_vars[];

#endif
