/* The text report: what a developer reads first. */
#include "report.h"
#include "table.h"
#include "util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define B 64

/* "2024-05-01 12:00:00 UTC" */
static const char *utc(uint64_t ns, char *buf, size_t cap)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	if (!ns || !gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, cap, "(unknown time)");
	return buf;
}

/* How the file came to be (1.2 OUTPUT record): the signal, the snapshot's
 * moment, earlier writes that failed. */
static void output_notes(FILE *o, const struct an_proc *p)
{
	char t[64], d[B];
	const struct an_output *w = &p->output;
	if (p->reason == AN_REASON_SIGNAL && p->has_output && w->signal) {
		const char *abbrev = sigabbrev_np((int)w->signal);
		fprintf(o, "  the process got SIG%s (%u) and then died of it\n", abbrev ? abbrev : "?", w->signal);
	}
	if (p->snapshot) {
		double after = p->end_mono_ns > p->start_mono_ns ?
				       (double)(p->end_mono_ns - p->start_mono_ns) : 0;
		fprintf(o, "  snapshot taken %s, %s after start: calls made after it are not in this file "
			   "(the process was killed, crashed, or still ran)\n",
			utc(p->end_realtime_ns, t, sizeof t), an_dur(after, d, B));
	}
	if (p->reason == AN_REASON_EXEC)
		fprintf(o, "  the program it then became (same pid) has a file of its own\n");
	if (!p->has_output)
		return;
	if (w->exec_failed)
		fprintf(o, "  an exec failed after its file was written; the process ran on, and this file has its later "
			   "calls too\n");
	if (w->no_follow)
		fprintf(o, "  programs it started were not traced (--no-follow)\n");
	if (w->failed) {
		static const char *const what[] = { "?",	   "at exit",	  "a snapshot", "a dump",
						    "on a signal", "before exec", "at detach" };
		const char *en = strerrorname_np((int)w->last_errno), *ed = strerrordesc_np((int)w->last_errno);
		fprintf(o, "  %u of %u earlier writes of this file failed (last: %s, %s (%s), %s); this file has every "
			   "call up to its own writing\n",
			w->failed, w->writes, what[w->last_reason < 7 ? w->last_reason : 0], ed ? ed : "error",
			en ? en : "?", utc(w->last_failed_realtime_ns, t, sizeof t));
	}
}

/* The shim attached to the running process (1.4 ATTACH record). */
static void attach_notes(FILE *o, const struct an_proc *p)
{
	if (!p->attached)
		return;
	char t[64], d[B];
	const struct an_attach *a = &p->attach;
	fprintf(o, "  attached at %s (attach %u to this process); calls before were not seen\n",
		utc(a->realtime_ns, t, sizeof t), a->number);
	if (a->detached)
		fprintf(o, "  detached at %s, %s later: calls after were not counted\n", utc(a->detach_realtime_ns, t, sizeof t),
			an_dur(a->detach_mono_ns > a->mono_ns ? (double)(a->detach_mono_ns - a->mono_ns) : 0, d, B));
	if (a->uncovered[0])
		fprintf(o, "  not covered while attached (calls of these did not reach logtax): %s\n", a->uncovered);
}

