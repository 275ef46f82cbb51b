/* What the reports show, derived once from a data file: per key, entry
 * point, source and thread, with the estimates and how each was made. Every
 * output format reads this model; none recomputes it. */
#ifndef AN_MODEL_H
#define AN_MODEL_H

#include "../common/ltx_read.h"
#include "../common/ltx_rules.h"

#include <stdint.h>

/* How the cost of a key's calls was obtained. */
enum an_basis {
	AN_TIMED_ALL,   /* every call timed */
	AN_SAMPLED,     /* from this key's own timed sample */
	AN_POOLED_NAME, /* no sample of its own: mean of the same source's keys */
	AN_POOLED_ENTRY, /* ... of the same entry point's keys */
	AN_UNTIMED,     /* timing was off, or nothing was timed */
	AN_DROPPED,     /* dropped: the real function never ran */
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

struct an_key {
	const struct ltx_r_key *k;
	const char *entry;
	uint32_t family;
	double ns_per_call; /* one kept call, the shim's share taken out */
	double est_ns;      /* calls * ns_per_call; 0 for dropped or untimed keys */
	enum an_basis basis;
	/* dropped keys: the real function's time they did not spend */
	double saved_ns;
	double saved_per_call;
	enum an_save_basis save_basis;
};

/* An entry point or a source (entry + name). */
struct an_group {
	const char *entry;
	const char *name; /* NULL for an entry-point group */
	uint64_t kept, dropped, timed;
	double est_ns;
	int timed_keys, untimed_keys; /* kept keys with and without a cost */
	double saved_ns;              /* by its dropped keys */
	int dropped_keys;
	enum an_save_basis save_basis; /* the weakest basis among its dropped keys */
};

/* One rule set (generation) and what happened under it. */
struct an_gen {
	uint32_t gen;
	const char *rules;   /* its text; "" for generation 0 or when unknown */
	double applied_ns;   /* since the process started; < 0 when unknown */
	int known;           /* the file has its RULES record */
	uint64_t kept, dropped;
	double est_ns, saved_ns;
};

/* Dropped calls per (source, generation): what the report lists. */
struct an_drop {
	const char *entry, *name;
	uint32_t gen;
	uint64_t dropped;
	double saved_ns;
	enum an_save_basis save_basis;
};

struct an_thread {
	const struct ltx_thread *t;
	uint64_t kept, dropped, timed;
	double est_ns;                     /* all its kept calls */
	uint64_t loop_kept, loop_dropped, loop_timed;
	double loop_log_ns;                /* kept calls between its waits; < 0 when unknown */
	double wait_ns, busy_ns, shim_ns;  /* shim_ns: the shim's cost inside busy time */
	double share;                      /* loop_log_ns / (busy_ns - shim_ns); < 0 when unknown */
};

struct an_model {
	const struct ltx_file *f;
	double ns_per_tick; /* 0 when the file has no usable clock */
	/* the shim's own cost per call, from its start-up calibration */
	double cost_count_ns, cost_timed_ns, cost_drop_ns, window_ns;
	struct an_key *keys;
	size_t nkeys;
	struct an_group *entries;
	size_t nentries;
	struct an_group *sources;
	size_t nsources;
	struct an_thread *threads;
	size_t nthreads;
	struct an_gen *gens; /* by generation, ascending */
	size_t ngens;
	struct an_drop *drops; /* by saved time, descending */
	size_t ndrops;
	const struct ltx_file *baseline; /* --baseline, or NULL */
	double saved_ns;                 /* by every dropped call */
	uint64_t kept, dropped, timed;
	double est_ns;       /* all kept calls */
	double shim_ns;      /* the shim's cost over all calls */
	double run_ns;       /* process start to file write */
	double busy_ns, loop_log_ns, loop_shim_ns; /* summed over looping threads */
};

int an_model_build(struct an_model *m, const struct ltx_file *f);
/* The same, with an earlier run's file to estimate what dropped calls saved. */
int an_model_build_with(struct an_model *m, const struct ltx_file *f, const struct ltx_file *baseline);
const char *an_save_basis_name(enum an_save_basis b);

/* What a rule set would save on the run this model describes: its rules
 * applied to the file's keys with the shim's matcher. */
struct an_prediction {
	double saved_ns;        /* estimated time of the kept calls it drops, plus the shim's
				 * cost of keeping them less its cost of dropping them */
	uint64_t calls;         /* kept calls it would drop */
	uint64_t calls_no_cost; /* ... of which without a time estimate (not in saved_ns) */
	uint64_t newly_kept;    /* calls dropped in the file that it would keep (cost unknown) */
};
void an_predict(const struct an_model *m, const struct ltx_ruleset *rs, struct an_prediction *p);
/* The module holding addr and addr's offset in it; NULL if none. */
const char *an_module_of(const struct ltx_file *f, uint64_t addr, uint64_t *offset);
void an_model_free(struct an_model *m);
const char *an_basis_name(enum an_basis b);

#endif
