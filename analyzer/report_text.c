/* The text report: what a developer reads first. */
#include "report.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define B 64

static void header(FILE *o, const struct an_model *m)
{
	const struct ltx_file *f = m->f;
	char a[B], b[B], c[B], d[B], name[512];
	fprintf(o, "logtax report: %s\n", f->path ? an_safe(f->path, name, sizeof name) : "(memory)");
	fprintf(o, "  process %u: %s\n", f->proc.pid, an_safe(f->cmdline[0] ? f->cmdline : f->exe, name, sizeof name));
	static const char *const why[] = { "?", "at exit", "as a snapshot while it ran", "on request (dump)",
					   "on a fatal signal", "before exec" };
	fprintf(o, "  ran %s; written %s%s\n", an_dur(m->run_ns, a, B),
		why[f->proc.reason < 6 ? f->proc.reason : 0],
		(f->hdr.flags & LTX_FILE_SNAPSHOT) ? " (counts up to that moment)" : "");
	if (!m->ns_per_tick) {
		fprintf(o, "  no usable clock in this file: counts only\n");
	} else {
		fprintf(o, "  clock: TSC at %.3f GHz%s\n", m->f->tick_hz / 1e9,
			(f->proc.clock_flags & LTX_CLOCK_TSC_INVARIANT) ? " (invariant)" :
									  " (not known to be invariant: times may be off)");
	}
	uint64_t all = m->kept + m->dropped;
	switch (f->proc.time_mode) {
	case LTX_TIME_OFF:
		fprintf(o, "  timing: off (counts only)\n");
		break;
	case LTX_TIME_ALL:
		fprintf(o, "  timing: every call timed (%s of %s calls)\n", an_count(m->timed, a, B), an_count(all, b, B));
		break;
	default:
		fprintf(o, "  timing: 1 call in %u timed, picked at random (%s of %s calls timed); "
			   "a source's time is its calls x the mean of its timed calls\n",
			f->proc.sample_every, an_count(m->timed, a, B), an_count(all, b, B));
	}
	if (m->ns_per_tick && f->has_calib)
		fprintf(o, "  the shim's own cost (measured at start-up, taken out below): %s per counted call, "
			   "%s per timed call, %s per dropped call; %s in all\n",
			an_dur(m->cost_count_ns, a, B), an_dur(m->cost_timed_ns, b, B), an_dur(m->cost_drop_ns, c, B),
			an_dur(m->shim_ns, d, B));
	uint64_t lost = f->proc.late_calls;
	for (size_t i = 0; i < f->nthreads; i++)
		lost += f->threads[i].reentered;
	if (lost)
		fprintf(o, "  %s calls were counted without a key (re-entered the shim, or after their thread's end): "
			   "in the totals, not in the tables\n", an_count(lost, a, B));
}

static double busy_net(const struct an_model *m)
{
	return m->busy_ns - m->loop_shim_ns;
}

static void entries(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], e[B], g[B];
	fprintf(o, "\nLogging calls by entry point\n");
	fprintf(o, "  %-20s %14s %14s %12s %11s %11s %9s\n", "entry point", "calls", "kept", "dropped", "est. time",
		"per call", "% busy");
	for (size_t i = 0; i < m->nentries; i++) {
		const struct an_group *g0 = &m->entries[i];
		int timed = g0->timed_keys > 0;
		fprintf(o, "  %-20s %14s %14s %12s %11s %11s %9s\n", g0->entry, an_count(g0->kept + g0->dropped, a, B),
			an_count(g0->kept, b, B), an_count(g0->dropped, c, B), timed ? an_dur(g0->est_ns, d, B) : "-",
			timed && g0->kept ? an_dur(g0->est_ns / (double)g0->kept, e, B) : "-",
			timed && busy_net(m) > 0 ? an_pct(g0->est_ns / busy_net(m), g, B) : "-");
	}
}

