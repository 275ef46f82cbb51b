/* HTML: one self-contained page (no network, no script, no external font or
 * style) with the summary, the tables, and charts drawn as inline SVG:
 * logging's share of busy time per thread, the top sources and call sites,
 * log time per iteration (a histogram from a trace when there is one, else
 * each thread's mean), and per-key latency histograms with p50/p99 when the
 * file has them. Every string from a data file is escaped to ASCII first
 * (an_safe / an_cstr), then for HTML. Each chart is an <svg class="chart">
 * with an id, which the tests look for. */
#include "report.h"
#include "util.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <signal.h>

#define B 64
#define CHART_W 860
#define LABEL_W 330
#define BAR_W 400
#define ROW_H 22
#define TOP_CHART 10

static const char *const palette[] = { "#3b6fb6", "#d9822b", "#3a9a5b", "#b5485d", "#7d5ba6", "#2b9aa6", "#8c6d31" };

/* Text already made ASCII, escaped for HTML. */
static void esc(FILE *o, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", o); break;
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '"': fputs("&quot;", o); break;
		case '\'': fputs("&#39;", o); break;
		default: fputc(*s, o);
		}
	}
}

/* A name from a data file: made ASCII, then escaped. */
static void name(FILE *o, const char *s)
{
	char buf[1024];
	esc(o, an_safe(s && *s ? s : "(none)", buf, sizeof buf));
}

/* " [note]", marked; nothing without a note */
static void mark_note(FILE *o, const char *note)
{
	if (!note)
		return;
	fputs(" <span class=\"mark\">[", o);
	esc(o, note);
	fputs("]</span>", o);
}

static void tmpl_text(FILE *o, const struct an_tmpl *t, const struct an_sym *site, size_t width)
{
	char buf[600];
	if (t->text) {
		fputc('"', o);
		esc(o, an_cstr(t->text, buf, sizeof buf, width));
		fputc('"', o);
		mark_note(o, an_tmpl_note(t));
	} else {
		fputs("<span class=\"mark\">(", o);
		esc(o, an_tmpl_note(t));
		fputs(", at ", o);
		name(o, site->label);
		fputs(")</span>", o);
	}
}

static void style(FILE *o)
{
	fputs("<style>\n"
	      "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}\n"
	      "h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}\n"
	      "table{border-collapse:collapse;font-size:13px;margin:8px 0}\n"
	      "th,td{padding:3px 8px;text-align:right;border-bottom:1px solid #eee}\n"
	      "th{background:#f4f4f4}td.l,th.l{text-align:left}\n"
	      ".big{font-size:28px;font-weight:bold;color:#b5485d}.note{color:#666;font-size:12px}\n"
	      ".mark{color:#b5485d}.mono{font-family:monospace}\n"
	      "svg.chart{display:block;margin:8px 0;font-family:sans-serif;font-size:12px}\n"
	      "svg.chart text{fill:#222}\n"
	      ".small{display:inline-block;vertical-align:top;margin-right:18px}\n"
	      "</style>\n", o);
}

/* A horizontal bar chart: one row per item, value / max as bar length. */
struct hbar {
	char label[300];
	char value[B];
	double v;
	char tip[600];
};

