/* What the reports show, derived once from one or more data files (one per
 * process): per key, entry point, source, call site, message template and
 * thread, with the estimates and how each was made. Every output format
 * reads this model; none recomputes it.
 *
 * Keys and threads belong to one process (`proc`); the groups (entry points,
 * sources, call sites, templates) add up keys over threads and processes.
 * Rule generations and dropped calls per (source, generation) are per
 * process: a generation number means nothing across processes. */
#ifndef AN_MODEL_H
#define AN_MODEL_H

#include "../common/ltx_read.h"
#include "../common/ltx_rules.h"
#include "symbolize.h"

#include <stdint.h>

#define AN_HIST_MAX 64

/* How the cost of a key's calls was obtained. */
enum an_basis {
	AN_TIMED_ALL,   /* every call timed */
	AN_SAMPLED,     /* from this key's own timed sample */
	AN_POOLED_NAME, /* no sample of its own: mean of the same source's keys */
	AN_POOLED_ENTRY, /* ... of the same entry point's keys */
	AN_UNTIMED,     /* timing was off, or nothing was timed */
	AN_DROPPED,     /* dropped: the real function never ran */
	AN_FIRST_ONLY,  /* only its first call (and long windows) timed, and no
			 * other sample to stand for the rest: their mean does */
};

/* How the time a dropped key saved was estimated: the real function's time
 * per call, taken from kept calls of ... */
enum an_save_basis {
	AN_SAVE_NONE,            /* nothing to go by */
	AN_SAVE_KEY,             /* the same key (call site, source, level) in another generation */
	AN_SAVE_BASELINE_KEY,    /* the same key in the --baseline file */
	AN_SAVE_SOURCE,          /* the same source in this file */
	AN_SAVE_BASELINE_SOURCE, /* the same source in the --baseline file */
};

/* One data file. */
struct an_proc {
	const struct ltx_file *f;
	struct an_symbolizer *sym;
	double ns_per_tick; /* 0 when the file has no usable clock */
	/* the shim's own cost per call, from its start-up calibration */
	double cost_count_ns, cost_timed_ns, cost_drop_ns, window_ns;
	double run_ns; /* process start to file write */
	uint64_t kept, dropped, timed;
	double est_ns;  /* all kept calls */
	double shim_ns; /* the shim's cost over all calls */
	double busy_ns, loop_log_ns, loop_shim_ns; /* summed over looping threads */
	double saved_ns; /* by its dropped calls */
	uint64_t lost;  /* calls counted without a key (late or re-entered) */
	size_t unsymbolized_keys; /* keys whose call site is in no usable module */
	size_t key0, thread0; /* its first key and thread in an_model.keys, .threads */
	/* stacks (LOGTAX_STACKS): calls picked, and those that could not be kept */
	uint64_t stacks_picked, stacks_lost_full, stacks_lost_busy, stacks_lost_failed;
	double stack_ns; /* time the shim spent capturing stacks */
	uint32_t stack_depth, stack_every; /* the setting, from the STACK records */
	/* trace mode (LOGTAX_TRACE) */
	uint64_t trace_recorded, trace_overwritten, trace_kept;
	uint32_t trace_capacity;
	double t0_ns; /* process start on the model's common time line (earliest start = 0) */
};

struct an_key {
	const struct ltx_r_key *k;
	size_t proc;  /* index in an_model.procs */
	size_t thread; /* index in an_model.threads */
	const char *entry;
	uint32_t family;
	double ns_per_call; /* one kept call, the shim's share taken out: est_ns / calls */
	double est_ns;      /* calls * ns_per_call; 0 for dropped or untimed keys */
	/* Windows counted once (KEY_ONCE): the key's first call, always timed,
	 * and windows of 2^18 ticks or more (preempted or blocked calls). They
	 * stand for themselves; the mean of the other, randomly sampled windows
	 * stands for the rest of the calls: one preempted window is not
	 * multiplied by N, and a key too rare to be sampled still has its first
	 * call measured. */
	uint64_t tail_timed;
	double tail_ns;
	int has_first;
	double first_ns;
	enum an_basis basis;
	const struct an_sym *site;  /* the call site (caller, moved back one byte) */
	const struct an_tmpl *tmpl; /* the message template */
	/* from its latency histogram (KEY_HIST), the shim's window share taken
	 * out; interpolated inside a log2 bucket; < 0 without a histogram */
	double p50_ns, p99_ns;
	/* dropped keys: the real function's time they did not spend */
	double saved_ns;
	double saved_per_call;
	enum an_save_basis save_basis;
};

