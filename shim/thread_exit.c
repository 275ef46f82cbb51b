/* Thread exit. A thread's state (struct lt_thread, its table and ext
 * array, name arenas, stack table, trace ring) is mapped at its first
 * logging call and, until it exits, is written only by that thread. When it
 * exits (its pthread key's destructor below, in glibc's last destructor
 * round but one) it comes here:
 *   - the first LT_KEEP_EXITED exited threads (and the main thread) are kept
 *     whole, so a small program still shows one row per thread; only what
 *     no reader needs any more (tables and name arenas replaced by bigger
 *     ones) is unmapped;
 *   - later ones are folded into the process's "exited threads" state, one
 *     more struct lt_thread (flagged FOLDED, nthreads = how many), key by
 *     key: the same key (calling address, name pointer, level, entry,
 *     generation, and action) in two threads becomes one key with the sums
 *     of their counts, histograms and lost stacks; stacks are interned
 *     again; trace events are not kept (their number is). Then the thread's
 *     state is unlinked from the list and unmapped.
 * So a daemon that starts a thread per request holds at most
 * LT_KEEP_EXITED exited threads' state plus one folded state, whose size
 * depends on the distinct keys, not on the number of threads.
 *
 * Attached again after a detach (attach.c), the list starts empty and the
 * earlier attaches' states are unmapped once their threads have let go of
 * them (lt_threads_abandon): at most one earlier state per live thread
 * stays mapped.
 *
 * Everything that walks the thread list from another thread (the writer,
 * `logtax ctl status`, GLib's fatal-level recheck) holds the threads' lock
 * (threads.c), so nothing reads a state while it is folded and unmapped.
 * The lock is held
 * with every signal blocked: a handler that writes the data file cannot
 * interrupt its own thread inside it. New threads are still pushed on the
 * list without it (a compare-and-swap on the head); only the holder of the
 * lock changes a `next` pointer behind the head. */
#include "lt.h"
#include "thread_exit.h"
#include "lifecycle.h"
#include "base.h"
#include "desc.h"
#include "hotpath.h"
#include "stacks.h"
#include "state.h"
#include "threads.h"
#include "../common/ltx_format.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

static struct lt_thread *folded; /* the exited threads' sums; NULL until the first fold */
static uint32_t exited_kept;      /* exited threads kept whole */
/* States of earlier attaches whose threads may still hold them (linked by
 * `next`, under the lock); see lt_threads_abandon. */
static struct lt_thread *stale;
static uint32_t stale_n;
static uint64_t reclaimed_n;

static int on_list(const struct lt_thread *th)
{
	for (const struct lt_thread *p = __atomic_load_n(&lt_threads, __ATOMIC_ACQUIRE); p; p = p->next)
		if (p == th)
			return 1;
	return 0;
}

/* Under the lock: the head may change under us (a new thread pushed), the
 * links behind it may not. */
static void unlink_thread(struct lt_thread *th)
{
	struct lt_thread *head = __atomic_load_n(&lt_threads, __ATOMIC_ACQUIRE);
	if (head == th && __atomic_compare_exchange_n(&lt_threads, &head, th->next, 0, __ATOMIC_ACQ_REL,
						      __ATOMIC_ACQUIRE))
		return;
	for (struct lt_thread *p = head; p; p = p->next)
		if (p->next == th) {
			__atomic_store_n(&p->next, th->next, __ATOMIC_RELEASE);
			return;
		}
}

static size_t trace_bytes(const struct lt_trace *tr)
{
	return sizeof *tr + (size_t)tr->cap * sizeof(struct lt_tev);
}

/* What no reader needs once the thread has exited: the tables its table
 * replaced and the name arenas its arena replaced. */
