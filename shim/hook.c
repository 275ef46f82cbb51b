/* The hot path: runs on every intercepted call. Built with
 * -mgeneral-regs-only and calls nothing outside this file, so the vector
 * registers that carry a variadic call's floating-point arguments reach the
 * real function untouched (tests/t-hook-object.sh checks the object code).
 * No locks, no atomics, no allocation: a key already seen costs a hash, a
 * probe and an increment. Anything else returns LT_SLOW. */
#include "lt.h"

__thread struct lt_tls lt_tls LT_TLS = { 0 };

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
void lt_rearm(void)
{
	if (lt_cfg.time_mode != 1 /* LTX_TIME_SAMPLE */) {
		lt_tls.countdown = INT64_MAX;
		return;
	}
	uint64_t x = lt_tls.rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	lt_tls.rng = x;
	uint64_t n = lt_cfg.sample_every;
	lt_tls.countdown = n <= 1 ? 1 : (int64_t)(1 + x % (2 * n - 1));
}

/* Start timing: the caller's return address moves to the shadow stack
 * while the real function runs (the trampoline calls it in its place). */
static struct lt_ret time_start(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
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
	e->target = (uint64_t)d->real;
	/* The trampoline reads the clock into e->t0 just before the call, and
	 * again just after it returns: the window holds as little shim as it can. */
	return ret2(LT_TIME, (uint64_t)e);
}

_Static_assert(__builtin_offsetof(struct lt_shadow, t0) == LT_SHADOW_T0, "trampoline offset");
_Static_assert(__builtin_offsetof(struct lt_shadow, target) == LT_SHADOW_TARGET, "trampoline offset");

/* Everything but the common cases: kept-and-untimed, dropped. */
static __attribute__((noinline)) struct lt_ret act_rare(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	switch (s->action) {
	case LT_SA_SAMPLE: /* the countdown ran out: time this one */
		lt_rearm();
		return time_start(f, d, s);
	case LT_SA_DROP:
		return ret2(LT_DROP, d->drop_value);
	case LT_SA_KEEP:
	case LT_SA_INNER:
		return ret2(LT_PASS, (uint64_t)d->real);
	default:
		return time_start(f, d, s);
	}
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

struct lt_ret lt_hook_enter(struct lt_frame *f, struct lt_desc *d)
{
	struct lt_table *t = lt_tls.table;
	if (unlikely(!t))
		return ret2(LT_SLOW, (uint64_t)d);
	uint64_t name = LT_KEY_NAME(f, d);
	uint64_t meta = LT_KEY_META(f, d, lt_gen);
	uint64_t i = lt_key_hash(f->ret, name, meta) >> 32;
	struct lt_slot *s = &t->slots[i & t->mask];
	if (likely(s->ret == f->ret && s->name == name && s->meta == meta))
		return act(f, d, s);
	if (s->ret == 0)
		return ret2(LT_SLOW, (uint64_t)d);
	return probe_on(f, d, t, i, name, meta);
}

/* The real function of a timed call returned at t1: account for it and give
 * the trampoline the caller's return address. sp is where that address was. */
uint64_t lt_hook_exit(uint64_t sp, uint64_t t1)
{
	struct lt_thread *th = lt_tls.thr;
	uint32_t n = th->sdepth;
	/* Entries above ours belong to calls left by longjmp: drop them. */
	while (n && th->shadow[n - 1].sp != sp)
		n--;
	if (unlikely(n == 0))
		__builtin_trap(); /* cannot happen: every LT_TIME pushed an entry */
	struct lt_shadow *e = &th->shadow[n - 1];
	uint64_t ret = e->ret, t0 = e->t0;
	struct lt_slot *s = e->slot;
	lt_barrier();
	th->sdepth = n - 1;
	lt_inc(&s->timed, 1);
	lt_inc(&s->ticks, t1 - t0);
	return ret;
}