static void hbar_chart(FILE *o, const char *id, const char *title, const struct hbar *rows, size_t n, double max)
{
	int h = (int)n * ROW_H + 30;
	fprintf(o, "<svg class=\"chart\" id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", id,
		CHART_W, h, CHART_W, h);
	fputs("<title>", o);
	esc(o, title);
	fputs("</title>\n", o);
	for (size_t i = 0; i < n; i++) {
		int y = 10 + (int)i * ROW_H;
		double len = max > 0 ? rows[i].v / max * BAR_W : 0;
		if (len < 0)
			len = 0;
		fprintf(o, "<g><title>");
		esc(o, rows[i].tip[0] ? rows[i].tip : rows[i].label);
		fprintf(o, "</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 8, y + 14);
		esc(o, rows[i].label);
		fprintf(o, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", LABEL_W, y + 2,
			len, ROW_H - 6, palette[i % 7]);
		fprintf(o, "<text x=\"%.1f\" y=\"%d\">", LABEL_W + len + 6, y + 14);
		esc(o, rows[i].value);
		fputs("</text></g>\n", o);
	}
	fprintf(o, "<line x1=\"%d\" y1=\"8\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", LABEL_W, LABEL_W, h - 18);
	fputs("</svg>\n", o);
}

/* "label (cut to width)" into an hbar label from an already-ASCII string. */
static void set_label(char *dst, size_t cap, const char *ascii, size_t width)
{
	size_t n = strlen(ascii);
	if (n > width && width > 3)
		snprintf(dst, cap, "%.*s...", (int)(width - 3), ascii);
	else
		snprintf(dst, cap, "%s", ascii);
}

/* A group's share as the tables show it: of the processes' CPU time, or
 * (files before 1.4) of the event loops' busy time. */
static double gshare(const struct an_model *m, const struct an_group *g)
{
	return m->share_of_cpu ? g->cpu_share : g->share;
}

static const char *share_hdr(const struct an_model *m)
{
	return m->share_of_cpu ? "% CPU" : "% busy";
}

/* "rpc-libvirtd x5", "(exited, 70 threads)" */
static void tgroup_label(const struct an_model *m, const struct an_tgroup *g, char *l, size_t cap)
{
	char nm[64];
	an_safe(g->name, nm, sizeof nm);
	if (g->folded)
		snprintf(l, cap, "(exited, %u threads)", g->nthreads);
	else if (g->nthreads > 1)
		snprintf(l, cap, "%s x%u", nm, g->nthreads);
	else
		snprintf(l, cap, "%s", nm);
	if (m->nprocs > 1) {
		size_t n = strlen(l);
		snprintf(l + n, cap - n, " (pid %u)", m->procs[g->proc].pid);
	}
}

/* Logging's share of each thread group's CPU time: every thread, loop or not. */
static void cpu_chart(FILE *o, const struct an_model *m)
{
	if (!m->share_of_cpu)
		return;
	struct hbar rows[64];
	size_t n = 0;
	char a[B], b[B], c[B], l[200];
	for (size_t i = 0; i < m->ntgroups && n < 64; i++) {
		const struct an_tgroup *g = &m->tgroups[i];
		if (g->cpu_share < 0)
			continue;
		struct hbar *r = &rows[n++];
		tgroup_label(m, g, l, sizeof l);
		set_label(r->label, sizeof r->label, l, 44);
		snprintf(r->value, B, "%s of %s", an_pct(g->cpu_share, a, B), an_dur(g->cpu_ns, b, B));
		r->v = g->cpu_share;
		snprintf(r->tip, sizeof r->tip, "%s: logging %s of %s CPU time (%s of the process's)", l,
			 an_dur(g->log_ns, a, B), an_dur(g->cpu_ns, b, B), an_pct(g->proc_share, c, B));
	}
	fputs("<h2>Logging's share of CPU time, per thread group</h2>\n", o);
	if (!n)
		return;
	hbar_chart(o, "chart-cpu", "Logging's share of CPU time per thread group", rows, n, 1.0);
	fputs("<p class=\"note\">Threads of the same name are one group (a pool); the bar is the part of the "
	      "group's CPU time spent in logging calls.</p>\n", o);
}

static void share_chart(FILE *o, const struct an_model *m)
{
	struct hbar rows[64];
	size_t n = 0;
	char a[B], b[B], nm[64];
	for (size_t i = 0; i < m->nthreads && n < 64; i++) {
		const struct an_thread *t = &m->threads[i];
		if (t->share < 0)
			continue;
		struct hbar *r = &rows[n++];
		char l[200];
		if (m->nprocs > 1)
			snprintf(l, sizeof l, "%s (pid %u, tid %u)", an_safe(t->name, nm, sizeof nm),
				 m->procs[t->proc].pid, t->tid);
		else
			snprintf(l, sizeof l, "%s (tid %u)", an_safe(t->name, nm, sizeof nm), t->tid);
		set_label(r->label, sizeof r->label, l, 44);
		an_pct(t->share, r->value, B);
		r->v = t->share;
		snprintf(r->tip, sizeof r->tip, "%s: logging %s of %s busy time", l, an_dur(t->loop_log_ns, a, B),
			 an_dur(t->busy_ns - t->shim_ns, b, B));
	}
	fputs("<h2>Logging's share of busy time, per event-loop thread</h2>\n", o);
	if (!n) {
		fputs("<p class=\"note\">No thread waited in an event loop (poll, select, epoll), so there is no busy "
		      "time to compare with.</p>\n", o);
		return;
	}
	hbar_chart(o, "chart-share", "Logging's share of busy time per thread", rows, n, 1.0);
	fputs("<p class=\"note\">Busy time is the time between event-loop waits, the shim's own cost taken out; "
	      "the bar is the part of it spent in logging calls.</p>\n", o);
}

static void group_chart(FILE *o, const struct an_model *m, const struct an_group *g, size_t ng, int sites)
{
	struct hbar rows[TOP_CHART];
	size_t n = 0;
	double max = 0;
	char a[B], b[B], c[B], l[400];
	for (size_t i = 0; i < ng && n < TOP_CHART; i++) {
		if (!g[i].timed_keys)
			continue;
		struct hbar *r = &rows[n++];
		char s1[300];
		if (sites) {
			an_safe(g[i].site->label, s1, sizeof s1);
			const char *note = an_site_note(g[i].site);
			snprintf(l, sizeof l, "%s%s%s%s", s1, note ? " [" : "", note ? note : "", note ? "]" : "");
		} else {
			an_safe(g[i].name[0] ? g[i].name : "(none)", s1, sizeof s1);
			snprintf(l, sizeof l, "%s", s1);
		}
		set_label(r->label, sizeof r->label, l, 46);
		snprintf(r->value, B, "%s (%s)", an_dur(g[i].est_ns, a, B), an_pct(gshare(m, &g[i]), b, B));
		snprintf(r->tip, sizeof r->tip, "%s: %s calls, %s per call, %s in all", l,
			 an_count(g[i].kept + g[i].dropped, c, B), an_dur(g[i].ns_per_call, b, B),
			 an_dur(g[i].est_ns, a, B));
		r->v = g[i].est_ns;
		if (r->v > max)
			max = r->v;
	}
	fprintf(o, "<h2>Top %s by estimated time</h2>\n", sites ? "call sites" : "sources");
	if (!n) {
		fputs("<p class=\"note\">No call was timed (timing off, or too few calls): counts are in the tables "
		      "below.</p>\n", o);
		return;
	}
	hbar_chart(o, sites ? "chart-sites" : "chart-sources", sites ? "Top call sites" : "Top sources", rows, n, max);
	fputs(m->share_of_cpu ? "<p class=\"note\">Bar: estimated time in the logging calls; in brackets, its share "
				"of the process's CPU time (all threads).</p>\n" :
				"<p class=\"note\">Bar: estimated time in the logging calls; in brackets, its share of the "
				"event loops' busy time.</p>\n",
	      o);
}

/* A vertical histogram over log2 buckets, with p50/p99 marks. */
struct vbar {
	double lo, hi; /* the bucket's range, for its label */
	uint64_t count;
};

static void hist_chart(FILE *o, const char *id, const char *title, const struct vbar *bars, size_t n, double p50,
		       double p99, int w, int h)
{
	char a[B], b[B];
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (bars[i].count > max)
			max = bars[i].count;
	int left = 40, bottom = 34, top = 46, plot_h = h - bottom - top; /* p50/p99 labels above the plot */
	double bw = n ? (double)(w - left - 10) / (double)n : 0;
	fprintf(o, "<svg class=\"chart\" id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", id,
		w, h, w, h);
	fputs("<title>", o);
	esc(o, title);
	fputs("</title>\n<text x=\"4\" y=\"14\" font-weight=\"bold\">", o);
	esc(o, title);
	fputs("</text>\n", o);
	for (size_t i = 0; i < n; i++) {
		double bh = max ? (double)bars[i].count / (double)max * plot_h : 0;
		double x = left + bw * (double)i;
		fprintf(o, "<g><title>%s to %s: %llu</title>", an_dur(bars[i].lo, a, B), an_dur(bars[i].hi, b, B),
			(unsigned long long)bars[i].count);
		fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b6fb6\"/></g>\n", x + 1,
			top + plot_h - bh, bw > 2 ? bw - 2 : bw, bh);
		size_t every = bw > 0 && bw < 52 ? (size_t)(52 / bw) + 1 : 1; /* labels ~50 px apart at least */
		if (i % every == 0)
			fprintf(o, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>\n",
				x + bw / 2, h - bottom + 14, an_dur(bars[i].lo, a, B));
	}
	fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", left, top + plot_h, w - 10,
		top + plot_h);
	fprintf(o, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%llu</text>\n", left - 4, top + 8,
		(unsigned long long)max);
	/* Marks: a value's position from its bucket (log2) and place inside it. */
	const double qs[2] = { p50, p99 };
	const char *const qn[2] = { "p50", "p99" };
	for (int q = 0; q < 2; q++) {
		if (qs[q] < 0 || !n)
			continue;
		double pos = n;
		for (size_t i = 0; i < n; i++)
			if (qs[q] < bars[i].hi || i + 1 == n) {
				double span = bars[i].hi - bars[i].lo;
				double f = span > 0 ? (qs[q] - bars[i].lo) / span : 0;
				pos = (double)i + (f < 0 ? 0 : f > 1 ? 1 : f);
				break;
			}
		double x = left + bw * pos;
		int right = x > w - 90; /* near the right edge: the label goes to the left of the mark */
		fprintf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"4 2\"/>",
			x, 22 + 12 * q, x, top + plot_h, q ? "#b5485d" : "#1d6b38");
		fprintf(o, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"%s\" text-anchor=\"%s\" "
			   "stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">%s %s</text>\n",
			right ? x - 3 : x + 3, 30 + 12 * q, q ? "#b5485d" : "#1d6b38", right ? "end" : "start", qn[q],
			an_dur(qs[q], a, B));
	}
	fputs("</svg>\n", o);
}