static void trim(struct lt_thread *th)
{
	struct lt_table *t = th->table, *o = t ? t->older : NULL;
	if (t)
		t->older = NULL;
	while (o) {
		struct lt_table *next = o->older;
		lt_unmap(o, lt_table_bytes(o->mask + 1));
		o = next;
	}
	for (uint32_t k = 0; k < LT_NAMES_OLD; k++)
		if (th->names_old[k]) {
			lt_unmap(th->names_old[k], (size_t)LT_NAMES_MIN << k);
			th->names_old[k] = NULL;
		}
}

void lt_thread_free(struct lt_thread *th)
{
	trim(th);
	if (th->table)
		lt_unmap(th->table, lt_table_bytes(th->table->mask + 1));
	if (th->names)
		lt_unmap(th->names, th->names_cap);
	if (th->stacks)
		lt_unmap(th->stacks, sizeof *th->stacks);
	if (th->trace)
		lt_unmap(th->trace, trace_bytes(th->trace));
	lt_unmap(th, sizeof *th);
}

/* ---- the folded state ---------------------------------------------------- */

static struct lt_thread *folded_new(void)
{
	struct lt_thread *a = lt_map(sizeof *a);
	if (!a)
		return NULL;
	a->table = lt_table_new(LT_TABLE_MIN);
	a->names = lt_map(LT_NAMES_MIN);
	a->names_cap = LT_NAMES_MIN;
	if (lt_cfg.trace_events)
		a->trace = lt_map(sizeof *a->trace); /* cap 0: counts only */
	if (!a->table || !a->names || (lt_cfg.trace_events && !a->trace)) {
		lt_thread_free(a);
		return NULL;
	}
	a->flags = LTX_THREAD_EXITED | LTX_THREAD_FOLDED;
	memcpy(a->name, "(exited)", 9);
	lt_thread_push(a);
	return a;
}

/* Room for `more` keys and `bytes` of names, so that the fold cannot fail
 * half-way (a key's counts must land somewhere). */
static int folded_reserve(struct lt_thread *a, uint64_t more, size_t bytes)
{
	struct lt_table *t = a->table;
	uint64_t slots = t->mask + 1;
	while ((t->used + more) * 2 > slots)
		slots *= 2;
	if (slots != t->mask + 1) {
		struct lt_table *n = lt_table_new(slots);
		if (!n)
			return -1;
		for (uint64_t i = 0; i <= t->mask; i++) {
			if (!t->slots[i].ret)
				continue;
			const struct lt_slot *s = &t->slots[i];
			uint64_t j = lt_key_hash(s->ret, s->name, s->meta) >> 32;
			while (n->slots[j & n->mask].ret)
				j++;
			n->slots[j & n->mask] = *s;
			n->ext[j & n->mask] = t->ext[i];
		}
		n->used = t->used;
		a->table = n; /* no reader is in the old one: they hold the lock */
		lt_unmap(t, lt_table_bytes(t->mask + 1));
	}
	size_t cap = a->names_cap;
	while (a->names_used + bytes > cap && cap < (1u << 30))
		cap *= 2;
	if (a->names_used + bytes > cap)
		return -1;
	if (cap != a->names_cap) {
		char *n = lt_map(cap);
		if (!n)
			return -1;
		memcpy(n, a->names, a->names_used);
		lt_unmap(a->names, a->names_cap);
		a->names = n;
		a->names_cap = (uint32_t)cap;
	}
	return 0;
}

