/* The hot path's C part. The count paths (entry_x86_64.S) key, count and
 * act on the common cases of every call; they come here with the slot for
 * the rest (lt_hook_rare), and lt_tramp comes here for a key they did not
 * find or an entry whose name or level is on the stack (lt_hook_enter);
 * a timed call ends in lt_hook_exit. Built with -mgeneral-regs-only and
 * calls nothing outside this file, so the vector registers that carry a
 * variadic call's floating-point arguments reach the real function
 * untouched (tests/e2e/t-hook-object.sh checks the object code). No locks,
 * no atomics, no allocation. Anything else returns LT_SLOW. */
#include "lt.h"
#include "hotpath.h"
#include "base.h"
#include "desc.h"
#include "state.h"
#include "clockfit.h"
#include "../common/ltx_format.h"

/* Two empty slots: a table of one slot and its guard, for a thread with
 * no table (every lookup misses and goes to the slow path). */
static struct lt_slot lt_no_slots[2] __attribute__((aligned(64)));
__thread struct lt_tls lt_tls LT_TLS = { .slots = lt_no_slots };

/* The count path reads mask6, then slots, and a signal handler on the same
 * thread may switch tables between the two reads: the mask it read must
 * fit the slots it reads, so the mask shrinks before and grows after. */
void lt_tls_set_table(struct lt_table *t)
{
	lt_tls.mask6 = 0;
	lt_barrier();
	lt_tls.table = t;
	lt_tls.slots = t ? t->slots : lt_no_slots;
	lt_tls.ext_bias = t ? (uint64_t)t->ext - 8 * (uint64_t)t->slots : 0;
	lt_barrier();
	lt_tls.mask6 = t ? t->mask << 6 : 0;
}

/* The assembly count paths (entry_x86_64.S) know these. */
#define OFF(t, m) __builtin_offsetof(struct t, m)
_Static_assert(OFF(lt_desc, real) == 0 && OFF(lt_desc, drop_value) == 8 && OFF(lt_desc, meta_id) == 32 &&
		       OFF(lt_desc, fast) == 96,
	       "descriptor offsets in entry_x86_64.S");
_Static_assert(OFF(lt_slot, ret) == 0 && OFF(lt_slot, name) == 8 && OFF(lt_slot, meta) == 16 &&
		       OFF(lt_slot, calls) == 24 && OFF(lt_slot, rl_state) == 48 && OFF(lt_slot, action) == 56 &&
		       sizeof(struct lt_slot) == 64 && OFF(lt_table, slots) % 64 == 0,
	       "slot offsets in entry_x86_64.S (and slots 64-aligned: their low bits carry a code)");
_Static_assert(OFF(lt_tls, countdown) == 8 && OFF(lt_tls, slots) == 80 && OFF(lt_tls, mask6) == 88 &&
		       OFF(lt_tls, counting) == 104,
	       "TLS offsets in entry_x86_64.S");
_Static_assert(OFF(lt_tls, thr) == 16 &&
		       sizeof(struct lt_ext) == 512 && OFF(lt_tls, ext_bias) == 96 && OFF(lt_thread, sdepth) == 0x118 &&
		       OFF(lt_thread, shadow) == 0x1d8 && LT_SHADOW_DEPTH == 64 && sizeof(struct lt_shadow) == 64 &&
		       OFF(lt_shadow, ret) == 0 && OFF(lt_shadow, sp) == 8 && OFF(lt_shadow, slot) == 16 &&
		       OFF(lt_shadow, ext) == 40 && OFF(lt_shadow, first) == 48 && OFF(lt_slot, rl_count) == 48 &&
		       OFF(lt_slot, rl_every) == 52 && OFF(lt_ext, rl_action) == 0x1b4 && OFF(lt_ext, rl_kept) == 0x1c8 &&
		       OFF(lt_ext, rl_left) == 0x1b0 && OFF(lt_ext, rl_end) == 0x1b8,
	       "table, thread and shadow-stack offsets in entry_x86_64.S");
_Static_assert(LT_SA_SAMPLE == 0 && LT_SA_DROP == 1 && LT_SA_TIME == 2 && (LT_SA_KEEP | LT_SA_RULED) == 35 &&
		       (LT_SA_KEEP | LT_SA_RULED | LT_SA_LIMIT) == 99,
	       "actions in entry_x86_64.S");
_Static_assert(OFF(lt_desc, fast) < 128, "a hook stub's jmp has an 8-bit displacement");

/* Fibonacci hashing: the top bits of the product depend on every input bit,
 * so call sites a few bytes apart still spread over the table. */
