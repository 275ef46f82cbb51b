/* Building the model: per process its keys (symbolized, with their
 * estimates: estimate.c), threads, rule generations and dropped calls; the
 * trace (trace.c) and stacks (stacks.c); then the groups (entry points,
 * sources, call sites, templates), which add up the keys of every process.
 * Rule generations are per process: a generation number means nothing
 * across processes. */
#include "model_impl.h"
#include "../common/ltx_levels.h"

#include <stdlib.h>
#include <stdio.h>
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
	case AN_SAVE_KEY: return "same key's kept calls";
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


/* Sorting with a context (qsort_r): the keys and how to compare two. */
struct sort_ctx {
	const struct an_key *keys;
	an_key_cmp cmp;
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

int an_cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

int an_cmp_entry(const struct an_key *a, const struct an_key *b)
{
	return an_cmp_str(a->entry, b->entry);
}

int an_cmp_source(const struct an_key *a, const struct an_key *b)
{
	int r = an_cmp_entry(a, b);
	return r ? r : an_cmp_str(a->k->name, b->k->name);
}

static int cmp_site(const struct an_key *a, const struct an_key *b)
{
	int r = an_cmp_str(a->site->label, b->site->label);
	return r ? r : an_cmp_source(a, b);
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
	return an_cmp_str(a->site->label, b->site->label);
}

size_t *an_sorted_keys(const struct an_key *keys, size_t n, an_key_cmp cmp)
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
	size_t *order = an_sorted_keys(keys, n, cmp_gen_source);
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
static int group(const struct an_model *m, an_key_cmp cmp, struct an_group **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	size_t *order = an_sorted_keys(m->keys, m->nkeys, cmp);
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
			ng->name = cmp == an_cmp_entry ? NULL : k->k->name;
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
		/* its part of logging's CPU time (see an_thread_cpu): the groups add up to the headline */
		c->cpu_share = timed && m->share_of_cpu && m->est_ns > 0 ?
				       c->est_ns * (m->log_cpu_ns / m->est_ns) / m->cpu_ns :
				       -1;
	}
	qsort(g, n, sizeof *g, by_est_desc);
	*out = g;
	*nout = n;
	return 0;
}



/* The view's copy of what the file says about the process. */
_Static_assert((int)AN_REASON_EXIT == (int)LTX_REASON_EXIT && (int)AN_REASON_SNAPSHOT == (int)LTX_REASON_SNAPSHOT &&
		       (int)AN_REASON_DUMP == (int)LTX_REASON_DUMP && (int)AN_REASON_SIGNAL == (int)LTX_REASON_SIGNAL &&
		       (int)AN_REASON_EXEC == (int)LTX_REASON_EXEC && (int)AN_REASON_DETACH == (int)LTX_REASON_DETACH,
	       "the view's reasons are the file's");
_Static_assert((int)AN_TIME_OFF == (int)LTX_TIME_OFF && (int)AN_TIME_SAMPLE == (int)LTX_TIME_SAMPLE &&
		       (int)AN_TIME_ALL == (int)LTX_TIME_ALL,
	       "the view's time modes are the file's");
_Static_assert(AN_HIST_BUCKETS == LTX_HIST_BUCKETS, "histogram buckets");