static void header(FILE *o, const struct an_proc *p)
{
	char a[B], b[B], c[B], d[B], name[512];
	fprintf(o, "logtax report: %s\n", p->path ? an_safe(p->path, name, sizeof name) : "(memory)");
	fprintf(o, "  process %u: %s\n", p->pid, an_safe(p->cmdline[0] ? p->cmdline : p->exe, name, sizeof name));
	static const char *const why[] = { "?",
					   "at exit",
					   "as a snapshot while it ran",
					   "on request (dump)",
					   "on a fatal signal",
					   "before exec",
					   "at detach (the process runs on without logtax)" };
	fprintf(o, "  ran %s; written %s%s\n", an_dur(p->run_ns, a, B), why[p->reason < 7 ? p->reason : 0],
		p->snapshot ? " (counts up to that moment)" : "");
	attach_notes(o, p);
	output_notes(o, p);
	if (!p->ns_per_tick) {
		fprintf(o, "  no usable clock in this file: counts only\n");
	} else {
		fprintf(o, "  clock: TSC at %.3f GHz%s\n", p->tick_hz / 1e9,
			p->tsc_invariant ? " (invariant)" :
									  " (not known to be invariant: times may be off)");
	}
	uint64_t all = p->kept + p->dropped;
	switch (p->time_mode) {
	case AN_TIME_OFF:
		fprintf(o, "  timing: off (counts only)\n");
		break;
	case AN_TIME_ALL:
		fprintf(o, "  timing: every call timed (%s of %s calls)\n", an_count(p->timed, a, B), an_count(all, b, B));
		break;
	default:
		fprintf(o, "  timing: 1 call in %u timed, picked at random (%s of %s calls timed); "
			   "a source's time is its calls x the mean of its timed calls\n",
			p->sample_every, an_count(p->timed, a, B), an_count(all, b, B));
	}
	if (p->ns_per_tick && p->has_calib)
		fprintf(o, "  the shim's own cost (measured at start-up, taken out below): %s per counted call, "
			   "%s per timed call, %s per dropped call; %s in all\n",
			an_dur(p->cost_count_ns, a, B), an_dur(p->cost_timed_ns, b, B), an_dur(p->cost_drop_ns, c, B),
			an_dur(p->shim_ns, d, B));
	if (p->lost)
		fprintf(o, "  %s calls were counted without a key (a signal handler that logged while the shim was busy on "
			   "its thread, a vfork child, or a thread after its end): %s calls in all = %s in the tables + %s "
			   "without a key\n",
			an_count(p->lost, a, B), an_count(all + p->lost, b, B), an_count(all, c, B), an_count(p->lost, d, B));
	size_t gone = 0;
	for (size_t i = 0; i < p->nmodules; i++) {
		enum an_mod_status st = p->modules[i].status;
		if (st == AN_MOD_GONE || st == AN_MOD_CHANGED || st == AN_MOD_BAD)
			gone++;
	}
	if (gone || p->unsymbolized_keys)
		fprintf(o, "  symbols: %zu of %zu modules are gone, changed or unreadable since the run; %zu keys have "
			   "call sites without names (marked below)\n", gone, p->nmodules, p->unsymbolized_keys);
}

/* What the groups' share column divides by: the processes' CPU time, or
 * (files before 1.4) the event loops' busy time. */
static const char *share_hdr(const struct an_model *m)
{
	return m->share_of_cpu ? "% CPU" : "% busy";
}

static double gshare(const struct an_model *m, const struct an_group *g)
{
	return m->share_of_cpu ? g->cpu_share : g->share;
}

/* "12.3 us" or "-" when the group has no estimate */
static const char *est(const struct an_group *g, char *buf)
{
	return g->timed_keys ? an_dur(g->est_ns, buf, B) : "-";
}

static void entries(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], e[B], g[B], name[300];
	const struct an_col cols[] = { { "entry point", 0, 40 }, { "calls", 1, 0 },    { "kept", 1, 0 },
					      { "dropped", 1, 0 },     { "est. time", 1, 0 }, { "per call", 1, 0 },
					      { share_hdr(m), 1, 0 } };
	fprintf(o, "\nLogging calls by entry point\n");
	struct an_table *t = an_table_new(cols, 7);
	for (size_t i = 0; i < m->nentries; i++) {
		const struct an_group *g0 = &m->entries[i];
		const char *row[] = { an_safe(g0->entry, name, sizeof name), an_count(g0->kept + g0->dropped, a, B),
				      an_count(g0->kept, b, B), an_count(g0->dropped, c, B), est(g0, d),
				      an_dur(g0->ns_per_call, e, B), an_pct(gshare(m, g0), g, B) };
		an_table_add(t, row, NULL);
	}
	an_table_print(o, t, "  ");
	an_table_free(t);
}

static void sources(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], e[B], sv[B], name[300], ent[300];
	const struct an_col cols[] = { { "source", 0, 32 },   { "entry point", 0, 24 }, { "calls", 1, 0 },
					      { "dropped", 1, 0 },   { "est. time", 1, 0 },    { "per call", 1, 0 },
					      { share_hdr(m), 1, 0 },    { "est. saved", 1, 0 } };
	fprintf(o, "\nLogging calls by source\n");
	struct an_table *t = an_table_new(cols, 8);
	for (size_t i = 0; i < m->nsources; i++) {
		const struct an_group *s = &m->sources[i];
		const char *row[] = { an_safe(s->name[0] ? s->name : "(none)", name, sizeof name),
				      an_safe(s->entry, ent, sizeof ent), an_count(s->kept + s->dropped, a, B),
				      an_count(s->dropped, b, B), est(s, c), an_dur(s->ns_per_call, d, B),
				      an_pct(gshare(m, s), e, B),
				      s->dropped && s->save_basis != AN_SAVE_NONE ? an_dur(s->saved_ns, sv, B) : "-" };
		an_table_add(t, row, s->untimed_keys && s->timed_keys ? "(some call sites estimated from others)" : NULL);
	}
	an_table_print(o, t, "  ");
	an_table_free(t);
	int over = 0;
	for (size_t i = 0; i < m->nsources; i++)
		over |= m->sources[i].share > 1;
	if (m->share_of_cpu && m->nsources)
		fprintf(o, "  (%% CPU: a source's part of logging's time over the process's CPU time, all threads)\n");
	else if (over)
		fprintf(o, "  (%% busy: a source's time over the event loops' busy time; it includes calls made before\n"
			   "   a loop began or in threads without one, so it can pass 100%%)\n");
}

