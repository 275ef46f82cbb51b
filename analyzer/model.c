/* Estimates. Counts are exact (the shim counts every call). Times come from
 * the timed calls: sampled calls are picked by a random countdown, so their
 * mean is an unbiased estimate of a call's cost, and calls x mean estimates
 * the total. The shim's own cost, measured by the shim at start-up, is taken
 * out twice: from each timed window (the part of the shim inside it), and
 * from busy time (what the shim added to the program). */
#include "model.h"

#include <math.h>
#include <stdio.h>
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
	}
	return "?";
}

const char *an_addr_name(const struct ltx_file *f, uint64_t addr, char *buf, size_t cap)
{
	const struct ltx_r_module *m = ltx_find_module(f, addr);
	if (!m) {
		snprintf(buf, cap, "0x%llx", (unsigned long long)addr);
		return buf;
	}
	const char *base = strrchr(m->path, '/');
	snprintf(buf, cap, "%s+0x%llx", base ? base + 1 : m->path[0] ? m->path : "?",
		 (unsigned long long)(addr - m->m.bias));
	return buf;
}

double an_hist_quantile(const uint64_t *hist, uint32_t n, double q)
{
	double total = 0;
	for (uint32_t b = 0; b < n; b++)
		total += (double)hist[b];
	if (total <= 0)
		return -1;
	double want = q * total, cum = 0;
	for (uint32_t b = 0; b < n; b++) {
		double c = (double)hist[b];
		if (c > 0 && cum + c >= want) {
			double lo = b ? ldexp(1, (int)b) : 0, hi = ldexp(1, (int)b + 1);
			if (b + 1 == n && n >= LTX_HIST_BUCKETS)
				return lo; /* the open last bucket: its floor */
			return lo + (hi - lo) * (want - cum) / c;
		}
		cum += c;
	}
	return -1;
}