static int proc_view(struct an_proc *p)
{
	const struct ltx_file *f = p->f;
	p->pid = f->proc.pid;
	p->ppid = f->proc.ppid;
	p->uid = f->proc.uid;
	p->path = f->path;
	p->exe = f->exe;
	p->cmdline = f->cmdline;
	p->version_major = f->hdr.version_major;
	p->version_minor = f->hdr.version_minor;
	p->reason = (enum an_reason)f->proc.reason;
	p->snapshot = (f->hdr.flags & LTX_FILE_SNAPSHOT) != 0;
	p->start_realtime_ns = f->proc.start_realtime_ns;
	p->end_realtime_ns = f->proc.end_realtime_ns;
	p->start_mono_ns = f->proc.start_mono_ns;
	p->end_mono_ns = f->proc.end_mono_ns;
	p->tick_hz = f->tick_hz;
	p->tsc_invariant = (f->proc.clock_flags & LTX_CLOCK_TSC_INVARIANT) != 0;
	p->start_tsc = f->proc.start_tsc;
	p->end_tsc = f->proc.end_tsc;
	p->time_mode = f->proc.time_mode;
	p->sample_every = f->proc.sample_every;
	p->has_calib = f->has_calib;
	const struct ltx_calib *c = &f->calib;
	p->calib = (struct an_calibration){ c->calls, c->rounds, c->direct_ticks, c->count_ticks, c->drop_ticks,
					    c->timed_ticks, c->window_ticks, c->sample_calls, c->sample_ticks,
					    c->sample_timed, c->sample_window_ticks };
	p->late_calls = f->proc.late_calls;
	p->has_output = f->has_output;
	const struct ltx_output *w = &f->output;
	p->output = (struct an_output){ w->signal, w->snapshot_every, (w->flags & LTX_OUT_NO_FOLLOW) != 0,
					(w->flags & LTX_OUT_EXEC_FAILED) != 0, w->writes, w->failed, w->last_errno,
					w->last_reason, w->last_failed_realtime_ns };
	p->attached = f->has_attach;
	if (f->has_attach) {
		const struct ltx_attach *a = &f->attach;
		p->attach = (struct an_attach){ a->attach_realtime_ns, a->attach_mono_ns, a->detach_realtime_ns,
						a->detach_mono_ns, a->attach_no, (a->flags & LTX_ATTACH_DETACHED) != 0,
						a->got_entries, a->patched_entries, f->uncovered ? f->uncovered : "" };
	}
	p->skipped_records = f->skipped_records;
	p->feat_stacks = (f->hdr.features & LTX_FEAT_STACKS) != 0;
	p->feat_trace = (f->hdr.features & LTX_FEAT_TRACE) != 0;
	p->nstacks_kept = f->nstacks;
	p->has_stacks = f->nstacks || f->nkey_stacks;
	p->entries = calloc(f->nentries + 1, sizeof *p->entries);
	p->modules = calloc(f->nmodules + 1, sizeof *p->modules);
	p->rules = calloc(f->nrules + 1, sizeof *p->rules);
	if (!p->entries || !p->modules || !p->rules)
		return -1;
	for (size_t i = 0; i < f->nentries; i++) {
		const struct ltx_r_entry *e = &f->entries[i];
		p->entries[i] = (struct an_entry){ e->e.id, e->name, ltx_family_name(e->e.family),
						   (e->e.flags & LTX_ENTRY_RESOLVED) != 0 };
	}
	p->nentries = f->nentries;
	for (size_t i = 0; i < f->nmodules; i++) {
		const struct ltx_r_module *r = &f->modules[i];
		struct an_module *v = &p->modules[i];
		v->id = r->m.id;
		v->path = r->path;
		size_t n = r->m.build_id_len < 64 ? r->m.build_id_len : 64;
		for (size_t j = 0; j < n; j++)
			snprintf(v->build_id + 2 * j, 3, "%02x", r->build_id[j]);
		v->build_id[2 * n] = 0;
		v->bias = r->m.bias;
		v->lo = r->m.lo;
		v->hi = r->m.hi;
		v->status = an_sym_module_status(p->sym, i);
		v->unloaded = (r->m.flags & LTX_MODULE_UNLOADED) != 0;
	}
	p->nmodules = f->nmodules;
	for (size_t i = 0; i < f->nrules; i++)
		p->rules[i] = (struct an_rules){ f->rules[i].r.gen, f->rules[i].r.applied_mono_ns, f->rules[i].text };
	p->nrules = f->nrules;
	return 0;
}

