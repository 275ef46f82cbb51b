/* Estimates. Counts are exact (the shim counts every call). Times come from
 * the timed calls: sampled calls are picked by a random countdown, so their
 * mean is an unbiased estimate of a call's cost, and calls x mean estimates
 * the total. The shim's own cost, measured by the shim at start-up, is taken
 * out twice: from each timed window (the part of the shim inside it), and
 * from busy time (what the shim added to the program).
 *
 * Each process is estimated with its own calibration and clock. What a
 * dropped call saved is the real function's time per call taken from kept
 * calls (the same key in another generation, the --baseline run, the
 * source), per process. */
#include "model_impl.h"

#include <stdlib.h>
#include <string.h>

static double per_call(uint64_t ticks, uint32_t calls)
{
	return calls ? (double)ticks / calls : 0;
}

void an_calib(struct an_proc *p)
{
	const struct ltx_calib *c = &p->f->calib;
	if (!p->f->has_calib || !c->calls || !p->ns_per_tick)
		return;
	double t = p->ns_per_tick;
	double direct = per_call(c->direct_ticks, c->calls);
	double count = per_call(c->count_ticks, c->calls) - direct;
	double v;
	p->cost_count_ns = count > 0 ? count * t : 0;
	v = per_call(c->drop_ticks, c->calls) - direct;
	p->cost_drop_ns = v > 0 ? v * t : 0;
	if (p->f->proc.time_mode == LTX_TIME_SAMPLE && c->sample_timed && c->sample_calls) {
		/* What the sampled calls cost beyond counting, spread over the timed ones. */
		double extra = ((double)c->sample_ticks / (double)c->sample_calls - direct - count) *
			       (double)c->sample_calls / (double)c->sample_timed;
		p->cost_timed_ns = (count + (extra > 0 ? extra : 0)) * t;
		p->window_ns = (double)c->sample_window_ticks / (double)c->sample_timed * t;
	} else {
		v = per_call(c->timed_ticks, c->calls) - direct;
		p->cost_timed_ns = v > 0 ? v * t : 0;
		p->window_ns = per_call(c->window_ticks, c->calls) * t;
	}
}

/* Mean cost of a timed call in ns with the window cost taken out. */
static double net_mean(const struct an_proc *p, double ticks, uint64_t timed)
{
	double v = ticks / (double)timed * p->ns_per_tick - p->window_ns;
	return v > 0 ? v : 0;
}

/* The windows of a key that are counted once (KEY_ONCE): how many, and
 * their summed ticks. */
static void once_set(const struct ltx_r_key *k, uint64_t *n, uint64_t *ticks)
{
	const struct ltx_key_once *o = k->once;
	*n = 0;
	*ticks = 0;
	if (!o)
		return;
	*n = o->tail_timed;
	*ticks = o->tail_ticks;
	if ((o->flags & LTX_ONCE_FIRST) && !(o->flags & LTX_ONCE_FIRST_LONG)) {
		*n += 1;
		*ticks += o->first_ticks;
	}
}

/* A key's cost per call from its own timed windows: a stratified estimate.
 * The windows counted once (its first call, timed on purpose, and the long
 * ones) stand for themselves; the mean of the others, sampled at random,
 * stands for the rest of the calls. With every call timed this is the exact
 * sum. When no other window exists, the once-counted windows' mean stands
 * for every call. */
static double own_estimate(const struct an_proc *p, struct an_key *ak)
{
	const struct ltx_key *k = &ak->k->k;
	const struct ltx_key_once *o = ak->k->once;
	uint64_t n_once, t_once;
	once_set(ak->k, &n_once, &t_once);
	if (o) {
		ak->tail_timed = o->tail_timed;
		ak->tail_ns = (double)o->tail_ticks * p->ns_per_tick - p->window_ns * (double)o->tail_timed;
		if (ak->tail_ns < 0)
			ak->tail_ns = 0;
		if (o->flags & LTX_ONCE_FIRST) {
			ak->has_first = 1;
			ak->first_ns = net_mean(p, (double)o->first_ticks, 1);
		}
	}
	if (!n_once || n_once > k->timed || !k->calls)
		return net_mean(p, (double)k->ticks, k->timed);
	if (n_once == k->timed)
		return net_mean(p, (double)t_once, n_once);
	double once = net_mean(p, (double)t_once, n_once) * (double)n_once;
	double body = net_mean(p, (double)(k->ticks - t_once), k->timed - n_once);
	uint64_t rest = k->calls > n_once ? k->calls - n_once : 0;
	return (body * (double)rest + once) / (double)k->calls;
}