static void iteration_chart(FILE *o, const struct an_model *m)
{
	fputs("<h2>Log time per event-loop iteration</h2>\n", o);
	int any = 0;
	char id[64], title[200], nm[64];
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct an_thread *t = &m->threads[i];
		if (!t->iters_traced)
			continue;
		size_t last = t->iter_hist_len;
		size_t first = last;
		for (size_t b = 0; b < last; b++)
			if (t->iter_hist[b]) {
				first = b;
				break;
			}
		/* a little room on both sides, so one full bucket does not fill the plot */
		first = first >= 2 ? first - 2 : 0;
		last = last + 2 < AN_HIST_MAX ? last + 2 : AN_HIST_MAX;
		struct vbar bars[AN_HIST_MAX];
		size_t n = 0;
		for (size_t b = first; b < last; b++) {
			bars[n].lo = b ? ldexp(1, (int)b) : 0;
			bars[n].hi = ldexp(1, (int)b + 1);
			bars[n++].count = t->iter_hist[b];
		}
		snprintf(id, sizeof id, "chart-iter-%zu", i);
		snprintf(title, sizeof title, "%s (tid %u): log time in %llu traced iterations",
			 an_safe(t->name, nm, sizeof nm), t->tid, (unsigned long long)t->iters_traced);
		fputs("<div class=\"small\">", o);
		hist_chart(o, id, title, bars, n, t->iter_p50_ns, t->iter_p99_ns, 560, 240);
		fputs("</div>\n", o);
		any = 1;
	}
	if (any) {
		fputs("<p class=\"note\">From the trace: the logging time of each whole iteration the trace ring "
		      "kept (log2 buckets).</p>\n", o);
		return;
	}
	/* No trace: each looping thread's mean, as the part of a mean iteration. */
	struct hbar rows[64];
	size_t n = 0;
	double max = 0;
	char a[B], b[B];
	for (size_t i = 0; i < m->nthreads && n < 64; i++) {
		const struct an_thread *t = &m->threads[i];
		if (t->log_per_iter_ns < 0)
			continue;
		struct hbar *r = &rows[n++];
		char l[100];
		snprintf(l, sizeof l, "%s (tid %u)", an_safe(t->name, nm, sizeof nm), t->tid);
		snprintf(r->label, sizeof r->label, "%s", l);
		snprintf(r->value, B, "%s of %s", an_dur(t->log_per_iter_ns, a, B), an_dur(t->busy_per_iter_ns, b, B));
		r->v = t->log_per_iter_ns;
		if (t->busy_per_iter_ns > max)
			max = t->busy_per_iter_ns;
		if (r->v > max)
			max = r->v;
		snprintf(r->tip, sizeof r->tip, "%s: mean log time per iteration %s, mean busy time %s", l,
			 an_dur(t->log_per_iter_ns, a, B), an_dur(t->busy_per_iter_ns, b, B));
	}
	if (!n) {
		fputs("<p class=\"note\">No thread waited in an event loop.</p>\n", o);
		return;
	}
	hbar_chart(o, "chart-iter", "Mean log time per iteration", rows, n, max);
	fputs("<p class=\"note\">Means over each thread's iterations (bar: log time; the scale is the longest "
	      "mean busy time). A run with <span class=\"mono\">logtax run --trace N</span> gives the "
	      "histogram of every iteration.</p>\n", o);
}

