/* JSON: everything in the data files, symbolized, with the model's
 * estimates. The schema is docs/JSON.md; field names are stable, and
 * schema_version changes when one is removed or changes meaning (adding
 * fields does not change it). Addresses are strings ("0x..."): JSON numbers
 * are doubles in many readers and lose bits above 2^53. */
#include "json.h"
#include "report.h"

#include "../common/ltx_levels.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VERSION 1

static void opt_ns(struct jw *w, const char *key, double v)
{
	if (v < 0)
		jw_null(w, key);
	else
		jw_num(w, key, v);
}

static void site(struct jw *w, const char *key, const struct an_sym *y)
{
	jw_obj(w, key);
	jw_hex(w, "addr", y->addr);
	jw_str(w, "label", y->label);
	jw_str(w, "function", y->function);
	jw_str(w, "inlined_into", y->inlined_into);
	jw_str(w, "file", y->file);
	if (y->line)
		jw_i64(w, "line", y->line);
	else
		jw_null(w, "line");
	jw_str(w, "module", y->module);
	if (y->module)
		jw_hex(w, "offset", y->offset);
	else
		jw_null(w, "offset");
	jw_str(w, "status", an_mod_status_name(y->status));
	jw_end(w);
}

static void tmpl(struct jw *w, const char *key, const struct an_tmpl *t)
{
	jw_obj(w, key);
	if (t->addr)
		jw_hex(w, "addr", t->addr);
	else
		jw_null(w, "addr");
	jw_str(w, "text", t->text);
	jw_bool(w, "cut", t->cut);
	jw_str(w, "status", an_tmpl_status_name(t->status));
	jw_end(w);
}

static void calibration(struct jw *w, const struct an_proc *p)
{
	const struct ltx_file *f = p->f;
	if (!f->has_calib) {
		jw_null(w, "calibration");
		return;
	}
	const struct ltx_calib *c = &f->calib;
	jw_obj(w, "calibration");
	jw_u64(w, "calls", c->calls);
	jw_u64(w, "rounds", c->rounds);
	jw_u64(w, "direct_ticks", c->direct_ticks);
	jw_u64(w, "count_ticks", c->count_ticks);
	jw_u64(w, "drop_ticks", c->drop_ticks);
	jw_u64(w, "timed_ticks", c->timed_ticks);
	jw_u64(w, "window_ticks", c->window_ticks);
	jw_u64(w, "sample_calls", c->sample_calls);
	jw_u64(w, "sample_ticks", c->sample_ticks);
	jw_u64(w, "sample_timed", c->sample_timed);
	jw_u64(w, "sample_window_ticks", c->sample_window_ticks);
	jw_num(w, "count_ns", p->cost_count_ns);
	jw_num(w, "timed_ns", p->cost_timed_ns);
	jw_num(w, "drop_ns", p->cost_drop_ns);
	jw_num(w, "window_ns", p->window_ns);
	jw_end(w);
}

static const char *reason_name(uint32_t r)
{
	static const char *const names[] = { "unknown", "exit", "snapshot", "dump", "signal", "exec" };
	return names[r < 6 ? r : 0];
}

/* How the file came to be (the 1.2 OUTPUT record); null when absent. */
static void output(struct jw *w, const struct ltx_file *f)
{
	if (!f->has_output) {
		jw_null(w, "output");
		return;
	}
	const struct ltx_output *o = &f->output;
	char sig[32];
	const char *ab = o->signal ? sigabbrev_np((int)o->signal) : NULL;
	snprintf(sig, sizeof sig, "SIG%s", ab ? ab : "?");
	jw_obj(w, "output");
	jw_u64(w, "signal", o->signal);
	jw_str(w, "signal_name", o->signal ? sig : NULL);
	jw_u64(w, "snapshot_every_s", o->snapshot_every);
	jw_bool(w, "no_follow", (o->flags & LTX_OUT_NO_FOLLOW) != 0);
	jw_bool(w, "exec_failed", (o->flags & LTX_OUT_EXEC_FAILED) != 0);
	jw_u64(w, "earlier_writes", o->writes);
	jw_u64(w, "failed_writes", o->failed);
	jw_str(w, "last_error", o->failed ? strerrorname_np((int)o->last_errno) : NULL);
	jw_str(w, "last_error_text", o->failed ? strerrordesc_np((int)o->last_errno) : NULL);
	jw_str(w, "last_failed_reason", o->failed ? reason_name(o->last_reason) : NULL);
	jw_u64(w, "last_failed_realtime_ns", o->last_failed_realtime_ns);
	jw_end(w);
}