static size_t rows(const struct an_model *m, size_t n)
{
	return m->top && m->top < n ? m->top : n;
}

/* Short words for the "named by" column. */
static const char *named_by(enum an_named n)
{
	switch (n) {
	case AN_NAMED_SYMTAB: return "symbols";
	case AN_NAMED_DEBUGINFO: return "debuginfo";
	case AN_NAMED_ARGS: return "call args";
	default: return "-";
	}
}

static void sites(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], fn[600], where[600], name[300], tail[300];
	size_t n = rows(m, m->nsites);
	const struct an_col cols[] = { { "function", 0, 44 }, { "file:line", 0, 30 }, { "source", 0, 24 },
					      { "calls", 1, 0 },     { "est. time", 1, 0 }, { "per call", 1, 0 },
					      { share_hdr(m), 1, 0 },    { "named by", 0, 0 } };
	fprintf(o, "\nTop call sites by estimated time\n");
	struct an_table *t = an_table_new(cols, 8);
	int args = 0;
	for (size_t i = 0; i < n; i++) {
		const struct an_group *g = &m->sites[i];
		const struct an_sym *y = g->site;
		const char *note = an_site_note(y);
		char fs[600], ws[600];
		if (y->function && y->inlined_into)
			snprintf(fn, sizeof fn, "%s (inlined in %s)", y->function, y->inlined_into);
		else
			snprintf(fn, sizeof fn, "%s", y->function ? y->function : y->label);
		if (y->file)
			snprintf(where, sizeof where, "%s:%d", an_basename(y->file), y->line);
		else
			snprintf(where, sizeof where, "%s", y->mod_base ? y->mod_base : "-");
		args |= y->named_by == AN_NAMED_ARGS;
		const char *row[] = { an_safe(fn, fs, sizeof fs), an_safe(where, ws, sizeof ws),
				      an_safe(g->name[0] ? g->name : "(none)", name, sizeof name),
				      an_count(g->kept + g->dropped, a, B), est(g, b), an_dur(g->ns_per_call, c, B),
				      an_pct(gshare(m, g), d, B), named_by(y->named_by) };
		if (note)
			snprintf(tail, sizeof tail, "[%s]", note);
		an_table_add(t, row, note ? tail : NULL);
	}
	an_table_print(o, t, "  ");
	an_table_free(t);
	if (n < m->nsites)
		fprintf(o, "  (%zu more call sites; --top 0 shows all)\n", m->nsites - n);
	if (args)
		fprintf(o, "  (named by: symbols = the module's symbol table, debuginfo = its debug information,\n"
			   "   call args = the function, file and line the logging call passed, where the module\n"
			   "   has no debug information for it)\n");
}

static void templates(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], text[400], name[300], tail[300];
	size_t n = rows(m, m->ntemplates);
	const struct an_col cols[] = { { "template", 0, 72 }, { "source", 0, 24 },   { "calls", 1, 0 },
					      { "est. time", 1, 0 }, { "per call", 1, 0 }, { share_hdr(m), 1, 0 } };
	fprintf(o, "\nTop message templates by estimated time\n");
	struct an_table *t = an_table_new(cols, 6);
	for (size_t i = 0; i < n; i++) {
		const struct an_group *g = &m->templates[i];
		const struct an_tmpl *tm = g->tmpl;
		const char *note = an_tmpl_note(tm);
		char shown[800], site[600];
		if (tm->text) {
			an_cstr(tm->text, text, sizeof text, 50);
			snprintf(shown, sizeof shown, "\"%s\"", text);
		} else {
			snprintf(shown, sizeof shown, "(%s, at %s)", note, an_safe(g->site->label, site, sizeof site));
			note = NULL;
		}
		const char *row[] = { shown, an_safe(g->name[0] ? g->name : "(none)", name, sizeof name),
				      an_count(g->kept + g->dropped, a, B), est(g, b), an_dur(g->ns_per_call, c, B),
				      an_pct(gshare(m, g), d, B) };
		if (note)
			snprintf(tail, sizeof tail, "[%s]", note);
		an_table_add(t, row, note ? tail : NULL);
	}
	an_table_print(o, t, "  ");
	an_table_free(t);
	if (n < m->ntemplates)
		fprintf(o, "  (%zu more templates; --top 0 shows all)\n", m->ntemplates - n);
}