uint64_t lt_key_hash(uint64_t ret, uint64_t name, uint64_t meta)
{
	return ((ret ^ (name << 16)) + meta) * 0x9e3779b97f4a7c15ull;
}

static inline struct lt_ret ret2(uint64_t action, uint64_t value)
{
	struct lt_ret r = { action, value };
	return r;
}

/* Random interval in [1, 2N-1] (mean N): a fixed stride could alias with a
 * loop that makes the same number of calls per iteration. */
static int64_t interval(uint64_t n)
{
	uint64_t x = lt_tls.rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	lt_tls.rng = x;
	return n <= 1 ? 1 : (int64_t)(1 + x % (2 * n - 1));
}

static int64_t time_interval(void)
{
	return lt_cfg.time_mode == 1 /* LTX_TIME_SAMPLE */ ? interval(lt_cfg.sample_every) : INT64_MAX;
}

int64_t lt_stack_interval(void)
{
	return lt_cfg.stack_depth ? interval(lt_cfg.stack_every) : INT64_MAX;
}

/* SAMPLE keys share one countdown to whichever comes first, the next timed
 * call or the next stack: with stacks off the count path is what it was. */
static void arm(void)
{
	int64_t m = lt_tls.time_left < lt_tls.stack_left ? lt_tls.time_left : lt_tls.stack_left;
	lt_tls.armed = m;
	lt_tls.countdown = m;
}

void lt_rearm(void)
{
	lt_tls.time_left = time_interval();
	lt_tls.stack_left = lt_stack_interval();
	lt_tls.stack_cd = lt_stack_interval();
	arm();
}

/* Start timing: the caller's return address moves to the shadow stack
 * while the real function runs (the trampoline calls it in its place). */
static inline struct lt_ret time_start(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	struct lt_thread *th = lt_tls.thr;
	uint64_t sp = (uint64_t)&f->ret;
	uint32_t n = th->sdepth;
	/* An entry for the same stack slot is dead: its call was left by longjmp. */
	while (n && th->shadow[n - 1].sp == sp)
		n--;
	if (unlikely(n >= LT_SHADOW_DEPTH)) {
		lt_inc(&th->untimed_full, 1);
		return ret2(LT_PASS, (uint64_t)d->real);
	}
	/* Reserve the entry before filling it: a signal handler that logs in
	 * between then takes the next one. */
	th->sdepth = n + 1;
	lt_barrier();
	struct lt_shadow *e = &th->shadow[n];
	e->ret = f->ret;
	e->sp = sp;
	e->slot = s;
	e->ext = lt_ext_of(lt_tls.table, s);
	e->first = 0;
	e->target = (uint64_t)d->real;
	/* The trampoline reads the clock into e->t0 just before the call, and
	 * again just after it returns: the window holds as little shim as it can. */
	return ret2(LT_TIME, (uint64_t)e);
}

/* For the stack path, which times the call after taking its stack. */
struct lt_ret lt_time_start(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	return time_start(f, d, s);
}

_Static_assert(__builtin_offsetof(struct lt_shadow, t0) == LT_SHADOW_T0, "trampoline offset");
_Static_assert(LT_TAIL_SHIFT == LTX_TAIL_SHIFT, "tail threshold");
_Static_assert(__builtin_offsetof(struct lt_shadow, target) == LT_SHADOW_TARGET, "trampoline offset");
_Static_assert(__builtin_offsetof(struct lt_shadow, rbx) == LT_SHADOW_RBX, "trampoline offset");

/* The SAMPLE countdown ran out: time this call, take its stack, or both. */
static struct lt_ret sample_fire(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	int64_t tl = lt_tls.time_left - lt_tls.armed, sl = lt_tls.stack_left - lt_tls.armed;
	int do_time = tl <= 0, do_stack = sl <= 0;
	if (do_time)
		tl = time_interval();
	if (do_stack)
		sl = lt_stack_interval();
	lt_tls.time_left = tl;
	lt_tls.stack_left = sl;
	arm();
	if (unlikely(do_stack))
		return ret2(LT_STACK, (uint64_t)d | (uint64_t)do_time);
	if (do_time)
		return time_start(f, d, s);
	return ret2(LT_PASS, (uint64_t)d->real);
}