static int by_count_desc(const void *a, const void *b)
{
	const struct an_stack *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Stacks: calls per stack over all keys, the picks that were lost, and
 * what capturing cost (added to the shim's cost, per thread). */
static int stacks(struct an_model *m, double *thr_capture_ticks)
{
	const struct ltx_file *f = m->f;
	m->stacks = calloc(f->nstacks + 1, sizeof *m->stacks);
	uint64_t *best = calloc(f->nstacks + 1, sizeof *best);
	if (!m->stacks || !best) {
		free(best);
		return -1;
	}
	m->nstacks = f->nstacks;
	for (size_t i = 0; i < f->nstacks; i++) {
		m->stacks[i].s = &f->stacks[i];
		m->stacks[i].index = i;
		if (!m->stack_depth) {
			m->stack_depth = f->stacks[i].s.max_depth;
			m->stack_every = f->stacks[i].s.every;
		}
	}
	double ticks = 0;
	for (size_t i = 0; i < f->nkey_stacks; i++) {
		const struct ltx_key_stack *ks = &f->key_stacks[i];
		m->stack_picked += ks->count;
		ticks += (double)ks->ticks;
		thr_capture_ticks[f->keys[ks->key].k.thread] += (double)ks->ticks;
		if (ks->stack == LTX_STACK_LOST_FULL)
			m->stack_lost[0] += ks->count;
		else if (ks->stack == LTX_STACK_LOST_BUSY)
			m->stack_lost[1] += ks->count;
		else if (ks->stack == LTX_STACK_LOST_FAILED)
			m->stack_lost[2] += ks->count;
		else {
			struct an_stack *st = &m->stacks[ks->stack];
			st->count += ks->count;
			if (ks->count > best[ks->stack]) {
				best[ks->stack] = ks->count;
				st->top_key = ks->key;
			}
		}
	}
	free(best);
	m->stack_ns = ticks * m->ns_per_tick;
	qsort(m->stacks, m->nstacks, sizeof *m->stacks, by_count_desc);
	return 0;
}

static double per_call(uint64_t ticks, uint32_t calls)
{
	return calls ? (double)ticks / calls : 0;
}

static void calib(struct an_model *m)
{
	const struct ltx_calib *c = &m->f->calib;
	if (!m->f->has_calib || !c->calls || !m->ns_per_tick)
		return;
	double t = m->ns_per_tick;
	double direct = per_call(c->direct_ticks, c->calls);
	double count = per_call(c->count_ticks, c->calls) - direct;
	double v;
	m->cost_count_ns = count > 0 ? count * t : 0;
	v = per_call(c->drop_ticks, c->calls) - direct;
	m->cost_drop_ns = v > 0 ? v * t : 0;
	if (m->f->proc.time_mode == LTX_TIME_SAMPLE && c->sample_timed && c->sample_calls) {
		/* What the sampled calls cost beyond counting, spread over the timed ones. */
		double extra = ((double)c->sample_ticks / (double)c->sample_calls - direct - count) *
			       (double)c->sample_calls / (double)c->sample_timed;
		m->cost_timed_ns = (count + (extra > 0 ? extra : 0)) * t;
		m->window_ns = (double)c->sample_window_ticks / (double)c->sample_timed * t;
	} else {
		v = per_call(c->timed_ticks, c->calls) - direct;
		m->cost_timed_ns = v > 0 ? v * t : 0;
		m->window_ns = per_call(c->window_ticks, c->calls) * t;
	}
}

/* Mean cost of a timed call in ns with the window cost taken out. */
static double net_mean(const struct an_model *m, double ticks, uint64_t timed)
{
	double v = ticks / (double)timed * m->ns_per_tick - m->window_ns;
	return v > 0 ? v : 0;
}

/* Keys ordered by (entry, name): sources are then runs of equal keys. */
static const struct ltx_file *sort_file;
static int by_entry_name(const void *a, const void *b)
{
	const struct ltx_r_key *x = &sort_file->keys[*(const size_t *)a];
	const struct ltx_r_key *y = &sort_file->keys[*(const size_t *)b];
	if (x->k.entry != y->k.entry)
		return x->k.entry < y->k.entry ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_est_desc(const void *a, const void *b)
{
	const struct an_group *x = a, *y = b;
	if (x->est_ns != y->est_ns)
		return x->est_ns < y->est_ns ? 1 : -1;
	if (x->kept + x->dropped != y->kept + y->dropped)
		return x->kept + x->dropped < y->kept + y->dropped ? 1 : -1;
	return 0;
}

int an_model_build(struct an_model *m, const struct ltx_file *f)
{
	memset(m, 0, sizeof *m);
	m->f = f;
	if (f->tick_hz > 0)
		m->ns_per_tick = 1e9 / f->tick_hz;
	calib(m);
	m->run_ns = (double)(f->proc.end_mono_ns - f->proc.start_mono_ns);
	if (f->proc.end_mono_ns < f->proc.start_mono_ns)
		m->run_ns = 0;

	m->keys = calloc(f->nkeys + 1, sizeof *m->keys);
	m->entries = calloc(f->nentries + 1, sizeof *m->entries);
	m->sources = calloc(f->nkeys + 1, sizeof *m->sources);
	m->threads = calloc(f->nthreads + 1, sizeof *m->threads);
	if (!m->keys || !m->entries || !m->sources || !m->threads)
		return -1;
	m->nkeys = f->nkeys;

	/* Sources and entry points: sums of timed ticks, for pooling. */
	double *src_ticks = calloc(f->nkeys + 1, sizeof *src_ticks);
	double *ent_ticks = calloc(f->nentries + 1, sizeof *ent_ticks);
	if (!src_ticks || !ent_ticks) {
		free(src_ticks);
		free(ent_ticks);
		return -1;
	}
	size_t *key_src = calloc(f->nkeys + 1, sizeof *key_src);
	size_t *key_ent = calloc(f->nkeys + 1, sizeof *key_ent);
	if (!key_src || !key_ent) {
		free(src_ticks);
		free(ent_ticks);
		free(key_src);
		free(key_ent);
		return -1;
	}
	size_t *order = calloc(f->nkeys + 1, sizeof *order);
	if (!order) {
		free(src_ticks);
		free(ent_ticks);
		free(key_src);
		free(key_ent);
		return -1;
	}
	for (size_t i = 0; i < f->nkeys; i++)
		order[i] = i;
	sort_file = f;
	qsort(order, f->nkeys, sizeof *order, by_entry_name);
	for (size_t o = 0; o < f->nkeys; o++) {
		size_t i = order[o];
		const struct ltx_r_key *k = &f->keys[i];
		const struct ltx_r_entry *e = ltx_find_entry(f, k->k.entry);
		struct an_key *ak = &m->keys[i];
		ak->k = k;
		ak->entry = e->name;
		ak->family = e->e.family;
		const struct ltx_r_key *prev = o ? &f->keys[order[o - 1]] : NULL;
		if (!prev || prev->k.entry != k->k.entry) {
			struct an_group *g = &m->entries[m->nentries++];
			g->entry = e->name;
		}
		if (!prev || prev->k.entry != k->k.entry || strcmp(prev->name, k->name)) {
			struct an_group *g = &m->sources[m->nsources++];
			g->entry = e->name;
			g->name = k->name;
		}
		struct an_group *ge = &m->entries[m->nentries - 1];
		struct an_group *gs = &m->sources[m->nsources - 1];
		key_src[i] = m->nsources - 1;
		key_ent[i] = m->nentries - 1;
		if (k->k.action == LTX_ACT_DROP) {
			ge->dropped += k->k.calls;
			gs->dropped += k->k.calls;
		} else {
			ge->kept += k->k.calls;
			gs->kept += k->k.calls;
		}
		ge->timed += k->k.timed;
		gs->timed += k->k.timed;
		src_ticks[key_src[i]] += (double)k->k.ticks;
		ent_ticks[key_ent[i]] += (double)k->k.ticks;
	}
	free(order);

	/* Per key: own sample, else its source's, else its entry point's. */
	for (size_t i = 0; i < f->nkeys; i++) {
		struct an_key *ak = &m->keys[i];
		const struct ltx_key *k = &ak->k->k;
		struct an_group *gs = &m->sources[key_src[i]], *ge = &m->entries[key_ent[i]];
		if (k->action == LTX_ACT_DROP) {
			ak->basis = AN_DROPPED;
		} else if (!m->ns_per_tick || f->proc.time_mode == LTX_TIME_OFF) {
			ak->basis = AN_UNTIMED;
		} else if (k->timed) {
			ak->basis = f->proc.time_mode == LTX_TIME_ALL && k->timed == k->calls ? AN_TIMED_ALL : AN_SAMPLED;
			ak->ns_per_call = net_mean(m, (double)k->ticks, k->timed);
		} else if (gs->timed) {
			ak->basis = AN_POOLED_NAME;
			ak->ns_per_call = net_mean(m, src_ticks[key_src[i]], gs->timed);
		} else if (ge->timed) {
			ak->basis = AN_POOLED_ENTRY;
			ak->ns_per_call = net_mean(m, ent_ticks[key_ent[i]], ge->timed);
		} else {
			ak->basis = AN_UNTIMED;
		}
		ak->p50_ns = ak->p99_ns = -1;
		if (ak->k->hist && m->ns_per_tick) {
			double p50 = an_hist_quantile(ak->k->hist, ak->k->hist_len, 0.5);
			double p99 = an_hist_quantile(ak->k->hist, ak->k->hist_len, 0.99);
			if (p50 >= 0)
				ak->p50_ns = fmax(0, p50 * m->ns_per_tick - m->window_ns);
			if (p99 >= 0)
				ak->p99_ns = fmax(0, p99 * m->ns_per_tick - m->window_ns);
		}
		int has = ak->basis != AN_UNTIMED && ak->basis != AN_DROPPED;
		if (has)
			ak->est_ns = ak->ns_per_call * (double)k->calls;
		if (k->action != LTX_ACT_DROP) {
			gs->est_ns += ak->est_ns;
			ge->est_ns += ak->est_ns;
			if (has) {
				gs->timed_keys++;
				ge->timed_keys++;
			} else {
				gs->untimed_keys++;
				ge->untimed_keys++;
			}
			m->kept += k->calls;
			m->est_ns += ak->est_ns;
		} else {
			m->dropped += k->calls;
		}
		m->timed += k->timed;
	}
	free(src_ticks);
	free(ent_ticks);
	free(key_src);
	free(key_ent);

	/* Threads: totals from their keys, then the loop part. */
	m->nthreads = f->nthreads;
	for (size_t i = 0; i < f->nthreads; i++)
		m->threads[i].t = &f->threads[i];
	double *thr_ticks = calloc(f->nthreads + 1, sizeof *thr_ticks);
	double *thr_capture = calloc(f->nthreads + 1, sizeof *thr_capture);
	if (!thr_ticks || !thr_capture || stacks(m, thr_capture) < 0) {
		free(thr_ticks);
		free(thr_capture);
		return -1;
	}
	for (size_t i = 0; i < f->nkeys; i++) {
		const struct ltx_key *k = &m->keys[i].k->k;
		struct an_thread *t = &m->threads[k->thread];
		if (k->action == LTX_ACT_DROP)
			t->dropped += k->calls;
		else
			t->kept += k->calls;
		t->timed += k->timed;
		t->est_ns += m->keys[i].est_ns;
		thr_ticks[k->thread] += (double)k->ticks;
	}
	for (size_t i = 0; i < m->nthreads; i++) {
		struct an_thread *t = &m->threads[i];
		const struct ltx_thread *r = t->t;
		t->loop_log_ns = -1;
		t->share = -1;
		if (!r->waits)
			continue;
		t->loop_kept = t->kept >= r->pre_loop_kept ? t->kept - r->pre_loop_kept : 0;
		t->loop_dropped = t->dropped >= r->pre_loop_dropped ? t->dropped - r->pre_loop_dropped : 0;
		t->loop_timed = t->timed >= r->pre_loop_timed ? t->timed - r->pre_loop_timed : 0;
		double loop_ticks = thr_ticks[i] - (double)r->pre_loop_ticks;
		if (!m->ns_per_tick)
			continue;
		t->wait_ns = (double)r->wait_ticks * m->ns_per_tick;
		t->busy_ns = (double)r->busy_ticks * m->ns_per_tick;
		if (t->loop_timed && loop_ticks > 0)
			t->loop_log_ns = net_mean(m, loop_ticks, t->loop_timed) * (double)t->loop_kept;
		else if (t->kept && t->est_ns > 0)
			t->loop_log_ns = t->est_ns * (double)t->loop_kept / (double)t->kept;
		else if (!t->loop_kept)
			t->loop_log_ns = 0;
		uint64_t untimed = t->loop_kept > t->loop_timed ? t->loop_kept - t->loop_timed : 0;
		/* Stack captures: all of the thread's, though some may predate its
		 * loop (they are rare before it: the loop is where the calls are). */
		t->shim_ns = (double)untimed * m->cost_count_ns + (double)t->loop_timed * m->cost_timed_ns +
			     (double)t->loop_dropped * m->cost_drop_ns + thr_capture[i] * m->ns_per_tick;
		double net = t->busy_ns - t->shim_ns;
		if (t->loop_log_ns >= 0 && net > 0) {
			t->share = t->loop_log_ns / net;
			if (t->share > 1)
				t->share = 1;
		}
		m->busy_ns += t->busy_ns;
		m->loop_shim_ns += t->shim_ns;
		if (t->loop_log_ns > 0)
			m->loop_log_ns += t->loop_log_ns;
	}
	free(thr_ticks);
	free(thr_capture);
	uint64_t untimed = m->kept > m->timed ? m->kept - m->timed : 0;
	m->shim_ns = (double)untimed * m->cost_count_ns + (double)m->timed * m->cost_timed_ns +
		     (double)m->dropped * m->cost_drop_ns + m->stack_ns;
	qsort(m->entries, m->nentries, sizeof *m->entries, by_est_desc);
	qsort(m->sources, m->nsources, sizeof *m->sources, by_est_desc);
	return 0;
}

void an_model_free(struct an_model *m)
{
	free(m->keys);
	free(m->entries);
	free(m->sources);
	free(m->threads);
	free(m->stacks);
	memset(m, 0, sizeof *m);
}