/* ... about a key (the process's fields are set) */
static void key_view(const struct an_proc *p, struct an_key *ak)
{
	const struct ltx_key *k = &ak->k->k;
	ak->pid = p->pid;
	ak->tid = p->f->threads[k->thread].tid;
	ak->family_name = ltx_family_name(ak->family);
	ak->name = ak->k->name;
	ak->no_name = (k->flags & LTX_KEY_NO_NAME) != 0;
	ak->name_cut = (k->flags & LTX_KEY_NAME_CUT) != 0;
	ak->level = k->level;
	const struct ltx_r_entry *e = ltx_find_entry(p->f, k->entry);
	ak->level_name = ltx_level_name(
		ltx_level_of_scale(e ? e->levels : NULL, e ? e->nlevels : 0, ak->family, k->level));
	ak->gen = k->gen;
	ak->dropped = k->action == LTX_ACT_DROP;
	ak->calls = k->calls;
	ak->timed = k->timed;
	ak->ticks = k->ticks;
	ak->caller = k->caller;
	ak->name_ptr = k->name_ptr;
	ak->hist = ak->k->hist;
	ak->hist_len = ak->k->hist_len;
}

/* The n-th rule (0-based) of a rule text, as written: rules are separated
 * by white space, '#' at a rule's start comments out the rest of the line. */
static char *rule_text(const char *t, uint32_t n)
{
	for (size_t i = 0; t && t[i];) {
		if (strchr(" \t\n\r\v\f", t[i])) {
			i++;
			continue;
		}
		if (t[i] == '#') {
			while (t[i] && t[i] != '\n')
				i++;
			continue;
		}
		size_t e = i;
		while (t[e] && !strchr(" \t\n\r\v\f", t[e]))
			e++;
		if (!n--)
			return strndup(t + i, e - i);
		i = e;
	}
	return NULL;
}

static void key_rule(const struct an_proc *p, struct an_key *ak)
{
	const struct ltx_r_key *k = ak->k;
	if (!k->rule)
		return;
	for (size_t r = 0; r < p->f->nrules; r++)
		if (p->f->rules[r].r.gen == k->k.gen)
			ak->rule = rule_text(p->f->rules[r].text, k->rule - 1);
}

static int by_rule_row(const void *a, const void *b)
{
	const struct an_rule_row *x = a, *y = b;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	if (x->gen != y->gen)
		return x->gen < y->gen ? -1 : 1;
	return strcmp(x->rule, y->rule);
}

/* m->rule_rows: the keys' calls added up per (process, generation, rule). */
static int rule_rows(struct an_model *m)
{
	m->rule_rows = calloc(m->nkeys + 1, sizeof *m->rule_rows);
	if (!m->rule_rows)
		return -1;
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct an_key *k = &m->keys[i];
		if (!k->rule)
			continue;
		struct an_rule_row *r = NULL;
		for (size_t j = 0; j < m->nrule_rows && !r; j++)
			if (m->rule_rows[j].proc == k->proc && m->rule_rows[j].gen == k->gen &&
			    !strcmp(m->rule_rows[j].rule, k->rule))
				r = &m->rule_rows[j];
		if (!r) {
			r = &m->rule_rows[m->nrule_rows++];
			r->proc = k->proc;
			r->gen = k->gen;
			r->rule = k->rule;
		}
		if (k->dropped) {
			r->dropped += k->calls;
			r->saved_ns += k->saved_ns;
		} else {
			r->kept += k->calls;
		}
	}
	qsort(m->rule_rows, m->nrule_rows, sizeof *m->rule_rows, by_rule_row);
	return 0;
}