/* Per key (its call site): the spread of its timed calls, from its histogram. */
static void latency(FILE *o, const struct an_model *m)
{
	if (!m->has_hists)
		return;
	size_t n = m->top ? m->top : m->nkeys, shown = 0, left = 0;
	char *used = calloc(m->nkeys + 1, 1);
	if (!used)
		return;
	char a[B], b[B], c[B], name[300], site[600];
	static const struct an_col cols[] = { { "source", 0, 24 }, { "call site", 0, 60 }, { "timed", 1, 0 },
					      { "p50", 1, 0 },     { "p99", 1, 0 } };
	fprintf(o, "\nTime per call by call site (timed calls; log2 buckets, so within a factor of 2)\n");
	struct an_table *t = an_table_new(cols, 5);
	for (;;) {
		size_t best = m->nkeys;
		for (size_t i = 0; i < m->nkeys; i++) {
			const struct an_key *k = &m->keys[i];
			if (used[i] || k->p50_ns < 0)
				continue;
			if (best == m->nkeys || k->est_ns > m->keys[best].est_ns ||
			    (k->est_ns == m->keys[best].est_ns && k->calls > m->keys[best].calls))
				best = i;
		}
		if (best == m->nkeys)
			break;
		used[best] = 1;
		if (shown == n) {
			left++;
			continue;
		}
		shown++;
		const struct an_key *k = &m->keys[best];
		const char *row[] = { an_safe(k->name[0] ? k->name : "(none)", name, sizeof name),
				      an_safe(k->site->label, site, sizeof site), an_count(k->timed, a, B),
				      an_dur(k->p50_ns, b, B), an_dur(k->p99_ns, c, B) };
		an_table_add(t, row, NULL);
	}
	an_table_print(o, t, "  ");
	an_table_free(t);
	if (left)
		fprintf(o, "  (%zu more call sites; --top 0 shows all)\n", left);
	free(used);
}

#define TOP_STACKS 5
#define STACK_LINES 8

/* Stacks: the settings, what was picked and lost, the stacks most calls had. */
static void stacks(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], e[B], g[B], name[300], fr[300];
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		const struct an_proc *p = &m->procs[pi];
		if (!(p->feat_stacks))
			continue;
		fprintf(o, "\nStacks");
		if (p->stack_depth)
			fprintf(o, " (up to %u frames, for 1 call in %u)", p->stack_depth, p->stack_every);
		fprintf(o, ": %s calls picked, %zu distinct stacks kept, capturing took %s", an_count(p->stacks_picked, a, B),
			p->nstacks_kept, an_dur(p->stack_ns, b, B));
		if (m->nprocs > 1)
			fprintf(o, " (pid %u)", p->pid);
		fputc('\n', o);
		if (p->stacks_lost_full || p->stacks_lost_busy || p->stacks_lost_failed)
			fprintf(o, "  not kept: %s (stack table full), %s (picked inside the shim, e.g. a signal handler), "
				   "%s (unwinding failed)\n",
				an_count(p->stacks_lost_full, c, B), an_count(p->stacks_lost_busy, d, B),
				an_count(p->stacks_lost_failed, e, B));
		size_t shown = 0;
		for (size_t i = 0; i < m->nstacks && shown < TOP_STACKS; i++) {
			const struct an_stack *s = &m->stacks[i];
			if (s->proc != pi)
				continue;
			if (!s->count)
				break;
			const struct an_key *k = &m->keys[s->top_key];
			fprintf(o, "  #%zu  %s calls (%s of picked)  %s, %s\n", ++shown, an_count(s->count, a, B),
				an_pct(p->stacks_picked ? (double)s->count / (double)p->stacks_picked : 0, g, B),
				an_safe(k->name[0] ? k->name : "(none)", name, sizeof name), k->entry);
			uint32_t nf = s->nframes;
			for (uint32_t j = 0; j < nf && j < STACK_LINES; j++)
				fprintf(o, "      %s\n", an_safe(an_stack_frame(m, s, j)->label, fr, sizeof fr));
			if (nf > STACK_LINES || s->truncated)
				fprintf(o, "      ...\n");
		}
	}
}