/* The rest, once mode flags are dealt with. */
static inline __attribute__((always_inline)) struct lt_ret act_plain(struct lt_frame *f, struct lt_desc *d,
								     struct lt_slot *s, uint32_t a)
{
	uint32_t base = a & LT_SA_BASE;
	if ((a & LT_SA_STACKED) && --lt_tls.stack_cd <= 0) {
		lt_tls.stack_cd = lt_stack_interval();
		return ret2(LT_STACK, (uint64_t)d | (base == LT_SA_TIME));
	}
	switch (base) {
	case LT_SA_SAMPLE: /* the countdown ran out */
		return sample_fire(f, d, s);
	case LT_SA_DROP:
		return ret2(LT_DROP, d->drop_value);
	case LT_SA_KEEP: /* also an inner call (LT_SA_INNER, no other flag) */
		return ret2(LT_PASS, (uint64_t)d->real);
	default:
		return time_start(f, d, s);
	}
}

/* Trace mode: a call that is not timed is recorded now. */
static __attribute__((noinline)) struct lt_ret act_traced(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s,
							  uint32_t a)
{
	uint32_t base = a & LT_SA_BASE;
	struct lt_trace *tr = lt_tls.thr ? lt_tls.thr->trace : NULL;
	if (tr)
		lt_trace_put(tr, lt_rdtsc(), 0, lt_ext_of(lt_tls.table, s)->keyno, 0 /* LTX_TEV_CALL */,
			     base == LT_SA_DROP ? 3 /* DROPPED | UNTIMED */ : 2 /* UNTIMED */);
	return act_plain(f, d, s, a);
}

static struct lt_ret ruled_limit(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s, uint32_t a, uint64_t now);
static struct lt_ret act_traced(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s, uint32_t a);
static inline struct lt_ret act_plain(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s, uint32_t a);
static struct lt_ret ruled_kept(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s);
static struct lt_ret ruled_drop_traced(struct lt_desc *d, struct lt_slot *s);

/* A key under a limit or sample rule: its state for this thread decides
 * (the slot's rl_state, then its lt_ext; written by this thread alone).
 * Inline, and with no call on the way to a dropped call's return: a kept
 * call, a limit key still keeping or whose window is over, and trace mode
 * are tail calls. */
static inline __attribute__((always_inline)) struct lt_ret act_ruled(struct lt_frame *f, struct lt_desc *d,
								     struct lt_slot *s, uint32_t a)
{
	if (a & LT_SA_LIMIT) {
		/* the window's N are kept: every call is dropped until it ends */
		uint64_t now = lt_rdtsc();
		if (likely(now < s->rl_state))
			goto drop;
		return ruled_limit(f, d, s, a, now);
	}
	/* sample: the 1st, (N+1)th, (2N+1)th ... call */
	if (--s->rl_count)
		goto drop;
	return ruled_kept(f, d, s);
drop:
	if (unlikely(a & LT_SA_TRACED))
		return ruled_drop_traced(d, s);
	return ret2(LT_DROP, d->drop_value);
}

/* Everything but the common cases: kept-and-untimed, dropped. Keys carry
 * mode flags (LT_SA_STACKED, LT_SA_TRACED) only when stacks or trace are on;
 * a key under a limit or sample rule (LT_SA_RULED) is tested with TRACED,
 * before anything that needs a stack frame, so the other paths take no
 * instruction more and a ruled call few. */
static inline __attribute__((always_inline)) struct lt_ret act_as(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s, uint32_t a)
{
	if (likely(a == LT_SA_TIME))
		return time_start(f, d, s);
	if (unlikely(a & (LT_SA_TRACED | LT_SA_RULED))) {
		if (a & LT_SA_RULED)
			return act_ruled(f, d, s, a);
		return act_traced(f, d, s, a);
	}
	if (a == LT_SA_SAMPLE) /* the countdown ran out */
		return sample_fire(f, d, s);
	return act_plain(f, d, s, a);
}

static __attribute__((noinline)) struct lt_ret act_rare(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	return act_as(f, d, s, s->action);
}

/* A kept call of a ruled key goes on as the key would without the rule:
 * counted, sampled, timed. */
static inline __attribute__((always_inline)) struct lt_ret ruled_kept_x(struct lt_frame *f, struct lt_desc *d,
									 struct lt_slot *s, struct lt_ext *x)
{
	lt_inc(&x->rl_kept, 1);
	if (!(s->action & LT_SA_LIMIT))
		s->rl_count = s->rl_every;
	uint32_t a = x->rl_action & ~(uint32_t)LT_SA_RULED; /* (never set there: no recursion) */
	if (likely(a == LT_SA_SAMPLE)) {
		if (likely(--lt_tls.countdown > 0))
			return ret2(LT_PASS, (uint64_t)d->real);
		return sample_fire(f, d, s);
	}
	return act_as(f, d, s, a);
}

static __attribute__((noinline)) struct lt_ret ruled_kept(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	return ruled_kept_x(f, d, s, lt_ext_of(lt_tls.table, s));
}

