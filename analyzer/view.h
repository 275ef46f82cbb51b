/* The model as the reports see it: what the data files (one per process)
 * say, symbolized and estimated: per process, thread, key (entry point,
 * source, level, call site, generation), group (entry points, sources,
 * call sites, templates), rule generation, stack and trace event, with the
 * estimates and how each was made. model.c builds it (model.h); every
 * report reads this and nothing else: no record of the file and no level
 * table. Fields marked "the model's own" point at raw records the reports
 * cannot read (their types are only declared here).
 *
 * Keys and threads belong to one process (`proc`); the groups add up keys
 * over threads and processes. Rule generations and dropped calls per
 * (source, generation) are per process: a generation number means nothing
 * across processes. */
#ifndef AN_VIEW_H
#define AN_VIEW_H

#include "symbolize.h"

#include <stddef.h>
#include <stdint.h>

struct ltx_file;
struct ltx_r_key;
struct ltx_thread;
struct ltx_r_stack;
struct ltx_r_trace;

#define AN_HIST_MAX 64
#define AN_HIST_BUCKETS 40 /* a key histogram's buckets at most; the last is open-ended */

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

/* How a file came to be written (the same numbers as the file's). */
enum an_reason {
	AN_REASON_UNKNOWN = 0,
	AN_REASON_EXIT = 1,
	AN_REASON_SNAPSHOT = 2,
	AN_REASON_DUMP = 3,
	AN_REASON_SIGNAL = 4,
	AN_REASON_EXEC = 5,
	AN_REASON_DETACH = 6,
};
#define AN_REASONS 7

enum an_time_mode { AN_TIME_OFF = 0, AN_TIME_SAMPLE = 1, AN_TIME_ALL = 2 };

/* The shim's start-up calibration as recorded (ticks of `calls` calls,
 * medians over `rounds`). */
struct an_calibration {
	uint32_t calls, rounds;
	uint64_t direct_ticks, count_ticks, drop_ticks, timed_ticks, window_ticks;
	uint64_t sample_calls, sample_ticks, sample_timed, sample_window_ticks;
};

/* How the file came to be written, beyond its reason (format 1.2). */
struct an_output {
	uint32_t signal;         /* the signal the process then died of; 0 if none */
	uint32_t snapshot_every; /* seconds; 0: no periodic snapshots */
	int no_follow;           /* programs it started were not traced */
	int exec_failed;         /* an exec failed after the file was written */
	uint32_t writes, failed; /* earlier writes of this process image, and failed ones */
	uint32_t last_errno;
	uint32_t last_reason;    /* enum an_reason of the last failed write */
	uint64_t last_failed_realtime_ns;
};

/* An entry point the shim hooked. */
struct an_entry {
	uint32_t id;
	const char *name;
	const char *family; /* its family's name */
	int resolved;       /* the real function was found */
};

/* An ELF object the process had loaded, and whether its file is still the one. */
struct an_module {
	uint32_t id;
	const char *path;
	char build_id[2 * 64 + 1]; /* hex; "" when none was recorded */
	uint64_t bias, lo, hi;
	enum an_mod_status status;
	int unloaded;
};

/* A rule set the process was given (a RULES record). */
struct an_rules {
	uint32_t gen;
	uint64_t applied_mono_ns;
	const char *text;
};