/* Trace mode: each thread's ring, and what it had to overwrite. */
static void trace(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B];
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		const struct an_proc *p = &m->procs[pi];
		if (!p->feat_trace)
			continue;
		fprintf(o, "\nTrace (every call and wait, the last ones of each thread)");
		if (m->nprocs > 1)
			fprintf(o, " (pid %u)", p->pid);
		fputc('\n', o);
		for (size_t i = p->chunk0; i < p->chunk0 + p->nchunks; i++) {
			const struct an_trace_chunk *t = &m->chunks[i];
			if (t->chunk)
				continue;
			uint64_t kept = t->recorded - t->overwritten;
			fprintf(o, "  thread %u: %s events kept of %s recorded (%s overwritten; the ring holds %u)\n", t->tid,
				an_count(kept, a, B), an_count(t->recorded, b, B), an_count(t->overwritten, c, B), t->capacity);
		}
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

/* Rule generations are per process: with several, a pid column says whose. */
static void generations(FILE *o, const struct an_model *m)
{
	int changed = 0, several = m->nprocs > 1;
	for (size_t i = 1; i < m->ngens; i++)
		if (m->gens[i].proc == m->gens[i - 1].proc)
			changed = 1;
	if (!m->dropped && !changed)
		return;
	char a[B], b[B], c[B], d[B], e[B], txt[64], pid[B], gn[B];
	static const struct an_col cols[] = { { "pid", 0, 0 },        { "gen", 0, 0 },        { "applied", 0, 0 },
					      { "kept", 1, 0 },       { "dropped", 1, 0 },    { "est. time", 1, 0 },
					      { "est. saved", 1, 0 }, { "rules", 0, 0 } };
	fprintf(o, "\nRule sets (each change of rules starts a generation, counted apart)\n");
	struct an_table *t = an_table_new(cols + !several, 8 - !several);
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
		snprintf(pid, sizeof pid, "%u", m->procs[g->proc].pid);
		snprintf(gn, sizeof gn, "%u", g->gen);
		const char *row[] = { pid,
				      gn,
				      a,
				      an_count(g->kept, b, B),
				      an_count(g->dropped, c, B),
				      g->est_ns > 0 ? an_dur(g->est_ns, d, B) : "-",
				      g->dropped ? an_dur(g->saved_ns, e, B) : "-",
				      !g->known ? "(not in this file)" : g->rules[0] ? rules_line(g->rules, txt, 60) : "(none)" };
		an_table_add(t, row + !several, NULL);
	}
	an_table_print(o, t, "  ");
	an_table_free(t);
}

static void drops(FILE *o, const struct an_model *m)
{
	if (!m->ndrops)
		return;
	char a[B], b[B], c[B], name[300], ent[300], pid[B], gn[B];
	int several = m->nprocs > 1;
	static const struct an_col cols[] = { { "pid", 0, 0 },        { "source", 0, 32 },  { "entry point", 0, 24 },
					      { "gen", 1, 0 },        { "dropped", 1, 0 },  { "est. saved", 1, 0 },
					      { "per call", 1, 0 },   { "basis", 0, 0 } };
	fprintf(o, "\nDropped calls and the time they saved\n");
	struct an_table *t = an_table_new(cols + !several, 8 - !several);
	for (size_t i = 0; i < m->ndrops; i++) {
		const struct an_drop *d = &m->drops[i];
		int has = d->save_basis != AN_SAVE_NONE;
		snprintf(pid, sizeof pid, "%u", m->procs[d->proc].pid);
		snprintf(gn, sizeof gn, "%u", d->gen);
		const char *row[] = { pid,
				      an_safe(d->name[0] ? d->name : "(none)", name, sizeof name),
				      an_safe(d->entry, ent, sizeof ent),
				      gn,
				      an_count(d->dropped, a, B),
				      has ? an_dur(d->saved_ns, b, B) : "-",
				      has && d->dropped ? an_dur(d->saved_ns / (double)d->dropped, c, B) : "-",
				      an_save_basis_name(d->save_basis) };
		an_table_add(t, row + !several, NULL);
	}
	an_table_print(o, t, "  ");
	an_table_free(t);
	if (several)
		snprintf(a, B, "what its process's header says");
	else
		an_dur(m->procs[0].cost_drop_ns, a, B);
	fprintf(o, "  (saved = calls dropped x the real function's time per call, taken from kept calls as the basis\n"
		   "   says; a dropped call still costs the shim %s%s)\n",
		a, m->baseline ? "; baseline: the file given with --baseline" : "");
}

