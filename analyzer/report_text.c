/* The text report: what a developer reads first. */
#include "report.h"
#include "util.h"

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
	char sv[B];
	fprintf(o, "  %-24s %-16s %14s %12s %11s %11s %9s %11s\n", "source", "entry point", "calls", "dropped", "est. time",
		"per call", "% busy", "est. saved");
	for (size_t i = 0; i < m->nsources; i++) {
		const struct an_group *s = &m->sources[i];
		int timed = s->timed_keys > 0;
		fprintf(o, "  %-24s %-16s %14s %12s %11s %11s %9s %11s%s\n", an_safe(s->name[0] ? s->name : "(none)", name, sizeof name),
			s->entry, an_count(s->kept + s->dropped, a, B), an_count(s->dropped, b, B),
			timed ? an_dur(s->est_ns, c, B) : "-",
			timed && s->kept ? an_dur(s->est_ns / (double)s->kept, d, B) : "-",
			timed && busy_net(m) > 0 ? an_pct(s->est_ns / busy_net(m), e, B) : "-",
			s->dropped && s->save_basis != AN_SAVE_NONE ? an_dur(s->saved_ns, sv, B) : "-",
			s->untimed_keys && timed ? "  (some call sites estimated from others)" : "");
	}
}

/* One line of rule text, cut to fit. */
static const char *rules_line(const char *t, char *buf, size_t cap)
{
	size_t o = 0;
	int space = 0;
	for (; *t && o + 4 < cap; t++) {
		unsigned char c = (unsigned char)*t;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = o > 0;
			continue;
		}
		if (space)
			buf[o++] = ' ';
		space = 0;
		buf[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (*t)
		strcpy(buf + (o > cap - 4 ? cap - 4 : o), "...");
	else
		buf[o] = 0;
	return buf;
}

static void generations(FILE *o, const struct an_model *m)
{
	if (!m->dropped && (m->ngens < 2))
		return;
	char a[B], b[B], c[B], d[B], e[B], txt[64];
	fprintf(o, "\nRule sets (each change of rules starts a generation, counted apart)\n");
	fprintf(o, "  %-4s %-10s %14s %12s %11s %11s  %s\n", "gen", "applied", "kept", "dropped", "est. time", "est. saved",
		"rules");
	for (size_t i = 0; i < m->ngens; i++) {
		const struct an_gen *g = &m->gens[i];
		if (g->gen == 0 && !g->kept && !g->dropped)
			continue; /* rules were given at start */
		if (g->applied_ns < 0)
			snprintf(a, B, "?");
		else if (g->gen == 0 || g->applied_ns < 1e6)
			snprintf(a, B, "at start");
		else
			snprintf(a, B, "+%s", an_dur(g->applied_ns, e, B));
		fprintf(o, "  %-4u %-10s %14s %12s %11s %11s  %s\n", g->gen, a, an_count(g->kept, b, B),
			an_count(g->dropped, c, B), an_dur(g->est_ns, d, B), g->dropped ? an_dur(g->saved_ns, e, B) : "-",
			!g->known ? "(not in this file)" : g->rules[0] ? rules_line(g->rules, txt, 60) : "(none)");
	}
}

static void drops(FILE *o, const struct an_model *m)
{
	if (!m->ndrops)
		return;
	char a[B], b[B], c[B], name[300];
	fprintf(o, "\nDropped calls and the time they saved\n");
	fprintf(o, "  %-24s %-16s %4s %14s %11s %11s  %s\n", "source", "entry point", "gen", "dropped", "est. saved",
		"per call", "basis");
	for (size_t i = 0; i < m->ndrops; i++) {
		const struct an_drop *d = &m->drops[i];
		int has = d->save_basis != AN_SAVE_NONE;
		fprintf(o, "  %-24s %-16s %4u %14s %11s %11s  %s\n", an_safe(d->name[0] ? d->name : "(none)", name, sizeof name),
			d->entry, d->gen, an_count(d->dropped, a, B), has ? an_dur(d->saved_ns, b, B) : "-",
			has && d->dropped ? an_dur(d->saved_ns / (double)d->dropped, c, B) : "-",
			an_save_basis_name(d->save_basis));
	}
	fprintf(o, "  (saved = calls dropped x the real function's time per call, taken from kept calls as the basis\n"
		   "   says; a dropped call still costs the shim %s%s)\n",
		an_dur(m->cost_drop_ns, a, B), m->baseline ? "; baseline: the file given with --baseline" : "");
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

int an_report_text(FILE *o, const struct an_model *m)
{
	header(o, m);
	if (!m->nkeys) {
		fprintf(o, "\nNo logging calls were intercepted.\n");
	} else {
		entries(o, m);
		sources(o, m);
		generations(o, m);
		drops(o, m);
	}
	threads(o, m);
	char a[B], b[B], c[B];
	if (busy_net(m) > 0)
		fprintf(o, "\nIn the event loops, logging took %s of %s busy time: %s.\n", an_dur(m->loop_log_ns, a, B),
			an_dur(busy_net(m), b, B), an_pct(m->loop_log_ns / busy_net(m), c, B));
	if (m->dropped)
		fprintf(o, "%s calls were dropped by rules, saving an estimated %s.\n", an_count(m->dropped, a, B),
			an_dur(m->saved_ns, b, B));
	return 0;
}