static void sources(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], e[B], name[300];
	fprintf(o, "\nLogging calls by source\n");
	fprintf(o, "  %-24s %-16s %14s %12s %11s %11s %9s\n", "source", "entry point", "calls", "dropped", "est. time",
		"per call", "% busy");
	for (size_t i = 0; i < m->nsources; i++) {
		const struct an_group *s = &m->sources[i];
		int timed = s->timed_keys > 0;
		fprintf(o, "  %-24s %-16s %14s %12s %11s %11s %9s%s\n", an_safe(s->name[0] ? s->name : "(none)", name, sizeof name),
			s->entry, an_count(s->kept + s->dropped, a, B), an_count(s->dropped, b, B),
			timed ? an_dur(s->est_ns, c, B) : "-",
			timed && s->kept ? an_dur(s->est_ns / (double)s->kept, d, B) : "-",
			timed && busy_net(m) > 0 ? an_pct(s->est_ns / busy_net(m), e, B) : "-",
			s->untimed_keys && timed ? "  (some call sites estimated from others)" : "");
	}
}

static void threads(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], e[B], g[B], h[B], name[64];
	fprintf(o, "\nThreads\n");
	fprintf(o, "  %-8s %-16s %11s %10s %10s %14s %10s %10s %10s %9s\n", "tid", "name", "iterations", "wait",
		"busy", "log calls", "log time", "calls/it", "log/it", "log share");
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct an_thread *t = &m->threads[i];
		const struct ltx_thread *r = t->t;
		char tid[32];
		snprintf(tid, sizeof tid, "%u%s", r->tid, (r->flags & LTX_THREAD_EXITED) ? "*" : "");
		if (!r->waits) {
			fprintf(o, "  %-8s %-16s %11s %10s %10s %14s %10s %10s %10s %9s\n", tid, an_safe(r->name, name, sizeof name),
				"-", "-", "-", an_count(t->kept, a, B), t->est_ns > 0 ? an_dur(t->est_ns, b, B) : "-", "-", "-",
				"-");
			continue;
		}
		double it = (double)r->waits;
		char cpi[32];
		snprintf(cpi, sizeof cpi, "%.1f", (double)t->loop_kept / it);
		fprintf(o, "  %-8s %-16s %11s %10s %10s %14s %10s %10s %10s %9s\n", tid, an_safe(r->name, name, sizeof name),
			an_count(r->waits, a, B), an_dur(t->wait_ns, b, B), an_dur(t->busy_ns - t->shim_ns, c, B),
			an_count(t->loop_kept, d, B), an_dur(t->loop_log_ns, e, B), cpi,
			t->loop_log_ns >= 0 ? an_dur(t->loop_log_ns / it, g, B) : "-", an_pct(t->share, h, B));
	}
	fprintf(o, "  (iterations = waits in poll/select/epoll; busy = time between waits, the shim's cost taken out;\n"
		   "   log calls and time count what ran between waits; * = thread has exited)\n");
}

static int by_est(const void *a, const void *b)
{
	const struct an_key *x = *(const struct an_key *const *)a, *y = *(const struct an_key *const *)b;
	if (x->est_ns != y->est_ns)
		return x->est_ns < y->est_ns ? 1 : -1;
	return x->k->k.calls < y->k->k.calls ? 1 : x->k->k.calls > y->k->k.calls ? -1 : 0;
}

#define TOP 10

/* Per call site: the spread of its timed calls, from its histogram. */
static void latency(FILE *o, const struct an_model *m)
{
	const struct an_key **ks = calloc(m->nkeys + 1, sizeof *ks);
	size_t n = 0;
	if (!ks)
		return;
	for (size_t i = 0; i < m->nkeys; i++)
		if (m->keys[i].p50_ns >= 0)
			ks[n++] = &m->keys[i];
	if (n) {
		char a[B], b[B], c[B], name[300], site[300];
		qsort(ks, n, sizeof *ks, by_est);
		fprintf(o, "\nTime per call by call site (timed calls; log2 buckets, so within a factor of 2)\n");
		fprintf(o, "  %-24s %-36s %12s %10s %10s\n", "source", "call site", "timed", "p50", "p99");
		for (size_t i = 0; i < n && i < TOP; i++) {
			const struct an_key *k = ks[i];
			fprintf(o, "  %-24s %-36s %12s %10s %10s\n",
				an_safe(k->k->name[0] ? k->k->name : "(none)", name, sizeof name),
				an_addr_name(m->f, k->k->k.caller, site, sizeof site), an_count(k->k->k.timed, a, B),
				an_dur(k->p50_ns, b, B), an_dur(k->p99_ns, c, B));
		}
		if (n > TOP)
			fprintf(o, "  (%zu more call sites)\n", n - TOP);
	}
	free(ks);
}