/* A set of keys: an entry point, a source, a call site or a template. */
struct an_group {
	const char *entry;
	const char *name;           /* source; NULL for an entry-point group */
	const struct an_sym *site;  /* call-site groups: the site (same label in every key) */
	const struct an_tmpl *tmpl; /* template groups: the first key's template */
	size_t first_key;           /* a key of the group, for what the group does not hold */
	size_t nkeys;
	uint64_t kept, dropped, timed;
	double est_ns;
	double ns_per_call; /* est_ns / kept when some keys are timed, else < 0 */
	double share;       /* est_ns / the loops' net busy time; < 0 when unknown */
	int timed_keys, untimed_keys; /* kept keys with and without a cost */
	double saved_ns;              /* by its dropped keys */
	int dropped_keys;
	enum an_save_basis save_basis; /* the weakest basis among its dropped keys */
};

/* One rule set (generation) of one process and what happened under it.
 * Generations are numbered per process: gen 1 of two processes may be two
 * different rule sets. */
struct an_gen {
	size_t proc; /* index in an_model.procs */
	uint32_t gen;
	const char *rules;   /* its text; "" for generation 0 or when unknown */
	double applied_ns;   /* since the process started; < 0 when unknown */
	int known;           /* the file has its RULES record */
	uint64_t kept, dropped;
	double est_ns, saved_ns;
};

/* Dropped calls per (process, source, generation): what the report lists. */
struct an_drop {
	size_t proc;
	const char *entry, *name;
	uint32_t gen;
	uint64_t dropped;
	double saved_ns;
	enum an_save_basis save_basis;
};

struct an_thread {
	const struct ltx_thread *t;
	size_t proc;
	uint64_t kept, dropped, timed;
	double est_ns;                     /* all its kept calls */
	uint64_t loop_kept, loop_dropped, loop_timed;
	double loop_log_ns;                /* kept calls between its waits; < 0 when unknown */
	double wait_ns, shim_ns;           /* shim_ns: the shim's cost inside busy time */
	/* Busy time: busy_wall_ns is the time between waits; busy_ns the part of
	 * it the thread ran (busy_wall_ns x cpu_frac, the CPU share of the
	 * sampled busy periods), or busy_wall_ns when nothing was sampled
	 * (cpu_frac < 0). Shares and per-iteration figures use busy_ns, so a
	 * loaded machine's preemption does not dilute them. */
	double busy_ns, busy_wall_ns, cpu_frac;
	double share;                      /* loop_log_ns / (busy_ns - shim_ns); < 0 when unknown */
	double log_per_iter_ns, busy_per_iter_ns; /* < 0 when unknown */
	/* trace mode: its ring, and the log time of each whole iteration it
	 * holds as a log2 histogram in ns (bucket b: [2^b, 2^(b+1)) ns, 0: < 2) */
	uint64_t trace_recorded, trace_overwritten, trace_kept;
	uint64_t iter_hist[AN_HIST_MAX];
	uint64_t iters_traced;
	double iter_p50_ns, iter_p99_ns; /* < 0 when no iteration was traced whole */
};

/* A captured stack (STACK) with the picked calls that had it, over all keys. */
struct an_stack {
	const struct ltx_r_stack *s;
	size_t proc;
	uint64_t count;  /* sampled calls with this stack */
	size_t top_key;  /* index in an_model.keys of the key with most of them */
};

/* Folded stacks: a key's calls with one captured stack. */
struct an_stack_row {
	size_t key;                      /* index in an_model.keys */
	const struct ltx_r_stack *stack; /* NULL: picked, but no stack kept (lost says why) */
	uint32_t lost;                   /* LTX_STACK_LOST_* when stack is NULL */
	uint64_t sampled;                /* calls picked that had this stack */
	/* the key's calls and estimated time shared out over its stacks in
	 * proportion to `sampled` (largest remainder: a key's rows add up to
	 * its exact calls) */
	uint64_t calls;
	double est_ns;
};