/* The folded state's slot for s's key and action; made if new. */
static struct lt_slot *folded_slot(struct lt_thread *a, const struct lt_slot *s, const struct lt_name *ln)
{
	struct lt_table *t = a->table;
	uint32_t base = s->action & LT_SA_BASE;
	uint64_t i = lt_key_hash(s->ret, s->name, s->meta) >> 32;
	for (;; i++) {
		struct lt_slot *c = &t->slots[i & t->mask];
		if (!c->ret)
			break;
		if (c->ret == s->ret && c->name == s->name && c->meta == s->meta && (c->action & LT_SA_BASE) == base)
			return c;
	}
	struct lt_slot *c = &t->slots[i & t->mask];
	c->name = s->name;
	c->meta = s->meta;
	c->fmt = s->fmt;
	c->action = s->action;
	const struct lt_site_at *sa = lt_name_site(ln);
	struct lt_site_ref site = { NULL, NULL, 0, 0 };
	if (sa) {
		site.func = sa->func_len ? sa->s : NULL;
		site.file = sa->file_len ? sa->s + sa->func_len + 1 : NULL;
		site.line = sa->line;
		site.flags = sa->flags;
	}
	c->name_at = ln ? lt_keep_name(a, (ln->flags & LTX_KEY_NO_NAME) ? NULL : ln->name,
				       ln->flags & ~LTX_KEY_NO_NAME, ln->level, ln->unloads, sa ? &site : NULL)
			: 0;
	lt_ext_of(t, c)->keyno = a->nkeys++;
	t->used++;
	c->ret = s->ret;
	return c;
}

struct fold_ctx {
	struct lt_ext **ext_of; /* source keyno -> the folded key's ext */
	uint32_t n;
};

static void stack_lost(void *p, uint32_t keyno, uint64_t count, uint64_t ticks)
{
	struct fold_ctx *c = p;
	if (keyno < c->n && c->ext_of[keyno]) {
		c->ext_of[keyno]->stack_lost[LT_LOST_FULL] += count;
		c->ext_of[keyno]->stack_lost_ticks[LT_LOST_FULL] += ticks;
	}
}

/* Adds th's counts to the folded state; -1 (nothing changed) if memory for
 * it cannot be had: th is then kept whole. */
