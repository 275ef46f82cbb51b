/* JSON: everything in the data files, symbolized, with the model's
 * estimates. The schema is docs/JSON.md; field names are stable, and
 * schema_version changes when one is removed or changes meaning (adding
 * fields does not change it). Addresses are strings ("0x..."): JSON numbers
 * are doubles in many readers and lose bits above 2^53. */
#include "json.h"
#include "report.h"

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
	jw_str(w, "named_by", an_named_name(y->named_by));
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
	if (!p->has_calib) {
		jw_null(w, "calibration");
		return;
	}
	const struct an_calibration *c = &p->calib;
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
	static const char *const names[AN_REASONS] = { "unknown", "exit", "snapshot", "dump", "signal", "exec", "detach" };
	return names[r < AN_REASONS ? r : 0];
}

/* How the file came to be (the 1.2 OUTPUT record); null when absent. */
static void output(struct jw *w, const struct an_proc *p)
{
	if (!p->has_output) {
		jw_null(w, "output");
		return;
	}
	const struct an_output *o = &p->output;
	char sig[32];
	const char *ab = o->signal ? sigabbrev_np((int)o->signal) : NULL;
	snprintf(sig, sizeof sig, "SIG%s", ab ? ab : "?");
	jw_obj(w, "output");
	jw_u64(w, "signal", o->signal);
	jw_str(w, "signal_name", o->signal ? sig : NULL);
	jw_u64(w, "snapshot_every_s", o->snapshot_every);
	jw_bool(w, "no_follow", o->no_follow);
	jw_bool(w, "exec_failed", o->exec_failed);
	jw_u64(w, "earlier_writes", o->writes);
	jw_u64(w, "failed_writes", o->failed);
	jw_str(w, "last_error", o->failed ? strerrorname_np((int)o->last_errno) : NULL);
	jw_str(w, "last_error_text", o->failed ? strerrordesc_np((int)o->last_errno) : NULL);
	jw_str(w, "last_failed_reason", o->failed ? reason_name(o->last_reason) : NULL);
	jw_u64(w, "last_failed_realtime_ns", o->last_failed_realtime_ns);
	jw_end(w);
}

/* The shim attached to the running process (the 1.4 ATTACH record); null
 * when it was preloaded. */
static void attach(struct jw *w, const struct an_proc *p)
{
	if (!p->attached) {
		jw_null(w, "attach");
		return;
	}
	const struct an_attach *a = &p->attach;
	jw_obj(w, "attach");
	jw_u64(w, "number", a->number);
	jw_u64(w, "attach_realtime_ns", a->realtime_ns);
	jw_u64(w, "attach_mono_ns", a->mono_ns);
	jw_bool(w, "detached", a->detached);
	jw_u64(w, "detach_realtime_ns", a->detach_realtime_ns);
	jw_u64(w, "detach_mono_ns", a->detach_mono_ns);
	jw_u64(w, "got_entries", a->got_entries);
	jw_u64(w, "patched_entries", a->patched_entries);
	jw_arr(w, "not_covered");
	for (const char *s = a->uncovered; *s;) {
		size_t n = strcspn(s, " ");
		char name[128];
		if (n && n < sizeof name) {
			memcpy(name, s, n);
			name[n] = 0;
			jw_str(w, NULL, name);
		}
		s += n;
		s += *s == ' ';
	}
	jw_end(w);
	jw_end(w);
}

static const char *time_mode_name(uint32_t t)
{
	return t == AN_TIME_OFF ? "off" : t == AN_TIME_ALL ? "all" : t == AN_TIME_SAMPLE ? "sample" : "unknown";
}