/* Per-key estimates of one process: own sample, else its source's, else its
 * entry point's. keys[0..n) are the process's keys. src_mean[i]: the mean
 * net time of a timed call of key i's source in this process, < 0 when it
 * has none (what a dropped key saved falls back on). */
int an_estimate(struct an_proc *p, struct an_key *keys, size_t n, double *src_mean)
{
	const struct ltx_file *f = p->f;
	size_t *order = an_sorted_keys(keys, n, an_cmp_source);
	/* per key: index of its source run and entry run in these arrays */
	size_t *src_of = calloc(n + 1, sizeof *src_of), *ent_of = calloc(n + 1, sizeof *ent_of);
	double *src_ticks = calloc(n + 1, sizeof *src_ticks), *ent_ticks = calloc(n + 1, sizeof *ent_ticks);
	uint64_t *src_timed = calloc(n + 1, sizeof *src_timed), *ent_timed = calloc(n + 1, sizeof *ent_timed);
	int rc = -1;
	if (!order || !src_of || !ent_of || !src_ticks || !ent_ticks || !src_timed || !ent_timed)
		goto out;
	size_t ns = 0, ne = 0;
	for (size_t o = 0; o < n; o++) {
		size_t i = order[o];
		const struct an_key *prev = o ? &keys[order[o - 1]] : NULL;
		if (!prev || an_cmp_entry(prev, &keys[i]))
			ne++;
		if (!prev || an_cmp_source(prev, &keys[i]))
			ns++;
		src_of[i] = ns - 1;
		ent_of[i] = ne - 1;
		/* Pooled means leave once-counted windows out, as a key's own does. */
		uint64_t n_once, t_once;
		once_set(keys[i].k, &n_once, &t_once);
		double body_ticks = (double)(keys[i].k->k.ticks - t_once);
		uint64_t body_timed = keys[i].k->k.timed - n_once;
		src_ticks[ns - 1] += body_ticks;
		ent_ticks[ne - 1] += body_ticks;
		src_timed[ns - 1] += body_timed;
		ent_timed[ne - 1] += body_timed;
	}
	for (size_t i = 0; i < n; i++) {
		struct an_key *ak = &keys[i];
		const struct ltx_key *k = &ak->k->k;
		src_mean[i] = src_timed[src_of[i]] && p->ns_per_tick ?
				      net_mean(p, src_ticks[src_of[i]], src_timed[src_of[i]]) : -1;
		if (k->action == LTX_ACT_DROP) {
			ak->basis = AN_DROPPED;
		} else if (!p->ns_per_tick || f->proc.time_mode == LTX_TIME_OFF) {
			ak->basis = AN_UNTIMED;
		} else if (k->timed) {
			ak->basis = f->proc.time_mode == LTX_TIME_ALL && k->timed == k->calls ? AN_TIMED_ALL : AN_SAMPLED;
			ak->ns_per_call = own_estimate(p, ak);
			uint64_t n_once, t_once;
			once_set(ak->k, &n_once, &t_once);
			if (ak->basis == AN_SAMPLED && n_once == k->timed && k->calls > k->timed) {
				/* Nothing sampled at random. A first call is often the
				 * slowest (cold caches, the library's own set-up): unless
				 * it was a long one (then the calls are slow, or it was
				 * preempted: no telling), the rest borrow the sampled
				 * mean of the same source's other call sites. */
				const struct ltx_key_once *o = ak->k->once;
				double rest = -1;
				if (src_timed[src_of[i]] && !(o && (o->flags & LTX_ONCE_FIRST_LONG))) {
					rest = net_mean(p, src_ticks[src_of[i]], src_timed[src_of[i]]);
					ak->basis = AN_POOLED_NAME;
				} else {
					ak->basis = AN_FIRST_ONLY;
				}
				if (rest >= 0)
					ak->ns_per_call = (net_mean(p, (double)t_once, n_once) * (double)n_once +
							   rest * (double)(k->calls - n_once)) / (double)k->calls;
			}
		} else if (src_timed[src_of[i]]) {
			ak->basis = AN_POOLED_NAME;
			ak->ns_per_call = net_mean(p, src_ticks[src_of[i]], src_timed[src_of[i]]);
		} else if (ent_timed[ent_of[i]]) {
			ak->basis = AN_POOLED_ENTRY;
			ak->ns_per_call = net_mean(p, ent_ticks[ent_of[i]], ent_timed[ent_of[i]]);
		} else {
			ak->basis = AN_UNTIMED;
		}
		if (ak->basis != AN_UNTIMED && ak->basis != AN_DROPPED)
			ak->est_ns = ak->ns_per_call * (double)k->calls; /* own_estimate: est / calls */
		if (k->action == LTX_ACT_DROP) {
			p->dropped += k->calls;
		} else {
			p->kept += k->calls;
			p->est_ns += ak->est_ns;
		}
		p->timed += k->timed;
	}
	rc = 0;
out:
	free(order);
	free(src_of);
	free(ent_of);
	free(src_ticks);
	free(ent_ticks);
	free(src_timed);
	free(ent_timed);
	return rc;
}