struct an_opts {
	const char *debuginfo_path; /* extra directories for separate debug files, or NULL */
	size_t top;                 /* rows in the writers' "top" tables; 0: all */
	/* an earlier run's data file (--baseline): what dropped calls cost there
	 * estimates what they saved here; or NULL */
	const struct ltx_file *baseline;
};

struct an_model {
	struct an_proc *procs;
	size_t nprocs;
	struct an_key *keys; /* all keys, file by file, in file order */
	size_t nkeys;
	struct an_group *entries, *sources, *sites, *templates; /* by estimated time, largest first */
	size_t nentries, nsources, nsites, ntemplates;
	struct an_thread *threads; /* file by file, in file order */
	size_t nthreads;
	uint64_t kept, dropped, timed;
	double est_ns, shim_ns, run_ns;
	double busy_ns, loop_log_ns, loop_shim_ns; /* summed over processes */
	double busy_net_ns; /* busy_ns - loop_shim_ns: what the shares divide by */
	double loop_share;  /* loop_log_ns / busy_net_ns; < 0 when unknown */
	size_t unsymbolized_keys;
	size_t top; /* from an_opts */
	int has_hists, has_stacks, has_trace; /* some file has KEY_HIST, STACK/KEY_STACK, TRACE records */
	struct an_stack_row *stack_rows; /* key by key */
	size_t nstack_rows;
	struct an_stack *stacks; /* every STACK of every process, most calls first */
	size_t nstacks;
	struct an_gen *gens; /* by process, then generation, ascending */
	size_t ngens;
	struct an_drop *drops; /* by saved time, descending */
	size_t ndrops;
	const struct ltx_file *baseline; /* --baseline, or NULL */
	double saved_ns;                 /* by every dropped call */
};

/* A trace event's start on the model's time line (ns since the earliest
 * process start) and its duration in ns with the shim's window share taken
 * out (0 for an untimed event). */
double an_trace_start_ns(const struct an_model *m, size_t proc, const struct ltx_trace_event *e);
double an_trace_dur_ns(const struct an_model *m, size_t proc, const struct ltx_trace_event *e);
/* Bucket b of a key's histogram in ns (windows as measured, the shim's share in). */
void an_hist_bucket_ns(const struct an_model *m, size_t proc, unsigned b, double *lo, double *hi);

/* 0, or -1 when out of memory. The files must outlive the model. */
int an_model_build(struct an_model *m, const struct ltx_file *files, size_t nfiles, const struct an_opts *o);
void an_model_free(struct an_model *m);
const char *an_basis_name(enum an_basis b);
const char *an_save_basis_name(enum an_save_basis b);

/* What a rule set would save on the run this model describes: its rules
 * applied to the files' keys with the shim's matcher. */
struct an_prediction {
	double saved_ns;        /* estimated time of the kept calls it drops, plus the shim's
				 * cost of keeping them less its cost of dropping them */
	uint64_t calls;         /* kept calls it would drop */
	uint64_t calls_no_cost; /* ... of which without a time estimate (not in saved_ns) */
	uint64_t newly_kept;    /* calls dropped in the files that it would keep (cost unknown) */
};
void an_predict(const struct an_model *m, const struct ltx_ruleset *rs, struct an_prediction *p);
/* The module holding addr and addr's offset in it; NULL if none. */
const char *an_module_of(const struct ltx_file *f, uint64_t addr, uint64_t *offset);

/* --diff: the same key in two runs, matched by entry point, source, level and
 * symbolized call site (addresses differ between runs). */
struct an_diff_row {
	const char *entry, *name;
	int32_t level;
	uint32_t family;
	const char *site;       /* the call site's label */
	const struct an_tmpl *tmpl;
	int in_a, in_b;         /* present in run A, B */
	uint64_t calls_a, calls_b; /* kept + dropped */
	double est_a, est_b;    /* ns; < 0 when not estimated */
	double per_call_a, per_call_b; /* ns per kept call; < 0 when not estimated */
};

struct an_diff {
	const struct an_model *a, *b;
	struct an_diff_row *rows; /* by the size of the change in estimated time, then in calls */
	size_t nrows;
};

int an_diff_build(struct an_diff *d, const struct an_model *a, const struct an_model *b);
void an_diff_free(struct an_diff *d);

#endif
