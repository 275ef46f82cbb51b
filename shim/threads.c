/* The threads' state: the list of threads, each thread's table of keys
 * (made, grown, summed), the arena of its keys' names, and the lock under
 * which another thread walks the list. A thread's state is mapped at its
 * first logging call (lt_thread_self) and written only by that thread;
 * thread_exit.c keeps or folds it when the thread ends. */
#include "lt.h"
#include "threads.h"
#include "lifecycle.h"
#include "base.h"
#include "desc.h"
#include "hotpath.h"
#include "state.h"
#include "../common/ltx_format.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

struct lt_thread *volatile lt_threads;
uint64_t lt_late_calls; /* calls on threads whose state was already torn down */
pthread_key_t lt_thread_key;
int lt_thread_key_ok;

/* The slots, an empty guard slot, then the parallel ext array, in one
 * mapping (pages of ext that no timed call or stack touches are never
 * backed by memory). The assembly count path probes on without wrapping:
 * the guard ends a probe sequence that reaches the end, and the C path,
 * which wraps, takes it from there. */
size_t lt_table_bytes(uint64_t slots)
{
	return sizeof(struct lt_table) + sizeof(struct lt_slot) + slots * (sizeof(struct lt_slot) + sizeof(struct lt_ext));
}

struct lt_table *lt_table_new(uint64_t slots)
{
	struct lt_table *t = lt_map(lt_table_bytes(slots));
	if (t) {
		t->mask = slots - 1;
		t->ext = (struct lt_ext *)&t->slots[slots + 1];
	}
	return t;
}

/* The calibration's own table (calib.c): its three keys must not sit in the
 * thread's table, where a real key landing on their slots would take the
 * longer probe path for good. */
struct lt_table *lt_table_swap(struct lt_table *t)
{
	struct lt_thread *th = lt_tls.thr;
	struct lt_table *old = th->table;
	if (!t)
		t = lt_table_new(LT_TABLE_MIN);
	if (!t)
		return NULL;
	lt_tls_set_table(NULL);
	lt_barrier();
	th->table = t;
	lt_tls_set_table(t);
	return old;
}

void lt_table_drop(struct lt_table *t)
{
	lt_unmap(t, lt_table_bytes(t->mask + 1));
}

/* Doubles the table. Only the owning thread writes its table, and it is
 * here, so nothing moves under us; readers (the writer thread) follow
 * th->table and may still read the old one, which is kept. While the slots
 * are copied the thread has no table: a signal handler that logs then goes
 * to the slow path, finds it busy and counts its call as re-entered, instead
 * of counting into a slot already copied (that count would be lost). */
struct lt_table *lt_table_grow(struct lt_thread *th, struct lt_table *old)
{
	struct lt_table *t = lt_table_new((old->mask + 1) * 2);
	if (!t)
		return NULL;
	lt_tls_set_table(NULL);
	lt_barrier();
	for (uint64_t i = 0; i <= old->mask; i++) {
		struct lt_slot *s = &old->slots[i];
		if (!s->ret)
			continue;
		uint64_t j = lt_key_hash(s->ret, s->name, s->meta) >> 32;
		while (t->slots[j & t->mask].ret)
			j++;
		j &= t->mask;
		t->slots[j] = *s;
		t->ext[j] = old->ext[i];
		/* In-flight timed calls keep pointers to their slot: move them. */
		for (uint32_t k = 0; k < th->sdepth; k++)
			if (th->shadow[k].slot == s) {
				th->shadow[k].slot = &t->slots[j];
				th->shadow[k].ext = &t->ext[j];
			}
	}
	t->used = old->used;
	t->older = old;
	lt_barrier();
	th->table = t;
	lt_tls_set_table(t);
	return t;
}

void lt_table_sums(const struct lt_table *t, uint64_t out[4])
{
	out[0] = out[1] = out[2] = out[3] = 0;
	for (uint64_t i = 0; t && i <= t->mask; i++) {
		const struct lt_slot *s = &t->slots[i];
		if (!s->ret || LT_META_ENTRY(s->meta) == 0 || (s->action & LT_SA_INNER))
			continue;
		if (s->action & LT_SA_RULED) {
			/* kept first: the owner counts a call, then whether it was kept */
			uint64_t kept = __atomic_load_n(&t->ext[i].rl_kept, __ATOMIC_ACQUIRE);
			uint64_t calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
			kept = kept < calls ? kept : calls;
			out[0] += kept;
			out[1] += calls - kept;
		} else {
			out[(s->action & LT_SA_BASE) == LT_SA_DROP ? 1 : 0] += s->calls;
		}
		out[2] += s->timed;
		out[3] += s->ticks;
	}
}

