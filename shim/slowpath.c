/* The slow path: the first call of a key in a thread (or of a thread).
 * Reached from the trampoline with the vector registers saved, so it may
 * call libc. It still takes no lock a signal handler could want again:
 * a call that re-enters it (a handler interrupting it) is counted without
 * a key instead (thread.reentered) and passed on. */
#include "lt.h"
#include "../common/ltx_format.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

struct lt_thread *volatile lt_threads;
uint64_t lt_late_calls; /* calls on threads whose state was already torn down */
pthread_key_t lt_thread_key;
int lt_thread_key_ok;

/* The slots, then the parallel ext array, in one mapping (pages of ext
 * that no timed call or stack touches are never backed by memory). */
size_t lt_table_bytes(uint64_t slots)
{
	return sizeof(struct lt_table) + slots * (sizeof(struct lt_slot) + sizeof(struct lt_ext));
}

struct lt_table *lt_table_new(uint64_t slots)
{
	struct lt_table *t = lt_map(lt_table_bytes(slots));
	if (t) {
		t->mask = slots - 1;
		t->ext = (struct lt_ext *)&t->slots[slots];
	}
	return t;
}

/* The calibration's own table (init.c): its three keys must not sit in the
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
	lt_tls.table = NULL;
	lt_barrier();
	th->table = t;
	lt_tls.table = t;
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
static struct lt_table *table_grow(struct lt_thread *th, struct lt_table *old)
{
	struct lt_table *t = lt_table_new((old->mask + 1) * 2);
	if (!t)
		return NULL;
	lt_tls.table = NULL;
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
	lt_tls.table = t;
	return t;
}

void lt_table_sums(const struct lt_table *t, uint64_t out[4])
{
	out[0] = out[1] = out[2] = out[3] = 0;
	for (uint64_t i = 0; t && i <= t->mask; i++) {
		const struct lt_slot *s = &t->slots[i];
		if (!s->ret || LT_META_ENTRY(s->meta) == 0 || (s->action & LT_SA_INNER))
			continue;
		out[(s->action & LT_SA_BASE) == LT_SA_DROP ? 1 : 0] += s->calls;
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
		if (t->slots[i].ret)
			t->ext[i].pre_calls = t->slots[i].calls;
}

struct lt_thread *lt_thread_self(void)
{
	struct lt_thread *th = lt_tls.thr;
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
	lt_tls.rng = (lt_rdtsc() ^ ((uint64_t)th->tid << 32)) | 1;
	lt_rearm();
	lt_tls.thr = th;
	lt_tls.table = t;
	struct lt_thread *head;
	do {
		head = lt_threads;
		th->next = head;
	} while (!__atomic_compare_exchange_n(&lt_threads, &head, th, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	if (lt_thread_key_ok)
		pthread_setspecific(lt_thread_key, th);
	return th;
}

/* Stores what the slow path learnt about a key (struct lt_name: flags,
 * level, name) in the thread's name arena; returns its offset + 1, or 0 when
 * out of memory. */