/* Threads of one process: totals from their keys, then the loop part. */
int an_threads(struct an_model *m, struct an_proc *p, size_t pi, struct an_thread *th, const struct an_key *keys,
		   size_t n)
{
	const struct ltx_file *f = p->f;
	double *thr_ticks = calloc(f->nthreads + 1, sizeof *thr_ticks);
	if (!thr_ticks)
		return -1;
	for (size_t i = 0; i < f->nthreads; i++) {
		th[i].t = &f->threads[i];
		th[i].proc = pi;
	}
	/* Capturing stacks happens outside timed windows but inside busy time. */
	double *stack_ticks = calloc(f->nthreads + 1, sizeof *stack_ticks);
	if (!stack_ticks) {
		free(thr_ticks);
		return -1;
	}
	for (size_t i = 0; i < f->nkey_stacks; i++)
		stack_ticks[f->keys[f->key_stacks[i].key].k.thread] += (double)f->key_stacks[i].ticks;
	/* Per thread: the loop's part of its keys' estimates, from the per-key
	 * counts at its first wait; < 0 when the file has none for it. */
	double *loop_est = calloc(f->nthreads + 1, sizeof *loop_est);
	uint64_t *pre_seen = calloc(f->nthreads + 1, sizeof *pre_seen);
	if (!loop_est || !pre_seen) {
		free(loop_est);
		free(pre_seen);
		free(thr_ticks);
		free(stack_ticks);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ltx_key *k = &keys[i].k->k;
		if (k->action == LTX_ACT_DROP || k->thread >= f->nthreads)
			continue;
		uint64_t pre = keys[i].k->pre_calls;
		pre_seen[k->thread] += pre;
		if (keys[i].est_ns > 0 && k->calls)
			loop_est[k->thread] += keys[i].est_ns * (double)(k->calls - pre) / (double)k->calls;
	}
	for (size_t i = 0; i < f->nthreads; i++)
		if (f->threads[i].pre_loop_kept && !pre_seen[i])
			loop_est[i] = -1; /* calls before the first wait, none recorded per key */
	free(pre_seen);
	for (size_t i = 0; i < n; i++) {
		const struct ltx_key *k = &keys[i].k->k;
		struct an_thread *t = &th[k->thread];
		if (k->action == LTX_ACT_DROP)
			t->dropped += k->calls;
		else
			t->kept += k->calls;
		t->timed += k->timed;
		t->est_ns += keys[i].est_ns;
		thr_ticks[k->thread] += (double)k->ticks;
	}
	for (size_t i = 0; i < f->nthreads; i++) {
		struct an_thread *t = &th[i];
		const struct ltx_thread *r = t->t;
		t->loop_log_ns = -1;
		t->share = -1;
		t->cpu_frac = -1;
		t->log_per_iter_ns = -1;
		t->busy_per_iter_ns = -1;
		p->lost += r->reentered;
		if (!r->waits)
			continue;
		t->loop_kept = t->kept >= r->pre_loop_kept ? t->kept - r->pre_loop_kept : 0;
		t->loop_dropped = t->dropped >= r->pre_loop_dropped ? t->dropped - r->pre_loop_dropped : 0;
		t->loop_timed = t->timed >= r->pre_loop_timed ? t->timed - r->pre_loop_timed : 0;
		if (!p->ns_per_tick)
			continue;
		t->wait_ns = (double)r->wait_ticks * p->ns_per_tick;
		t->busy_wall_ns = (double)r->busy_ticks * p->ns_per_tick;
		t->busy_ns = t->busy_wall_ns;
		t->cpu_frac = -1;
		const struct ltx_thread_cpu *cpu = f->thread_cpu_of[i];
		if (cpu && cpu->samples >= 4 && cpu->sampled_ticks) {
			double frac = (double)cpu->cpu_ns / ((double)cpu->sampled_ticks * p->ns_per_tick);
			t->cpu_frac = frac > 1 ? 1 : frac;
			t->busy_ns = t->busy_wall_ns * t->cpu_frac;
		}
		/* The loop's log time: each key's calls after the thread's first
		 * wait (KEY_PRE) at the key's cost per call. A file without those
		 * counts (before 1.2): the thread's estimate less its totals at the
		 * first wait scaled by their mean window. */
		if (loop_est[i] >= 0) {
			t->loop_log_ns = loop_est[i];
		} else {
			double pre = 0;
			if (r->pre_loop_timed && r->pre_loop_ticks)
				pre = net_mean(p, (double)r->pre_loop_ticks, r->pre_loop_timed) * (double)r->pre_loop_kept;
			else if (t->kept)
				pre = t->est_ns * (double)r->pre_loop_kept / (double)t->kept;
			if (t->est_ns > 0 || t->loop_timed)
				t->loop_log_ns = t->est_ns > pre ? t->est_ns - pre : 0;
			else if (!t->loop_kept)
				t->loop_log_ns = 0;
		}
		uint64_t untimed = t->loop_kept > t->loop_timed ? t->loop_kept - t->loop_timed : 0;
		t->shim_ns = (double)untimed * p->cost_count_ns + (double)t->loop_timed * p->cost_timed_ns +
			     (double)t->loop_dropped * p->cost_drop_ns;
		/* stack captures: no pre-loop split is recorded, so the loop's share by calls */
		uint64_t all = t->kept + t->dropped;
		if (all)
			t->shim_ns += stack_ticks[i] * p->ns_per_tick * (double)(t->loop_kept + t->loop_dropped) / (double)all;
		double net = t->busy_ns - t->shim_ns;
		if (t->loop_log_ns >= 0 && net > 0) {
			t->share = t->loop_log_ns / net;
			if (t->share > 1)
				t->share = 1;
		}
		if (t->loop_log_ns >= 0)
			t->log_per_iter_ns = t->loop_log_ns / (double)r->waits;
		if (net > 0)
			t->busy_per_iter_ns = net / (double)r->waits;
		p->busy_ns += t->busy_ns;
		p->loop_shim_ns += t->shim_ns;
		if (t->loop_log_ns > 0)
			p->loop_log_ns += t->loop_log_ns;
	}
	free(thr_ticks);
	free(stack_ticks);
	free(loop_est);
	uint64_t untimed = p->kept > p->timed ? p->kept - p->timed : 0;
	double captures = 0;
	for (size_t i = 0; i < f->nkey_stacks; i++)
		captures += (double)f->key_stacks[i].ticks;
	p->shim_ns = (double)untimed * p->cost_count_ns + (double)p->timed * p->cost_timed_ns +
		     (double)p->dropped * p->cost_drop_ns + captures * p->ns_per_tick;
	p->lost += f->proc.late_calls;
	an_thread_cpu(p, th);
	(void)m;
	return 0;
}