/* Threads grouped by process and name, in thread order; then by log time. */
static int by_tgroup(const void *a, const void *b)
{
	const struct an_tgroup *x = a, *y = b;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	if (x->log_ns != y->log_ns)
		return x->log_ns > y->log_ns ? -1 : 1;
	if (x->cpu_ns != y->cpu_ns)
		return x->cpu_ns > y->cpu_ns ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int thread_groups(struct an_model *m)
{
	m->tgroups = calloc(m->nthreads + 1, sizeof *m->tgroups);
	if (!m->tgroups)
		return -1;
	size_t n = 0, start = 0; /* the current process's groups: [start, n) */
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct an_thread *t = &m->threads[i];
		if (n > start && m->tgroups[start].proc != t->proc)
			start = n;
		struct an_tgroup *g = NULL;
		for (size_t j = start; j < n && !g; j++)
			if (m->tgroups[j].folded == t->folded && !strcmp(m->tgroups[j].name, t->name))
				g = &m->tgroups[j];
		if (!g) {
			g = &m->tgroups[n++];
			g->proc = t->proc;
			g->name = t->name;
			g->first = i;
			g->folded = t->folded;
			g->cpu_ns = -1;
		}
		g->nthreads += t->nthreads ? t->nthreads : 1;
		g->kept += t->kept;
		g->dropped += t->dropped;
		g->waits += t->waits;
		g->jobs += t->jobs;
		g->est_ns += t->est_ns;
		g->log_ns += t->log_ns;
		if (t->cpu_ns >= 0)
			g->cpu_ns = (g->cpu_ns < 0 ? 0 : g->cpu_ns) + t->cpu_ns;
	}
	for (size_t j = 0; j < n; j++) {
		struct an_tgroup *g = &m->tgroups[j];
		double pcpu = m->procs[g->proc].cpu_ns;
		g->cpu_share = g->cpu_ns > 0 ? (g->log_ns < g->cpu_ns ? g->log_ns : g->cpu_ns) / g->cpu_ns : -1;
		g->proc_share = pcpu > 0 ? g->log_ns / pcpu : -1;
		g->cpu_of_proc = pcpu > 0 && g->cpu_ns >= 0 ? g->cpu_ns / pcpu : -1;
		if (g->proc_share > 1)
			g->proc_share = 1;
	}
	qsort(m->tgroups, n, sizeof *m->tgroups, by_tgroup);
	m->ntgroups = n;
	for (size_t i = 0, j0 = 0; i < m->nthreads; i++) {
		struct an_thread *t = &m->threads[i];
		while (j0 < n && m->tgroups[j0].proc < t->proc)
			j0++;
		for (size_t j = j0; j < n && m->tgroups[j].proc == t->proc; j++)
			if (m->tgroups[j].folded == t->folded && !strcmp(m->tgroups[j].name, t->name)) {
				t->tgroup = j;
				break;
			}
	}
	return 0;
}

