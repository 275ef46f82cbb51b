/* What the model's files share among themselves (not for the reports):
 * model.c builds the model and calls the others in turn. */
#ifndef AN_MODEL_IMPL_H
#define AN_MODEL_IMPL_H

#include "model.h"

/* model.c: keys in an order (an index array of n + 1, to be freed), and
 * the comparisons the groups and the diff share. */
typedef int (*an_key_cmp)(const struct an_key *a, const struct an_key *b);
size_t *an_sorted_keys(const struct an_key *keys, size_t n, an_key_cmp cmp);
int an_cmp_str(const char *a, const char *b);
int an_cmp_entry(const struct an_key *a, const struct an_key *b);
int an_cmp_source(const struct an_key *a, const struct an_key *b);

/* estimate.c: the shim's own costs from the calibration; a key's latency
 * quantiles; per-key estimates of one process (keys[0..n), src_mean[0..n):
 * its source's mean net time per timed call, < 0 when none); its threads'
 * totals and loop shares; what its dropped keys saved, with the --baseline
 * run's keys (an_baseline_keys, freed with free) to go by. */
void an_calib(struct an_proc *p);
void an_key_quantiles(const struct an_proc *p, struct an_key *k);
double an_hist_quantile(const uint64_t *h, uint32_t n, double q, int open_last);
int an_estimate(struct an_proc *p, struct an_key *keys, size_t n, double *src_mean);
void an_thread_cpu(struct an_proc *p, struct an_thread *th);
int an_threads(struct an_model *m, struct an_proc *p, size_t pi, struct an_thread *th, const struct an_key *keys,
	       size_t n);
struct an_xkey;
struct an_xkey *an_baseline_keys(const struct ltx_file *bf, size_t *n);
int an_savings(struct an_proc *p, struct an_key *keys, size_t n, const double *src_mean, const struct an_xkey *bk,
	       size_t nb);

/* trace.c: process pi's threads' trace rings and traced iterations; a
 * trace event's start on the model's time line (ns since the earliest
 * process start) and its duration in ns with the shim's window share taken
 * out (0 for an untimed event). */
void an_trace_threads(struct an_model *m, size_t pi);
double an_trace_start_ns(const struct an_model *m, size_t proc, const struct ltx_trace_event *e);
double an_trace_dur_ns(const struct an_model *m, size_t proc, const struct ltx_trace_event *e);
/* trace.c: m->chunks, once threads are known. */
int an_trace_chunks(struct an_model *m);
/* stacks.c: m->stack_rows and m->stacks, once keys are estimated. */
int an_stack_rows(struct an_model *m);

#endif