static const char *time_mode_name(uint32_t t)
{
	return t == LTX_TIME_OFF ? "off" : t == LTX_TIME_ALL ? "all" : t == LTX_TIME_SAMPLE ? "sample" : "unknown";
}

static void build_id(struct jw *w, const struct ltx_r_module *r)
{
	char hex[2 * 64 + 1];
	size_t n = r->m.build_id_len < 64 ? r->m.build_id_len : 64;
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", r->build_id[i]);
	hex[2 * n] = 0;
	jw_str(w, "build_id", n ? hex : NULL);
}

static void process(struct jw *w, const struct an_model *m, size_t pi)
{
	const struct an_proc *p = &m->procs[pi];
	const struct ltx_file *f = p->f;
	char ver[32];
	jw_obj(w, NULL);
	jw_u64(w, "pid", f->proc.pid);
	jw_u64(w, "ppid", f->proc.ppid);
	jw_u64(w, "uid", f->proc.uid);
	jw_str(w, "file", f->path);
	jw_str(w, "exe", f->exe);
	jw_str(w, "cmdline", f->cmdline);
	snprintf(ver, sizeof ver, "%u.%u", f->hdr.version_major, f->hdr.version_minor);
	jw_str(w, "format_version", ver);
	jw_str(w, "reason", reason_name(f->proc.reason));
	jw_bool(w, "snapshot", (f->hdr.flags & LTX_FILE_SNAPSHOT) != 0);
	jw_u64(w, "start_realtime_ns", f->proc.start_realtime_ns);
	jw_u64(w, "end_realtime_ns", f->proc.end_realtime_ns);
	jw_u64(w, "start_mono_ns", f->proc.start_mono_ns);
	jw_u64(w, "end_mono_ns", f->proc.end_mono_ns);
	jw_num(w, "run_ns", p->run_ns);
	jw_num(w, "t0_ns", p->t0_ns);
	jw_obj(w, "clock");
	jw_bool(w, "usable", p->ns_per_tick > 0);
	jw_num(w, "tick_hz", f->tick_hz);
	jw_bool(w, "invariant_tsc", (f->proc.clock_flags & LTX_CLOCK_TSC_INVARIANT) != 0);
	jw_u64(w, "start_tsc", f->proc.start_tsc);
	jw_u64(w, "end_tsc", f->proc.end_tsc);
	jw_end(w);
	jw_obj(w, "timing");
	jw_str(w, "mode", time_mode_name(f->proc.time_mode));
	jw_u64(w, "sample_every", f->proc.sample_every);
	jw_end(w);
	calibration(w, p);
	jw_u64(w, "late_calls", f->proc.late_calls);
	jw_u64(w, "lost_calls", p->lost);
	output(w, f);
	jw_u64(w, "skipped_records", f->skipped_records);
	jw_arr(w, "entries");
	for (size_t i = 0; i < f->nentries; i++) {
		const struct ltx_r_entry *e = &f->entries[i];
		jw_obj(w, NULL);
		jw_u64(w, "id", e->e.id);
		jw_str(w, "name", e->name);
		jw_str(w, "family", ltx_family_name(e->e.family));
		jw_bool(w, "resolved", (e->e.flags & LTX_ENTRY_RESOLVED) != 0);
		jw_end(w);
	}
	jw_end(w);
	jw_arr(w, "modules");
	for (size_t i = 0; i < f->nmodules; i++) {
		const struct ltx_r_module *r = &f->modules[i];
		jw_obj(w, NULL);
		jw_u64(w, "id", r->m.id);
		jw_str(w, "path", r->path);
		build_id(w, r);
		jw_hex(w, "bias", r->m.bias);
		jw_hex(w, "lo", r->m.lo);
		jw_hex(w, "hi", r->m.hi);
		jw_str(w, "status", an_mod_status_name(an_sym_module_status(p->sym, i)));
		jw_bool(w, "unloaded", (r->m.flags & LTX_MODULE_UNLOADED) != 0);
		jw_end(w);
	}
	jw_end(w);
	jw_arr(w, "rules");
	for (size_t i = 0; i < f->nrules; i++) {
		jw_obj(w, NULL);
		jw_u64(w, "gen", f->rules[i].r.gen);
		jw_u64(w, "applied_mono_ns", f->rules[i].r.applied_mono_ns);
		jw_str(w, "text", f->rules[i].text);
		jw_end(w);
	}
	jw_end(w);
	if (f->nstacks || f->nkey_stacks) {
		jw_obj(w, "stacks");
		jw_u64(w, "max_depth", p->stack_depth);
		jw_u64(w, "every", p->stack_every);
		jw_u64(w, "picked", p->stacks_picked);
		jw_u64(w, "lost_table_full", p->stacks_lost_full);
		jw_u64(w, "lost_busy", p->stacks_lost_busy);
		jw_u64(w, "lost_unwind_failed", p->stacks_lost_failed);
		jw_num(w, "capture_ns", p->stack_ns);
		jw_end(w);
	} else {
		jw_null(w, "stacks");
	}
	if (f->ntraces) {
		jw_obj(w, "trace");
		jw_u64(w, "capacity", p->trace_capacity);
		jw_u64(w, "recorded", p->trace_recorded);
		jw_u64(w, "overwritten", p->trace_overwritten);
		jw_u64(w, "kept", p->trace_kept);
		jw_end(w);
	} else {
		jw_null(w, "trace");
	}
	jw_obj(w, "totals");
	jw_u64(w, "calls", p->kept + p->dropped);
	jw_u64(w, "all_calls", p->kept + p->dropped + p->lost);
	jw_u64(w, "kept", p->kept);
	jw_u64(w, "dropped", p->dropped);
	jw_u64(w, "timed", p->timed);
	jw_num(w, "est_ns", p->est_ns);
	jw_num(w, "shim_ns", p->shim_ns);
	jw_num(w, "busy_ns", p->busy_ns);
	jw_num(w, "busy_net_ns", p->busy_ns - p->loop_shim_ns);
	jw_num(w, "loop_log_ns", p->loop_log_ns);
	jw_num(w, "saved_ns", p->saved_ns);
	jw_u64(w, "unsymbolized_keys", p->unsymbolized_keys);
	jw_end(w);
	jw_end(w);
}

