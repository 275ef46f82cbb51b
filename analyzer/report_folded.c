/* Folded stacks, "frame;frame;frame count", outermost frame first: what
 * flamegraph.pl, inferno and speedscope read.
 *
 * With stacks (logtax run --stacks): each captured stack, then the logging
 * entry point as the leaf. A key's exact calls are shared out over the
 * stacks its sampled calls had (see an_stack_row), so every line's count is
 * calls and the counts add up to the calls made. Keys none of whose calls
 * was picked for a stack get "[no stack sampled];call site;entry".
 * Without stacks: "entry;source;call site" per key. Identical lines are
 * added up; lines come sorted. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

struct line {
	char *text;
	uint64_t count;
};

struct lines {
	struct line *v;
	size_t n, cap;
	int oom;
};

struct buf {
	char *s;
	size_t n, cap;
	int oom;
};

static void put(struct buf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap : 256) * 2;
		while (cap < b->n + len + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = 0;
}

/* A frame: ';' would split it, a newline end the line: replaced. */
static void frame(struct buf *b, const char *name)
{
	if (b->n)
		put(b, ";", 1);
	for (const char *p = name && *name ? name : "?"; *p; p++) {
		char c = *p;
		if (c == ';')
			c = ':';
		else if ((unsigned char)c < 0x20)
			c = ' ';
		put(b, &c, 1);
	}
}

/* A stack frame's name: the function (the outer one first when inlined). */
static void sym_frames(struct buf *b, const struct an_sym *y)
{
	if (y->function && y->inlined_into)
		frame(b, y->inlined_into);
	frame(b, y->function ? y->function : y->label);
}

static void add(struct lines *ls, struct buf *b, uint64_t count)
{
	if (b->oom || !count) {
		ls->oom |= b->oom;
		free(b->s);
		return;
	}
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 64;
		struct line *nv = realloc(ls->v, cap * sizeof *nv);
		if (!nv) {
			ls->oom = 1;
			free(b->s);
			return;
		}
		ls->v = nv;
		ls->cap = cap;
	}
	ls->v[ls->n].text = b->s;
	ls->v[ls->n].count = count;
	ls->n++;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

static const char *lost_frame(enum an_stack_lost lost)
{
	switch (lost) {
	case AN_STACK_LOST_FULL: return "[stack lost: table full]";
	case AN_STACK_LOST_BUSY: return "[stack lost: inside the shim]";
	case AN_STACK_LOST_FAILED: return "[stack lost: unwind failed]";
	case AN_STACK_KEPT: break;
	}
	return "[stack lost]";
}

int an_report_folded(FILE *o, const struct an_model *m)
{
	struct lines ls = { 0 };
	if (m->has_stacks) {
		char *sampled = calloc(m->nkeys + 1, 1);
		if (!sampled)
			return -1;
		for (size_t i = 0; i < m->nstack_rows; i++) {
			const struct an_stack_row *r = &m->stack_rows[i];
			const struct an_key *k = &m->keys[r->key];
			struct buf b = { 0 };
			sampled[r->key] = 1;
			if (r->stack) {
				for (uint32_t j = r->stack->nframes; j-- > 0;)
					sym_frames(&b, an_stack_frame(m, r->stack, j));
			} else {
				frame(&b, lost_frame(r->lost));
				sym_frames(&b, k->site);
			}
			frame(&b, k->entry);
			add(&ls, &b, r->calls);
		}
		for (size_t i = 0; i < m->nkeys; i++) {
			if (sampled[i])
				continue;
			struct buf b = { 0 };
			frame(&b, "[no stack sampled]");
			sym_frames(&b, m->keys[i].site);
			frame(&b, m->keys[i].entry);
			add(&ls, &b, m->keys[i].calls);
		}
		free(sampled);
	} else {
		for (size_t i = 0; i < m->nkeys; i++) {
			const struct an_key *k = &m->keys[i];
			struct buf b = { 0 };
			frame(&b, k->entry);
			frame(&b, k->name[0] ? k->name : "(none)");
			frame(&b, k->site->label);
			add(&ls, &b, k->calls);
		}
	}
	qsort(ls.v, ls.n, sizeof *ls.v, by_text);
	for (size_t i = 0; i < ls.n;) {
		uint64_t c = 0;
		size_t j = i;
		while (j < ls.n && !strcmp(ls.v[j].text, ls.v[i].text))
			c += ls.v[j++].count;
		fprintf(o, "%s %llu\n", ls.v[i].text, (unsigned long long)c);
		i = j;
	}
	for (size_t i = 0; i < ls.n; i++)
		free(ls.v[i].text);
	free(ls.v);
	if (ls.oom)
		fprintf(stderr, "logtax report: out of memory: folded output incomplete\n");
	return ls.oom ? -1 : 0;
}
