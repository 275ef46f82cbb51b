/* Estimates. Counts are exact (the shim counts every call). Times come from
 * the timed calls: sampled calls are picked by a random countdown, so their
 * mean is an unbiased estimate of a call's cost, and calls x mean estimates
 * the total. The shim's own cost, measured by the shim at start-up, is taken
 * out twice: from each timed window (the part of the shim inside it), and
 * from busy time (what the shim added to the program).
 *
 * Each process is estimated with its own calibration and clock; the groups
 * (entry points, sources, call sites, templates) then add up the keys of
 * every process. What a dropped call saved is the real function's time per
 * call taken from kept calls (the same key in another generation, the
 * --baseline run, the source), per process; rule generations are per
 * process too. */
#include "model.h"
#include "symbols.h"

#include <stdlib.h>
#include <string.h>

const char *an_basis_name(enum an_basis b)
{
	switch (b) {
	case AN_TIMED_ALL: return "every call timed";
	case AN_SAMPLED: return "sampled";
	case AN_POOLED_NAME: return "mean of its source";
	case AN_POOLED_ENTRY: return "mean of its entry point";
	case AN_UNTIMED: return "not timed";
	case AN_DROPPED: return "dropped";
	case AN_FIRST_ONLY: return "its first call only";
	}
	return "?";
}

const char *an_save_basis_name(enum an_save_basis b)
{
	switch (b) {
	case AN_SAVE_NONE: return "none";
	case AN_SAVE_KEY: return "same key kept in another generation";
	case AN_SAVE_BASELINE_KEY: return "same key in the baseline";
	case AN_SAVE_SOURCE: return "mean of its source";
	case AN_SAVE_BASELINE_SOURCE: return "mean of its source in the baseline";
	}
	return "?";
}

const char *an_module_of(const struct ltx_file *f, uint64_t addr, uint64_t *offset)
{
	const struct ltx_r_module *mod = ltx_find_module(f, addr);
	if (!mod) {
		*offset = addr;
		return NULL;
	}
	*offset = addr - mod->m.bias;
	const char *b = strrchr(mod->path, '/');
	return b ? b + 1 : mod->path;
}

static double per_call(uint64_t ticks, uint32_t calls)
{
	return calls ? (double)ticks / calls : 0;
}

static void calib(struct an_proc *p)
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

/* Sorting with a context (qsort_r): the model and how to compare two keys. */
typedef int (*key_cmp)(const struct an_key *a, const struct an_key *b);
struct sort_ctx {
	const struct an_key *keys;
	key_cmp cmp;
};