/* What each rule kept and dropped, per generation. */
static void rules_applied(FILE *o, const struct an_model *m)
{
	if (!m->nrule_rows)
		return;
	char a[B], b[B], c[B], txt[300];
	int several = m->nprocs > 1;
	fprintf(o, "\nCalls each rule decided\n");
	if (several)
		fprintf(o, "  %-8s", "pid");
	fprintf(o, "  %-4s %14s %14s %11s  %s\n", "gen", "kept", "dropped", "est. saved", "rule");
	for (size_t i = 0; i < m->nrule_rows; i++) {
		const struct an_rule_row *r = &m->rule_rows[i];
		if (several)
			fprintf(o, "  %-8u", m->procs[r->proc].pid);
		fprintf(o, "  %-4u %14s %14s %11s  %s\n", r->gen, an_count(r->kept, a, B), an_count(r->dropped, b, B),
			r->dropped ? an_dur(r->saved_ns, c, B) : "-", an_safe(r->rule, txt, sizeof txt));
	}
}

static void threads(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], e[B], g[B], h[B], name[64], pid[B];
	int several = m->nprocs > 1;
	static const struct an_col cols[] = { { "pid", 0, 0 },        { "tid", 0, 0 },       { "name", 0, 24 },
					      { "iterations", 1, 0 }, { "wait", 1, 0 },      { "busy", 1, 0 },
					      { "log calls", 1, 0 },  { "log time", 1, 0 },  { "calls/it", 1, 0 },
					      { "log/it", 1, 0 },     { "log share", 1, 0 }, { "CPU", 1, 0 },
					      { "log % CPU", 1, 0 } };
	fprintf(o, "\nThreads\n");
	struct an_table *tb = an_table_new(cols + !several, 13 - !several);
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct an_thread *t = &m->threads[i];
		const struct an_thread *r = t;
		char tid[32];
		snprintf(tid, sizeof tid, "%u%s", r->tid, r->exited ? "*" : "");
		if (r->folded) {
			/* exited threads summed into one row (shim/threads.c) */
			snprintf(tid, sizeof tid, "-*");
			snprintf(name, sizeof name, "(%u threads)", r->nthreads);
		} else {
			an_safe(r->name, name, sizeof name);
		}
		snprintf(pid, sizeof pid, "%u", m->procs[t->proc].pid);
		char cpu[B], cpus[B];
		if (t->cpu_ns >= 0) {
			an_dur(t->cpu_ns, cpu, B);
			an_pct(t->cpu_share, cpus, B);
		} else {
			snprintf(cpu, B, "-");
			snprintf(cpus, B, "-");
		}
		if (!r->waits) {
			const char *row[] = { pid, tid, name, "-", "-", "-", an_count(t->kept, a, B),
					      t->est_ns > 0 ? an_dur(t->est_ns, b, B) : "-", "-", "-", "-", cpu, cpus };
			an_table_add(tb, row + !several, NULL);
			continue;
		}
		double it = (double)r->waits;
		char cpi[32];
		snprintf(cpi, sizeof cpi, "%.1f", (double)t->loop_kept / it);
		const char *row[] = { pid,
				      tid,
				      name,
				      an_count(r->waits, a, B),
				      an_dur(t->wait_ns, b, B),
				      an_dur(t->busy_ns - t->shim_ns, c, B),
				      an_count(t->loop_kept, d, B),
				      an_dur(t->loop_log_ns, e, B),
				      cpi,
				      an_dur(t->log_per_iter_ns, g, B),
				      an_pct(t->share, h, B),
				      cpu,
				      cpus };
		an_table_add(tb, row + !several, NULL);
	}
	an_table_print(o, tb, "  ");
	an_table_free(tb);
	fprintf(o, "  (iterations = waits in poll/select/epoll; busy = time between waits that the thread ran,\n"
		   "   the shim's cost taken out; log calls and time count what ran between waits (all of a\n"
		   "   thread's calls without a loop); CPU = the thread's whole CPU time, log %% CPU logging's\n"
		   "   share of it; * = exited; (N threads) = exited threads after the first 64, summed into one row)\n");
	/* Where preemption took a visible part of the busy time, say so. */
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct an_thread *t = &m->threads[i];
		if (t->waits && t->cpu_frac >= 0 && t->cpu_frac < 0.95) {
			char pct[B], wall[B];
			fprintf(o, "  thread %u ran %s of the %s between its waits (CPU time sampled in 1 busy period in 16):\n"
				   "   the rest it was preempted or blocked, and its busy time and share leave that out\n",
				t->tid, an_pct(t->cpu_frac, pct, B), an_dur(t->busy_wall_ns, wall, B));
		}
	}
	/* A timed window holds the call and about 9 ns of clock reads that the
	 * CPU overlaps with it: much of a call of a few ns hides in them. */
	int tiny = 0;
	for (size_t i = 0; i < m->nkeys; i++)
		if (m->keys[i].basis == AN_SAMPLED || m->keys[i].basis == AN_TIMED_ALL)
			tiny |= m->keys[i].ns_per_call < 10.0;
	if (tiny)
		fprintf(o, "  times under 10 ns per call are lower bounds: such a call overlaps the clock reads around\n"
			   "   it (libvirt's filtered-out call measures ~1 ns here, dropping it saves ~12 ns); logtax ab\n"
			   "   measures what dropping them saves (docs/DESIGN.md, Estimates)\n");
	size_t first_only = 0;
	for (size_t i = 0; i < m->nkeys; i++)
		first_only += m->keys[i].basis == AN_FIRST_ONLY;
	if (first_only)
		fprintf(o, "  %zu call site%s too rare to be sampled: timed at the first call only, which stands for\n"
			   "   all of its calls (a first call is often the slowest: read such figures as upper bounds)\n",
			first_only, first_only == 1 ? " was" : "s were");
	uint64_t tails = 0;
	double tail_ns = 0;
	for (size_t i = 0; i < m->nkeys; i++) {
		tails += m->keys[i].tail_timed;
		tail_ns += m->keys[i].tail_ns;
	}
	if (tails) {
		char n[B], ns[B];
		fprintf(o, "  %s timed calls took over 2^18 ticks (~100 us; preempted or blocked): their %s is\n"
			   "   counted once as measured, not scaled up like the other timed calls\n",
			an_count(tails, n, B), an_dur(tail_ns, ns, B));
	}
}

