/* --diff A B: per key (entry point, source, level, symbolized call site),
 * what changed between two runs: calls, estimated time, time per call.
 * Written as text, CSV or JSON. */
#include "json.h"
#include "report.h"
#include "table.h"
#include "util.h"

#define B 64

/* "+12.5%", "new", "gone", "-" */
static const char *change(double a, double b, int in_a, int in_b, char *buf)
{
	if (!in_a)
		return "new";
	if (!in_b)
		return "gone";
	if (a < 0 || b < 0)
		return "-";
	if (a == 0)
		return b == 0 ? "0%" : "+inf";
	snprintf(buf, B, "%+.1f%%", (b - a) / a * 100);
	return buf;
}

static const char *side_path(const struct an_model *m)
{
	return m->nprocs && m->procs[0].path ? m->procs[0].path : "?";
}

int an_diff_text(FILE *o, const struct an_diff *d)
{
	char a[B], b[B], c[B], e[B], g[B], h[B], name[300], site[300];
	char pa[512], pb[512];
	fprintf(o, "logtax diff\n  A: %s\n  B: %s\n", an_safe(side_path(d->a), pa, sizeof pa),
		an_safe(side_path(d->b), pb, sizeof pb));
	fprintf(o, "  A: %s calls, %s estimated;  B: %s calls, %s estimated\n", an_count(d->a->kept + d->a->dropped, a, B),
		d->a->timed ? an_dur(d->a->est_ns, b, B) : "-", an_count(d->b->kept + d->b->dropped, c, B),
		d->b->timed ? an_dur(d->b->est_ns, e, B) : "-");
	fprintf(o, "\nPer key (entry point, source, level, call site), largest change in estimated time first\n");
	static const struct an_col cols[] = { { "source", 0, 32 },  { "level", 0, 0 },   { "call site", 0, 60 },
					      { "calls A", 1, 0 },  { "calls B", 1, 0 }, { "change", 1, 0 },
					      { "time A", 1, 0 },   { "time B", 1, 0 },  { "change", 1, 0 },
					      { "A/call", 1, 0 },   { "B/call", 1, 0 } };
	struct an_table *t = an_table_new(cols, 11);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct an_diff_row *r = &d->rows[i];
		char ch1[B], ch2[B], lv[B];
		const char *row[] = { an_safe(r->name[0] ? r->name : "(none)", name, sizeof name),
				      an_safe(r->level_name, lv, sizeof lv),
				      an_safe(r->site, site, sizeof site),
				      r->in_a ? an_count(r->calls_a, a, B) : "-",
				      r->in_b ? an_count(r->calls_b, b, B) : "-",
				      change((double)r->calls_a, (double)r->calls_b, r->in_a, r->in_b, ch1),
				      an_dur(r->est_a, c, B),
				      an_dur(r->est_b, e, B),
				      change(r->est_a, r->est_b, r->in_a, r->in_b, ch2),
				      an_dur(r->per_call_a, g, B),
				      an_dur(r->per_call_b, h, B) };
		an_table_add(t, row, NULL);
	}
	an_table_print(o, t, "  ");
	an_table_free(t);
	return 0;
}

static void csv_num(FILE *o, double v)
{
	if (v >= 0)
		fprintf(o, "%.2f", v);
}

int an_diff_csv(FILE *o, const struct an_diff *d)
{
	fputs("entry,source,level,level_name,call_site,in_a,in_b,calls_a,calls_b,est_ns_a,est_ns_b,ns_per_call_a,"
	      "ns_per_call_b\n", o);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct an_diff_row *r = &d->rows[i];
		an_csv_field(o, r->entry);
		fputc(',', o);
		an_csv_field(o, r->name);
		fprintf(o, ",%d,%s,", r->level, r->level_name);
		an_csv_field(o, r->site);
		fprintf(o, ",%d,%d,%llu,%llu,", r->in_a, r->in_b, (unsigned long long)r->calls_a,
			(unsigned long long)r->calls_b);
		csv_num(o, r->est_a);
		fputc(',', o);
		csv_num(o, r->est_b);
		fputc(',', o);
		csv_num(o, r->per_call_a);
		fputc(',', o);
		csv_num(o, r->per_call_b);
		fputc('\n', o);
	}
	return 0;
}

static void opt_num(struct jw *w, const char *key, double v)
{
	if (v < 0)
		jw_null(w, key);
	else
		jw_num(w, key, v);
}

int an_diff_json(FILE *o, const struct an_diff *d)
{
	struct jw w;
	jw_init(&w, o, 1);
	jw_obj(&w, NULL);
	jw_str(&w, "schema", "logtax-diff");
	jw_u64(&w, "schema_version", 1);
	jw_str(&w, "a", side_path(d->a));
	jw_str(&w, "b", side_path(d->b));
	jw_arr(&w, "rows");
	for (size_t i = 0; i < d->nrows; i++) {
		const struct an_diff_row *r = &d->rows[i];
		jw_obj(&w, NULL);
		jw_str(&w, "entry", r->entry);
		jw_str(&w, "source", r->name);
		jw_i64(&w, "level", r->level);
		jw_str(&w, "level_name", r->level_name);
		jw_str(&w, "call_site", r->site);
		jw_str(&w, "template", r->tmpl ? r->tmpl->text : NULL);
		jw_bool(&w, "in_a", r->in_a);
		jw_bool(&w, "in_b", r->in_b);
		jw_u64(&w, "calls_a", r->calls_a);
		jw_u64(&w, "calls_b", r->calls_b);
		opt_num(&w, "est_ns_a", r->est_a);
		opt_num(&w, "est_ns_b", r->est_b);
		opt_num(&w, "ns_per_call_a", r->per_call_a);
		opt_num(&w, "ns_per_call_b", r->per_call_b);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	return 0;
}