/* A thread's first wait: its totals so far, and each key's calls so far, so
 * that the analyzer can tell the loop's calls from the start-up's key by key. */
void lt_table_loop_starts(struct lt_table *t, uint64_t out[4])
{
	lt_table_sums(t, out);
	for (uint64_t i = 0; t && i <= t->mask; i++)
		if (t->slots[i].ret) {
			t->ext[i].pre_calls = t->slots[i].calls;
			t->ext[i].rl_pre_kept = t->ext[i].rl_kept;
		}
}

/* The owner lets go of th: the last thing it does with it (see
 * LT_EPOCH_RELEASED). */
void lt_thread_release(struct lt_thread *th)
{
	__atomic_store_n(&th->epoch, LT_EPOCH_RELEASED, __ATOMIC_RELEASE);
}

/* Pushes th on the list without the lock: only the head changes. */
void lt_thread_push(struct lt_thread *th)
{
	struct lt_thread *head;
	do {
		head = lt_threads;
		th->next = head;
	} while (!__atomic_compare_exchange_n(&lt_threads, &head, th, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

struct lt_thread *lt_thread_self(void)
{
	struct lt_thread *th = lt_tls.thr;
	uint32_t epoch = __atomic_load_n(&lt_epoch, __ATOMIC_ACQUIRE);
	if (unlikely(th && lt_tls.epoch != epoch) && !th->sdepth && !lt_tls.counting) {
		/* Made under an earlier attach: this thread lets go of it for good
		 * (the next attach unmaps it: thread_exit.c) and starts afresh.
		 * Not while a timed call of then is in flight (its shadow entry and
		 * slot are in it) or the thread is inside a count path (a handler
		 * interrupted it holding a slot): it keeps the old state until
		 * then. The thread's key value goes first, its mark last. */
		lt_tls.thr = NULL;
		lt_tls_set_table(NULL);
		if (lt_thread_key_ok)
			pthread_setspecific(lt_thread_key, NULL);
		lt_thread_release(th);
		th = NULL;
	}
	if (th || lt_tls.dead)
		return th;
	th = lt_map(sizeof *th);
	if (!th)
		return NULL;
	struct lt_table *t = lt_table_new(LT_TABLE_MIN);
	th->names = lt_map(LT_NAMES_MIN);
	if (!t || !th->names) {
		if (t)
			lt_unmap(t, lt_table_bytes(LT_TABLE_MIN));
		if (th->names)
			lt_unmap(th->names, LT_NAMES_MIN);
		lt_unmap(th, sizeof *th);
		return NULL;
	}
	th->names_cap = LT_NAMES_MIN;
	if (lt_cfg.trace_events) {
		/* Trace mode: the ring is mapped up front (the hook cannot map it).
		 * If that fails the thread goes untraced; its counts are unaffected. */
		th->trace = lt_map(sizeof(struct lt_trace) + (size_t)lt_cfg.trace_events * sizeof(struct lt_tev));
		if (th->trace)
			th->trace->cap = lt_cfg.trace_events;
	}
	th->tid = lt_gettid();
	if (th->tid == getpid())
		th->flags |= LTX_THREAD_MAIN;
	th->table = t;
	th->epoch = epoch;
	lt_tls.epoch = epoch;
	lt_tls.rng = (lt_rdtsc() ^ ((uint64_t)th->tid << 32)) | 1;
	lt_rearm();
	lt_tls.thr = th;
	lt_tls_set_table(t);
	lt_thread_push(th);
	if (lt_thread_key_ok)
		pthread_setspecific(lt_thread_key, th);
	return th;
}

/* Stores what the slow path learnt about a key (struct lt_name: flags,
 * level, name; then the call site it named, if any) in the thread's name
 * arena; returns its offset + 1, or 0 when out of memory. */
uint32_t lt_keep_name(struct lt_thread *th, const char *s, uint32_t flags, int32_t level, uint32_t unloads,
		      const struct lt_site_ref *site)
{
	size_t len = s ? strnlen(s, LTX_MAX_NAME + 1) : 0;
	if (len > LTX_MAX_NAME) {
		len = LTX_MAX_NAME;
		flags |= LTX_KEY_NAME_CUT;
	}
	if (!s)
		flags |= LTX_KEY_NO_NAME;
	size_t flen = 0, ilen = 0;
	uint32_t sflags = 0;
	if (site && (site->func || site->file || site->line)) {
		flags |= LTX_KEY_SITE;
		sflags = site->flags;
		flen = site->func ? strnlen(site->func, LTX_MAX_SITE + 1) : 0;
		ilen = site->file ? strnlen(site->file, LTX_MAX_SITE + 1) : 0;
		if (flen > LTX_MAX_SITE) {
			flen = LTX_MAX_SITE;
			sflags |= LTX_SITE_FUNC_CUT;
		}
		if (ilen > LTX_MAX_SITE) {
			ilen = LTX_MAX_SITE;
			sflags |= LTX_SITE_FILE_CUT;
		}
	} else {
		flags &= ~LTX_KEY_SITE;
	}
	size_t site_at = (sizeof(struct lt_name) + len + 1 + 3) & ~(size_t)3;
	size_t need = (flags & LTX_KEY_SITE) ? site_at + sizeof(struct lt_site_at) + flen + 1 + ilen + 1 :
					       sizeof(struct lt_name) + len + 1;
	need = (need + 7) & ~(size_t)7;
	while (th->names_used + need > th->names_cap) {
		/* The old arena stays mapped until the thread exits: a concurrent
		 * writer may read it. */
		uint32_t k = (uint32_t)__builtin_ctz(th->names_cap / LT_NAMES_MIN);
		if (k >= LT_NAMES_OLD || th->names_cap >= (1u << 30))
			return 0;
		uint32_t cap = th->names_cap * 2;
		char *n = lt_map(cap);
		if (!n)
			return 0;
		memcpy(n, th->names, th->names_used);
		th->names_old[k] = th->names;
		lt_barrier();
		th->names = n;
		th->names_cap = cap;
	}
	uint32_t at = th->names_used;
	struct lt_name *ln = (struct lt_name *)(th->names + at);
	ln->flags = flags;
	ln->level = level;
	ln->unloads = unloads;
	if (len)
		memcpy(ln->name, s, len);
	ln->name[len] = 0;
	if (flags & LTX_KEY_SITE) {
		struct lt_site_at *sa = (struct lt_site_at *)(void *)((char *)ln + site_at);
		sa->line = site->line;
		sa->flags = sflags;
		sa->func_len = (uint16_t)flen;
		sa->file_len = (uint16_t)ilen;
		if (flen)
			memcpy(sa->s, site->func, flen);
		sa->s[flen] = 0;
		if (ilen)
			memcpy(sa->s + flen + 1, site->file, ilen);
		sa->s[flen + 1 + ilen] = 0;
	}
	th->names_used += (uint32_t)need;
	return at + 1;
}

uint32_t lt_sa_with_modes(uint32_t base)
{
	uint32_t a = base;
	/* SAMPLE keys find stacks through their countdown; the others need a flag. */
	if (lt_cfg.stack_depth && base != LT_SA_SAMPLE)
		a |= LT_SA_STACKED;
	/* Trace mode: timed calls are recorded when they end; the rest here. */
	if (lt_cfg.trace_events && (base == LT_SA_DROP || base == LT_SA_KEEP))
		a |= LT_SA_TRACED;
	return a;
}

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;

void lt_threads_lock(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, old);
	pthread_mutex_lock(&threads_lock);
}

void lt_threads_unlock(const sigset_t *old)
{
	pthread_mutex_unlock(&threads_lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* In a fork child: the lock may have been held by a thread that did not
 * come along. */
void lt_threads_lock_forked(void)
{
	pthread_mutex_init(&threads_lock, NULL);
}

/* Every call counted so far, with or without a key: what the file would
 * hold now (the exit path compares it with what it wrote). */
uint64_t lt_calls_total(void)
{
	uint64_t n = __atomic_load_n(&lt_late_calls, __ATOMIC_RELAXED);
	sigset_t old;
	lt_threads_lock(&old);
	for (struct lt_thread *th = __atomic_load_n(&lt_threads, __ATOMIC_ACQUIRE); th; th = th->next) {
		uint64_t sums[4];
		lt_table_sums(th->table, sums);
		n += sums[0] + sums[1] + th->reentered;
	}
	lt_threads_unlock(&old);
	return n;
}