/* Threads grouped by name (pools), with their CPU time and logging's share
 * of it, then what the shim never saw: every process with a CPU record. */
static void thread_groups(FILE *o, const struct an_model *m)
{
	if (!m->share_of_cpu)
		return;
	char a[B], b[B], c[B], d[B], e[B], f[B], name[64], label[80], pid[B];
	int several = m->nprocs > 1;
	static const struct an_col cols[] = { { "pid", 0, 0 },       { "threads", 0, 40 },   { "CPU", 1, 0 },
					      { "of proc.", 1, 0 },  { "log calls", 1, 0 },  { "log time", 1, 0 },
					      { "log % CPU", 1, 0 }, { "% proc. CPU", 1, 0 } };
	fprintf(o, "\nCPU time by thread group (threads of the same name: a pool)\n");
	struct an_table *tb = an_table_new(cols + !several, 8 - !several);
	size_t gi = 0;
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		const struct an_proc *p = &m->procs[pi];
		for (; gi < m->ntgroups && m->tgroups[gi].proc == pi; gi++) {
			const struct an_tgroup *g = &m->tgroups[gi];
			if (g->folded)
				snprintf(label, sizeof label, "(exited, %u threads)", g->nthreads);
			else if (g->nthreads > 1)
				snprintf(label, sizeof label, "%s x%u", an_safe(g->name, name, sizeof name), g->nthreads);
			else
				snprintf(label, sizeof label, "%s", an_safe(g->name, name, sizeof name));
			snprintf(pid, sizeof pid, "%u", p->pid);
			const char *row[] = { pid,
					      label,
					      g->cpu_ns >= 0 ? an_dur(g->cpu_ns, a, B) : "-",
					      an_pct(g->cpu_of_proc, b, B),
					      an_count(g->kept, c, B),
					      g->est_ns > 0 ? an_dur(g->est_ns, d, B) : "-",
					      an_pct(g->cpu_share, e, B),
					      an_pct(g->proc_share, f, B) };
			an_table_add(tb, row + !several, NULL);
		}
		snprintf(pid, sizeof pid, "%u", p->pid);
		const char *row[] = { pid, "(threads that never logged)", an_dur(p->other_cpu_ns, a, B),
				      an_pct(p->cpu_ns > 0 ? p->other_cpu_ns / p->cpu_ns : -1, b, B), "0", "-", "-", "-" };
		an_table_add(tb, row + !several, NULL);
	}
	an_table_print(o, tb, "  ");
	an_table_free(tb);
	fprintf(o, "  (CPU = the threads' CPU time, read at their exit or when the file was written; of proc. = its\n"
		   "   part of the process's CPU time; log %% CPU = logging's time over the group's CPU time;\n"
		   "   %% proc. CPU = over the process's: these add up to the headline below; threads that never\n"
		   "   logged include logtax's own control thread)\n");
}

