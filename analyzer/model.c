/* Estimates. Counts are exact (the shim counts every call). Times come from
 * the timed calls: sampled calls are picked by a random countdown, so their
 * mean is an unbiased estimate of a call's cost, and calls x mean estimates
 * the total. The shim's own cost, measured by the shim at start-up, is taken
 * out twice: from each timed window (the part of the shim inside it), and
 * from busy time (what the shim added to the program). */
#include "model.h"
#include "symbols.h"

#include "../common/ltx_levels.h"

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

/* A key's identity across generations and threads of one run. */
static const struct ltx_file *id_file;
static int by_identity(const void *a, const void *b)
{
	const struct ltx_key *x = &id_file->keys[*(const size_t *)a].k, *y = &id_file->keys[*(const size_t *)b].k;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	if (x->caller != y->caller)
		return x->caller < y->caller ? -1 : 1;
	return strcmp(id_file->keys[*(const size_t *)a].name, id_file->keys[*(const size_t *)b].name);
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

/* The baseline's kept keys with a cost, sorted by identity. */
static struct xkey *baseline_keys(const struct ltx_file *bf, size_t *n)
{
	struct an_model bm;
	*n = 0;
	if (an_model_build(&bm, bf) < 0) {
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

/* Mean ns per call of the baseline keys equal to `want` under cmp. */
static double baseline_mean(const struct xkey *x, size_t n, const struct xkey *want, int (*cmp)(const void *, const void *))
{
	double ns = 0, calls = 0;
	for (size_t i = 0; i < n; i++)
		if (!cmp(&x[i], want)) {
			ns += x[i].ns;
			calls += x[i].calls;
		}
	return calls > 0 ? ns / calls : -1;
}

/* What each dropped key saved: the real function's time per call from the
 * best basis there is (see enum an_save_basis), times its calls. */
static void savings(struct an_model *m, const struct ltx_file *f, const size_t *key_src, const double *src_ticks)
{
	size_t *order = calloc(f->nkeys + 1, sizeof *order);
	if (!order)
		return;
	for (size_t i = 0; i < f->nkeys; i++)
		order[i] = i;
	id_file = f;
	qsort(order, f->nkeys, sizeof *order, by_identity);
	for (size_t a = 0, b; a < f->nkeys; a = b) {
		double ticks = 0;
		uint64_t timed = 0;
		for (b = a; b < f->nkeys && !by_identity(&order[a], &order[b]); b++) {
			const struct ltx_key *k = &f->keys[order[b]].k;
			if (k->action != LTX_ACT_DROP) {
				ticks += (double)k->ticks;
				timed += k->timed;
			}
		}
		for (size_t j = a; timed && m->ns_per_tick && j < b; j++) {
			struct an_key *ak = &m->keys[order[j]];
			if (ak->k->k.action == LTX_ACT_DROP) {
				ak->saved_per_call = net_mean(m, ticks, timed);
				ak->save_basis = AN_SAVE_KEY;
			}
		}
	}
	free(order);

	size_t nb = 0;
	struct xkey *bk = m->baseline ? baseline_keys(m->baseline, &nb) : NULL;
	for (size_t i = 0; i < f->nkeys; i++) {
		struct an_key *ak = &m->keys[i];
		const struct ltx_key *k = &ak->k->k;
		if (k->action != LTX_ACT_DROP)
			continue;
		struct xkey want = { ak->entry, ak->k->name, NULL, k->level, 0, 0, 0 };
		want.module = an_module_of(f, k->caller, &want.offset);
		const struct an_group *gs = &m->sources[key_src[i]];
		double v;
		if (ak->save_basis == AN_SAVE_KEY) {
		} else if (bk && (v = baseline_mean(bk, nb, &want, xkey_cmp)) >= 0) {
			ak->saved_per_call = v;
			ak->save_basis = AN_SAVE_BASELINE_KEY;
		} else if (gs->timed && m->ns_per_tick) {
			ak->saved_per_call = net_mean(m, src_ticks[key_src[i]], gs->timed);
			ak->save_basis = AN_SAVE_SOURCE;
		} else if (bk && (v = baseline_mean(bk, nb, &want, xkey_cmp_source)) >= 0) {
			ak->saved_per_call = v;
			ak->save_basis = AN_SAVE_BASELINE_SOURCE;
		}
		ak->saved_ns = ak->saved_per_call * (double)k->calls;
		m->saved_ns += ak->saved_ns;
	}
	free(bk);
}

static int by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* A weaker basis wins when a group mixes them: none is the weakest. */
static enum an_save_basis weaker(enum an_save_basis a, enum an_save_basis b)
{
	if (a == AN_SAVE_NONE || b == AN_SAVE_NONE)
		return AN_SAVE_NONE;
	return a > b ? a : b;
}

static int by_saved_desc(const void *a, const void *b)
{
	const struct an_drop *x = a, *y = b;
	if (x->saved_ns != y->saved_ns)
		return x->saved_ns < y->saved_ns ? 1 : -1;
	if (x->dropped != y->dropped)
		return x->dropped < y->dropped ? 1 : -1;
	return x->gen < y->gen ? -1 : x->gen > y->gen;
}

/* Generations (from RULES records and keys) and dropped calls per source
 * and generation. */
static int generations(struct an_model *m, const struct ltx_file *f)
{
	uint32_t *g = calloc(f->nrules + f->nkeys + 1, sizeof *g);
	if (!g)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < f->nrules; i++)
		g[n++] = f->rules[i].r.gen;
	for (size_t i = 0; i < f->nkeys; i++)
		g[n++] = f->keys[i].k.gen;
	qsort(g, n, sizeof *g, by_u32);
	m->gens = calloc(n + 1, sizeof *m->gens);
	m->drops = calloc(f->nkeys + 1, sizeof *m->drops);
	if (!m->gens || !m->drops) {
		free(g);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (i && g[i] == g[i - 1])
			continue;
		struct an_gen *e = &m->gens[m->ngens++];
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
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct an_key *ak = &m->keys[i];
		const struct ltx_key *k = &ak->k->k;
		struct an_gen *e = m->gens;
		while (e->gen != k->gen)
			e++;
		if (k->action != LTX_ACT_DROP) {
			e->kept += k->calls;
			e->est_ns += ak->est_ns;
			continue;
		}
		e->dropped += k->calls;
		e->saved_ns += ak->saved_ns;
		struct an_drop *d = NULL;
		for (size_t j = 0; j < m->ndrops && !d; j++)
			if (m->drops[j].gen == k->gen && !strcmp(m->drops[j].entry, ak->entry) &&
			    !strcmp(m->drops[j].name, ak->k->name))
				d = &m->drops[j];
		if (!d) {
			d = &m->drops[m->ndrops++];
			d->entry = ak->entry;
			d->name = ak->k->name;
			d->gen = k->gen;
			d->save_basis = ak->save_basis;
		}
		d->dropped += k->calls;
		d->saved_ns += ak->saved_ns;
		d->save_basis = weaker(d->save_basis, ak->save_basis);
	}
	qsort(m->drops, m->ndrops, sizeof *m->drops, by_saved_desc);
	return 0;
}

int an_model_build(struct an_model *m, const struct ltx_file *f)
{
	return an_model_build_with(m, f, NULL);
}

int an_model_build_with(struct an_model *m, const struct ltx_file *f, const struct ltx_file *baseline)
{
	memset(m, 0, sizeof *m);
	m->f = f;
	m->baseline = baseline;
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
	savings(m, f, key_src, src_ticks);
	for (size_t i = 0; i < f->nkeys; i++) {
		struct an_group *gs = &m->sources[key_src[i]], *ge = &m->entries[key_ent[i]];
		const struct an_key *ak = &m->keys[i];
		if (ak->k->k.action != LTX_ACT_DROP)
			continue;
		gs->save_basis = gs->dropped_keys++ ? weaker(gs->save_basis, ak->save_basis) : ak->save_basis;
		ge->save_basis = ge->dropped_keys++ ? weaker(ge->save_basis, ak->save_basis) : ak->save_basis;
		gs->saved_ns += ak->saved_ns;
		ge->saved_ns += ak->saved_ns;
	}
	free(src_ticks);
	free(ent_ticks);
	free(key_src);
	free(key_ent);
	if (generations(m, f) < 0)
		return -1;

	/* Threads: totals from their keys, then the loop part. */
	m->nthreads = f->nthreads;
	for (size_t i = 0; i < f->nthreads; i++)
		m->threads[i].t = &f->threads[i];
	double *thr_ticks = calloc(f->nthreads + 1, sizeof *thr_ticks);
	if (!thr_ticks)
		return -1;
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
		t->shim_ns = (double)untimed * m->cost_count_ns + (double)t->loop_timed * m->cost_timed_ns +
			     (double)t->loop_dropped * m->cost_drop_ns;
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
	uint64_t untimed = m->kept > m->timed ? m->kept - m->timed : 0;
	m->shim_ns = (double)untimed * m->cost_count_ns + (double)m->timed * m->cost_timed_ns +
		     (double)m->dropped * m->cost_drop_ns;
	qsort(m->entries, m->nentries, sizeof *m->entries, by_est_desc);
	qsort(m->sources, m->nsources, sizeof *m->sources, by_est_desc);
	return 0;
}

void an_model_free(struct an_model *m)
{
	free(m->gens);
	free(m->drops);
	free(m->keys);
	free(m->entries);
	free(m->sources);
	free(m->threads);
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
		const struct ltx_key *k = &ak->k->k;
		struct caller_ctx c = { m->f, k->caller };
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
		p->saved_ns += ak->est_ns + (double)untimed * m->cost_count_ns + (double)k->timed * m->cost_timed_ns -
			       (double)k->calls * m->cost_drop_ns;
	}
}