static __attribute__((noinline)) struct lt_ret ruled_drop_traced(struct lt_desc *d, struct lt_slot *s)
{
	struct lt_trace *tr = lt_tls.thr ? lt_tls.thr->trace : NULL;
	if (tr)
		lt_trace_put(tr, lt_rdtsc(), 0, lt_ext_of(lt_tls.table, s)->keyno, 0 /* LTX_TEV_CALL */,
			     3 /* DROPPED | UNTIMED */);
	return ret2(LT_DROP, d->drop_value);
}

/* limit, out of the inline path: the window still keeps, or it is over.
 * Windows are whole seconds (minutes) of CLOCK_MONOTONIC, in ticks of the
 * latest fit (rules.c); the division is paid once per window (win is
 * never 0). When the window's N are kept, rl_state holds its end. */
static __attribute__((noinline)) struct lt_ret ruled_limit(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s,
							   uint32_t a, uint64_t now)
{
	struct lt_ext *x = lt_ext_of(lt_tls.table, s);
	if (now >= x->rl_end) {
		const struct lt_clockfit *c = lt_clockfit;
		uint64_t win = c->tps * x->rl_per | 1, base = x->rl_per == 60 ? c->base60 : c->base1;
		x->rl_end = now < base ? base : base + ((now - base) / win + 1) * win;
		x->rl_left = x->rl_n;
	}
	if (!x->rl_left) {
		s->rl_state = x->rl_end;
		if (unlikely(a & LT_SA_TRACED))
			return ruled_drop_traced(d, s);
		return ret2(LT_DROP, d->drop_value);
	}
	if (!--x->rl_left)
		s->rl_state = x->rl_end;
	return ruled_kept_x(f, d, s, x);
}


static inline struct lt_ret act(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	lt_inc(&s->calls, 1);
#ifdef LT_DELIBERATE_SLOWDOWN
	/* Only in the build tests/e2e/t-instruction-budget.sh makes to prove
	 * that the CI guard catches a slower hot path. */
	for (volatile int k = 0; k < LT_DELIBERATE_SLOWDOWN; k++)
		;
#endif
	uint32_t a = s->action;
	if (likely(a == LT_SA_SAMPLE)) {
		if (likely(--lt_tls.countdown > 0))
			return ret2(LT_PASS, (uint64_t)d->real);
	} else if (a == LT_SA_DROP) {
		return ret2(LT_DROP, d->drop_value);
	}
	return act_rare(f, d, s);
}

/* A count path found the key and counted the call; the low bits of sc say
 * what it did beyond that (entry_x86_64.S): 0 nothing more (a SAMPLE key
 * whose countdown ran out, or an action it leaves to C); 2 a limit rule's
 * window is over (or has no call left); a sample or limit rule kept the
 * call and counted it, and 3 the key's own action is not SAMPLE, 4 it is
 * and its countdown ran out. */
static inline __attribute__((always_inline)) struct lt_ret rare(struct lt_frame *f, struct lt_desc *d, uint64_t sc)
{
	struct lt_slot *s = (struct lt_slot *)(sc & ~(uint64_t)63);
	switch (sc & 63) {
	case 2:
		return ruled_limit(f, d, s, s->action, lt_rdtsc());
	case 3:
		return act_as(f, d, s, lt_ext_of(lt_tls.table, s)->rl_action);
	case 4:
		return sample_fire(f, d, s);
	default:
		return act_as(f, d, s, s->action);
	}
}

/* The count path raised lt_tls.counting: this ends its hold on the slot. */
LT_DIRECT_ONLY struct lt_ret lt_hook_rare(struct lt_frame *f, struct lt_desc *d, uint64_t sc)
{
	struct lt_ret r = rare(f, d, sc);
	lt_barrier();
	lt_tls.counting--;
	return r;
}

/* For the slow path, once it has found or made the slot. */
struct lt_ret lt_hook_act(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	return act(f, d, s);
}

/* The rest of a probe sequence (the first slot was taken by another key). */
static __attribute__((noinline)) struct lt_ret probe_on(struct lt_frame *f, struct lt_desc *d, struct lt_table *t,
							uint64_t i, uint64_t name, uint64_t meta)
{
	uint64_t ret = f->ret;
	for (;;) {
		struct lt_slot *s = &t->slots[++i & t->mask];
		if (s->ret == ret && s->name == name && s->meta == meta)
			return act(f, d, s);
		if (s->ret == 0)
			return ret2(LT_SLOW, (uint64_t)d);
	}
}