/* Worker pools (--jobs): per-job figures of threads that waited for jobs. */
static void jobs(FILE *o, const struct an_model *m)
{
	int any = 0, asked = 0;
	for (size_t i = 0; i < m->nthreads; i++)
		any |= m->threads[i].jobs > 0;
	for (size_t i = 0; i < m->nprocs; i++)
		asked |= m->procs[i].jobs_counted;
	if (!any) {
		if (asked)
			fprintf(o, "\nNo thread waited in pthread_cond_wait or pthread_cond_timedwait (--jobs).\n");
		return;
	}
	char a[B], b[B], c[B], d[B], e[B], g[B], h[B], name[64], pid[B];
	int several = m->nprocs > 1;
	static const struct an_col cols[] = { { "pid", 0, 0 },       { "tid", 0, 0 },       { "name", 0, 24 },
					      { "jobs", 1, 0 },      { "wait", 1, 0 },      { "busy", 1, 0 },
					      { "log calls", 1, 0 }, { "calls/job", 1, 0 }, { "CPU/job", 1, 0 },
					      { "log/job", 1, 0 },   { "log % CPU", 1, 0 } };
	fprintf(o, "\nWorker jobs (a job ends each wait in pthread_cond_wait/timedwait)\n");
	struct an_table *tb = an_table_new(cols + !several, 11 - !several);
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct an_thread *t = &m->threads[i];
		if (!t->jobs)
			continue;
		char tid[32], cpj[32];
		snprintf(tid, sizeof tid, "%u%s", t->tid, t->exited ? "*" : "");
		if (t->folded) {
			snprintf(tid, sizeof tid, "-*");
			snprintf(name, sizeof name, "(%u threads)", t->nthreads);
		} else {
			an_safe(t->name, name, sizeof name);
		}
		snprintf(cpj, sizeof cpj, "%.1f", t->calls_per_job);
		snprintf(pid, sizeof pid, "%u", m->procs[t->proc].pid);
		const char *row[] = { pid,
				      tid,
				      name,
				      an_count(t->jobs, a, B),
				      an_dur(t->job_wait_ns, b, B),
				      an_dur(t->job_busy_ns, c, B),
				      an_count(t->job_kept, d, B),
				      cpj,
				      an_dur(t->cpu_per_job_ns, e, B),
				      an_dur(t->log_per_job_ns, g, B),
				      an_pct(t->cpu_share, h, B) };
		an_table_add(tb, row + !several, NULL);
	}
	an_table_print(o, tb, "  ");
	an_table_free(tb);
	fprintf(o, "  (wait = in the condition waits; busy = wall time between them; log calls = after the first\n"
		   "   wait; CPU/job = the thread's CPU time over its jobs)\n");
}

int an_report_text(FILE *o, const struct an_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		if (i)
			fputc('\n', o);
		header(o, &m->procs[i]);
	}
	if (m->nprocs > 1) {
		char a[B], b[B];
		fprintf(o, "\n%zu processes, reported together: %s calls, %s dropped\n", m->nprocs,
			an_count(m->kept + m->dropped, a, B), an_count(m->dropped, b, B));
	}
	if (!m->nkeys) {
		fprintf(o, "\nNo logging calls were intercepted.\n");
	} else {
		entries(o, m);
		sources(o, m);
		generations(o, m);
		drops(o, m);
		rules_applied(o, m);
		sites(o, m);
		templates(o, m);
		latency(o, m);
		stacks(o, m);
	}
	trace(o, m);
	threads(o, m);
	jobs(o, m);
	thread_groups(o, m);
	char a[B], b[B], c[B];
	if (m->cpu_share >= 0)
		fprintf(o, "\nLogging took %s of the process%s %s CPU time: %s.\n", an_dur(m->log_cpu_ns, a, B),
			m->nprocs > 1 ? "es'" : "'s", an_dur(m->cpu_ns, b, B), an_pct(m->cpu_share, c, B));
	if (m->busy_net_ns > 0)
		fprintf(o, "\nIn the event loops, logging took %s of %s busy time: %s.\n", an_dur(m->loop_log_ns, a, B),
			an_dur(m->busy_net_ns, b, B), an_pct(m->loop_share, c, B));
	if (m->dropped)
		fprintf(o, "%s calls were dropped by rules, saving an estimated %s.\n", an_count(m->dropped, a, B),
			an_dur(m->saved_ns, b, B));
	return 0;
}