/* ... about a thread */
static void thread_view(const struct an_proc *p, struct an_thread *t)
{
	const struct ltx_thread *r = t->t;
	t->pid = p->pid;
	t->index = r->index;
	t->tid = r->tid;
	t->name = r->name;
	t->is_main = (r->flags & LTX_THREAD_MAIN) != 0;
	t->exited = (r->flags & LTX_THREAD_EXITED) != 0;
	t->folded = (r->flags & LTX_THREAD_FOLDED) != 0;
	t->nthreads = r->nthreads;
	t->waits = r->waits;
	t->wait_ticks = r->wait_ticks;
	t->busy_ticks = r->busy_ticks;
	t->pre_loop_kept = r->pre_loop_kept;
	t->pre_loop_dropped = r->pre_loop_dropped;
	t->pre_loop_timed = r->pre_loop_timed;
	t->pre_loop_ticks = r->pre_loop_ticks;
	t->untimed_full = r->untimed_full;
	t->reentered = r->reentered;
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
	struct an_xkey *bk = m->baseline ? an_baseline_keys(m->baseline, &nbase) : NULL;
	m->nprocs = nfiles;
	m->nkeys = nkeys;
	m->nthreads = nthreads;
	m->top = o ? o->top : 0;
	m->metrics_sites = o ? o->metrics_sites : 0;
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
		an_calib(p);
		p->run_ns = f->proc.end_mono_ns > f->proc.start_mono_ns ?
				    (double)(f->proc.end_mono_ns - f->proc.start_mono_ns) : 0;
		if (proc_view(p) < 0)
			goto fail;
		p->key0 = koff;
		p->thread0 = toff;
		p->nkeys = f->nkeys;
		p->nthreads = f->nthreads;
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
			ak->site = k->has_site ? an_sym_lookup_site(p->sym, k->k.caller, k->k.unloads, k->site_func,
								    k->site_file, k->site_line) :
						 an_sym_lookup_at(p->sym, k->k.caller, 1, k->k.unloads);
			ak->tmpl = an_sym_template_at(p->sym, k->k.fmt, k->k.unloads);
			if (ak->site->status != AN_MOD_OK && ak->site->status != AN_MOD_UNVERIFIED &&
			    ak->site->named_by != AN_NAMED_ARGS) /* its calls named it */
				p->unsymbolized_keys++;
			an_key_quantiles(p, ak);
			key_view(p, ak);
			key_rule(p, ak);
			if (k->hist)
				m->has_hists = 1;
		}
		if (f->nstacks || f->nkey_stacks)
			m->has_stacks = 1;
		if (f->ntraces)
			m->has_trace = 1;
		if (an_estimate(p, keys, f->nkeys, &src_mean[koff]) < 0 ||
		    an_savings(p, keys, f->nkeys, &src_mean[koff], bk, nbase) < 0 ||
		    an_threads(m, p, pi, &m->threads[toff], keys, f->nkeys) < 0 || generations(m, pi) < 0)
			goto fail;
		for (size_t i = 0; i < f->nthreads; i++)
			thread_view(p, &m->threads[toff + i]);
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
		an_trace_threads(m, pi);
	}
	if (an_stack_rows(m) < 0 || an_trace_chunks(m) < 0 || rule_rows(m) < 0)
		return -1;
	m->busy_net_ns = m->busy_ns - m->loop_shim_ns;
	m->loop_share = m->busy_net_ns > 0 ? m->loop_log_ns / m->busy_net_ns : -1;
	if (m->loop_share > 1) /* a sampled estimate can overshoot: as for threads */
		m->loop_share = 1;
	int all_cpu = nfiles > 0;
	for (size_t pi = 0; pi < nfiles; pi++) {
		const struct an_proc *p = &m->procs[pi];
		if (p->cpu_ns < 0) {
			all_cpu = 0;
			continue;
		}
		m->cpu_ns += p->cpu_ns;
		m->log_cpu_ns += p->log_cpu_ns;
	}
	m->cpu_share = m->cpu_ns > 0 ? m->log_cpu_ns / m->cpu_ns : -1;
	m->share_of_cpu = all_cpu && m->cpu_ns > 0;
	if (thread_groups(m) < 0)
		return -1;
	if (group(m, an_cmp_entry, &m->entries, &m->nentries) < 0 || group(m, an_cmp_source, &m->sources, &m->nsources) < 0 ||
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
	for (size_t i = 0; m->procs && i < m->nprocs; i++) {
		an_sym_close(m->procs[i].sym);
		free(m->procs[i].entries);
		free(m->procs[i].modules);
		free(m->procs[i].rules);
	}
	free(m->procs);
	for (size_t i = 0; m->keys && i < m->nkeys; i++)
		free(m->keys[i].rule);
	free(m->keys);
	free(m->rule_rows);
	free(m->tgroups);
	free(m->entries);
	free(m->sources);
	free(m->sites);
	free(m->templates);
	free(m->threads);
	free(m->stack_rows);
	free(m->stacks);
	free(m->stack_ids);
	free(m->chunks);
	free(m->gens);
	free(m->drops);
	memset(m, 0, sizeof *m);
}
