/* Stacks: per captured stack the sampled calls that had it, and per key
 * its calls and estimated time shared out over its stacks (folded rows). */
#include "model_impl.h"

#include <stdlib.h>

static int by_stack_count(const void *a, const void *b)
{
	const struct an_stack *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return x->s < y->s ? -1 : x->s > y->s;
}

static enum an_stack_lost lost_of(uint32_t stack)
{
	switch (stack) {
	case LTX_STACK_LOST_FULL: return AN_STACK_LOST_FULL;
	case LTX_STACK_LOST_BUSY: return AN_STACK_LOST_BUSY;
	case LTX_STACK_LOST_FAILED: return AN_STACK_LOST_FAILED;
	}
	return AN_STACK_KEPT;
}

const struct an_sym *an_stack_frame(const struct an_model *m, const struct an_stack *s, uint32_t j)
{
	/* The innermost frame is the call site of its keys: named as they are
	 * (by their calls' arguments, where the module has no debug line). */
	if (j == 0 && s->top_key < m->nkeys && m->keys[s->top_key].proc == s->proc &&
	    m->keys[s->top_key].site->addr == s->frames[0])
		return m->keys[s->top_key].site;
	return an_sym_lookup(m->procs[s->proc].sym, s->frames[j], 1);
}

/* Per stack: the sampled calls that had it, and the key with most of them. */
static int stack_totals(struct an_model *m)
{
	size_t n = 0;
	for (size_t pi = 0; pi < m->nprocs; pi++)
		n += m->procs[pi].f->nstacks;
	m->stacks = calloc(n + 1, sizeof *m->stacks);
	uint64_t *best = calloc(n + 1, sizeof *best);
	size_t *stack0 = calloc(m->nprocs + 1, sizeof *stack0);
	if (!m->stacks || !best || !stack0) {
		free(best);
		free(stack0);
		return -1;
	}
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		const struct ltx_file *f = m->procs[pi].f;
		stack0[pi] = m->nstacks;
		for (size_t i = 0; i < f->nstacks; i++) {
			const struct ltx_r_stack *r = &f->stacks[i];
			struct an_stack *v = &m->stacks[m->nstacks];
			v->s = r;
			v->proc = pi;
			v->id = m->nstacks++;
			v->thread = m->procs[pi].thread0 + r->s.thread;
			v->truncated = (r->s.flags & LTX_STACK_TRUNCATED) != 0;
			v->max_depth = r->s.max_depth;
			v->every = r->s.every;
			v->nframes = r->s.nframes;
			v->frames = r->frames;
		}
	}
	for (size_t i = 0; i < m->nstack_rows; i++) {
		const struct an_stack_row *r = &m->stack_rows[i];
		if (!r->raw)
			continue;
		size_t pi = m->keys[r->key].proc;
		size_t j = stack0[pi] + (size_t)(r->raw - m->procs[pi].f->stacks);
		m->stacks[j].count += r->sampled;
		if (r->sampled > best[j]) {
			best[j] = r->sampled;
			m->stacks[j].top_key = r->key;
		}
	}
	free(best);
	qsort(m->stacks, m->nstacks, sizeof *m->stacks, by_stack_count);
	/* by id, and each row's stack in the view */
	m->stack_ids = calloc(m->nstacks + 1, sizeof *m->stack_ids);
	if (!m->stack_ids) {
		free(stack0);
		return -1;
	}
	for (size_t i = 0; i < m->nstacks; i++)
		m->stack_ids[m->stacks[i].id] = &m->stacks[i];
	for (size_t i = 0; i < m->nstack_rows; i++) {
		struct an_stack_row *r = &m->stack_rows[i];
		if (r->raw) {
			size_t pi = m->keys[r->key].proc;
			r->stack = m->stack_ids[stack0[pi] + (size_t)(r->raw - m->procs[pi].f->stacks)];
		}
	}
	free(stack0);
	return 0;
}

static int by_stack_key(const void *a, const void *b)
{
	const struct an_stack_row *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->sampled != y->sampled)
		return x->sampled < y->sampled ? 1 : -1;
	return x->raw < y->raw ? -1 : x->raw > y->raw;
}

/* Folded stacks: each key's calls and time shared out over its stacks. */
int an_stack_rows(struct an_model *m)
{
	size_t n = 0;
	for (size_t pi = 0; pi < m->nprocs; pi++)
		n += m->procs[pi].f->nkey_stacks;
	m->stack_rows = calloc(n + 1, sizeof *m->stack_rows);
	if (!m->stack_rows)
		return -1;
	for (size_t pi = 0; pi < m->nprocs; pi++) {
		struct an_proc *p = &m->procs[pi];
		const struct ltx_file *f = p->f;
		if (f->nstacks) {
			p->stack_depth = f->stacks[0].s.max_depth;
			p->stack_every = f->stacks[0].s.every;
		}
		for (size_t i = 0; i < f->nkey_stacks; i++) {
			const struct ltx_key_stack *ks = &f->key_stacks[i];
			struct an_stack_row *r = &m->stack_rows[m->nstack_rows++];
			r->key = p->key0 + ks->key;
			r->sampled = ks->count;
			if (ks->stack >= LTX_STACK_LOST_MIN)
				r->lost = lost_of(ks->stack);
			else
				r->raw = &f->stacks[ks->stack];
			p->stacks_picked += ks->count;
			p->stack_ns += (double)ks->ticks * p->ns_per_tick;
			if (ks->stack == LTX_STACK_LOST_FULL)
				p->stacks_lost_full += ks->count;
			else if (ks->stack == LTX_STACK_LOST_BUSY)
				p->stacks_lost_busy += ks->count;
			else if (ks->stack == LTX_STACK_LOST_FAILED)
				p->stacks_lost_failed += ks->count;
		}
	}
	qsort(m->stack_rows, m->nstack_rows, sizeof *m->stack_rows, by_stack_key);
	if (stack_totals(m) < 0)
		return -1;
	for (size_t i = 0; i < m->nstack_rows;) {
		size_t j = i;
		uint64_t total = 0;
		while (j < m->nstack_rows && m->stack_rows[j].key == m->stack_rows[i].key)
			total += m->stack_rows[j++].sampled;
		const struct an_key *k = &m->keys[m->stack_rows[i].key];
		uint64_t calls = k->k->k.calls, given = 0;
		for (size_t r = i; r < j; r++) {
			struct an_stack_row *row = &m->stack_rows[r];
			double share = total ? (double)row->sampled / (double)total : 0;
			row->calls = (uint64_t)((double)calls * share);
			row->est_ns = k->est_ns * share;
			given += row->calls;
		}
		/* largest remainder: rows are sorted by sampled, so the first ones get the rest */
		for (size_t r = i; given < calls && total; r = r + 1 < j ? r + 1 : i) {
			m->stack_rows[r].calls++;
			given++;
		}
		i = j;
	}
	return 0;
}
