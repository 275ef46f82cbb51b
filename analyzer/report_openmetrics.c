/* The metrics of the live file (shim/metrics.c, docs/FLEET.md) from data
 * files: --format openmetrics (OpenMetrics 1.0: counter families named
 * without _total, # UNIT lines, # EOF at the end) and --format prometheus
 * (the text format 0.0.4 that node_exporter's textfile collector reads:
 * families named as their samples, no # EOF). The same names, labels and
 * escaping as the live file; the seconds are the model's estimates.
 *
 * A family's samples are contiguous over all processes; every series has
 * program, pid and build_id labels. Call sites become labels only with
 * --metrics-sites. */
#include "report.h"
#include "../common/ltx_utf8.h"

#include <stdlib.h>
#include <string.h>

struct om {
	FILE *o;
	int openmetrics;
};

/* A label value: '\', '"' and newlines escaped, bytes that are not UTF-8
 * written as '?' (a scraper refuses the whole text for one). */
static void label_value(FILE *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *end = p + strlen((const char *)p);
	while (p < end) {
		unsigned c = *p;
		size_t n = ltx_utf8_len(p, end);
		if (!n) {
			fputc('?', o);
			p++;
			continue;
		}
		if (c == '\\')
			fputs("\\\\", o);
		else if (c == '"')
			fputs("\\\"", o);
		else if (c == '\n')
			fputs("\\n", o);
		else
			fwrite(p, 1, n, o);
		p += n;
	}
}

/* A family's header. name: the family (the counter's samples add _total);
 * unit: the OpenMetrics unit, or NULL. */
static void family(struct om *x, const char *name, const char *type, const char *unit, const char *help)
{
	const char *suffix = !x->openmetrics && !strcmp(type, "counter") ? "_total" : "";
	fprintf(x->o, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, suffix, help, name, suffix, type);
	if (x->openmetrics && unit)
		fprintf(x->o, "# UNIT %s %s\n", name, unit);
}

/* The program's name as the shim gives it (its argv[0]'s last part). */
static void program_of(const struct an_proc *p, char *buf, size_t cap)
{
	const char *a0 = p->cmdline && *p->cmdline ? p->cmdline : p->exe ? p->exe : "";
	size_t n = strcspn(a0, " ");
	const char *slash = a0;
	for (size_t i = 0; i < n; i++)
		if (a0[i] == '/')
			slash = a0 + i + 1;
	n -= (size_t)(slash - a0);
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, slash, n);
	buf[n] = 0;
}

static const char *build_id_of(const struct an_proc *p)
{
	for (size_t i = 0; p->exe && i < p->nmodules; i++)
		if (p->modules[i].path && !strcmp(p->modules[i].path, p->exe))
			return p->modules[i].build_id;
	return "";
}

/* NAME{program=,pid=,build_id= (the caller adds its labels and closes) */
static void start(struct om *x, const char *name, const char *sample_suffix, const struct an_proc *p)
{
	char prog[256];
	program_of(p, prog, sizeof prog);
	fprintf(x->o, "%s%s{program=\"", name, sample_suffix);
	label_value(x->o, prog);
	fprintf(x->o, "\",pid=\"%u\",build_id=\"", p->pid);
	label_value(x->o, build_id_of(p));
	fputc('"', x->o);
}

static void label(FILE *o, const char *name, const char *value)
{
	fprintf(o, ",%s=\"", name);
	label_value(o, value);
	fputc('"', o);
}

static void seconds(FILE *o, double ns)
{
	fprintf(o, "} %.9f\n", ns > 0 ? ns / 1e9 : 0.0);
}

/* The thread group: the name without a trailing number (as the shim). */
static void thread_group(const struct an_thread *t, char out[64])
{
	const char *name = t->folded ? "(exited)" : t->name && *t->name ? t->name : "?";
	size_t n = strlen(name);
	if (n > 63)
		n = 63;
	memcpy(out, name, n);
	out[n] = 0;
	while (n && out[n - 1] >= '0' && out[n - 1] <= '9')
		n--;
	while (n && strchr("-_:#/. ", out[n - 1]))
		n--;
	if (n)
		out[n] = 0;
}