static int by_ctx(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct an_key *x = &c->keys[*(const size_t *)a], *y = &c->keys[*(const size_t *)b];
	int r = c->cmp(x, y);
	if (r)
		return r;
	/* stable: file order */
	return *(const size_t *)a < *(const size_t *)b ? -1 : *(const size_t *)a > *(const size_t *)b;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_entry(const struct an_key *a, const struct an_key *b)
{
	return cmp_str(a->entry, b->entry);
}

static int cmp_source(const struct an_key *a, const struct an_key *b)
{
	int r = cmp_entry(a, b);
	return r ? r : cmp_str(a->k->name, b->k->name);
}

static int cmp_site(const struct an_key *a, const struct an_key *b)
{
	int r = cmp_str(a->site->label, b->site->label);
	return r ? r : cmp_source(a, b);
}

/* Templates: equal text is one template; an unknown one stays with its site. */
static int cmp_template(const struct an_key *a, const struct an_key *b)
{
	const struct an_tmpl *x = a->tmpl, *y = b->tmpl;
	if (!x->text != !y->text)
		return x->text ? -1 : 1;
	if (x->text)
		return strcmp(x->text, y->text);
	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	return cmp_str(a->site->label, b->site->label);
}

static size_t *sorted_keys(const struct an_key *keys, size_t n, key_cmp cmp)
{
	size_t *order = calloc(n + 1, sizeof *order);
	if (!order)
		return NULL;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	struct sort_ctx c = { keys, cmp };
	qsort_r(order, n, sizeof *order, by_ctx, &c);
	return order;
}

/* Per-key estimates of one process: own sample, else its source's, else its
 * entry point's. keys[0..n) are the process's keys. src_mean[i]: the mean
 * net time of a timed call of key i's source in this process, < 0 when it
 * has none (what a dropped key saved falls back on). */
static int estimate(struct an_proc *p, struct an_key *keys, size_t n, double *src_mean)
{
	const struct ltx_file *f = p->f;
	size_t *order = sorted_keys(keys, n, cmp_source);
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
		if (!prev || cmp_entry(prev, &keys[i]))
			ne++;
		if (!prev || cmp_source(prev, &keys[i]))
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
static int threads(struct an_model *m, struct an_proc *p, size_t pi, struct an_thread *th, const struct an_key *keys,
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
	(void)m;
	return 0;
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
struct xkey {
	const char *entry, *name, *module;
	int32_t level;
	uint64_t offset;
	double ns, calls; /* kept calls with a cost, and their estimated time */
};

static int xkey_cmp(const void *a, const void *b)
{
	const struct xkey *x = a, *y = b;
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
	const struct xkey *x = a, *y = b;
	int c = strcmp(x->entry, y->entry);
	return c ? c : strcmp(x->name, y->name);
}

/* The baseline's kept keys with a cost, sorted by identity. Their strings
 * point into the baseline file, which outlives the model. */
static struct xkey *baseline_keys(const struct ltx_file *bf, size_t *n)
{
	struct an_model bm;
	*n = 0;
	if (an_model_build(&bm, bf, 1, NULL) < 0) {
		an_model_free(&bm);
		return NULL;
	}
	struct xkey *x = calloc(bm.nkeys + 1, sizeof *x);
	for (size_t i = 0; x && i < bm.nkeys; i++) {
		const struct an_key *k = &bm.keys[i];
		if (k->k->k.action == LTX_ACT_DROP || k->basis == AN_UNTIMED)
			continue;
		struct xkey *e = &x[(*n)++];
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
static double baseline_mean(const struct xkey *x, size_t n, const struct xkey *want, int (*cmp)(const void *, const void *))
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
static int savings(struct an_proc *p, struct an_key *keys, size_t n, const double *src_mean, const struct xkey *bk,
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
		struct xkey want = { ak->entry, ak->k->name, NULL, k->level, 0, 0, 0 };
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

/* A weaker basis wins when a group mixes them: none is the weakest. */
static enum an_save_basis weaker(enum an_save_basis a, enum an_save_basis b)
{
	if (a == AN_SAVE_NONE || b == AN_SAVE_NONE)
		return AN_SAVE_NONE;
	return a > b ? a : b;
}

static int by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int by_saved_desc(const void *a, const void *b)
{
	const struct an_drop *x = a, *y = b;
	if (x->saved_ns != y->saved_ns)
		return x->saved_ns < y->saved_ns ? 1 : -1;
	if (x->dropped != y->dropped)
		return x->dropped < y->dropped ? 1 : -1;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return x->gen < y->gen ? -1 : x->gen > y->gen;
}

static int cmp_gen_source(const struct an_key *a, const struct an_key *b)
{
	if (a->k->k.gen != b->k->k.gen)
		return a->k->k.gen < b->k->k.gen ? -1 : 1;
	int c = strcmp(a->entry, b->entry);
	return c ? c : strcmp(a->k->name, b->k->name);
}

/* Generations of one process (from its RULES records and keys), appended
 * to m->gens, and its dropped calls per source and generation, appended to
 * m->drops (which have room for every key and every RULES record). */
static int generations(struct an_model *m, size_t pi)
{
	const struct an_proc *p = &m->procs[pi];
	const struct ltx_file *f = p->f;
	const struct an_key *keys = &m->keys[p->key0];
	size_t n = f->nkeys;
	uint32_t *g = calloc(f->nrules + n + 1, sizeof *g);
	if (!g)
		return -1;
	size_t ng = 0;
	for (size_t i = 0; i < f->nrules; i++)
		g[ng++] = f->rules[i].r.gen;
	for (size_t i = 0; i < n; i++)
		g[ng++] = f->keys[i].k.gen;
	qsort(g, ng, sizeof *g, by_u32);
	struct an_gen *first = &m->gens[m->ngens];
	for (size_t i = 0; i < ng; i++) {
		if (i && g[i] == g[i - 1])
			continue;
		struct an_gen *e = &m->gens[m->ngens++];
		e->proc = pi;
		e->gen = g[i];
		e->rules = "";
		e->applied_ns = -1;
		for (size_t r = 0; r < f->nrules; r++)
			if (f->rules[r].r.gen == g[i]) {
				e->known = 1;
				e->rules = f->rules[r].text;
				if (f->rules[r].r.applied_mono_ns >= f->proc.start_mono_ns)
					e->applied_ns = (double)(f->rules[r].r.applied_mono_ns - f->proc.start_mono_ns);
			}
	}
	free(g);
	/* Keys in (generation, entry, name) order: generations and dropped
	 * sources are then runs. */
	size_t *order = sorted_keys(keys, n, cmp_gen_source);
	if (!order)
		return -1;
	struct an_gen *e = first;
	struct an_drop *d = NULL;
	for (size_t o = 0; o < n; o++) {
		const struct an_key *ak = &keys[order[o]];
		const struct ltx_key *k = &ak->k->k;
		while (e->gen != k->gen)
			e++;
		if (k->action != LTX_ACT_DROP) {
			e->kept += k->calls;
			e->est_ns += ak->est_ns;
			continue;
		}
		e->dropped += k->calls;
		e->saved_ns += ak->saved_ns;
		if (!d || d->gen != k->gen || strcmp(d->entry, ak->entry) || strcmp(d->name, ak->k->name)) {
			d = &m->drops[m->ndrops++];
			d->proc = pi;
			d->entry = ak->entry;
			d->name = ak->k->name;
			d->gen = k->gen;
			d->save_basis = ak->save_basis;
		}
		d->dropped += k->calls;
		d->saved_ns += ak->saved_ns;
		d->save_basis = weaker(d->save_basis, ak->save_basis);
	}
	free(order);
	return 0;
}

static int by_est_desc(const void *a, const void *b)
{
	const struct an_group *x = a, *y = b;
	if (x->est_ns != y->est_ns)
		return x->est_ns < y->est_ns ? 1 : -1;
	if (x->kept + x->dropped != y->kept + y->dropped)
		return x->kept + x->dropped < y->kept + y->dropped ? 1 : -1;
	return x->first_key < y->first_key ? -1 : x->first_key > y->first_key;
}

/* Groups of keys equal under cmp, added up, largest estimated time first. */
static int group(const struct an_model *m, key_cmp cmp, struct an_group **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	size_t *order = sorted_keys(m->keys, m->nkeys, cmp);
	struct an_group *g = calloc(m->nkeys + 1, sizeof *g);
	if (!order || !g) {
		free(order);
		free(g);
		return -1;
	}
	size_t n = 0;
	for (size_t o = 0; o < m->nkeys; o++) {
		const struct an_key *k = &m->keys[order[o]];
		if (!o || cmp(&m->keys[order[o - 1]], k)) {
			struct an_group *ng = &g[n++];
			ng->entry = k->entry;
			ng->name = cmp == cmp_entry ? NULL : k->k->name;
			ng->site = k->site;
			ng->tmpl = k->tmpl;
			ng->first_key = order[o];
		}
		struct an_group *cur = &g[n - 1];
		const struct ltx_key *r = &k->k->k;
		cur->nkeys++;
		cur->timed += r->timed;
		if (r->action == LTX_ACT_DROP) {
			cur->dropped += r->calls;
			cur->saved_ns += k->saved_ns;
			cur->save_basis = cur->dropped_keys++ ? weaker(cur->save_basis, k->save_basis) : k->save_basis;
			continue;
		}
		cur->kept += r->calls;
		cur->est_ns += k->est_ns;
		if (k->basis != AN_UNTIMED)
			cur->timed_keys++;
		else
			cur->untimed_keys++;
	}
	free(order);
	for (size_t i = 0; i < n; i++) {
		struct an_group *c = &g[i];
		int timed = c->timed_keys > 0;
		c->ns_per_call = timed && c->kept ? c->est_ns / (double)c->kept : -1;
		c->share = timed && m->busy_net_ns > 0 ? c->est_ns / m->busy_net_ns : -1;
	}
	qsort(g, n, sizeof *g, by_est_desc);
	*out = g;
	*nout = n;
	return 0;
}


/* The q-quantile of a log2 histogram, interpolated in its bucket. open_last:
 * bucket LTX_HIST_BUCKETS - 1 holds everything above it (the shim's last):
 * a quantile that falls there is its floor. */
static double hist_quantile_ticks(const uint64_t *h, uint32_t n, double q, int open_last)
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

static void key_quantiles(const struct an_proc *p, struct an_key *k)
{
	k->p50_ns = k->p99_ns = -1;
	if (!k->k->hist || !p->ns_per_tick)
		return;
	double a = hist_quantile_ticks(k->k->hist, k->k->hist_len, 0.5, 1);
	double b = hist_quantile_ticks(k->k->hist, k->k->hist_len, 0.99, 1);
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

double an_trace_start_ns(const struct an_model *m, size_t proc, const struct ltx_trace_event *e)
{
	const struct an_proc *p = &m->procs[proc];
	double d = ((double)e->start - (double)p->f->proc.start_tsc) * p->ns_per_tick;
	return p->t0_ns + d;
}

double an_trace_dur_ns(const struct an_model *m, size_t proc, const struct ltx_trace_event *e)
{
	const struct an_proc *p = &m->procs[proc];
	if (!e->ticks || (e->flags & LTX_TEV_UNTIMED))
		return 0;
	double d = (double)e->ticks * p->ns_per_tick - (e->kind == LTX_TEV_CALL ? p->window_ns : 0);
	return d > 0 ? d : 0;
}

static unsigned log2_bucket(double ns)
{
	unsigned b = 0;
	while (ns >= 2 && b + 1 < AN_HIST_MAX) {
		ns /= 2;
		b++;
	}
	return b;
}

/* Trace mode: per thread, the ring's counts and the log time of each whole
 * iteration (from the end of one wait to the end of the next) it holds. */
static void trace_threads(struct an_model *m, size_t pi)
{
	struct an_proc *p = &m->procs[pi];
	const struct ltx_file *f = p->f;
	double *acc = calloc(f->nthreads + 1, sizeof *acc);
	char *open = calloc(f->nthreads + 1, 1);
	if (!acc || !open) {
		free(acc);
		free(open);
		return;
	}
	for (size_t r = 0; r < f->ntraces; r++) {
		const struct ltx_r_trace *tr = &f->traces[r];
		struct an_thread *t = &m->threads[p->thread0 + tr->t.thread];
		if (tr->t.chunk == 0) {
			t->trace_recorded = tr->t.recorded;
			t->trace_overwritten = tr->t.overwritten;
			p->trace_recorded += tr->t.recorded;
			p->trace_overwritten += tr->t.overwritten;
			if (tr->t.capacity > p->trace_capacity)
				p->trace_capacity = tr->t.capacity;
		}
		t->trace_kept += tr->t.nevents;
		p->trace_kept += tr->t.nevents;
		for (uint32_t j = 0; j < tr->t.nevents; j++) {
			const struct ltx_trace_event *e = &tr->events[j];
			size_t ti = tr->t.thread;
			if (e->kind == LTX_TEV_WAIT) {
				if (open[ti]) {
					t->iter_hist[log2_bucket(acc[ti])]++;
					t->iters_traced++;
				}
				open[ti] = 1;
				acc[ti] = 0;
			} else if (!(e->flags & LTX_TEV_DROPPED)) {
				acc[ti] += an_trace_dur_ns(m, pi, e);
			}
		}
	}
	for (size_t i = 0; i < f->nthreads; i++) {
		struct an_thread *t = &m->threads[p->thread0 + i];
		t->iter_p50_ns = t->iter_p99_ns = -1;
		if (!t->iters_traced)
			continue;
		uint32_t n = AN_HIST_MAX;
		/* the same interpolation as the key histograms, in ns */
		t->iter_p50_ns = hist_quantile_ticks(t->iter_hist, n, 0.5, 0);
		t->iter_p99_ns = hist_quantile_ticks(t->iter_hist, n, 0.99, 0);
	}
	free(acc);
	free(open);
}

static int by_stack_count(const void *a, const void *b)
{
	const struct an_stack *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return x->s < y->s ? -1 : x->s > y->s;
}

/* Per stack: the sampled calls that had it, and the key with most of them. */
static int stack_totals(struct an_model *m)
{
	size_t n = 0;
	for (size_t pi = 0; pi < m->nprocs; pi++)
		n += m->procs[pi].f->nstacks;
	m->stacks = calloc(n + 1, sizeof *m->stacks);
	uint64_t *best = calloc(n + 1, sizeof *best);
	size_t *stack0 = calloc(m->nprocs + 1, sizeof *stack0);
	if (!m->stacks || !best || !stack0) {
		free(best);
		free(stack0);
		return -1;
	}
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		const struct ltx_file *f = m->procs[pi].f;
		stack0[pi] = m->nstacks;
		for (size_t i = 0; i < f->nstacks; i++) {
			m->stacks[m->nstacks].s = &f->stacks[i];
			m->stacks[m->nstacks++].proc = pi;
		}
	}
	for (size_t i = 0; i < m->nstack_rows; i++) {
		const struct an_stack_row *r = &m->stack_rows[i];
		if (!r->stack)
			continue;
		size_t pi = m->keys[r->key].proc;
		size_t j = stack0[pi] + (size_t)(r->stack - m->procs[pi].f->stacks);
		m->stacks[j].count += r->sampled;
		if (r->sampled > best[j]) {
			best[j] = r->sampled;
			m->stacks[j].top_key = r->key;
		}
	}
	free(best);
	free(stack0);
	qsort(m->stacks, m->nstacks, sizeof *m->stacks, by_stack_count);
	return 0;
}

static int by_stack_key(const void *a, const void *b)
{
	const struct an_stack_row *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->sampled != y->sampled)
		return x->sampled < y->sampled ? 1 : -1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* Folded stacks: each key's calls and time shared out over its stacks. */
static int stack_rows(struct an_model *m)
{
	size_t n = 0;
	for (size_t pi = 0; pi < m->nprocs; pi++)
		n += m->procs[pi].f->nkey_stacks;
	m->stack_rows = calloc(n + 1, sizeof *m->stack_rows);
	if (!m->stack_rows)
		return -1;
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		struct an_proc *p = &m->procs[pi];
		const struct ltx_file *f = p->f;
		if (f->nstacks) {
			p->stack_depth = f->stacks[0].s.max_depth;
			p->stack_every = f->stacks[0].s.every;
		}
		for (size_t i = 0; i < f->nkey_stacks; i++) {
			const struct ltx_key_stack *ks = &f->key_stacks[i];
			struct an_stack_row *r = &m->stack_rows[m->nstack_rows++];
			r->key = p->key0 + ks->key;
			r->sampled = ks->count;
			if (ks->stack >= LTX_STACK_LOST_MIN)
				r->lost = ks->stack;
			else
				r->stack = &f->stacks[ks->stack];
			p->stacks_picked += ks->count;
			p->stack_ns += (double)ks->ticks * p->ns_per_tick;
			if (ks->stack == LTX_STACK_LOST_FULL)
				p->stacks_lost_full += ks->count;
			else if (ks->stack == LTX_STACK_LOST_BUSY)
				p->stacks_lost_busy += ks->count;
			else if (ks->stack == LTX_STACK_LOST_FAILED)
				p->stacks_lost_failed += ks->count;
		}
	}
	qsort(m->stack_rows, m->nstack_rows, sizeof *m->stack_rows, by_stack_key);
	if (stack_totals(m) < 0)
		return -1;
	for (size_t i = 0; i < m->nstack_rows;) {
		size_t j = i;
		uint64_t total = 0;
		while (j < m->nstack_rows && m->stack_rows[j].key == m->stack_rows[i].key)
			total += m->stack_rows[j++].sampled;
		const struct an_key *k = &m->keys[m->stack_rows[i].key];
		uint64_t calls = k->k->k.calls, given = 0;
		for (size_t r = i; r < j; r++) {
			struct an_stack_row *row = &m->stack_rows[r];
			double share = total ? (double)row->sampled / (double)total : 0;
			row->calls = (uint64_t)((double)calls * share);
			row->est_ns = k->est_ns * share;
			given += row->calls;
		}
		/* largest remainder: rows are sorted by sampled, so the first ones get the rest */
		for (size_t r = i; given < calls && total; r = r + 1 < j ? r + 1 : i) {
			m->stack_rows[r].calls++;
			given++;
		}
		i = j;
	}
	return 0;
}

int an_model_build(struct an_model *m, const struct ltx_file *files, size_t nfiles, const struct an_opts *o)
{
	memset(m, 0, sizeof *m);
	size_t nkeys = 0, nthreads = 0;
	for (size_t i = 0; i < nfiles; i++) {
		nkeys += files[i].nkeys;
		nthreads += files[i].nthreads;
	}
	size_t nrules = 0;
	for (size_t i = 0; i < nfiles; i++)
		nrules += files[i].nrules;
	m->procs = calloc(nfiles + 1, sizeof *m->procs);
	m->keys = calloc(nkeys + 1, sizeof *m->keys);
	m->threads = calloc(nthreads + 1, sizeof *m->threads);
	m->gens = calloc(nkeys + nrules + 1, sizeof *m->gens);
	m->drops = calloc(nkeys + 1, sizeof *m->drops);
	double *src_mean = calloc(nkeys + 1, sizeof *src_mean);
	if (!m->procs || !m->keys || !m->threads || !m->gens || !m->drops || !src_mean) {
		free(src_mean);
		return -1;
	}
	m->baseline = o ? o->baseline : NULL;
	size_t nbase = 0;
	struct xkey *bk = m->baseline ? baseline_keys(m->baseline, &nbase) : NULL;
	m->nprocs = nfiles;
	m->nkeys = nkeys;
	m->nthreads = nthreads;
	m->top = o ? o->top : 0;
	size_t koff = 0, toff = 0;
	for (size_t pi = 0; pi < nfiles; pi++) {
		struct an_proc *p = &m->procs[pi];
		const struct ltx_file *f = &files[pi];
		p->f = f;
		p->sym = an_sym_open(f, o ? o->debuginfo_path : NULL);
		if (!p->sym)
			goto fail;
		if (f->tick_hz > 0)
			p->ns_per_tick = 1e9 / f->tick_hz;
		calib(p);
		p->run_ns = f->proc.end_mono_ns > f->proc.start_mono_ns ?
				    (double)(f->proc.end_mono_ns - f->proc.start_mono_ns) : 0;
		p->key0 = koff;
		p->thread0 = toff;
		struct an_key *keys = &m->keys[koff];
		for (size_t i = 0; i < f->nkeys; i++) {
			struct an_key *ak = &keys[i];
			const struct ltx_r_key *k = &f->keys[i];
			const struct ltx_r_entry *e = ltx_find_entry(f, k->k.entry);
			ak->k = k;
			ak->proc = pi;
			ak->thread = toff + k->k.thread;
			ak->entry = e->name;
			ak->family = e->e.family;
			ak->site = an_sym_lookup_at(p->sym, k->k.caller, 1, k->k.unloads);
			ak->tmpl = an_sym_template_at(p->sym, k->k.fmt, k->k.unloads);
			if (ak->site->status != AN_MOD_OK && ak->site->status != AN_MOD_UNVERIFIED)
				p->unsymbolized_keys++;
			key_quantiles(p, ak);
			if (k->hist)
				m->has_hists = 1;
		}
		if (f->nstacks || f->nkey_stacks)
			m->has_stacks = 1;
		if (f->ntraces)
			m->has_trace = 1;
		if (estimate(p, keys, f->nkeys, &src_mean[koff]) < 0 ||
		    savings(p, keys, f->nkeys, &src_mean[koff], bk, nbase) < 0 ||
		    threads(m, p, pi, &m->threads[toff], keys, f->nkeys) < 0 || generations(m, pi) < 0)
			goto fail;
		m->kept += p->kept;
		m->dropped += p->dropped;
		m->timed += p->timed;
		m->est_ns += p->est_ns;
		m->shim_ns += p->shim_ns;
		m->run_ns = p->run_ns > m->run_ns ? p->run_ns : m->run_ns;
		m->busy_ns += p->busy_ns;
		m->loop_log_ns += p->loop_log_ns;
		m->loop_shim_ns += p->loop_shim_ns;
		m->saved_ns += p->saved_ns;
		m->unsymbolized_keys += p->unsymbolized_keys;
		koff += f->nkeys;
		toff += f->nthreads;
	}
	free(src_mean);
	src_mean = NULL;
	free(bk);
	bk = NULL;
	qsort(m->drops, m->ndrops, sizeof *m->drops, by_saved_desc);
	/* A common time line: processes placed by their monotonic start. */
	uint64_t first = UINT64_MAX;
	for (size_t pi = 0; pi < nfiles; pi++)
		if (files[pi].proc.start_mono_ns < first)
			first = files[pi].proc.start_mono_ns;
	for (size_t pi = 0; pi < nfiles; pi++) {
		m->procs[pi].t0_ns = (double)(files[pi].proc.start_mono_ns - first);
		trace_threads(m, pi);
	}
	if (stack_rows(m) < 0)
		return -1;
	m->busy_net_ns = m->busy_ns - m->loop_shim_ns;
	m->loop_share = m->busy_net_ns > 0 ? m->loop_log_ns / m->busy_net_ns : -1;
	if (m->loop_share > 1) /* a sampled estimate can overshoot: as for threads */
		m->loop_share = 1;
	if (group(m, cmp_entry, &m->entries, &m->nentries) < 0 || group(m, cmp_source, &m->sources, &m->nsources) < 0 ||
	    group(m, cmp_site, &m->sites, &m->nsites) < 0 || group(m, cmp_template, &m->templates, &m->ntemplates) < 0)
		return -1;
	return 0;
fail:
	free(src_mean);
	free(bk);
	return -1;
}

void an_model_free(struct an_model *m)
{
	for (size_t i = 0; m->procs && i < m->nprocs; i++)
		an_sym_close(m->procs[i].sym);
	free(m->procs);
	free(m->keys);
	free(m->entries);
	free(m->sources);
	free(m->sites);
	free(m->templates);
	free(m->threads);
	free(m->stack_rows);
	free(m->stacks);
	free(m->gens);
	free(m->drops);
	memset(m, 0, sizeof *m);
}

/* The caller of a key as the shim's dladdr would name it. */
struct caller_ctx {
	const struct ltx_file *f;
	uint64_t ret;
};

static int resolve_caller(void *ctx, const char **sym, const char **mod)
{
	const struct caller_ctx *c = ctx;
	const struct ltx_r_module *m = ltx_find_module(c->f, c->ret - 1);
	if (!m)
		return -1;
	*mod = m->path;
	*sym = an_dynsym_at(m->path, c->ret - 1 - m->m.bias);
	return 0;
}

void an_predict(const struct an_model *m, const struct ltx_ruleset *rs, struct an_prediction *p)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct an_key *ak = &m->keys[i];
		const struct an_proc *pr = &m->procs[ak->proc];
		const struct ltx_key *k = &ak->k->k;
		struct caller_ctx c = { pr->f, k->caller };
		struct ltx_rule_subject s = { ak->entry, ak->family, (k->flags & LTX_KEY_NO_NAME) ? NULL : ak->k->name,
					      k->level, resolve_caller, &c };
		int act = ltx_rules_match(rs, &s, NULL);
		if (k->action == LTX_ACT_DROP) {
			if (act == LTX_ACT_KEEP)
				p->newly_kept += k->calls;
			continue;
		}
		if (act != LTX_ACT_DROP)
			continue;
		p->calls += k->calls;
		if (ak->basis == AN_UNTIMED) {
			p->calls_no_cost += k->calls;
			continue;
		}
		uint64_t untimed = k->calls > k->timed ? k->calls - k->timed : 0;
		p->saved_ns += ak->est_ns + (double)untimed * pr->cost_count_ns + (double)k->timed * pr->cost_timed_ns -
			       (double)k->calls * pr->cost_drop_ns;
	}
}

/* --diff. A row's identity: entry point, source, level, call-site label. */
static int cmp_diff(const struct an_key *a, const struct an_key *b)
{
	int r = cmp_source(a, b);
	if (r)
		return r;
	if (a->k->k.level != b->k->k.level)
		return a->k->k.level < b->k->k.level ? -1 : 1;
	return cmp_str(a->site->label, b->site->label);
}

struct side {
	const struct an_model *m;
	size_t *order;
	size_t at;
};

/* Adds up the run of keys equal to the one at s->at; advances past it. */
static void take_run(struct side *s, uint64_t *calls, double *est, double *per_call, const struct an_key **first)
{
	const struct an_key *k0 = &s->m->keys[s->order[s->at]];
	uint64_t kept = 0, all = 0;
	double e = 0;
	int timed = 0;
	*first = k0;
	while (s->at < s->m->nkeys) {
		const struct an_key *k = &s->m->keys[s->order[s->at]];
		if (cmp_diff(k0, k))
			break;
		all += k->k->k.calls;
		if (k->k->k.action != LTX_ACT_DROP) {
			kept += k->k->k.calls;
			e += k->est_ns;
			if (k->basis != AN_UNTIMED)
				timed = 1;
		}
		s->at++;
	}
	*calls = all;
	*est = timed ? e : -1;
	*per_call = timed && kept ? e / (double)kept : -1;
}

static double magnitude(const struct an_diff_row *r)
{
	double a = r->est_a > 0 ? r->est_a : 0, b = r->est_b > 0 ? r->est_b : 0;
	return a > b ? a - b : b - a;
}

static int by_change(const void *x, const void *y)
{
	const struct an_diff_row *a = x, *b = y;
	double ma = magnitude(a), mb = magnitude(b);
	if (ma != mb)
		return ma < mb ? 1 : -1;
	uint64_t ca = a->calls_a > a->calls_b ? a->calls_a - a->calls_b : a->calls_b - a->calls_a;
	uint64_t cb = b->calls_a > b->calls_b ? b->calls_a - b->calls_b : b->calls_b - b->calls_a;
	if (ca != cb)
		return ca < cb ? 1 : -1;
	int r = cmp_str(a->name, b->name);
	return r ? r : cmp_str(a->site, b->site);
}

int an_diff_build(struct an_diff *d, const struct an_model *a, const struct an_model *b)
{
	memset(d, 0, sizeof *d);
	d->a = a;
	d->b = b;
	struct side sa = { a, sorted_keys(a->keys, a->nkeys, cmp_diff), 0 };
	struct side sb = { b, sorted_keys(b->keys, b->nkeys, cmp_diff), 0 };
	d->rows = calloc(a->nkeys + b->nkeys + 1, sizeof *d->rows);
	if (!sa.order || !sb.order || !d->rows) {
		free(sa.order);
		free(sb.order);
		return -1;
	}
	while (sa.at < a->nkeys || sb.at < b->nkeys) {
		const struct an_key *ka = sa.at < a->nkeys ? &a->keys[sa.order[sa.at]] : NULL;
		const struct an_key *kb = sb.at < b->nkeys ? &b->keys[sb.order[sb.at]] : NULL;
		int c = !ka ? 1 : !kb ? -1 : cmp_diff(ka, kb);
		struct an_diff_row *r = &d->rows[d->nrows++];
		const struct an_key *first = NULL;
		r->est_a = r->est_b = r->per_call_a = r->per_call_b = -1;
		if (c <= 0) {
			take_run(&sa, &r->calls_a, &r->est_a, &r->per_call_a, &first);
			r->in_a = 1;
		}
		if (c >= 0) {
			take_run(&sb, &r->calls_b, &r->est_b, &r->per_call_b, &first);
			r->in_b = 1;
		}
		r->entry = first->entry;
		r->name = first->k->name;
		r->level = first->k->k.level;
		r->family = first->family;
		r->site = first->site->label;
		r->tmpl = first->tmpl;
	}
	free(sa.order);
	free(sb.order);
	qsort(d->rows, d->nrows, sizeof *d->rows, by_change);
	return 0;
}

void an_diff_free(struct an_diff *d)
{
	free(d->rows);
	memset(d, 0, sizeof *d);
}