static void thread(struct jw *w, const struct an_model *m, size_t i)
{
	const struct an_thread *t = &m->threads[i];
	const struct ltx_thread *r = t->t;
	jw_obj(w, NULL);
	jw_u64(w, "id", i);
	jw_u64(w, "pid", m->procs[t->proc].f->proc.pid);
	jw_u64(w, "index", r->index);
	jw_u64(w, "tid", r->tid);
	jw_str(w, "name", r->name);
	jw_bool(w, "main", (r->flags & LTX_THREAD_MAIN) != 0);
	jw_bool(w, "exited", (r->flags & LTX_THREAD_EXITED) != 0);
	jw_bool(w, "folded", (r->flags & LTX_THREAD_FOLDED) != 0);
	jw_u64(w, "nthreads", r->nthreads);
	jw_bool(w, "in_loop", r->waits > 0);
	jw_u64(w, "waits", r->waits);
	jw_u64(w, "wait_ticks", r->wait_ticks);
	jw_u64(w, "busy_ticks", r->busy_ticks);
	jw_obj(w, "pre_loop");
	jw_u64(w, "kept", r->pre_loop_kept);
	jw_u64(w, "dropped", r->pre_loop_dropped);
	jw_u64(w, "timed", r->pre_loop_timed);
	jw_u64(w, "ticks", r->pre_loop_ticks);
	jw_end(w);
	jw_u64(w, "untimed_full", r->untimed_full);
	jw_u64(w, "reentered", r->reentered);
	jw_u64(w, "kept", t->kept);
	jw_u64(w, "dropped", t->dropped);
	jw_u64(w, "timed", t->timed);
	jw_num(w, "est_ns", t->est_ns);
	jw_u64(w, "loop_kept", t->loop_kept);
	jw_u64(w, "loop_dropped", t->loop_dropped);
	jw_num(w, "wait_ns", t->wait_ns);
	jw_num(w, "busy_ns", t->busy_ns);
	jw_num(w, "busy_wall_ns", t->busy_wall_ns);
	if (t->cpu_frac >= 0)
		jw_num(w, "cpu_share", t->cpu_frac);
	jw_num(w, "shim_ns", t->shim_ns);
	opt_ns(w, "loop_log_ns", t->loop_log_ns);
	opt_ns(w, "log_share", t->share);
	opt_ns(w, "log_per_iteration_ns", t->log_per_iter_ns);
	opt_ns(w, "busy_per_iteration_ns", t->busy_per_iter_ns);
	if (t->trace_recorded || t->trace_kept) {
		jw_obj(w, "trace");
		jw_u64(w, "recorded", t->trace_recorded);
		jw_u64(w, "overwritten", t->trace_overwritten);
		jw_u64(w, "kept", t->trace_kept);
		jw_u64(w, "iterations", t->iters_traced);
		opt_ns(w, "iteration_log_p50_ns", t->iter_p50_ns);
		opt_ns(w, "iteration_log_p99_ns", t->iter_p99_ns);
		jw_arr(w, "iteration_log_hist");
		size_t last = 0;
		for (size_t b = 0; b < AN_HIST_MAX; b++)
			if (t->iter_hist[b])
				last = b + 1;
		for (size_t b = 0; b < last; b++)
			jw_u64(w, NULL, t->iter_hist[b]);
		jw_end(w);
		jw_end(w);
	} else {
		jw_null(w, "trace");
	}
	jw_end(w);
}