/* Keys grouped as the metrics group them: process, entry point, source,
 * level (and call site with --metrics-sites). */
static const struct an_model *cmp_m;
static int cmp_sites;

static int key_cmp(const void *a, const void *b)
{
	const struct an_key *x = &cmp_m->keys[*(const size_t *)a], *y = &cmp_m->keys[*(const size_t *)b];
	int c;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	if ((c = strcmp(x->entry, y->entry)))
		return c;
	if (x->no_name != y->no_name)
		return x->no_name - y->no_name;
	if ((c = strcmp(x->name, y->name)))
		return c;
	if ((c = strcmp(x->level_name, y->level_name)))
		return c;
	return cmp_sites ? strcmp(x->site->label, y->site->label) : 0;
}

struct row {
	size_t key; /* the group's first key */
	uint64_t calls;
	double est_ns;
};

static int write_metrics(FILE *o, const struct an_model *m, int openmetrics)
{
	struct om x = { o, openmetrics };
	size_t *order = malloc((m->nkeys + 1) * sizeof *order);
	struct row *rows = malloc((m->nkeys + 1) * sizeof *rows);
	if (!order || !rows) {
		free(order);
		free(rows);
		fprintf(stderr, "logtax report: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < m->nkeys; i++)
		order[i] = i;
	cmp_m = m;
	cmp_sites = m->metrics_sites;
	qsort(order, m->nkeys, sizeof *order, key_cmp);
	size_t nrows = 0;
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct an_key *k = &m->keys[order[i]];
		if (!nrows || key_cmp(&rows[nrows - 1].key, &order[i]))
			rows[nrows++] = (struct row){ order[i], 0, 0 };
		rows[nrows - 1].calls += k->calls;
		if (!k->dropped && k->est_ns > 0)
			rows[nrows - 1].est_ns += k->est_ns;
	}

	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			family(&x, "logtax_logging_seconds", "counter", "seconds",
			       "Estimated seconds spent in kept logging calls, by entry point, source and level.");
		else
			family(&x, "logtax_calls", "counter", NULL,
			       "Logging calls made (kept and dropped), by entry point, source and level; exact.");
		for (size_t r = 0; r < nrows; r++) {
			const struct an_key *k = &m->keys[rows[r].key];
			start(&x, pass ? "logtax_logging_seconds" : "logtax_calls", "_total", &m->procs[k->proc]);
			label(o, "entry", k->entry);
			label(o, "source", k->name);
			label(o, "level", k->level_name);
			if (m->metrics_sites)
				label(o, "site", k->site->label);
			if (pass)
				seconds(o, rows[r].est_ns);
			else
				fprintf(o, "} %llu\n", (unsigned long long)rows[r].calls);
		}
	}
	free(order);
	free(rows);

	size_t ndrop = 0;
	for (size_t i = 0; i < m->ngens; i++)
		ndrop += m->gens[i].dropped > 0;
	for (int pass = 0; ndrop && pass < 2; pass++) {
		if (pass)
			family(&x, "logtax_saved_seconds", "counter", "seconds",
			       "Estimated seconds the dropped calls would have spent, by rule generation.");
		else
			family(&x, "logtax_dropped_calls", "counter", NULL, "Logging calls dropped by rules, by rule generation.");
		for (size_t i = 0; i < m->ngens; i++) {
			const struct an_gen *g = &m->gens[i];
			if (!g->dropped)
				continue;
			char gen[16];
			snprintf(gen, sizeof gen, "%u", g->gen);
			start(&x, pass ? "logtax_saved_seconds" : "logtax_dropped_calls", "_total", &m->procs[g->proc]);
			label(o, "generation", gen);
			if (pass)
				seconds(o, g->saved_ns);
			else
				fprintf(o, "} %llu\n", (unsigned long long)g->dropped);
		}
	}

	/* Event loops per (process, thread group), in first-seen order. */
	size_t nt = 0;
	struct tg {
		size_t proc;
		char name[64];
		uint64_t waits;
		double busy_ns, wait_ns, log_ns;
	} *tgs = calloc(m->nthreads + 1, sizeof *tgs);
	if (!tgs) {
		fprintf(stderr, "logtax report: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct an_thread *t = &m->threads[i];
		if (!t->waits)
			continue;
		char name[64];
		thread_group(t, name);
		size_t j = 0;
		while (j < nt && !(tgs[j].proc == t->proc && !strcmp(tgs[j].name, name)))
			j++;
		if (j == nt) {
			tgs[nt].proc = t->proc;
			memcpy(tgs[nt++].name, name, sizeof name);
		}
		tgs[j].waits += t->waits;
		tgs[j].busy_ns += t->busy_ns;
		tgs[j].wait_ns += t->wait_ns;
		tgs[j].log_ns += t->loop_log_ns > 0 ? t->loop_log_ns : 0;
	}
	static const struct {
		const char *name, *unit, *help;
	} loop[] = {
		{ "logtax_loop_iterations", NULL, "Event-loop iterations (waits), by thread group." },
		{ "logtax_loop_busy_seconds", "seconds", "Seconds the event loops ran between waits, on CPU, by thread group." },
		{ "logtax_loop_wait_seconds", "seconds", "Seconds the event loops waited, by thread group." },
		{ "logtax_loop_logging_seconds", "seconds",
		  "Estimated seconds of logging inside the event loops' busy time, by thread group." },
	};
	for (unsigned f = 0; nt && f < sizeof loop / sizeof loop[0]; f++) {
		family(&x, loop[f].name, "counter", loop[f].unit, loop[f].help);
		for (size_t j = 0; j < nt; j++) {
			start(&x, loop[f].name, "_total", &m->procs[tgs[j].proc]);
			label(o, "thread", tgs[j].name);
			if (f == 0)
				fprintf(o, "} %llu\n", (unsigned long long)tgs[j].waits);
			else
				seconds(o, f == 1 ? tgs[j].busy_ns : f == 2 ? tgs[j].wait_ns : tgs[j].log_ns);
		}
	}
	free(tgs);

	int any_ratio = 0;
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct an_proc *p = &m->procs[i];
		if (p->busy_ns - p->loop_shim_ns <= 0)
			continue;
		if (!any_ratio++)
			family(&x, "logtax_loop_logging_ratio", "gauge", "ratio",
			       "Logging's share of the event loops' busy CPU time (logtax's own cost taken out) since "
			       "the process started, 0 to 1.");
		double r = p->loop_log_ns / (p->busy_ns - p->loop_shim_ns);
		start(&x, "logtax_loop_logging_ratio", "", p);
		fprintf(o, "} %.6f\n", r > 1 ? 1 : r < 0 ? 0 : r);
	}
	family(&x, "logtax_process_start_time_seconds", "gauge", "seconds",
	       "When the process started, seconds since the epoch.");
	for (size_t i = 0; i < m->nprocs; i++) {
		start(&x, "logtax_process_start_time_seconds", "", &m->procs[i]);
		fprintf(o, "} %.3f\n", (double)m->procs[i].start_realtime_ns / 1e9);
	}
	family(&x, "logtax_process_ended", "gauge", NULL,
	       "1 once the process has exited (the counts are final; the file may be removed), else 0.");
	for (size_t i = 0; i < m->nprocs; i++) {
		start(&x, "logtax_process_ended", "", &m->procs[i]);
		fprintf(o, "} %d\n", m->procs[i].snapshot ? 0 : 1);
	}
	if (openmetrics)
		fputs("# EOF\n", o);
	return 0;
}

int an_report_openmetrics(FILE *o, const struct an_model *m)
{
	return write_metrics(o, m, 1);
}

int an_report_prometheus(FILE *o, const struct an_model *m)
{
	return write_metrics(o, m, 0);
}