static void latency_charts(FILE *o, const struct an_model *m)
{
	if (!m->has_hists)
		return;
	fputs("<h2>Latency of the most expensive keys</h2>\n", o);
	/* Keys with a histogram, largest estimated time first. */
	size_t idx[8], n = 0;
	char taken[8] = { 0 };
	(void)taken;
	for (size_t pass = 0; pass < 8; pass++) {
		size_t best = m->nkeys;
		for (size_t i = 0; i < m->nkeys; i++) {
			if (!m->keys[i].hist)
				continue;
			int used = 0;
			for (size_t j = 0; j < n; j++)
				used |= idx[j] == i;
			if (!used && (best == m->nkeys || m->keys[i].est_ns > m->keys[best].est_ns))
				best = i;
		}
		if (best == m->nkeys)
			break;
		idx[n++] = best;
	}
	for (size_t j = 0; j < n; j++) {
		const struct an_key *k = &m->keys[idx[j]];
		struct vbar bars[AN_HIST_MAX];
		size_t nb = 0, first = 0;
		while (first + 1 < k->hist_len && !k->hist[first])
			first++;
		first = first >= 2 ? first - 2 : 0;
		/* empty buckets after the last written one, unless it is the open-ended last of all */
		uint32_t end = k->hist_len < AN_HIST_BUCKETS ? k->hist_len + 2 : k->hist_len;
		if (end > AN_HIST_MAX)
			end = AN_HIST_MAX;
		for (uint32_t b = (uint32_t)first; b < end && nb < AN_HIST_MAX; b++) {
			an_hist_bucket_ns(m, k->proc, b, &bars[nb].lo, &bars[nb].hi);
			bars[nb++].count = b < k->hist_len ? k->hist[b] : 0;
		}
		char id[64], title[400], s1[200], s2[200];
		snprintf(id, sizeof id, "chart-latency-%zu", idx[j]);
		snprintf(title, sizeof title, "%s at %s", an_safe(k->name[0] ? k->name : "(none)", s1, sizeof s1),
			 an_safe(k->site->label, s2, sizeof s2));
		if (strlen(title) > 62)
			strcpy(title + 59, "...");
		fputs("<div class=\"small\">", o);
		hist_chart(o, id, title, bars, nb, k->p50_ns, k->p99_ns, 420, 220);
		fputs("</div>\n", o);
	}
	fputs("<p class=\"note\">Timed calls of each key in log2 buckets of their measured windows (the shim's "
	      "share included); p50 and p99 have it taken out.</p>\n", o);
}