static void process(struct jw *w, const struct an_model *m, size_t pi)
{
	const struct an_proc *p = &m->procs[pi];
	char ver[32];
	jw_obj(w, NULL);
	jw_u64(w, "pid", p->pid);
	jw_u64(w, "ppid", p->ppid);
	jw_u64(w, "uid", p->uid);
	jw_str(w, "file", p->path);
	jw_str(w, "exe", p->exe);
	jw_str(w, "cmdline", p->cmdline);
	snprintf(ver, sizeof ver, "%u.%u", p->version_major, p->version_minor);
	jw_str(w, "format_version", ver);
	jw_str(w, "reason", reason_name(p->reason));
	jw_bool(w, "snapshot", p->snapshot);
	jw_u64(w, "start_realtime_ns", p->start_realtime_ns);
	jw_u64(w, "end_realtime_ns", p->end_realtime_ns);
	jw_u64(w, "start_mono_ns", p->start_mono_ns);
	jw_u64(w, "end_mono_ns", p->end_mono_ns);
	jw_num(w, "run_ns", p->run_ns);
	jw_num(w, "t0_ns", p->t0_ns);
	jw_obj(w, "clock");
	jw_bool(w, "usable", p->ns_per_tick > 0);
	jw_num(w, "tick_hz", p->tick_hz);
	jw_bool(w, "invariant_tsc", p->tsc_invariant);
	jw_u64(w, "start_tsc", p->start_tsc);
	jw_u64(w, "end_tsc", p->end_tsc);
	jw_end(w);
	jw_obj(w, "timing");
	jw_str(w, "mode", time_mode_name(p->time_mode));
	jw_u64(w, "sample_every", p->sample_every);
	jw_end(w);
	calibration(w, p);
	jw_u64(w, "late_calls", p->late_calls);
	jw_u64(w, "lost_calls", p->lost);
	output(w, p);
	attach(w, p);
	jw_u64(w, "skipped_records", p->skipped_records);
	jw_arr(w, "entries");
	for (size_t i = 0; i < p->nentries; i++) {
		const struct an_entry *e = &p->entries[i];
		jw_obj(w, NULL);
		jw_u64(w, "id", e->id);
		jw_str(w, "name", e->name);
		jw_str(w, "family", e->family);
		jw_bool(w, "resolved", e->resolved);
		jw_end(w);
	}
	jw_end(w);
	jw_arr(w, "modules");
	for (size_t i = 0; i < p->nmodules; i++) {
		const struct an_module *r = &p->modules[i];
		jw_obj(w, NULL);
		jw_u64(w, "id", r->id);
		jw_str(w, "path", r->path);
		jw_str(w, "build_id", r->build_id[0] ? r->build_id : NULL);
		jw_hex(w, "bias", r->bias);
		jw_hex(w, "lo", r->lo);
		jw_hex(w, "hi", r->hi);
		jw_str(w, "status", an_mod_status_name(r->status));
		jw_bool(w, "unloaded", r->unloaded);
		jw_end(w);
	}
	jw_end(w);
	jw_arr(w, "rules");
	for (size_t i = 0; i < p->nrules; i++) {
		jw_obj(w, NULL);
		jw_u64(w, "gen", p->rules[i].gen);
		jw_u64(w, "applied_mono_ns", p->rules[i].applied_mono_ns);
		jw_str(w, "text", p->rules[i].text);
		jw_end(w);
	}
	jw_end(w);
	if (p->has_stacks) {
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
	if (p->nchunks) {
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
	opt_ns(w, "cpu_ns", p->cpu_ns);
	jw_num(w, "threads_cpu_ns", p->threads_cpu_ns);
	jw_num(w, "other_cpu_ns", p->other_cpu_ns);
	jw_num(w, "log_cpu_ns", p->log_cpu_ns);
	opt_ns(w, "cpu_share", p->cpu_share);
	jw_bool(w, "jobs_counted", p->jobs_counted);
	jw_num(w, "saved_ns", p->saved_ns);
	jw_u64(w, "unsymbolized_keys", p->unsymbolized_keys);
	jw_end(w);
	jw_end(w);
}

static void thread(struct jw *w, const struct an_model *m, size_t i)
{
	const struct an_thread *t = &m->threads[i], *r = t;
	jw_obj(w, NULL);
	jw_u64(w, "id", i);
	jw_u64(w, "pid", r->pid);
	jw_u64(w, "index", r->index);
	jw_u64(w, "tid", r->tid);
	jw_str(w, "name", r->name);
	jw_bool(w, "main", r->is_main);
	jw_bool(w, "exited", r->exited);
	jw_bool(w, "folded", r->folded);
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
	opt_ns(w, "cpu_ns", t->cpu_ns);
	jw_bool(w, "cpu_at_exit", t->cpu_at_exit);
	jw_num(w, "log_ns", t->log_ns);
	opt_ns(w, "log_cpu_share", t->cpu_share);
	jw_u64(w, "group", t->tgroup);
	if (t->jobs) {
		jw_obj(w, "jobs");
		jw_u64(w, "jobs", t->jobs);
		jw_num(w, "wait_ns", t->job_wait_ns);
		jw_num(w, "busy_ns", t->job_busy_ns);
		jw_u64(w, "kept", t->job_kept);
		jw_num(w, "calls_per_job", t->calls_per_job);
		opt_ns(w, "log_ns", t->job_log_ns);
		opt_ns(w, "log_per_job_ns", t->log_per_job_ns);
		opt_ns(w, "cpu_per_job_ns", t->cpu_per_job_ns);
		jw_end(w);
	} else {
		jw_null(w, "jobs");
	}
	if (t->trace_recorded || t->trace_kept) {
		jw_obj(w, "trace");
		jw_u64(w, "recorded", t->trace_recorded);
		jw_u64(w, "overwritten", t->trace_overwritten);
		jw_u64(w, "kept", t->trace_kept);
		jw_u64(w, "iterations", t->iters_traced);
		opt_ns(w, "iteration_log_p50_ns", t->iter_p50_ns);
		opt_ns(w, "iteration_log_p99_ns", t->iter_p99_ns);
		jw_arr(w, "iteration_log_hist");
		for (size_t b = 0; b < t->iter_hist_len; b++)
			jw_u64(w, NULL, t->iter_hist[b]);
		jw_end(w);
		jw_end(w);
	} else {
		jw_null(w, "trace");
	}
	jw_end(w);
}

static void tgroup(struct jw *w, const struct an_model *m, size_t i)
{
	const struct an_tgroup *g = &m->tgroups[i];
	jw_obj(w, NULL);
	jw_u64(w, "id", i);
	jw_u64(w, "pid", m->procs[g->proc].pid);
	jw_str(w, "name", g->name);
	jw_u64(w, "nthreads", g->nthreads);
	jw_bool(w, "folded", g->folded);
	jw_u64(w, "first_thread", g->first);
	jw_u64(w, "kept", g->kept);
	jw_u64(w, "dropped", g->dropped);
	jw_u64(w, "waits", g->waits);
	jw_u64(w, "jobs", g->jobs);
	jw_num(w, "est_ns", g->est_ns);
	jw_num(w, "log_ns", g->log_ns);
	opt_ns(w, "cpu_ns", g->cpu_ns);
	opt_ns(w, "log_cpu_share", g->cpu_share);
	opt_ns(w, "process_cpu_part", g->cpu_of_proc);
	opt_ns(w, "process_cpu_share", g->proc_share);
	jw_end(w);
}

static void key(struct jw *w, const struct an_model *m, size_t i)
{
	const struct an_key *k = &m->keys[i], *r = k;
	jw_obj(w, NULL);
	jw_u64(w, "id", i);
	jw_u64(w, "pid", k->pid);
	jw_u64(w, "thread", k->thread);
	jw_u64(w, "tid", k->tid);
	jw_str(w, "entry", k->entry);
	jw_str(w, "family", k->family_name);
	jw_str(w, "source", k->no_name ? NULL : k->name);
	jw_bool(w, "source_cut", k->name_cut);
	jw_i64(w, "level", r->level);
	jw_str(w, "level_name", k->level_name);
	jw_u64(w, "generation", r->gen);
	jw_str(w, "action", r->dropped ? "drop" : "keep");
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
	if (r->dropped && k->save_basis != AN_SAVE_NONE)
		jw_num(w, "saved_ns", k->saved_ns);
	else
		jw_null(w, "saved_ns");
	jw_str(w, "saved_basis", r->dropped ? an_save_basis_name(k->save_basis) : NULL);
	jw_str(w, "rule", k->rule);
	jw_hex(w, "name_ptr", r->name_ptr);
	site(w, "caller", k->site);
	tmpl(w, "template", k->tmpl);
	if (k->hist) {
		jw_obj(w, "latency");
		opt_ns(w, "p50_ns", k->p50_ns);
		opt_ns(w, "p99_ns", k->p99_ns);
		jw_arr(w, "buckets");
		for (uint32_t b = 0; b < k->hist_len; b++) {
			double lo, hi;
			an_hist_bucket_ns(m, k->proc, b, &lo, &hi);
			jw_obj(w, NULL);
			jw_num(w, "lo_ns", lo);
			if (b + 1 < AN_HIST_BUCKETS)
				jw_num(w, "hi_ns", hi);
			else
				jw_null(w, "hi_ns"); /* the shim's last bucket holds everything above */
			jw_u64(w, "count", k->hist[b]);
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
		opt_ns(w, "cpu_share", g[i].cpu_share);
		jw_end(w);
	}
	jw_end(w);
}

static const char *lost_name(enum an_stack_lost lost)
{
	switch (lost) {
	case AN_STACK_LOST_FULL: return "table full";
	case AN_STACK_LOST_BUSY: return "busy";
	case AN_STACK_LOST_FAILED: return "unwind failed";
	case AN_STACK_KEPT: break;
	}
	return NULL;
}

static void stacks(struct jw *w, const struct an_model *m)
{
	jw_arr(w, "stacks");
	for (size_t n = 0; n < m->nstacks; n++) {
		const struct an_stack *s = m->stack_ids[n];
		jw_obj(w, NULL);
		jw_u64(w, "id", n);
		jw_u64(w, "pid", m->procs[s->proc].pid);
		jw_u64(w, "thread", s->thread);
		jw_bool(w, "truncated", s->truncated);
		jw_u64(w, "max_depth", s->max_depth);
		jw_u64(w, "every", s->every);
		jw_arr(w, "frames");
		for (uint32_t j = 0; j < s->nframes; j++)
			site(w, NULL, an_stack_frame(m, s, j));
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
	jw_arr(w, "key_stacks");
	for (size_t i = 0; i < m->nstack_rows; i++) {
		const struct an_stack_row *r = &m->stack_rows[i];
		jw_obj(w, NULL);
		jw_u64(w, "key", r->key);
		if (r->stack)
			jw_u64(w, "stack", r->stack->id);
		else
			jw_null(w, "stack");
		jw_str(w, "lost", r->stack ? NULL : lost_name(r->lost));
		jw_u64(w, "sampled", r->sampled);
		jw_u64(w, "calls", r->calls);
		jw_num(w, "est_ns", r->est_ns);
		jw_end(w);
	}
	jw_end(w);
}

/* Trace events as small arrays: [start_ns, dur_ns, key or null, kind, dropped]. */
static void traces(struct jw *w, const struct an_model *m)
{
	jw_arr(w, "trace");
	for (size_t r = 0; r < m->nchunks; r++) {
		const struct an_trace_chunk *tr = &m->chunks[r];
		jw_obj(w, NULL);
		jw_u64(w, "pid", m->procs[tr->proc].pid);
		jw_u64(w, "thread", tr->thread);
		jw_u64(w, "chunk", tr->chunk);
		jw_u64(w, "capacity", tr->capacity);
		jw_u64(w, "recorded", tr->recorded);
		jw_u64(w, "overwritten", tr->overwritten);
		jw_arr(w, "events");
		int pretty = w->pretty;
		for (uint32_t j = 0; j < tr->nevents; j++) {
			struct an_event e;
			an_trace_event(m, tr, j, &e);
			jw_arr(w, NULL);
			w->pretty = 0;
			jw_num(w, NULL, e.start_ns);
			jw_num(w, NULL, e.dur_ns);
			if (e.key == AN_NO_KEY)
				jw_null(w, NULL);
			else
				jw_u64(w, NULL, e.key);
			jw_str(w, NULL, e.wait ? "wait" : "call");
			jw_bool(w, NULL, e.dropped);
			jw_end(w);
			w->pretty = pretty;
		}
		jw_end(w);
		jw_end(w);
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
	jw_arr(&w, "thread_groups");
	for (size_t i = 0; i < m->ntgroups; i++)
		tgroup(&w, m, i);
	jw_end(&w);
	jw_arr(&w, "keys");
	for (size_t i = 0; i < m->nkeys; i++)
		key(&w, m, i);
	jw_end(&w);
	groups(&w, "entries", m->entries, m->nentries, 0);
	groups(&w, "sources", m->sources, m->nsources, 1);
	groups(&w, "call_sites", m->sites, m->nsites, 2);
	groups(&w, "templates", m->templates, m->ntemplates, 3);
	jw_arr(&w, "rules_applied");
	for (size_t i = 0; i < m->nrule_rows; i++) {
		const struct an_rule_row *r = &m->rule_rows[i];
		jw_obj(&w, NULL);
		jw_u64(&w, "pid", m->procs[r->proc].pid);
		jw_u64(&w, "generation", r->gen);
		jw_str(&w, "rule", r->rule);
		jw_u64(&w, "kept", r->kept);
		jw_u64(&w, "dropped", r->dropped);
		jw_num(&w, "saved_ns", r->saved_ns);
		jw_end(&w);
	}
	jw_end(&w);
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
	opt_ns(&w, "cpu_ns", m->cpu_ns > 0 ? m->cpu_ns : -1);
	jw_num(&w, "log_cpu_ns", m->log_cpu_ns);
	opt_ns(&w, "cpu_share", m->cpu_share);
	jw_num(&w, "saved_ns", m->saved_ns);
	jw_u64(&w, "unsymbolized_keys", m->unsymbolized_keys);
	jw_end(&w);
	jw_end(&w);
	return 0;
}