/* Each thread's CPU time and jobs (THREAD_TIME, 1.4) and the process's
 * (PROCESS_CPU). A thread's log time counts at most at its CPU time: timed
 * windows are wall time, and a call that blocked (a full pipe, a slow
 * disk) holds time the thread did not run. So logging's share of the
 * process's CPU time stays at most 1 whatever the windows held. */
void an_thread_cpu(struct an_proc *p, struct an_thread *th)
{
	const struct ltx_file *f = p->f;
	p->cpu_ns = f->has_process_cpu ? (double)f->process_cpu.cpu_ns : -1;
	p->jobs_counted = f->has_process_cpu && (f->process_cpu.flags & LTX_PCPU_JOBS);
	p->threads_cpu_ns = 0;
	p->log_cpu_ns = 0;
	double log_unknown = 0; /* threads whose clock is unknown: capped by the process's only */
	for (size_t i = 0; i < f->nthreads; i++) {
		struct an_thread *t = &th[i];
		const struct ltx_thread_time *tt = f->thread_time_of[i];
		t->cpu_ns = -1;
		t->cpu_share = -1;
		t->log_ns = t->est_ns;
		t->job_log_ns = -1;
		t->calls_per_job = -1;
		t->log_per_job_ns = -1;
		t->cpu_per_job_ns = -1;
		if (tt && (tt->flags & LTX_TT_CPU)) {
			t->cpu_ns = (double)tt->cpu_ns;
			t->cpu_at_exit = (tt->flags & LTX_TT_AT_EXIT) != 0;
			if (t->log_ns > t->cpu_ns)
				t->log_ns = t->cpu_ns;
			if (t->cpu_ns > 0)
				t->cpu_share = t->log_ns / t->cpu_ns;
			p->threads_cpu_ns += t->cpu_ns;
			p->log_cpu_ns += t->log_ns;
		} else {
			log_unknown += t->log_ns;
		}
		if (!tt || !tt->jobs)
			continue;
		t->jobs = tt->jobs;
		if (p->ns_per_tick) {
			t->job_wait_ns = (double)tt->job_wait_ticks * p->ns_per_tick;
			t->job_busy_ns = (double)tt->job_busy_ticks * p->ns_per_tick;
		}
		t->job_kept = t->kept >= tt->pre_jobs_kept ? t->kept - tt->pre_jobs_kept : 0;
		t->calls_per_job = (double)t->job_kept / (double)t->jobs;
		/* no per-key split at the first job wait: the thread's log time by calls */
		if (t->kept)
			t->job_log_ns = t->log_ns * (double)t->job_kept / (double)t->kept;
		else
			t->job_log_ns = 0;
		t->log_per_job_ns = t->job_log_ns / (double)t->jobs;
		if (t->cpu_ns >= 0)
			t->cpu_per_job_ns = t->cpu_ns / (double)t->jobs;
	}
	p->log_cpu_ns += log_unknown;
	p->other_cpu_ns = 0;
	p->cpu_share = -1;
	if (p->cpu_ns < 0)
		return;
	/* Read after the threads' clocks, the process's is at least their sum;
	 * a thread read while the writer ran can pass it by a little. */
	if (p->cpu_ns < p->threads_cpu_ns)
		p->cpu_ns = p->threads_cpu_ns;
	p->other_cpu_ns = p->cpu_ns - p->threads_cpu_ns;
	if (p->log_cpu_ns > p->cpu_ns)
		p->log_cpu_ns = p->cpu_ns;
	if (p->cpu_ns > 0)
		p->cpu_share = p->log_cpu_ns / p->cpu_ns;
}