static void key(struct jw *w, const struct an_model *m, size_t i)
{
	const struct an_key *k = &m->keys[i];
	const struct ltx_key *r = &k->k->k;
	const struct an_thread *t = &m->threads[k->thread];
	jw_obj(w, NULL);
	jw_u64(w, "id", i);
	jw_u64(w, "pid", m->procs[k->proc].f->proc.pid);
	jw_u64(w, "thread", k->thread);
	jw_u64(w, "tid", t->t->tid);
	jw_str(w, "entry", k->entry);
	jw_str(w, "family", ltx_family_name(k->family));
	jw_str(w, "source", (r->flags & LTX_KEY_NO_NAME) ? NULL : k->k->name);
	jw_bool(w, "source_cut", (r->flags & LTX_KEY_NAME_CUT) != 0);
	jw_i64(w, "level", r->level);
	jw_str(w, "level_name", ltx_level_name(ltx_level_of(k->family, r->level)));
	jw_u64(w, "generation", r->gen);
	jw_str(w, "action", r->action == LTX_ACT_DROP ? "drop" : "keep");
	jw_u64(w, "calls", r->calls);
	jw_u64(w, "timed", r->timed);
	jw_u64(w, "ticks", r->ticks);
	int has = k->basis != AN_UNTIMED && k->basis != AN_DROPPED;
	if (has) {
		jw_num(w, "ns_per_call", k->ns_per_call);
		jw_num(w, "est_ns", k->est_ns);
	} else {
		jw_null(w, "ns_per_call");
		jw_null(w, "est_ns");
	}
	jw_str(w, "basis", an_basis_name(k->basis));
	jw_u64(w, "long_windows", k->tail_timed);
	jw_num(w, "long_windows_ns", k->tail_ns);
	if (r->action == LTX_ACT_DROP && k->save_basis != AN_SAVE_NONE)
		jw_num(w, "saved_ns", k->saved_ns);
	else
		jw_null(w, "saved_ns");
	jw_str(w, "saved_basis", r->action == LTX_ACT_DROP ? an_save_basis_name(k->save_basis) : NULL);
	jw_hex(w, "name_ptr", r->name_ptr);
	site(w, "caller", k->site);
	tmpl(w, "template", k->tmpl);
	if (k->k->hist) {
		jw_obj(w, "latency");
		opt_ns(w, "p50_ns", k->p50_ns);
		opt_ns(w, "p99_ns", k->p99_ns);
		jw_arr(w, "buckets");
		for (uint32_t b = 0; b < k->k->hist_len; b++) {
			double lo, hi;
			an_hist_bucket_ns(m, k->proc, b, &lo, &hi);
			jw_obj(w, NULL);
			jw_num(w, "lo_ns", lo);
			if (b + 1 < LTX_HIST_BUCKETS)
				jw_num(w, "hi_ns", hi);
			else
				jw_null(w, "hi_ns"); /* the shim's last bucket holds everything above */
			jw_u64(w, "count", k->k->hist[b]);
			jw_end(w);
		}
		jw_end(w);
		jw_end(w);
	} else {
		jw_null(w, "latency");
	}
	jw_end(w);
}