/* One data file. */
struct an_proc {
	const struct ltx_file *f;  /* the model's own: reports read the fields below */
	struct an_symbolizer *sym; /* the model's own */
	/* the process and its file */
	uint32_t pid, ppid, uid;
	const char *path;          /* the data file; NULL when read from memory */
	const char *exe, *cmdline; /* cmdline: arguments joined by spaces ("" when unknown) */
	uint32_t version_major, version_minor; /* of the file format */
	enum an_reason reason;     /* why it was written */
	int snapshot;              /* a snapshot: counts up to that moment */
	uint64_t start_realtime_ns, end_realtime_ns, start_mono_ns, end_mono_ns;
	double tick_hz;
	int tsc_invariant;
	uint64_t start_tsc, end_tsc;
	uint32_t time_mode;        /* enum an_time_mode, or an unknown number */
	uint32_t sample_every;
	int has_calib;
	struct an_calibration calib;
	uint64_t late_calls;       /* calls after their thread's end, counted without a key */
	int has_output;
	struct an_output output;
	/* format 1.4: the shim was attached to the running process */
	int attached;
	struct an_attach {
		uint64_t realtime_ns, mono_ns;               /* when it attached */
		uint64_t detach_realtime_ns, detach_mono_ns; /* when it detached; 0 if it did not */
		uint32_t number;                            /* 1 for the first attach, 2 for the next... */
		int detached;
		uint32_t got_entries, patched_entries;
		const char *uncovered; /* wrapped functions it did not reach, space-separated ("" none) */
	} attach;
	size_t skipped_records;    /* of types the reader does not know */
	int feat_stacks, feat_trace; /* the run had stacks, trace mode on */
	int has_stacks;            /* the file has STACK or KEY_STACK records */
	size_t nstacks_kept;       /* distinct stacks in the file */
	struct an_entry *entries;
	size_t nentries;
	struct an_module *modules;
	size_t nmodules;
	struct an_rules *rules;
	size_t nrules;
	size_t chunk0, nchunks;    /* its trace parts in an_model.chunks */
	double ns_per_tick; /* 0 when the file has no usable clock */
	/* the shim's own cost per call, from its start-up calibration */
	double cost_count_ns, cost_timed_ns, cost_drop_ns, window_ns;
	double run_ns; /* process start to file write */
	uint64_t kept, dropped, timed;
	double est_ns;  /* all kept calls */
	double shim_ns; /* the shim's cost over all calls */
	double busy_ns, loop_log_ns, loop_shim_ns; /* summed over looping threads */
	/* CPU time (1.4): the process's (every thread, ended ones and those
	 * that never logged included), its threads' that the shim saw, and the
	 * rest; logging's time (each thread's at most its CPU time) and share */
	double cpu_ns;         /* < 0 when the file has no PROCESS_CPU record */
	double threads_cpu_ns; /* threads with a known clock */
	double other_cpu_ns;   /* cpu_ns - threads_cpu_ns, at least 0 */
	double log_cpu_ns;     /* at most cpu_ns */
	double cpu_share;      /* log_cpu_ns / cpu_ns; < 0 when unknown */
	int jobs_counted;      /* the run had --jobs */
	double saved_ns; /* by its dropped calls */
	uint64_t lost;  /* calls counted without a key (late or re-entered) */
	size_t unsymbolized_keys; /* keys whose call site is in no usable module and that their calls did not name */
	size_t key0, thread0; /* its first key and thread in an_model.keys, .threads */
	size_t nkeys, nthreads; /* its keys and threads there */
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
	const struct ltx_r_key *k; /* the model's own */
	size_t proc;  /* index in an_model.procs */
	size_t thread; /* index in an_model.threads */
	uint32_t pid, tid;
	const char *entry;
	uint32_t family;
	const char *family_name;
	const char *name;  /* the source as recorded ("" when none) */
	int no_name;       /* the call had no source (NULL) */
	int name_cut;      /* longer than the shim keeps */
	int32_t level;     /* as the entry point received it */
	const char *level_name; /* from the family's level table */
	uint32_t gen;      /* the rule generation it was decided under */
	int dropped;       /* its calls were dropped */
	uint64_t calls, timed, ticks;
	uint64_t caller;   /* return address in the caller, as recorded */
	uint64_t name_ptr;
	/* latency histogram (KEY_HIST): hist_len log2 buckets of ticks, the
	 * shim's window share in; bucket AN_HIST_BUCKETS - 1 is open-ended;
	 * NULL without one */
	const uint64_t *hist;
	uint32_t hist_len;
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
	/* The rule that decided the key (its text as given), or NULL: none
	 * matched, or the file does not say (before format 1.4). A key under a
	 * limit or sample rule is two keys, its kept and its dropped calls. */
	char *rule;
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
	double cpu_share;   /* its part of logging's CPU time (an_thread_cpu) over the
			     * processes' CPU time; < 0 when unknown (files before 1.4) */
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

/* Calls each rule decided, per (process, generation, rule). */
struct an_rule_row {
	size_t proc;
	uint32_t gen;
	const char *rule;
	uint64_t kept, dropped;
	double saved_ns;
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
	const struct ltx_thread *t; /* the model's own */
	size_t proc;
	/* as recorded */
	uint32_t pid, index, tid;
	const char *name;  /* comm */
	int is_main, exited, folded; /* folded: several exited threads summed into one */
	uint32_t nthreads; /* threads folded into it */
	uint64_t waits, wait_ticks, busy_ticks;
	uint64_t pre_loop_kept, pre_loop_dropped, pre_loop_timed, pre_loop_ticks; /* before its first wait */
	uint64_t untimed_full, reentered;
	/* estimated */
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
	/* CPU time (THREAD_TIME, 1.4): the thread's whole CPU clock, read at
	 * its exit (cpu_at_exit) or when the file was written; < 0 unknown */
	double cpu_ns;
	int cpu_at_exit;
	double log_ns;    /* logging's time in it: est_ns, at most cpu_ns */
	double cpu_share; /* log_ns / cpu_ns; < 0 when unknown */
	/* jobs (--jobs): waits in pthread_cond_wait/timedwait that ended */
	uint64_t jobs;
	double job_wait_ns, job_busy_ns;
	uint64_t job_kept;        /* kept calls after its first job wait */
	double job_log_ns;        /* their estimated time (by calls); < 0 unknown */
	double calls_per_job;     /* job_kept / jobs; < 0 without jobs */
	double log_per_job_ns;    /* job_log_ns / jobs; < 0 unknown */
	double cpu_per_job_ns;    /* cpu_ns / jobs; < 0 unknown */
	size_t tgroup;            /* its group in an_model.tgroups */
	/* trace mode: its ring, and the log time of each whole iteration it
	 * holds as a log2 histogram in ns (bucket b: [2^b, 2^(b+1)) ns, 0: < 2) */
	uint64_t trace_recorded, trace_overwritten, trace_kept;
	uint64_t iter_hist[AN_HIST_MAX];
	unsigned iter_hist_len; /* its buckets up to the last one in use */
	uint64_t iters_traced;
	double iter_p50_ns, iter_p99_ns; /* < 0 when no iteration was traced whole */
};

/* Threads of one process grouped by name (a pool: "rpc-libvirtd" x5); the
 * exited threads folded together are a group of their own. */
struct an_tgroup {
	size_t proc;
	const char *name;
	uint32_t nthreads;   /* threads in it (a folded record counts its threads) */
	size_t first;        /* index in an_model.threads of its first thread */
	int folded;          /* the folded exited threads */
	uint64_t kept, dropped, waits, jobs;
	double est_ns;       /* its kept calls */
	double log_ns;       /* est_ns, each thread's at most its CPU time */
	double cpu_ns;       /* < 0 when no thread's clock was known */
	double cpu_share;    /* log_ns / cpu_ns; < 0 when unknown */
	double proc_share;   /* log_ns / the process's CPU time; < 0 when unknown */
	double cpu_of_proc;  /* cpu_ns / the process's CPU time; < 0 when unknown */
};

/* A captured stack (STACK) with the picked calls that had it, over all keys. */
struct an_stack {
	const struct ltx_r_stack *s; /* the model's own */
	size_t proc;
	size_t id;       /* its place among all processes' stacks in file order */
	size_t thread;   /* index in an_model.threads */
	int truncated;   /* there were more frames than max_depth */
	uint32_t max_depth, every, nframes;
	const uint64_t *frames; /* return addresses, callee first (an_stack_frame symbolizes) */
	uint64_t count;  /* sampled calls with this stack */
	size_t top_key;  /* index in an_model.keys of the key with most of them */
};

/* Folded stacks: a key's calls with one captured stack. */
enum an_stack_lost { AN_STACK_KEPT = 0, AN_STACK_LOST_FULL, AN_STACK_LOST_BUSY, AN_STACK_LOST_FAILED };

struct an_stack_row {
	size_t key;                    /* index in an_model.keys */
	const struct ltx_r_stack *raw; /* the model's own */
	const struct an_stack *stack;  /* NULL: picked, but no stack kept (lost says why) */
	enum an_stack_lost lost;
	uint64_t sampled;                /* calls picked that had this stack */
	/* the key's calls and estimated time shared out over its stacks in
	 * proportion to `sampled` (largest remainder: a key's rows add up to
	 * its exact calls) */
	uint64_t calls;
	double est_ns;
};

/* Trace mode: a part of one thread's ring (a TRACE record). */
struct an_trace_chunk {
	const struct ltx_r_trace *t; /* the model's own */
	size_t proc;
	size_t thread; /* index in an_model.threads */
	uint32_t tid;
	uint32_t chunk; /* 0, 1, ... within the thread; counts below are in chunk 0 */
	uint32_t capacity;
	uint64_t recorded, overwritten;
	uint32_t nevents;
};

/* One traced event, on the model's time line (see an_trace_event). */
#define AN_NO_KEY ((size_t)-1)
struct an_event {
	double start_ns; /* since the earliest process start */
	double dur_ns;   /* the shim's window share taken out; 0 when untimed */
	size_t key;      /* index in an_model.keys; AN_NO_KEY for a wait */
	int wait;        /* an event-loop wait */
	int dropped, untimed;
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
	double busy_net_ns; /* busy_ns - loop_shim_ns */
	double loop_share;  /* loop_log_ns / busy_net_ns; < 0 when unknown */
	/* The headline: logging's share of the processes' CPU time (never over
	 * 1: each thread's log time is taken at most at its CPU time). Groups'
	 * shares divide by cpu_ns too, or by busy_net_ns for files without CPU
	 * time (before 1.4): share_basis says which. */
	double cpu_ns, log_cpu_ns; /* over processes with a PROCESS_CPU record */
	double cpu_share;          /* log_cpu_ns / cpu_ns; < 0 when unknown */
	int share_of_cpu;          /* groups' share is of cpu_ns (else of busy_net_ns) */
	struct an_tgroup *tgroups; /* by process, then log time, largest first */
	size_t ntgroups;
	size_t unsymbolized_keys;
	size_t top; /* from an_opts */
	int metrics_sites; /* from an_opts: the metrics formats label call sites */
	int has_hists, has_stacks, has_trace; /* some file has KEY_HIST, STACK/KEY_STACK, TRACE records */
	struct an_stack_row *stack_rows; /* key by key */
	size_t nstack_rows;
	struct an_stack *stacks; /* every STACK of every process, most calls first */
	size_t nstacks;
	const struct an_stack **stack_ids; /* the same by id (file order) */
	struct an_trace_chunk *chunks;     /* every TRACE record, file by file */
	size_t nchunks;
	struct an_gen *gens; /* by process, then generation, ascending */
	size_t ngens;
	struct an_drop *drops; /* by saved time, descending */
	size_t ndrops;
	struct an_rule_row *rule_rows; /* by process, generation, rule text */
	size_t nrule_rows;
	const struct ltx_file *baseline; /* --baseline, or NULL (the model's own: reports test it for NULL) */
	double saved_ns;                 /* by every dropped call */
};

/* Event j of a trace part. */
void an_trace_event(const struct an_model *m, const struct an_trace_chunk *c, uint32_t j, struct an_event *e);
/* Frame j of a stack, symbolized (a return address: moved back one byte). */
const struct an_sym *an_stack_frame(const struct an_model *m, const struct an_stack *s, uint32_t j);
/* Bucket b of a key's histogram in ns (windows as measured, the shim's share in). */
void an_hist_bucket_ns(const struct an_model *m, size_t proc, unsigned b, double *lo, double *hi);

const char *an_basis_name(enum an_basis b);
const char *an_save_basis_name(enum an_save_basis b);

/* --diff: the same key in two runs, matched by entry point, source, level and
 * symbolized call site (addresses differ between runs). */
struct an_diff_row {
	const char *entry, *name;
	int32_t level;
	uint32_t family;
	const char *level_name;
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

#endif