static inline __attribute__((always_inline)) struct lt_ret enter(struct lt_frame *f, struct lt_desc *d)
{
	struct lt_table *t = lt_tls.table;
	if (unlikely(!t))
		return ret2(LT_SLOW, (uint64_t)d);
	uint64_t name = LT_KEY_NAME(f, d);
	uint64_t meta = LT_KEY_META(f, d, lt_gen_key);
	uint64_t i = lt_key_hash(f->ret, name, meta) >> 32;
	struct lt_slot *s = &t->slots[i & t->mask];
	if (likely(s->ret == f->ret && s->name == name && s->meta == meta))
		return act(f, d, s);
	if (s->ret == 0)
		return ret2(LT_SLOW, (uint64_t)d);
	return probe_on(f, d, t, i, name, meta);
}

/* CALL with the thread's table held, as a count path holds it while it
 * holds a slot (lt_tls.counting): a signal handler does not grow it. */
#define HOLDING(call)                                 \
	({                                            \
		lt_tls.counting++;                    \
		lt_barrier();                         \
		__typeof__(call) held_ = (call);      \
		lt_barrier();                         \
		lt_tls.counting--;                    \
		held_;                                \
	})

LT_DIRECT_ONLY struct lt_ret lt_hook_enter(struct lt_frame *f, struct lt_desc *d)
{
	return HOLDING(enter(f, d));
}

/* The key's slot in t, or NULL (the stack path looks its key up again). */
struct lt_slot *lt_find_slot(const struct lt_table *t, const struct lt_frame *f, const struct lt_desc *d)
{
	if (!d->prepared)
		return NULL;
	uint64_t name = LT_KEY_NAME(f, d);
	uint64_t meta = LT_KEY_META(f, d, lt_gen_key);
	for (uint64_t i = lt_key_hash(f->ret, name, meta) >> 32;; i++) {
		const struct lt_slot *s = &t->slots[i & t->mask];
		if (s->ret == f->ret && s->name == name && s->meta == meta)
			return (struct lt_slot *)s;
		if (s->ret == 0)
			return NULL;
	}
}

/* The real function of a timed call returned at t1: account for it and give
 * the trampoline the caller's return address and rbx. e is the call's
 * shadow entry (the trampoline kept it in rbx); entries above it belong to
 * calls left by longjmp, and go with it. */
static inline __attribute__((always_inline)) struct lt_exit hook_exit(struct lt_shadow *e, uint64_t t1)
{
	struct lt_thread *th = lt_tls.thr;
	struct lt_exit out = { e->ret, e->rbx };
	uint64_t t0 = e->t0;
	struct lt_slot *s = e->slot;
	struct lt_ext *x = e->ext;
	uint32_t first = e->first;
	/* Everything is read before the entry is freed: a signal handler that
	 * logs after that may take it. */
	lt_barrier();
	th->sdepth = (uint32_t)(e - th->shadow);
	uint64_t w = t1 - t0;
	lt_inc(&s->timed, 1);
	lt_inc(&s->ticks, w);
	/* Histogram bucket: floor(log2(w)), 0 for w < 2; the last one is open.
	 * Its address depends on the clock, which is slow to read: a store to
	 * it would hold up the loads after it (the trampoline's pops and ret)
	 * by about 5 ns. So the key's previous bucket, whose address comes from
	 * memory, is counted first, and moved in the rare case the branch says
	 * this call fell elsewhere. The remembered bucket follows only a run of
	 * such calls, not a lone outlier. */
	uint32_t last = x->last_bucket;
	lt_inc(&x->hist[last], 1);
	uint32_t b = 63 - (uint32_t)__builtin_clzll(w | 1);
	b = b < LT_HIST_BUCKETS - 1 ? b : LT_HIST_BUCKETS - 1;
	if (unlikely(b != last)) {
		lt_inc(&x->hist[last], (uint64_t)-1);
		lt_inc(&x->hist[b], 1);
		if (++x->misses >= 4) {
			x->last_bucket = b;
			x->misses = 0;
		}
	} else {
		x->misses = 0;
	}
	if (unlikely(first)) {
		x->first_ticks = w;
		x->has_first = 1;
	}
	if (unlikely(w >> LT_TAIL_SHIFT)) {
		lt_inc(&x->tail_timed, 1);
		lt_inc(&x->tail_ticks, w);
	}
	struct lt_trace *tr = th->trace;
	if (unlikely(tr != NULL))
		lt_trace_put(tr, t0, w, x->keyno, 0 /* LTX_TEV_CALL */, 0);
	return out;
}

/* Once the entry is freed a grown table would no longer move its slot. */
LT_DIRECT_ONLY struct lt_exit lt_hook_exit(struct lt_shadow *e, uint64_t t1)
{
	return HOLDING(hook_exit(e, t1));
}
