/* --diff: the same key in two runs, matched by entry point, source,
 * level and symbolized call site, added up per run. */
#include "model_impl.h"

#include <stdlib.h>
#include <string.h>

/* --diff. A row's identity: entry point, source, level, call-site label. */
static int cmp_diff(const struct an_key *a, const struct an_key *b)
{
	int r = an_cmp_source(a, b);
	if (r)
		return r;
	if (a->k->k.level != b->k->k.level)
		return a->k->k.level < b->k->k.level ? -1 : 1;
	return an_cmp_str(a->site->label, b->site->label);
}

struct side {
	const struct an_model *m;
	size_t *order;
	size_t at;
};

/* Adds up the run of keys equal to the one at s->at; advances past it. */
static void take_run(struct side *s, uint64_t *calls, double *est, double *per_call, const struct an_key **first)
{
	const struct an_key *k0 = &s->m->keys[s->order[s->at]];
	uint64_t kept = 0, all = 0;
	double e = 0;
	int timed = 0;
	*first = k0;
	while (s->at < s->m->nkeys) {
		const struct an_key *k = &s->m->keys[s->order[s->at]];
		if (cmp_diff(k0, k))
			break;
		all += k->k->k.calls;
		if (k->k->k.action != LTX_ACT_DROP) {
			kept += k->k->k.calls;
			e += k->est_ns;
			if (k->basis != AN_UNTIMED)
				timed = 1;
		}
		s->at++;
	}
	*calls = all;
	*est = timed ? e : -1;
	*per_call = timed && kept ? e / (double)kept : -1;
}

static double magnitude(const struct an_diff_row *r)
{
	double a = r->est_a > 0 ? r->est_a : 0, b = r->est_b > 0 ? r->est_b : 0;
	return a > b ? a - b : b - a;
}

static int by_change(const void *x, const void *y)
{
	const struct an_diff_row *a = x, *b = y;
	double ma = magnitude(a), mb = magnitude(b);
	if (ma != mb)
		return ma < mb ? 1 : -1;
	uint64_t ca = a->calls_a > a->calls_b ? a->calls_a - a->calls_b : a->calls_b - a->calls_a;
	uint64_t cb = b->calls_a > b->calls_b ? b->calls_a - b->calls_b : b->calls_b - b->calls_a;
	if (ca != cb)
		return ca < cb ? 1 : -1;
	int r = an_cmp_str(a->name, b->name);
	return r ? r : an_cmp_str(a->site, b->site);
}

int an_diff_build(struct an_diff *d, const struct an_model *a, const struct an_model *b)
{
	memset(d, 0, sizeof *d);
	d->a = a;
	d->b = b;
	struct side sa = { a, an_sorted_keys(a->keys, a->nkeys, cmp_diff), 0 };
	struct side sb = { b, an_sorted_keys(b->keys, b->nkeys, cmp_diff), 0 };
	d->rows = calloc(a->nkeys + b->nkeys + 1, sizeof *d->rows);
	if (!sa.order || !sb.order || !d->rows) {
		free(sa.order);
		free(sb.order);
		return -1;
	}
	while (sa.at < a->nkeys || sb.at < b->nkeys) {
		const struct an_key *ka = sa.at < a->nkeys ? &a->keys[sa.order[sa.at]] : NULL;
		const struct an_key *kb = sb.at < b->nkeys ? &b->keys[sb.order[sb.at]] : NULL;
		int c = !ka ? 1 : !kb ? -1 : cmp_diff(ka, kb);
		struct an_diff_row *r = &d->rows[d->nrows++];
		const struct an_key *first = NULL;
		r->est_a = r->est_b = r->per_call_a = r->per_call_b = -1;
		if (c <= 0) {
			take_run(&sa, &r->calls_a, &r->est_a, &r->per_call_a, &first);
			r->in_a = 1;
		}
		if (c >= 0) {
			take_run(&sb, &r->calls_b, &r->est_b, &r->per_call_b, &first);
			r->in_b = 1;
		}
		r->entry = first->entry;
		r->name = first->k->name;
		r->level = first->k->k.level;
		r->family = first->family;
		r->level_name = first->level_name;
		r->site = first->site->label;
		r->tmpl = first->tmpl;
	}
	free(sa.order);
	free(sb.order);
	qsort(d->rows, d->nrows, sizeof *d->rows, by_change);
	return 0;
}

void an_diff_free(struct an_diff *d)
{
	free(d->rows);
	memset(d, 0, sizeof *d);
}