static void groups(struct jw *w, const char *name, const struct an_group *g, size_t n, int what)
{
	jw_arr(w, name);
	for (size_t i = 0; i < n; i++) {
		jw_obj(w, NULL);
		jw_str(w, "entry", g[i].entry);
		if (what >= 1)
			jw_str(w, "source", g[i].name);
		if (what == 2)
			site(w, "call_site", g[i].site);
		if (what == 3)
			tmpl(w, "template", g[i].tmpl);
		jw_u64(w, "keys", g[i].nkeys);
		jw_u64(w, "calls", g[i].kept + g[i].dropped);
		jw_u64(w, "kept", g[i].kept);
		jw_u64(w, "dropped", g[i].dropped);
		jw_u64(w, "timed", g[i].timed);
		if (g[i].timed_keys)
			jw_num(w, "est_ns", g[i].est_ns);
		else
			jw_null(w, "est_ns");
		opt_ns(w, "ns_per_call", g[i].ns_per_call);
		opt_ns(w, "share", g[i].share);
		jw_end(w);
	}
	jw_end(w);
}

static const char *lost_name(uint32_t lost)
{
	switch (lost) {
	case LTX_STACK_LOST_FULL: return "table full";
	case LTX_STACK_LOST_BUSY: return "busy";
	case LTX_STACK_LOST_FAILED: return "unwind failed";
	}
	return NULL;
}

static void stacks(struct jw *w, const struct an_model *m)
{
	size_t *stack0 = calloc(m->nprocs + 1, sizeof *stack0);
	if (!stack0)
		return;
	jw_arr(w, "stacks");
	size_t n = 0;
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		const struct ltx_file *f = m->procs[pi].f;
		stack0[pi] = n;
		for (size_t i = 0; i < f->nstacks; i++, n++) {
			const struct ltx_r_stack *s = &f->stacks[i];
			jw_obj(w, NULL);
			jw_u64(w, "id", n);
			jw_u64(w, "pid", f->proc.pid);
			jw_u64(w, "thread", m->procs[pi].thread0 + s->s.thread);
			jw_bool(w, "truncated", (s->s.flags & LTX_STACK_TRUNCATED) != 0);
			jw_u64(w, "max_depth", s->s.max_depth);
			jw_u64(w, "every", s->s.every);
			jw_arr(w, "frames");
			for (uint32_t j = 0; j < s->s.nframes; j++)
				site(w, NULL, an_sym_lookup(m->procs[pi].sym, s->frames[j], 1));
			jw_end(w);
			jw_end(w);
		}
	}
	jw_end(w);
	jw_arr(w, "key_stacks");
	for (size_t i = 0; i < m->nstack_rows; i++) {
		const struct an_stack_row *r = &m->stack_rows[i];
		size_t pi = m->keys[r->key].proc;
		jw_obj(w, NULL);
		jw_u64(w, "key", r->key);
		if (r->stack)
			jw_u64(w, "stack", stack0[pi] + (size_t)(r->stack - m->procs[pi].f->stacks));
		else
			jw_null(w, "stack");
		jw_str(w, "lost", r->stack ? NULL : lost_name(r->lost));
		jw_u64(w, "sampled", r->sampled);
		jw_u64(w, "calls", r->calls);
		jw_num(w, "est_ns", r->est_ns);
		jw_end(w);
	}
	jw_end(w);
	free(stack0);
}