/* ---- what dropped calls saved (rules) ---------------------------------- */

/* A key's identity across generations and threads of one process. */
static int by_identity(const void *a, const void *b, void *arg)
{
	const struct an_key *keys = arg;
	const struct an_key *p = &keys[*(const size_t *)a], *q = &keys[*(const size_t *)b];
	const struct ltx_key *x = &p->k->k, *y = &q->k->k;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	if (x->caller != y->caller)
		return x->caller < y->caller ? -1 : 1;
	return strcmp(p->k->name, q->k->name);
}

/* ... and across runs: entry name, source, level, module and offset. */
struct an_xkey {
	const char *entry, *name, *module;
	int32_t level;
	uint64_t offset;
	double ns, calls; /* kept calls with a cost, and their estimated time */
};

static int xkey_cmp(const void *a, const void *b)
{
	const struct an_xkey *x = a, *y = b;
	int c = strcmp(x->entry, y->entry);
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c && x->level != y->level)
		c = x->level < y->level ? -1 : 1;
	if (!c)
		c = strcmp(x->module ? x->module : "", y->module ? y->module : "");
	if (!c && x->offset != y->offset)
		c = x->offset < y->offset ? -1 : 1;
	return c;
}

static int xkey_cmp_source(const void *a, const void *b)
{
	const struct an_xkey *x = a, *y = b;
	int c = strcmp(x->entry, y->entry);
	return c ? c : strcmp(x->name, y->name);
}