uint32_t lt_keep_name(struct lt_thread *th, const char *s, uint32_t flags, int32_t level, uint32_t unloads)
{
	size_t len = s ? strnlen(s, LTX_MAX_NAME + 1) : 0;
	if (len > LTX_MAX_NAME) {
		len = LTX_MAX_NAME;
		flags |= LTX_KEY_NAME_CUT;
	}
	if (!s)
		flags |= LTX_KEY_NO_NAME;
	size_t need = (sizeof(struct lt_name) + len + 1 + 7) & ~(size_t)7;
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

/* The decision for a new key, made once: what its family allows (an inner
 * call is only passed on; a call that may abort is neither dropped nor
 * timed), the rules of the key's generation (a dropped call is never
 * timed), then the time mode; then the flags of the modes on (stacks,
 * trace). */
static uint32_t decide(const struct lt_desc *d, const char *name, int32_t level, uint64_t ret, uint32_t gen,
		       uint32_t allows)
{
	if (d->family == LTX_FAM_CALIB)
		return level == 1 ? LT_SA_DROP : level == 2 ? LT_SA_TIME : LT_SA_SAMPLE;
	if (allows & LT_KEY_INNER)
		return LT_SA_KEEP | LT_SA_INNER; /* not written: no stacks, no trace events */
	uint32_t a;
	if ((allows & LT_ALLOW_DROP) && lt_rules_decide(d, name, level, ret, gen) == LTX_ACT_DROP)
		a = LT_SA_DROP;
	else if (!(allows & LT_ALLOW_TIME))
		a = LT_SA_KEEP;
	else
		a = lt_cfg.time_mode == LTX_TIME_ALL ? LT_SA_TIME : LT_SA_SAMPLE;
	return lt_sa_with_modes(a);
}

/* The next definition after ours (dlsym(RTLD_NEXT)'s answer), or one in
 * any loaded object (a library opened with RTLD_LOCAL is not in the global
 * scope), found in the objects' hash tables: a failed dlsym would leave an
 * error for the program's next dlerror(), and even a successful one clears
 * an error the program has not read yet. */
void *lt_resolve(const char *sym)
{
	return lt_find_next(sym);
}

/* Frame word of argument i: registers first, then (past rax and the return
 * address) the stack. */
static uint8_t arg_word(uint8_t i)
{
	return i < 6 ? i : (uint8_t)(i + 2);
}

void lt_desc_prepare(struct lt_desc *d)
{
	d->name_word = d->name_arg == LT_ARG_NONE ? LT_FRAME_RET_WORD : arg_word(d->name_arg);
	d->name_mask = d->name_arg == LT_ARG_NONE ? 0 : ~0ull;
	d->level_word = d->level_arg == LT_ARG_NONE ? LT_FRAME_RET_WORD : arg_word(d->level_arg);
	d->level_mask = d->level_arg == LT_ARG_NONE ? 0 : 0xffffffffull;
	d->meta_id = (uint64_t)(d->id & 0xff) << 32;
	if (d->flags & LT_DESC_IDENT) {
		/* syslog: a priority fits in 10 bits; bits 16-23 hold the ident's number */
		d->level_mask = 0xffff;
		d->meta_id |= (uint64_t)(__atomic_load_n(&lt_syslog_ident_idx, __ATOMIC_RELAXED) & 0xff) << 16;
	}
	__atomic_store_n(&d->prepared, 1, __ATOMIC_RELEASE);
}

static struct lt_ret pass_or_drop(struct lt_desc *d)
{
	struct lt_ret r = { d->real ? LT_PASS : LT_DROP, d->real ? (uint64_t)d->real : d->drop_value };
	return r;
}

/* A key's first call: timed whatever the sampling says (when the key may be
 * timed at all), so that a key too rare to be sampled still has one
 * measured call; the analyzer counts that window as itself. With stacks on,
 * its stack is taken too. */
static struct lt_ret act_first(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	uint32_t base = s->action & LT_SA_BASE;
	if (lt_cfg.time_mode == LTX_TIME_OFF || (base != LT_SA_SAMPLE && base != LT_SA_TIME) ||
	    (s->action & ~LT_SA_BASE))
		return lt_hook_act(f, d, s);
	lt_inc(&s->calls, 1);
	struct lt_ret r = lt_cfg.stack_depth ? lt_stack_path(f, (uint64_t)d | 1) : lt_time_start(f, d, s);
	if (r.action == LT_TIME)
		((struct lt_shadow *)r.value)->first = 1;
	return r;
}

struct lt_ret lt_slow_path(struct lt_frame *f, struct lt_desc *d)
{
	int saved_errno = errno;
	struct lt_ret r;
	if (lt_tls.busy) {
		/* A signal handler interrupted the slow path or the writer of this
		 * thread: the table may be half-updated. Count, do not touch it. */
		if (lt_tls.thr)
			lt_inc(&lt_tls.thr->reentered, 1);
		else
			__atomic_fetch_add(&lt_late_calls, 1, __ATOMIC_RELAXED);
		r = pass_or_drop(d);
		errno = saved_errno;
		return r;
	}
	lt_tls.busy = 1;
	if (lt_state == 0)
		lt_init(); /* another library's constructor logged before ours ran */
	if (unlikely(!lt_own_process())) {
		/* A vfork child (undefined behaviour in C, but it happens): its
		 * memory is its parent's, so the call is counted there, without a
		 * key, and nothing is set up here. */
		if (lt_tls.thr)
			lt_inc(&lt_tls.thr->reentered, 1);
		else
			__atomic_fetch_add(&lt_late_calls, 1, __ATOMIC_RELAXED);
		lt_tls.busy = 0;
		r = pass_or_drop(d);
		errno = saved_errno;
		return r;
	}
	if (!__atomic_load_n(&d->prepared, __ATOMIC_ACQUIRE))
		lt_desc_prepare(d);
	if (!d->real) {
		/* Not found at start-up (its library came later, with dlopen). Every
		 * thread that gets here looks for itself: none may pass on a NULL. */
		void *real = lt_resolve(d->symbol);
		if (real)
			__atomic_store_n(&d->real, real, __ATOMIC_RELEASE);
		else if (!__atomic_exchange_n(&d->resolved, 1, __ATOMIC_RELAXED))
			lt_warn("cannot find the real function, its calls are dropped", d->symbol);
	}
	struct lt_thread *th = lt_thread_self();
	if (!th || !d->real) {
		if (th)
			lt_inc(&th->reentered, 1);
		else
			__atomic_fetch_add(&lt_late_calls, 1, __ATOMIC_RELAXED);
		lt_tls.busy = 0;
		r = pass_or_drop(d);
		errno = saved_errno;
		return r;
	}

	/* After a fork the hot path was sent here once (see fork_child). */
	if (!lt_tls.table)
		lt_tls.table = th->table;
	if (d->family != LTX_FAM_CALIB) {
		/* Not from .preinit_array or a constructor that ran before ours
		 * (libc may not be set up yet): lt_ctor starts it then. */
		extern int lt_ctor_ran LT_HIDDEN, lt_svc_wanted LT_HIDDEN;
		if (__atomic_load_n(&lt_ctor_ran, __ATOMIC_ACQUIRE)) {
			lt_svc_ensure();
			if (lt_svc_inline)
				lt_svc_poll(0);
		} else {
			__atomic_store_n(&lt_svc_wanted, 1, __ATOMIC_RELEASE);
		}
	}

	/* The generation, then its rule set (published before it): a key is
	 * decided under the rules of the generation it carries. The key as the
	 * hot path computes it; the level as the call gave it (a syslog key's
	 * meta also holds its ident's number). */
	uint32_t gen = __atomic_load_n(&lt_gen, __ATOMIC_ACQUIRE);
	uint64_t name = LT_KEY_NAME(f, d);
	uint64_t meta = LT_KEY_META(f, d, gen);
	int32_t level = d->level_arg != LT_ARG_NONE ? (int32_t)lt_arg(f, d->level_arg) : 0;
	uint64_t ret = f->ret;
	struct lt_table *t = th->table;
	struct lt_slot *s = NULL;
	for (uint64_t i = lt_key_hash(ret, name, meta) >> 32;; i++) {
		struct lt_slot *c = &t->slots[i & t->mask];
		if (c->ret == ret && c->name == name && c->meta == meta) {
			s = c;
			break;
		}
		if (!c->ret)
			break;
	}
	if (!s) {
		if ((t->used + 1) * 2 > t->mask + 1) {
			struct lt_table *g = table_grow(th, t);
			if (g)
				t = g;
		}
		uint64_t i = lt_key_hash(ret, name, meta) >> 32;
		while (t->slots[i & t->mask].ret)
			i++;
		if ((t->used + 1) * 4 > (t->mask + 1) * 3) {
			/* Could not grow and nearly full: keep probes finite. */
			lt_inc(&th->reentered, 1);
			lt_tls.busy = 0;
			r = pass_or_drop(d);
			errno = saved_errno;
			return r;
		}
		s = &t->slots[i & t->mask];
		/* The name and the level as they will be reported. */
		char buf[LTX_MAX_NAME + 2];
		uint32_t flags = 0;
		int32_t shown = level;
		const char *nm = (const char *)name;
		if (d->fields) {
			nm = d->fields(f, buf, sizeof buf, &shown);
			flags |= LTX_KEY_RESOLVED;
		} else if (d->flags & LT_DESC_IDENT) {
			nm = lt_syslog_ident_name(meta);
		} else if (d->name_src) {
			nm = (const char *)*d->name_src;
		} else if (nm && d->name_deref) {
			nm = *(const char *const *)nm;
		}
		if (nm && (d->flags & LT_DESC_NAME_UNTRUSTED)) {
			/* A hook's name=ARG may not hold a string: a bad pointer must not crash us. */
			if (!lt_safe_copy(buf, nm, sizeof buf))
				memcpy(buf, "(unreadable)", 13);
			nm = buf;
		}
		uint32_t allows = lt_key_allows(d, ret, shown);
		if (allows & LT_KEY_FATAL)
			flags |= LTX_KEY_FATAL;
		s->name_at = lt_keep_name(th, nm, flags, shown, __atomic_load_n(&lt_unloads, __ATOMIC_ACQUIRE));
		s->name = name;
		s->meta = meta;
		s->fmt = d->fmt_arg != LT_ARG_NONE ? lt_arg(f, d->fmt_arg) : 0;
		s->action = decide(d, nm, shown, ret, gen, allows);
		lt_ext_of(t, s)->keyno = th->nkeys++;
		t->used++;
		lt_barrier();
		s->ret = ret; /* publish */
		lt_tls.busy = 0;
		r = act_first(f, d, s);
		errno = saved_errno;
		return r;
	}
	lt_tls.busy = 0;
	r = lt_hook_act(f, d, s);
	errno = saved_errno;
	return r;
}