static void summary(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], e[B];
	fputs("<h1>What logging costs</h1>\n", o);
	if (m->cpu_share >= 0)
		fprintf(o, "<p><span class=\"big\">%s</span> of the process%s CPU time went to logging calls "
			   "(%s of %s, all threads).</p>\n", an_pct(m->cpu_share, a, B), m->nprocs > 1 ? "es'" : "'s",
			an_dur(m->log_cpu_ns, b, B), an_dur(m->cpu_ns, c, B));
	if (m->loop_share >= 0 && m->cpu_share >= 0)
		fprintf(o, "<p>In the event loops: %s of their busy time (%s of %s).</p>\n", an_pct(m->loop_share, a, B),
			an_dur(m->loop_log_ns, b, B), an_dur(m->busy_net_ns, c, B));
	else if (m->loop_share >= 0)
		fprintf(o, "<p><span class=\"big\">%s</span> of the event loops' busy time went to logging calls "
			   "(%s of %s).</p>\n", an_pct(m->loop_share, a, B), an_dur(m->loop_log_ns, b, B),
			an_dur(m->busy_net_ns, c, B));
	fprintf(o, "<p>%s logging calls (%s kept, %s dropped), %s of them timed; estimated time in logging "
		   "calls: %s.</p>\n", an_count(m->kept + m->dropped, a, B), an_count(m->kept, b, B),
		an_count(m->dropped, c, B), an_count(m->timed, d, B), an_dur(m->est_ns, e, B));
	fputs("<table><tr><th>pid</th><th class=\"l\">command</th><th>ran</th><th class=\"l\">timing</th>"
	      "<th class=\"l\">data file</th><th class=\"l\">symbols</th></tr>\n", o);
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct an_proc *p = &m->procs[i];
		fprintf(o, "<tr><td>%u</td><td class=\"l mono\">", p->pid);
		name(o, p->cmdline[0] ? p->cmdline : p->exe);
		fprintf(o, "</td><td>%s</td><td class=\"l\">", an_dur(p->run_ns, a, B));
		if (p->time_mode == AN_TIME_OFF)
			fputs("off (counts only)", o);
		else if (p->time_mode == AN_TIME_ALL)
			fputs("every call", o);
		else
			fprintf(o, "1 call in %u", p->sample_every);
		fputs("</td><td class=\"l mono\">", o);
		name(o, p->path ? p->path : "");
		fputs("</td><td class=\"l\">", o);
		if (p->unsymbolized_keys)
			fprintf(o, "<span class=\"mark\">%zu keys in modules gone, changed or unknown</span>",
				p->unsymbolized_keys);
		else
			fputs("ok", o);
		fputs("</td></tr>\n", o);
		if (p->trace_overwritten)
			fprintf(o, "<tr><td></td><td class=\"l note\" colspan=\"5\">trace ring full: %s of %s events "
				   "overwritten</td></tr>\n", an_count(p->trace_overwritten, a, B),
				an_count(p->trace_recorded, b, B));
		/* attached to the running process: when, what it did not reach */
		if (p->attached) {
			char when[64] = "(unknown time)", until[64] = "";
			time_t t = (time_t)(p->attach.realtime_ns / 1000000000ull);
			struct tm tm;
			if (gmtime_r(&t, &tm))
				strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
			t = (time_t)(p->attach.detach_realtime_ns / 1000000000ull);
			if (p->attach.detached && gmtime_r(&t, &tm))
				strftime(until, sizeof until, "%Y-%m-%d %H:%M:%S UTC", &tm);
			fprintf(o, "<tr><td></td><td class=\"l note\" colspan=\"5\">attached at %s; calls before were not "
				   "seen%s%s%s</td></tr>\n",
				when, until[0] ? "; detached at " : "", until, until[0] ? ", calls after were not counted" : "");
			if (p->attach.uncovered[0]) {
				fputs("<tr><td></td><td class=\"l note\" colspan=\"5\">not covered while attached: ", o);
				esc(o, p->attach.uncovered);
				fputs("</td></tr>\n", o);
			}
		}
		/* how the file came to be: a snapshot, a signal, failed writes */
		if (p->snapshot) {
			time_t t = (time_t)(p->end_realtime_ns / 1000000000ull);
			struct tm tm;
			char when[64] = "(unknown time)";
			if (gmtime_r(&t, &tm))
				strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
			fprintf(o, "<tr><td></td><td class=\"l note\" colspan=\"5\">a snapshot taken %s, while the process "
				   "ran: calls after it are not in this file</td></tr>\n",
				when);
		}
		if (p->reason == AN_REASON_SIGNAL && p->has_output && p->output.signal) {
			const char *ab = sigabbrev_np((int)p->output.signal);
			fprintf(o, "<tr><td></td><td class=\"l note\" colspan=\"5\">written when SIG%s ended the process"
				   "</td></tr>\n",
				ab ? ab : "?");
		}
		if (p->has_output && p->output.failed) {
			const char *en = strerrorname_np((int)p->output.last_errno);
			fprintf(o, "<tr><td></td><td class=\"l note\" colspan=\"5\">%u of %u earlier writes of this file "
				   "failed (last: %s); this file has every call up to its own writing</td></tr>\n",
				p->output.failed, p->output.writes, en ? en : "?");
		}
	}
	fputs("</table>\n", o);
}