#define TOP_STACKS 5
#define STACK_LINES 8

static void stacks(FILE *o, const struct an_model *m)
{
	if (!(m->f->hdr.features & LTX_FEAT_STACKS))
		return;
	char a[B], b[B], c[B], d[B], e[B], g[B], name[300], fr[300];
	fprintf(o, "\nStacks");
	if (m->stack_depth)
		fprintf(o, " (up to %u frames, for 1 call in %u)", m->stack_depth, m->stack_every);
	fprintf(o, ": %s calls picked, %zu distinct stacks kept, capturing took %s\n", an_count(m->stack_picked, a, B),
		m->nstacks, an_dur(m->stack_ns, b, B));
	if (m->stack_lost[0] || m->stack_lost[1] || m->stack_lost[2])
		fprintf(o, "  not kept: %s (stack table full), %s (picked inside the shim, e.g. a signal handler), "
			   "%s (unwinding failed)\n",
			an_count(m->stack_lost[0], c, B), an_count(m->stack_lost[1], d, B), an_count(m->stack_lost[2], e, B));
	for (size_t i = 0; i < m->nstacks && i < TOP_STACKS; i++) {
		const struct an_stack *s = &m->stacks[i];
		if (!s->count)
			break;
		const struct ltx_r_key *k = &m->f->keys[s->top_key];
		const struct ltx_r_entry *en = ltx_find_entry(m->f, k->k.entry);
		fprintf(o, "  #%zu  %s calls (%s of picked)  %s, %s\n", i + 1, an_count(s->count, a, B),
			an_pct(m->stack_picked ? (double)s->count / (double)m->stack_picked : 0, g, B),
			an_safe(k->name[0] ? k->name : "(none)", name, sizeof name), en ? en->name : "?");
		uint32_t nf = s->s->s.nframes;
		for (uint32_t j = 0; j < nf && j < STACK_LINES; j++)
			fprintf(o, "      %s\n", an_addr_name(m->f, s->s->frames[j], fr, sizeof fr));
		if (nf > STACK_LINES || (s->s->s.flags & LTX_STACK_TRUNCATED))
			fprintf(o, "      ...\n");
	}
}

static void trace(FILE *o, const struct an_model *m)
{
	const struct ltx_file *f = m->f;
	if (!(f->hdr.features & LTX_FEAT_TRACE))
		return;
	char a[B], b[B], c[B];
	fprintf(o, "\nTrace (every call and wait, the last ones of each thread)\n");
	for (size_t i = 0; i < f->ntraces; i++) {
		const struct ltx_trace *t = &f->traces[i].t;
		if (t->chunk)
			continue;
		const struct ltx_thread *th = ltx_find_thread(f, t->thread);
		uint64_t kept = t->recorded - t->overwritten;
		fprintf(o, "  thread %u: %s events kept of %s recorded (%s overwritten; the ring holds %u)\n", th->tid,
			an_count(kept, a, B), an_count(t->recorded, b, B), an_count(t->overwritten, c, B), t->capacity);
	}
}

int an_report_text(FILE *o, const struct an_model *m)
{
	header(o, m);
	if (!m->nkeys) {
		fprintf(o, "\nNo logging calls were intercepted.\n");
	} else {
		entries(o, m);
		sources(o, m);
		latency(o, m);
		stacks(o, m);
	}
	trace(o, m);
	threads(o, m);
	char a[B], b[B], c[B];
	if (busy_net(m) > 0)
		fprintf(o, "\nIn the event loops, logging took %s of %s busy time: %s.\n", an_dur(m->loop_log_ns, a, B),
			an_dur(busy_net(m), b, B), an_pct(m->loop_log_ns / busy_net(m), c, B));
	return 0;
}
