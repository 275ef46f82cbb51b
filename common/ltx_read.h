/* Reader of .ltx files for the analyzer and the fuzz harness. Every length
 * and index is checked against the bytes actually present: a damaged file
 * yields a one-line error, never a crash or an allocation larger than the
 * file itself. */
#ifndef LTX_READ_H
#define LTX_READ_H

#include "ltx_format.h"

#include <stddef.h>

struct ltx_r_entry {
	struct ltx_entry e;
	char *name;
	/* Its own level scale (ENTRY_LEVELS, 1.3), or NULL/0: the family's. */
	struct ltx_level_pair *levels;
	uint32_t nlevels;
};

struct ltx_r_module {
	struct ltx_module m;
	unsigned char *build_id;
	char *path;
};

struct ltx_r_key {
	struct ltx_key k;
	char *name;
	/* Its latency histogram (KEY_HIST), or NULL/0 if the file has none. */
	const uint64_t *hist;
	uint32_t hist_len;
	/* Its windows counted once (KEY_ONCE, 1.2), or NULL. */
	const struct ltx_key_once *once;
	/* Its calls before its thread's first wait (KEY_PRE, 1.2), 0 without. */
	uint64_t pre_calls;
	/* The rule that decided it (KEY_RULE, 1.4): index + 1 in its
	 * generation's set (0: none recorded) and that rule's action. */
	uint32_t rule;
	uint32_t rule_action;
	/* The call site as its calls named it (KEY_SITE, 1.4): has_site, then
	 * function and file (NULL: not given), line (0: not given). */
	int has_site;
	char *site_func, *site_file;
	uint32_t site_line, site_flags;
};

struct ltx_r_hist {
	struct ltx_key_hist h;
	uint64_t *counts; /* h.nbuckets */
};

struct ltx_r_stack {
	struct ltx_stack s;
	uint64_t *frames; /* s.nframes return addresses, callee first */
};

struct ltx_r_trace {
	struct ltx_trace t;
	struct ltx_trace_event *events; /* t.nevents */
};

struct ltx_r_rules {
	struct ltx_rules r;
	char *text;
};

struct ltx_file {
	char *path; /* as given to ltx_read_file, or NULL */
	struct ltx_header hdr;
	struct ltx_process proc;
	char *exe;
	char *cmdline; /* arguments joined by spaces */
	int has_calib;
	struct ltx_calib calib;
	struct ltx_r_entry *entries;
	size_t nentries;
	struct ltx_r_module *modules;
	size_t nmodules;
	struct ltx_thread *threads;
	size_t nthreads;
	struct ltx_r_key *keys;
	size_t nkeys;
	struct ltx_r_rules *rules;
	size_t nrules;
	/* 1.1: latency histograms, stacks, traces (records in file order; every
	 * key, stack and thread reference checked when read) */
	struct ltx_r_hist *hists;
	size_t nhists;
	struct ltx_r_stack *stacks; /* a KEY_STACK's `stack` indexes this */
	size_t nstacks;
	struct ltx_key_stack *key_stacks;
	size_t nkey_stacks;
	struct ltx_r_trace *traces;
	size_t ntraces;
	/* 1.2: sampled CPU time of busy periods, windows counted once */
	struct ltx_thread_cpu *thread_cpus;
	size_t nthread_cpus;
	const struct ltx_thread_cpu **thread_cpu_of; /* [nthreads]: a thread's record, or NULL */
	struct ltx_key_once *key_onces;
	size_t nkey_onces;
	struct ltx_key_pre *key_pres;
	size_t nkey_pres;
	/* 1.4 */
	struct ltx_key_rule *key_rules;
	size_t nkey_rules;
	/* 1.4: every thread's CPU time and jobs, the process's CPU time */
	struct ltx_thread_time *thread_times;
	size_t nthread_times;
	const struct ltx_thread_time **thread_time_of; /* [nthreads]: a thread's record, or NULL */
	int has_process_cpu;
	struct ltx_process_cpu process_cpu;
	/* 1.2 */
	int has_output;
	struct ltx_output output;
	/* 1.4: the shim was attached to the running process */
	int has_attach;
	struct ltx_attach attach;
	char *uncovered; /* the ATTACH record's names, NUL-terminated; NULL without one */
	size_t skipped_records; /* of types this reader does not know */
	double tick_hz;          /* derived from the process record's clock pairs */
};

/* 0 on success; on failure -1 with a one-line message in err (no newline). */
int ltx_read_buf(const void *buf, size_t len, struct ltx_file *out, char *err, size_t errlen);
int ltx_read_file(const char *path, struct ltx_file *out, char *err, size_t errlen);
void ltx_file_free(struct ltx_file *f);

/* Lookups; NULL when absent. */
const struct ltx_r_entry *ltx_find_entry(const struct ltx_file *f, uint32_t id);
const struct ltx_thread *ltx_find_thread(const struct ltx_file *f, uint32_t index);
/* The module an address was in; with a key's `unloads`, the one loaded at
 * that key's first call when unloaded modules cover the address (see
 * LTX_MODULE_UNLOADS_SHIFT); ltx_find_module prefers the one loaded at the
 * end, else the last unloaded. */
const struct ltx_r_module *ltx_find_module(const struct ltx_file *f, uint64_t addr);
const struct ltx_r_module *ltx_find_module_at(const struct ltx_file *f, uint64_t addr, uint32_t unloads);

#endif
