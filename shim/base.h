/* base.c: the ground floor, used by every part of the shim, using none. */
#ifndef LT_BASE_H
#define LT_BASE_H

#include "lt.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Global settings (written at init, read everywhere). */
struct lt_config {
	uint32_t control;      /* enum ltx_control */
	uint32_t time_mode;    /* enum ltx_time_mode */
	uint32_t sample_every; /* mean sampling interval */
	uint32_t clock_flags;
	uint32_t stack_depth;  /* 0: stacks off */
	uint32_t stack_every;
	uint32_t trace_events; /* 0: trace off */
	uint32_t snapshot_every; /* seconds; 0: no periodic snapshots */
	uint32_t no_follow;      /* LOGTAX_NO_FOLLOW: the one pid traced; 0: follow */
	uint32_t patch_mode;     /* enum ltx_patch (LOGTAX_PATCH) */
	uint32_t metrics_sites;  /* LOGTAX_METRICS_SITES=1: a site label per call site */
	uint32_t jobs;           /* LOGTAX_JOBS: condition-variable waits end jobs */
	char outdir[4096];
	char metrics_dir[4096];  /* LOGTAX_METRICS: "" when off */
};
extern struct lt_config lt_cfg LT_HIDDEN;
extern uint32_t lt_gen LT_HIDDEN;        /* current rule generation */
/* The same, placed as a key's meta holds it (bits 40-63, LT_META): the one
 * the key path ORs in. Set with lt_gen by lt_gen_set, after it. */
extern uint64_t lt_gen_key LT_HIDDEN;
void lt_gen_set(uint32_t gen) LT_HIDDEN;
extern uint64_t lt_start_tsc, lt_start_mono, lt_start_real LT_HIDDEN; /* the clocks at start-up (or fork) */
void lt_clocks_start(void) LT_HIDDEN;
uint64_t lt_clock_ns(clockid_t c) LT_HIDDEN;

extern pid_t lt_pid LT_HIDDEN;   /* the process the shim's state belongs to */
extern int lt_inert LT_HIDDEN;   /* LOGTAX_NO_FOLLOW names another process: trace nothing */
extern volatile int lt_ended LT_HIDDEN; /* the final file was written: the process is ending */
extern uint64_t lt_progname LT_HIDDEN; /* program_invocation_short_name */
/* This process owns the state it sees: not a vfork child (which shares its
 * parent's memory) nor a clone() child that ran no fork handler. */
int lt_own_process(void) LT_HIDDEN;

/* The shim's own cost per call, measured at start-up (calib.c). */
extern struct ltx_calib lt_calib LT_HIDDEN;

void *lt_map(size_t len) LT_HIDDEN;
void lt_unmap(void *p, size_t len) LT_HIDDEN;
uint64_t lt_mapped(void) LT_HIDDEN; /* bytes lt_map holds now */
pid_t lt_gettid(void) LT_HIDDEN;
/* "logtax: WHAT: DETAIL" on stderr, while descriptor 2 is still the file
 * it was when lt_warn_setup ran (at start-up): 0 if written. */
void lt_warn_setup(void) LT_HIDDEN;
int lt_warn(const char *what, const char *detail) LT_HIDDEN;
/* "VAR='VAL' ignored: EXPECT": a setting that was not used. */
void lt_bad_setting(const char *var, const char *val, const char *expect) LT_HIDDEN;
/* Decimal digits of v into buf (24 bytes will do), NUL-terminated; returns
 * the length. */
size_t lt_utoa(uint64_t v, char *buf) LT_HIDDEN;
/* a, b and c (each may be NULL) into msg, cut to cap, NUL-terminated. */
void lt_join(char *msg, size_t cap, const char *a, const char *b, const char *c) LT_HIDDEN;
/* Reads a small file (/proc) whole; returns bytes read (0 on failure). */
size_t lt_read_small(const char *path, char *buf, size_t cap) LT_HIDDEN;

#endif