static void group_table(FILE *o, const struct an_model *m, const char *title, const struct an_group *g, size_t ng,
			int what)
{
	char a[B], b[B], c[B], d[B], e[B];
	size_t n = m->top && m->top < ng ? m->top : ng;
	fprintf(o, "<h2>%s</h2>\n<table><tr>", title);
	if (what == 2)
		fputs("<th class=\"l\">function</th><th class=\"l\">file:line</th>", o);
	if (what == 3)
		fputs("<th class=\"l\">template</th>", o);
	if (what >= 1)
		fputs("<th class=\"l\">source</th>", o);
	fprintf(o, "<th class=\"l\">entry point</th><th>calls</th><th>dropped</th><th>est. time</th><th>per call</th>"
		   "<th>%s</th></tr>\n", share_hdr(m));
	for (size_t i = 0; i < n; i++) {
		const struct an_group *x = &g[i];
		fputs("<tr>", o);
		if (what == 2) {
			const struct an_sym *y = x->site;
			fputs("<td class=\"l mono\">", o);
			name(o, y->function ? y->function : y->label);
			if (y->inlined_into) {
				fputs(" <span class=\"note\">(inlined in ", o);
				name(o, y->inlined_into);
				fputs(")</span>", o);
			}
			mark_note(o, an_site_note(y));
			fprintf(o, "</td><td class=\"l mono\" title=\"named by: %s\">",
				y->named_by == AN_NAMED_ARGS ? "the call&#39;s arguments" : an_named_name(y->named_by));
			if (y->file) {
				name(o, an_basename(y->file));
				fprintf(o, ":%d", y->line);
			} else {
				name(o, y->mod_base ? y->mod_base : "-");
			}
			if (y->named_by == AN_NAMED_ARGS)
				fputs(" <span class=\"note\">(from the call&#39;s arguments)</span>", o);
			fputs("</td>", o);
		}
		if (what == 3) {
			fputs("<td class=\"l mono\">", o);
			tmpl_text(o, x->tmpl, x->site, 80);
			fputs("</td>", o);
		}
		if (what >= 1) {
			fputs("<td class=\"l\">", o);
			name(o, x->name);
			fputs("</td>", o);
		}
		fputs("<td class=\"l\">", o);
		name(o, x->entry);
		fprintf(o, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			an_count(x->kept + x->dropped, a, B), an_count(x->dropped, b, B),
			x->timed_keys ? an_dur(x->est_ns, c, B) : "-", an_dur(x->ns_per_call, d, B), an_pct(gshare(m, x), e, B));
	}
	fputs("</table>\n", o);
	if (n < ng)
		fprintf(o, "<p class=\"note\">%zu more (--top 0 shows all).</p>\n", ng - n);
}