/* Trace events as small arrays: [start_ns, dur_ns, key or null, kind, dropped]. */
static void traces(struct jw *w, const struct an_model *m)
{
	jw_arr(w, "trace");
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		const struct ltx_file *f = m->procs[pi].f;
		for (size_t r = 0; r < f->ntraces; r++) {
			const struct ltx_r_trace *tr = &f->traces[r];
			jw_obj(w, NULL);
			jw_u64(w, "pid", f->proc.pid);
			jw_u64(w, "thread", m->procs[pi].thread0 + tr->t.thread);
			jw_u64(w, "chunk", tr->t.chunk);
			jw_u64(w, "capacity", tr->t.capacity);
			jw_u64(w, "recorded", tr->t.recorded);
			jw_u64(w, "overwritten", tr->t.overwritten);
			jw_arr(w, "events");
			int pretty = w->pretty;
			for (uint32_t j = 0; j < tr->t.nevents; j++) {
				const struct ltx_trace_event *e = &tr->events[j];
				jw_arr(w, NULL);
				w->pretty = 0;
				jw_num(w, NULL, an_trace_start_ns(m, pi, e));
				jw_num(w, NULL, an_trace_dur_ns(m, pi, e));
				if (e->key == LTX_NO_KEY)
					jw_null(w, NULL);
				else
					jw_u64(w, NULL, m->procs[pi].key0 + e->key);
				jw_str(w, NULL, e->kind == LTX_TEV_WAIT ? "wait" : "call");
				jw_bool(w, NULL, (e->flags & LTX_TEV_DROPPED) != 0);
				jw_end(w);
				w->pretty = pretty;
			}
			jw_end(w);
			jw_end(w);
		}
	}
	jw_end(w);
}

int an_report_json(FILE *o, const struct an_model *m)
{
	struct jw w;
	jw_init(&w, o, 1);
	jw_obj(&w, NULL);
	jw_str(&w, "schema", "logtax-report");
	jw_u64(&w, "schema_version", SCHEMA_VERSION);
	jw_arr(&w, "processes");
	for (size_t i = 0; i < m->nprocs; i++)
		process(&w, m, i);
	jw_end(&w);
	jw_arr(&w, "threads");
	for (size_t i = 0; i < m->nthreads; i++)
		thread(&w, m, i);
	jw_end(&w);
	jw_arr(&w, "keys");
	for (size_t i = 0; i < m->nkeys; i++)
		key(&w, m, i);
	jw_end(&w);
	groups(&w, "entries", m->entries, m->nentries, 0);
	groups(&w, "sources", m->sources, m->nsources, 1);
	groups(&w, "call_sites", m->sites, m->nsites, 2);
	groups(&w, "templates", m->templates, m->ntemplates, 3);
	stacks(&w, m);
	traces(&w, m);
	jw_obj(&w, "totals");
	jw_u64(&w, "processes", m->nprocs);
	jw_u64(&w, "calls", m->kept + m->dropped);
	jw_u64(&w, "kept", m->kept);
	jw_u64(&w, "dropped", m->dropped);
	jw_u64(&w, "timed", m->timed);
	jw_num(&w, "est_ns", m->est_ns);
	jw_num(&w, "shim_ns", m->shim_ns);
	jw_num(&w, "busy_ns", m->busy_ns);
	jw_num(&w, "busy_net_ns", m->busy_net_ns);
	jw_num(&w, "loop_log_ns", m->loop_log_ns);
	opt_ns(&w, "loop_share", m->loop_share);
	jw_num(&w, "saved_ns", m->saved_ns);
	jw_u64(&w, "unsymbolized_keys", m->unsymbolized_keys);
	jw_end(&w);
	jw_end(&w);
	return 0;
}
