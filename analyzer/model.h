/* What the reports show, derived once from a data file: per key, entry
 * point, source and thread, with the estimates and how each was made. Every
 * output format reads this model; none recomputes it. */
#ifndef AN_MODEL_H
#define AN_MODEL_H

#include "../common/ltx_read.h"

#include <stddef.h>
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

struct an_key {
	const struct ltx_r_key *k;
	const char *entry;
	uint32_t family;
	double ns_per_call; /* one kept call, the shim's share taken out */
	double est_ns;      /* calls * ns_per_call; 0 for dropped or untimed keys */
	enum an_basis basis;
	/* From its histogram (KEY_HIST): the median and 99th percentile of a
	 * timed call in ns, the shim's window taken out; < 0 when unknown. Log2
	 * buckets: each is within a factor of 2. */
	double p50_ns, p99_ns;
};

/* A stack (STACK) with the calls counted for it over all keys. */
struct an_stack {
	const struct ltx_r_stack *s;
	size_t index; /* position in the file */
	uint64_t count;
	size_t top_key; /* the key with most of those calls */
};

/* An entry point or a source (entry + name). */
struct an_group {
	const char *entry;
	const char *name; /* NULL for an entry-point group */
	uint64_t kept, dropped, timed;
	double est_ns;
	int timed_keys, untimed_keys; /* kept keys with and without a cost */
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
	uint64_t kept, dropped, timed;
	double est_ns;       /* all kept calls */
	double shim_ns;      /* the shim's cost over all calls */
	double run_ns;       /* process start to file write */
	double busy_ns, loop_log_ns, loop_shim_ns; /* summed over looping threads */
	/* Stacks (LOGTAX_STACKS), most calls first. */
	struct an_stack *stacks;
	size_t nstacks;
	uint64_t stack_picked;  /* calls picked for a stack */
	uint64_t stack_lost[3]; /* of those, not kept: table full, busy, unwinding failed */
	double stack_ns;        /* time spent capturing (in the shim's cost) */
	uint32_t stack_depth, stack_every;
};

int an_model_build(struct an_model *m, const struct ltx_file *f);
void an_model_free(struct an_model *m);
const char *an_basis_name(enum an_basis b);
/* An address as "module+0xOFFSET" (module-relative, as in the ELF file), or
 * "0xADDRESS" when no module holds it. */
const char *an_addr_name(const struct ltx_file *f, uint64_t addr, char *buf, size_t cap);
/* q-quantile (0..1) of a log2 histogram of ticks, in ticks, interpolated
 * linearly inside its bucket; < 0 for an empty one. */
double an_hist_quantile(const uint64_t *hist, uint32_t n, double q);

#endif