static void rule_table(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B];
	if (!m->nrule_rows)
		return;
	fputs("<h2>Calls each rule decided</h2>\n<table><tr><th>pid</th><th>gen</th><th>kept</th><th>dropped</th>"
	      "<th>est. saved</th><th class=\"l\">rule</th></tr>\n", o);
	for (size_t i = 0; i < m->nrule_rows; i++) {
		const struct an_rule_row *r = &m->rule_rows[i];
		fprintf(o, "<tr><td>%u</td><td>%u</td><td>%s</td><td>%s</td><td>%s</td><td class=\"l\">",
			m->procs[r->proc].pid, r->gen, an_count(r->kept, a, B), an_count(r->dropped, b, B),
			r->dropped ? an_dur(r->saved_ns, c, B) : "-");
		name(o, r->rule);
		fputs("</td></tr>\n", o);
	}
	fputs("</table>\n", o);
}

static void thread_table(FILE *o, const struct an_model *m)
{
	char a[B], b[B], c[B], d[B], e[B], g[B], h[B];
	fputs("<h2>Threads</h2>\n<table><tr><th>pid</th><th>tid</th><th class=\"l\">name</th><th>iterations</th>"
	      "<th>wait</th><th>busy</th><th>log calls</th><th>log time</th><th>log/it</th><th>log share</th>"
	      "<th>CPU</th><th>log % CPU</th><th>jobs</th><th>calls/job</th><th>CPU/job</th><th>log/job</th></tr>\n", o);
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct an_thread *t = &m->threads[i];
		const struct an_thread *r = t;
		if (r->folded) /* exited threads summed into one row */
			fprintf(o, "<tr><td>%u</td><td>-*</td><td class=\"l\">(%u threads)", m->procs[t->proc].pid,
				r->nthreads);
		else {
			fprintf(o, "<tr><td>%u</td><td>%u%s</td><td class=\"l\">", m->procs[t->proc].pid, r->tid,
				r->exited ? "*" : "");
			name(o, r->name);
		}
		if (!r->waits) {
			fprintf(o, "</td><td>-</td><td>-</td><td>-</td><td>%s</td><td>%s</td><td>-</td><td>-</td>",
				an_count(t->kept, a, B), t->est_ns > 0 ? an_dur(t->est_ns, b, B) : "-");
		} else {
			fprintf(o, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>",
				an_count(r->waits, a, B), an_dur(t->wait_ns, b, B), an_dur(t->busy_ns - t->shim_ns, c, B),
				an_count(t->loop_kept, d, B), an_dur(t->loop_log_ns, e, B), an_dur(t->log_per_iter_ns, g, B),
				an_pct(t->share, h, B));
		}
		fprintf(o, "<td>%s</td><td>%s</td>", t->cpu_ns >= 0 ? an_dur(t->cpu_ns, a, B) : "-", an_pct(t->cpu_share, b, B));
		if (t->jobs)
			fprintf(o, "<td>%s</td><td>%.1f</td><td>%s</td><td>%s</td></tr>\n", an_count(t->jobs, c, B),
				t->calls_per_job, an_dur(t->cpu_per_job_ns, d, B), an_dur(t->log_per_job_ns, e, B));
		else
			fputs("<td>-</td><td>-</td><td>-</td><td>-</td></tr>\n", o);
	}
	fputs("</table>\n<p class=\"note\">* the thread had exited; (N threads): exited threads after the first 64, summed into one row. Busy: time between event-loop waits, the "
	      "shim's cost taken out. CPU: the thread's whole CPU time; log % CPU: logging's share of it. Jobs (--jobs): "
	      "waits in pthread_cond_wait/timedwait that ended.</p>\n", o);
	if (!m->share_of_cpu)
		return;
	fputs("<h2>Thread groups</h2>\n<table><tr><th class=\"l\">threads</th><th>CPU</th><th>of process</th>"
	      "<th>log calls</th><th>log time</th><th>log % CPU</th><th>% process CPU</th></tr>\n", o);
	char l[200];
	for (size_t i = 0; i < m->ntgroups; i++) {
		const struct an_tgroup *x = &m->tgroups[i];
		tgroup_label(m, x, l, sizeof l);
		fputs("<tr><td class=\"l\">", o);
		name(o, l);
		fprintf(o, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			x->cpu_ns >= 0 ? an_dur(x->cpu_ns, a, B) : "-", an_pct(x->cpu_of_proc, b, B), an_count(x->kept, c, B),
			x->est_ns > 0 ? an_dur(x->est_ns, d, B) : "-", an_pct(x->cpu_share, e, B), an_pct(x->proc_share, g, B));
	}
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct an_proc *p = &m->procs[i];
		if (p->cpu_ns < 0)
			continue;
		fprintf(o, "<tr><td class=\"l\">(threads that never logged%s)</td><td>%s</td><td>%s</td><td>0</td>"
			   "<td>-</td><td>-</td><td>-</td></tr>\n", m->nprocs > 1 ? ", one process" : "",
			an_dur(p->other_cpu_ns, a, B), an_pct(p->cpu_ns > 0 ? p->other_cpu_ns / p->cpu_ns : -1, b, B));
	}
	fputs("</table>\n<p class=\"note\">Threads of the same name are one group (a pool). The % process CPU "
	      "column adds up to the headline.</p>\n", o);
}

int an_report_html(FILE *o, const struct an_model *m)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<title>logtax report</title>\n", o);
	style(o);
	fputs("</head>\n<body>\n", o);
	summary(o, m);
	if (m->nkeys) {
		cpu_chart(o, m);
		share_chart(o, m);
		group_chart(o, m, m->sources, m->nsources, 0);
		group_chart(o, m, m->sites, m->nsites, 1);
		iteration_chart(o, m);
		latency_charts(o, m);
		group_table(o, m, "Entry points", m->entries, m->nentries, 0);
		group_table(o, m, "Sources", m->sources, m->nsources, 1);
		group_table(o, m, "Call sites", m->sites, m->nsites, 2);
		group_table(o, m, "Message templates", m->templates, m->ntemplates, 3);
	} else {
		fputs("<p>No logging calls were intercepted.</p>\n", o);
	}
	rule_table(o, m);
	thread_table(o, m);
	fputs("<p class=\"note\">Written by logtax. Counts are exact; times are estimates from the timed calls, "
	      "with the shim's own cost taken out.</p>\n</body>\n</html>\n", o);
	return 0;
}