/* The baseline's kept keys with a cost, sorted by identity. Their strings
 * point into the baseline file, which outlives the model. */
struct an_xkey *an_baseline_keys(const struct ltx_file *bf, size_t *n)
{
	struct an_model bm;
	*n = 0;
	if (an_model_build(&bm, bf, 1, NULL) < 0) {
		an_model_free(&bm);
		return NULL;
	}
	struct an_xkey *x = calloc(bm.nkeys + 1, sizeof *x);
	for (size_t i = 0; x && i < bm.nkeys; i++) {
		const struct an_key *k = &bm.keys[i];
		if (k->k->k.action == LTX_ACT_DROP || k->basis == AN_UNTIMED)
			continue;
		struct an_xkey *e = &x[(*n)++];
		e->entry = k->entry;
		e->name = k->k->name;
		e->level = k->k->k.level;
		e->module = an_module_of(bf, k->k->k.caller, &e->offset);
		e->ns = k->est_ns;
		e->calls = (double)k->k->k.calls;
	}
	an_model_free(&bm);
	if (x)
		qsort(x, *n, sizeof *x, xkey_cmp);
	return x;
}

/* Mean ns per call of the baseline keys equal to `want` under cmp; x is
 * sorted by xkey_cmp, of which xkey_cmp_source is a prefix, so the equal
 * keys are one run found by binary search. */
static double baseline_mean(const struct an_xkey *x, size_t n, const struct an_xkey *want, int (*cmp)(const void *, const void *))
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp(&x[mid], want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	double ns = 0, calls = 0;
	for (size_t i = lo; i < n && !cmp(&x[i], want); i++) {
		ns += x[i].ns;
		calls += x[i].calls;
	}
	return calls > 0 ? ns / calls : -1;
}

/* What each dropped key of one process saved: the real function's time per
 * call from the best basis there is (see enum an_save_basis), times its
 * calls. keys[0..n) are the process's keys; bk[0..nb) the baseline's. */
