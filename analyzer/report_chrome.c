/* Chrome Trace Event JSON (the "JSON Object Format"), which Perfetto and
 * chrome://tracing open: the trace records of a run with --trace. Each
 * logging call is a complete event (ph "X") named by its source, category
 * its entry point; a dropped call is an instant (ph "i"); each event-loop
 * wait is an "X" named "wait". Times are microseconds on one time line for
 * all processes (the earliest start is 0); durations have the shim's window
 * share taken out. Overwritten events (the ring was full) are counted in
 * otherData and marked on each thread's track. */
#include "json.h"
#include "report.h"

#include <string.h>

static void common(struct jw *w, const char *name, const char *cat, const char *ph, double ts_ns, uint32_t pid,
		   uint32_t tid)
{
	jw_str(w, "name", name);
	jw_str(w, "cat", cat);
	jw_str(w, "ph", ph);
	jw_num(w, "ts", ts_ns / 1000.0);
	jw_u64(w, "pid", pid);
	jw_u64(w, "tid", tid);
}

static void meta(struct jw *w, const char *what, uint32_t pid, uint32_t tid, const char *name)
{
	jw_obj(w, NULL);
	jw_str(w, "name", what);
	jw_str(w, "ph", "M");
	jw_u64(w, "pid", pid);
	jw_u64(w, "tid", tid);
	jw_obj(w, "args");
	jw_str(w, "name", name);
	jw_end(w);
	jw_end(w);
}

static void event(struct jw *w, const struct an_model *m, size_t pi, uint32_t tid, const struct an_event *e)
{
	uint32_t pid = m->procs[pi].pid;
	double ts = e->start_ns, dur = e->dur_ns;
	jw_obj(w, NULL); /* one event per line */
	w->pretty = 0;
	if (e->wait || e->key == AN_NO_KEY) {
		common(w, "wait", "event-loop", "X", ts, pid, tid);
		jw_num(w, "dur", dur / 1000.0);
		jw_end(w);
		w->pretty = 1;
		return;
	}
	const struct an_key *k = &m->keys[e->key];
	int dropped = e->dropped;
	common(w, k->name[0] ? k->name : "(none)", k->entry, dropped ? "i" : "X", ts, pid, tid);
	if (dropped)
		jw_str(w, "s", "t");
	else
		jw_num(w, "dur", dur / 1000.0);
	jw_obj(w, "args");
	jw_str(w, "level", k->level_name);
	jw_str(w, "action", dropped ? "drop" : "keep");
	jw_str(w, "call_site", k->site->label);
	jw_str(w, "template", k->tmpl->text);
	if (e->untimed)
		jw_bool(w, "untimed", 1);
	jw_end(w);
	jw_end(w);
	w->pretty = 1;
}

int an_report_chrome(FILE *o, const struct an_model *m)
{
	struct jw w;
	jw_init(&w, o, 1);
	jw_obj(&w, NULL);
	jw_arr(&w, "traceEvents");
	uint64_t overwritten = 0, recorded = 0;
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		const struct an_proc *p = &m->procs[pi];
		char name[300];
		const char *exe = strrchr(p->exe, '/');
		snprintf(name, sizeof name, "%s (pid %u)", exe ? exe + 1 : p->exe, p->pid);
		meta(&w, "process_name", p->pid, 0, name);
		for (size_t i = p->thread0; i < p->thread0 + p->nthreads; i++) {
			const struct an_thread *t = &m->threads[i];
			snprintf(name, sizeof name, "%s (tid %u)", t->name, t->tid);
			meta(&w, "thread_name", p->pid, t->tid, name);
		}
		overwritten += p->trace_overwritten;
		recorded += p->trace_recorded;
		for (size_t r = p->chunk0; r < p->chunk0 + p->nchunks; r++) {
			const struct an_trace_chunk *tr = &m->chunks[r];
			uint32_t tid = tr->tid;
			struct an_event e;
			if (tr->chunk == 0 && tr->overwritten && tr->nevents) {
				/* Mark where the kept part of the ring starts. */
				char what[96];
				snprintf(what, sizeof what, "trace ring full: %llu earlier events overwritten",
					 (unsigned long long)tr->overwritten);
				an_trace_event(m, tr, 0, &e);
				jw_obj(&w, NULL);
				common(&w, what, "logtax", "i", e.start_ns, p->pid, tid);
				jw_str(&w, "s", "t");
				jw_end(&w);
			}
			for (uint32_t j = 0; j < tr->nevents; j++) {
				an_trace_event(m, tr, j, &e);
				event(&w, m, pi, tid, &e);
			}
		}
	}
	jw_end(&w);
	jw_str(&w, "displayTimeUnit", "ns");
	jw_obj(&w, "otherData");
	jw_str(&w, "generator", "logtax");
	jw_u64(&w, "recorded", recorded);
	jw_u64(&w, "overwritten", overwritten);
	if (!m->has_trace)
		jw_str(&w, "note", "no trace records in these files: run with 'logtax run --trace N'");
	jw_end(&w);
	jw_end(&w);
	return 0;
}