static int fold(struct lt_thread *th)
{
	if (!folded && !(folded = folded_new()))
		return -1;
	struct lt_thread *a = folded;
	const struct lt_table *t = th->table;
	uint32_t nk = th->nkeys;
	size_t map_bytes = (size_t)nk * (sizeof(uint32_t) + sizeof(struct lt_ext *)) + 1;
	void *mem = lt_map(map_bytes);
	if (!mem || folded_reserve(a, t ? t->used : 0, th->names_used) < 0) {
		if (mem)
			lt_unmap(mem, map_bytes);
		return -1;
	}
	struct fold_ctx c = { mem, nk };
	uint32_t *keymap = (uint32_t *)(c.ext_of + nk);
	memset(keymap, 0xff, (size_t)nk * sizeof *keymap);
	for (uint64_t i = 0; t && i <= t->mask; i++) {
		const struct lt_slot *s = &t->slots[i];
		if (!s->ret || LT_META_ENTRY(s->meta) == 0 || (s->action & LT_SA_INNER) || !s->calls)
			continue;
		const struct lt_ext *x = &t->ext[i];
		const struct lt_name *ln = s->name_at ? (const struct lt_name *)(th->names + s->name_at - 1) : NULL;
		struct lt_slot *d = folded_slot(a, s, ln);
		struct lt_ext *dx = lt_ext_of(a->table, d);
		d->calls += s->calls;
		d->timed += s->timed;
		d->ticks += s->ticks;
		for (int b = 0; b < LT_HIST_BUCKETS; b++)
			dx->hist[b] += x->hist[b];
		for (int r = 0; r < LT_LOST_N; r++) {
			dx->stack_lost[r] += x->stack_lost[r];
			dx->stack_lost_ticks[r] += x->stack_lost_ticks[r];
		}
		/* Windows the analyzer counts once (KEY_ONCE): the long ones add
		 * up; the record holds one first call, so another thread's first
		 * call joins the long ones (counted once too), unless it is one
		 * of them already. */
		dx->tail_timed += x->tail_timed;
		dx->tail_ticks += x->tail_ticks;
		dx->pre_calls += x->pre_calls;
		/* limit and sample: each thread's own state; only their counts add up */
		dx->rl_kept += x->rl_kept;
		dx->rl_pre_kept += x->rl_pre_kept;
		dx->rule = x->rule;
		dx->rule_act = x->rule_act;
		dx->rl_fmt = x->rl_fmt; /* the folded slot's fmt is this key's rule state */
		if (x->has_first && !dx->has_first) {
			dx->has_first = 1;
			dx->first_ticks = x->first_ticks;
		} else if (x->has_first && !(x->first_ticks >> LT_TAIL_SHIFT)) {
			dx->tail_timed++;
			dx->tail_ticks += x->first_ticks;
		}
		if (ln && d->name_at) {
			struct lt_name *dn = (struct lt_name *)(a->names + d->name_at - 1);
			dn->flags |= ln->flags & LTX_KEY_FATAL;
			if (ln->unloads < dn->unloads)
				dn->unloads = ln->unloads; /* the first call of the key in any thread */
		}
		if (x->keyno < nk) {
			keymap[x->keyno] = dx->keyno;
			c.ext_of[x->keyno] = dx;
		}
	}
	if (th->stacks) {
		if (!a->stacks)
			a->stacks = lt_map(sizeof *a->stacks);
		if (a->stacks) {
			lt_stacks_merge(a->stacks, th->stacks, keymap, nk, stack_lost, &c);
		} else {
			for (uint32_t i = 0; i < LT_PAIRS_CAP; i++) {
				const struct lt_pair *p = &th->stacks->pairs[i];
				if (p->stack1)
					stack_lost(&c, p->keyno, p->count, p->ticks);
			}
		}
	}
	lt_unmap(mem, map_bytes);
	a->waits += th->waits;
	a->wait_ticks += th->wait_ticks;
	a->busy_ticks += th->busy_ticks;
	for (int k = 0; k < 4; k++)
		a->pre_loop[k] += th->pre_loop[k];
	a->untimed_full += th->untimed_full;
	a->reentered += th->reentered;
	a->cpu_samples += th->cpu_samples;
	a->cpu_sampled_ticks += th->cpu_sampled_ticks;
	a->cpu_sampled_ns += th->cpu_sampled_ns;
	a->cpu_exit_ns += th->cpu_exit_ns;
	a->cpu_exit_ok |= th->cpu_exit_ok;
	a->jobs += th->jobs;
	a->job_wait_ticks += th->job_wait_ticks;
	a->job_busy_ticks += th->job_busy_ticks;
	for (int k = 0; k < 4; k++)
		a->pre_jobs[k] += th->pre_jobs[k];
	if (a->trace && th->trace)
		a->trace->recorded += th->trace->recorded;
	a->nthreads++;
	return 0;
}

void lt_thread_exit(struct lt_thread *th)
{
	sigset_t old;
	lt_threads_lock(&old);
	if (!on_list(th)) {
		/* A new attach took the list while this thread was on its way
		 * here: the state is an earlier attach's, held in `stale`; the
		 * next attach unmaps it. */
		lt_thread_release(th);
	} else if (exited_kept < LT_KEEP_EXITED || (th->flags & LTX_THREAD_MAIN) || fold(th) < 0) {
		exited_kept++;
		trim(th);
		lt_thread_release(th); /* read by the writer until the next attach */
	} else {
		unlink_thread(th);
		lt_thread_free(th);
	}
	lt_threads_unlock(&old);
}

/* In a fork child (atfork handler; only this thread exists): the other
 * threads' states, kept or folded, are the parent's; unmap them. */
void lt_threads_forked(void)
{
	lt_threads_lock_forked();
	struct lt_thread *self = lt_tls.thr;
	for (struct lt_thread *th = lt_threads, *next; th; th = next) {
		next = th->next;
		if (th != self)
			lt_thread_free(th);
	}
	/* earlier attaches' states: their threads are not here either (this
	 * thread's own, if it still holds one, becomes the list; it lets go of
	 * it at its next call) */
	for (struct lt_thread *th = stale, *next; th; th = next) {
		next = th->next;
		if (th != self)
			lt_thread_free(th);
	}
	stale = NULL;
	stale_n = 0;
	if (self)
		self->next = NULL;
	lt_threads = self;
	folded = NULL;
	exited_kept = 0;
}