int an_savings(struct an_proc *p, struct an_key *keys, size_t n, const double *src_mean, const struct an_xkey *bk,
		   size_t nb)
{
	const struct ltx_file *f = p->f;
	size_t *order = calloc(n + 1, sizeof *order);
	if (!order)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof *order, by_identity, keys);
	for (size_t a = 0, b; a < n; a = b) {
		double ticks = 0;
		uint64_t timed = 0;
		for (b = a; b < n && !by_identity(&order[a], &order[b], keys); b++) {
			const struct ltx_key *k = &keys[order[b]].k->k;
			if (k->action != LTX_ACT_DROP) {
				ticks += (double)k->ticks;
				timed += k->timed;
			}
		}
		for (size_t j = a; timed && p->ns_per_tick && j < b; j++) {
			struct an_key *ak = &keys[order[j]];
			if (ak->k->k.action == LTX_ACT_DROP) {
				ak->saved_per_call = net_mean(p, ticks, timed);
				ak->save_basis = AN_SAVE_KEY;
			}
		}
	}
	free(order);

	for (size_t i = 0; i < n; i++) {
		struct an_key *ak = &keys[i];
		const struct ltx_key *k = &ak->k->k;
		if (k->action != LTX_ACT_DROP)
			continue;
		struct an_xkey want = { ak->entry, ak->k->name, NULL, k->level, 0, 0, 0 };
		want.module = an_module_of(f, k->caller, &want.offset);
		double v;
		if (ak->save_basis == AN_SAVE_KEY) {
		} else if (bk && (v = baseline_mean(bk, nb, &want, xkey_cmp)) >= 0) {
			ak->saved_per_call = v;
			ak->save_basis = AN_SAVE_BASELINE_KEY;
		} else if (src_mean[i] >= 0) {
			ak->saved_per_call = src_mean[i];
			ak->save_basis = AN_SAVE_SOURCE;
		} else if (bk && (v = baseline_mean(bk, nb, &want, xkey_cmp_source)) >= 0) {
			ak->saved_per_call = v;
			ak->save_basis = AN_SAVE_BASELINE_SOURCE;
		}
		ak->saved_ns = ak->saved_per_call * (double)k->calls;
		p->saved_ns += ak->saved_ns;
	}
	return 0;
}


/* The q-quantile of a log2 histogram, interpolated in its bucket. open_last:
 * bucket LTX_HIST_BUCKETS - 1 holds everything above it (the shim's last):
 * a quantile that falls there is its floor. */
double an_hist_quantile(const uint64_t *h, uint32_t n, double q, int open_last)
{
	uint64_t total = 0;
	for (uint32_t b = 0; b < n; b++)
		total += h[b];
	if (!total)
		return -1;
	double target = q * (double)total, cum = 0;
	for (uint32_t b = 0; b < n; b++) {
		if (!h[b])
			continue;
		if (cum + (double)h[b] >= target) {
			double lo = b ? (double)(1ull << (b < 63 ? b : 63)) : 0, hi = b ? lo * 2 : 2;
			if (open_last && b + 1 >= LTX_HIST_BUCKETS)
				return lo;
			double frac = (target - cum) / (double)h[b];
			return lo + (hi - lo) * (frac < 0 ? 0 : frac > 1 ? 1 : frac);
		}
		cum += (double)h[b];
	}
	return -1;
}

void an_key_quantiles(const struct an_proc *p, struct an_key *k)
{
	k->p50_ns = k->p99_ns = -1;
	if (!k->k->hist || !p->ns_per_tick)
		return;
	double a = an_hist_quantile(k->k->hist, k->k->hist_len, 0.5, 1);
	double b = an_hist_quantile(k->k->hist, k->k->hist_len, 0.99, 1);
	if (a >= 0) {
		a = a * p->ns_per_tick - p->window_ns;
		k->p50_ns = a > 0 ? a : 0;
	}
	if (b >= 0) {
		b = b * p->ns_per_tick - p->window_ns;
		k->p99_ns = b > 0 ? b : 0;
	}
}

void an_hist_bucket_ns(const struct an_model *m, size_t proc, unsigned b, double *lo, double *hi)
{
	double t = m->procs[proc].ns_per_tick;
	double l = b ? (double)(1ull << (b < 63 ? b : 63)) : 0, h = b ? l * 2 : 2;
	*lo = l * t;
	*hi = h * t;
}
