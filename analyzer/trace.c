/* Trace mode: trace events on the model's time line, and per thread the
 * ring's counts and the log time of each whole iteration it holds. */
#include "model_impl.h"

#include <stdlib.h>

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
void an_trace_threads(struct an_model *m, size_t pi)
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
		for (unsigned b = 0; b < AN_HIST_MAX; b++)
			if (t->iter_hist[b])
				t->iter_hist_len = b + 1;
		t->iter_p50_ns = an_hist_quantile(t->iter_hist, n, 0.5, 0);
		t->iter_p99_ns = an_hist_quantile(t->iter_hist, n, 0.99, 0);
	}
	free(acc);
	free(open);
}

/* Every TRACE record, file by file, as the view's trace parts. */
int an_trace_chunks(struct an_model *m)
{
	size_t n = 0;
	for (size_t pi = 0; pi < m->nprocs; pi++)
		n += m->procs[pi].f->ntraces;
	m->chunks = calloc(n + 1, sizeof *m->chunks);
	if (!m->chunks)
		return -1;
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		struct an_proc *p = &m->procs[pi];
		const struct ltx_file *f = p->f;
		p->chunk0 = m->nchunks;
		p->nchunks = f->ntraces;
		for (size_t r = 0; r < f->ntraces; r++) {
			const struct ltx_r_trace *tr = &f->traces[r];
			struct an_trace_chunk *c = &m->chunks[m->nchunks++];
			c->t = tr;
			c->proc = pi;
			c->thread = p->thread0 + tr->t.thread;
			c->tid = f->threads[tr->t.thread].tid;
			c->chunk = tr->t.chunk;
			c->capacity = tr->t.capacity;
			c->recorded = tr->t.recorded;
			c->overwritten = tr->t.overwritten;
			c->nevents = tr->t.nevents;
		}
	}
	return 0;
}

void an_trace_event(const struct an_model *m, const struct an_trace_chunk *c, uint32_t j, struct an_event *ev)
{
	const struct ltx_trace_event *e = &c->t->events[j];
	ev->start_ns = an_trace_start_ns(m, c->proc, e);
	ev->dur_ns = an_trace_dur_ns(m, c->proc, e);
	ev->key = e->key == LTX_NO_KEY ? AN_NO_KEY : m->procs[c->proc].key0 + e->key;
	ev->wait = e->kind == LTX_TEV_WAIT;
	ev->dropped = (e->flags & LTX_TEV_DROPPED) != 0;
	ev->untimed = (e->flags & LTX_TEV_UNTIMED) != 0;
}