/* A new attach (attach.c; the previous one's control thread, its writer,
 * has ended): the list starts empty, and what earlier attaches left is
 * unmapped where nothing can reach it any more. Every reader of the list
 * holds the lock and reads the list it finds: once the head is taken here,
 * the old states are out of every reader's reach. What remains is their
 * own threads: a state is unmapped once its thread has let go of it
 * (LT_EPOCH_RELEASED: it moved on to a later attach's state at a call, or
 * exited) or never had one (the folded exited threads). The rest waits in
 * `stale` for a later attach: at most one per thread (a thread that has
 * not logged since, or is still inside a call it began back then). */
void lt_threads_abandon(void)
{
	sigset_t old;
	lt_threads_lock(&old);
	struct lt_thread *th = __atomic_exchange_n(&lt_threads, NULL, __ATOMIC_ACQ_REL);
	folded = NULL;
	exited_kept = 0;
	struct lt_thread *keep = NULL;
	uint32_t kept = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (struct lt_thread *next; th; th = next) {
			next = th->next;
			if ((th->flags & LTX_THREAD_FOLDED) ||
			    __atomic_load_n(&th->epoch, __ATOMIC_ACQUIRE) == LT_EPOCH_RELEASED) {
				lt_thread_free(th);
				reclaimed_n++;
			} else {
				th->next = keep;
				keep = th;
				kept++;
			}
		}
		th = stale;
	}
	stale = keep;
	stale_n = kept;
	lt_threads_unlock(&old);
}

void lt_threads_stale(uint32_t *held, uint64_t *freed)
{
	sigset_t old;
	lt_threads_lock(&old);
	*held = stale_n;
	*freed = reclaimed_n;
	lt_threads_unlock(&old);
}

/* The thread's pthread key destructor. Other libraries' destructors may
 * still log after it: the key is set again so that glibc calls it in its
 * next destructor round, and the state is given up in the last round but
 * one (calls after that are counted in process.late_calls). Not in the
 * last: that is where sanitizer runtimes tear their own thread state down
 * (ThreadSanitizer's, before ours by key order, and its pthread_mutex_lock
 * crashes after). */
static void thread_gone(void *p)
{
	struct lt_thread *th = p;
	if (th->epoch != __atomic_load_n(&lt_epoch, __ATOMIC_ACQUIRE) || !lt_live()) {
		/* another attach's state, or detached: not in the list we keep;
		 * the next attach unmaps it */
		lt_tls.dead = 1;
		lt_tls_set_table(NULL);
		lt_tls.thr = NULL;
		lt_thread_release(th);
		return;
	}
	if (++lt_tls.exit_round < PTHREAD_DESTRUCTOR_ITERATIONS - 1 && pthread_setspecific(lt_thread_key, th) == 0)
		return;
	lt_tls.busy = 1;
	lt_tls.dead = 1;
	lt_tls_set_table(NULL);
	lt_tls.thr = NULL;
	prctl(PR_GET_NAME, th->name, 0, 0, 0);
	/* Its own clock, once (a system call): no one can read it after. */
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0) {
		th->cpu_exit_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		th->cpu_exit_ok = 1;
	}
	th->flags |= LTX_THREAD_EXITED;
	lt_thread_exit(th); /* kept whole, or folded and unmapped */
	lt_tls.busy = 0;
}

/* At start-up: the key whose destructor sees each thread end. */
void lt_thread_exit_init(void)
{
	if (pthread_key_create(&lt_thread_key, thread_gone) == 0)
		lt_thread_key_ok = 1;
}
