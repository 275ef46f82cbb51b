/* The slow path: the first call of a key in a thread (or of a thread).
 * Reached from the trampoline with the vector registers saved, so it may
 * call libc. It still takes no lock a signal handler could want again:
 * a call that re-enters it (a handler interrupting it) is counted without
 * a key instead (thread.reentered) and passed on. */
#include "lt.h"
#include "slowpath.h"
#include "lifecycle.h"
#include "base.h"
#include "desc.h"
#include "entries.h"
#include "families.h"
#include "fields.h"
#include "hotpath.h"
#include "init.h"
#include "modules.h"
#include "rules.h"
#include "clockfit.h"
#include "service.h"
#include "stacks.h"
#include "state.h"
#include "symbols.h"
#include "dlclose.h"
#include "threads.h"
#include "../common/ltx_format.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* The decision for a new key, made once: what its family allows (an inner
 * call is only passed on; a call that may abort is neither dropped nor
 * timed), the rules of the key's generation (a dropped call is never
 * timed), then the time mode; then the flags of the modes on (stacks,
 * trace). */
static uint32_t decide(const struct lt_desc *d, const char *name, int32_t level, uint64_t ret, uint32_t gen,
		       uint32_t allows, struct lt_ext *x)
{
	if (d->family == LTX_FAM_CALIB)
		return level == 1 ? LT_SA_DROP : level == 2 ? LT_SA_TIME : LT_SA_SAMPLE;
	if (allows & LT_KEY_INNER)
		return LT_SA_KEEP | LT_SA_INNER; /* not written: no stacks, no trace events */
	struct lt_pick pick = { LTX_ACT_KEEP, 0, 0, 0 };
	if (allows & LT_ALLOW_DROP)
		lt_rules_decide(d, name, level, ret, gen, &pick);
	x->rule = pick.rule;
	x->rule_act = (uint16_t)pick.action;
	uint32_t a;
	if (pick.action == LTX_ACT_DROP)
		a = LT_SA_DROP;
	else if (!(allows & LT_ALLOW_TIME))
		a = LT_SA_KEEP;
	else
		a = lt_cfg.time_mode == LTX_TIME_ALL ? LT_SA_TIME : LT_SA_SAMPLE;
	a = lt_sa_with_modes(a);
	if ((pick.action == LTX_ACT_LIMIT && lt_clockfit_update() == 0) || pick.action == LTX_ACT_SAMPLE) {
		/* Each call goes through the rule first; a kept one then does
		 * what a key without it would (x->rl_action). The window starts
		 * at the first call (rl_end 0). */
		x->rl_n = pick.n;
		x->rl_per = (uint16_t)(pick.action == LTX_ACT_LIMIT ? pick.per : 0);
		x->rl_left = 0;
		x->rl_end = 0;
		x->rl_action = a;
		a = LT_SA_KEEP | LT_SA_RULED | (lt_cfg.trace_events ? LT_SA_TRACED : 0) |
		    (pick.action == LTX_ACT_LIMIT ? LT_SA_LIMIT : 0);
	}
	return a;
}

static struct lt_ret pass_or_drop(struct lt_desc *d)
{
	struct lt_ret r = { d->real ? LT_PASS : LT_DROP, d->real ? (uint64_t)d->real : d->drop_value };
	return r;
}

/* Not attached: the function itself (found now if need be), else the
 * family's "nothing logged" value. */
static struct lt_ret passed_on(struct lt_desc *d)
{
	void *real = __atomic_load_n(&d->real, __ATOMIC_ACQUIRE);
	if (!real || lt_is_gone_stub(real))
		real = lt_find_real(d->symbol);
	struct lt_ret r = { real ? LT_PASS : LT_DROP, real ? (uint64_t)real : d->drop_value };
	return r;
}

/* A call counted without a key (in its thread's `reentered`, or with no
 * thread state in the process's late calls), and passed on. */
static struct lt_ret unkeyed(struct lt_thread *th, struct lt_desc *d)
{
	if (th)
		lt_inc(&th->reentered, 1);
	else
		__atomic_fetch_add(&lt_late_calls, 1, __ATOMIC_RELAXED);
	return pass_or_drop(d);
}

/* A key's first call: timed whatever the sampling says (when the key may be
 * timed at all), so that a key too rare to be sampled still has one
 * measured call; the analyzer counts that window as itself. With stacks on,
 * its stack is taken too. */
static struct lt_ret act_first(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s)
{
	if (s->action & LT_SA_RULED) {
		/* A limit or sample rule keeps a key's first call: timed as any
		 * key's first call is, so that a key its rule keeps rarely still
		 * has a measured cost (what its dropped calls saved). */
		struct lt_ret r = lt_hook_act(f, d, s);
		uint32_t ka = lt_ext_of(lt_tls.table, s)->rl_action;
		if (lt_cfg.time_mode != LTX_TIME_OFF && (ka == LT_SA_SAMPLE || ka == LT_SA_TIME)) {
			if (r.action == LT_PASS)
				r = lt_time_start(f, d, s);
			if (r.action == LT_TIME)
				((struct lt_shadow *)r.value)->first = 1;
		}
		return r;
	}
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
		r = unkeyed(lt_tls.thr, d);
		errno = saved_errno;
		return r;
	}
	lt_tls.busy = 1;
	if (lt_state == 0 && lt_mode != LT_MODE_ATTACHED)
		lt_init(); /* another library's constructor logged before ours ran */
	if (unlikely(!lt_counting()) && !(d->family == LTX_FAM_CALIB && lt_live())) {
		/* dormant (loaded, never attached), detached, or attached but not
		 * set up yet: the call goes on, uncounted, to the function itself.
		 * (Not the calibration's calls, made while an attach sets up: on
		 * this path, uncounted, they measured it, 20 times a count.) */
		r = passed_on(d);
		lt_tls.busy = 0;
		errno = saved_errno;
		return r;
	}
	if (unlikely(!lt_own_process())) {
		/* A vfork child (undefined behaviour in C, but it happens): its
		 * memory is its parent's, so the call is counted there, without a
		 * key, and nothing is set up here. */
		r = unkeyed(lt_tls.thr, d);
		lt_tls.busy = 0;
		errno = saved_errno;
		return r;
	}
	if (!__atomic_load_n(&d->prepared, __ATOMIC_ACQUIRE))
		lt_desc_prepare(d);
	if (!d->real) {
		/* Not found at start-up (its library came later, with dlopen). Every
		 * thread that gets here looks for itself: none may pass on a NULL. */
		void *real = lt_find_real(d->symbol), *none = NULL;
		/* only over NULL: an entry patched meanwhile set its copy */
		if (real)
			__atomic_compare_exchange_n(&d->real, &none, real, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
		else if (!__atomic_exchange_n(&d->resolved, 1, __ATOMIC_RELAXED))
			lt_warn("cannot find the real function, its calls are dropped", d->symbol);
	}
	struct lt_thread *th = lt_thread_self();
	if (!th || !d->real) {
		r = unkeyed(th, d);
		lt_tls.busy = 0;
		errno = saved_errno;
		return r;
	}

	/* After a fork the hot path was sent here once (see lt_forked_child). */
	if (!lt_tls.table)
		lt_tls_set_table(th->table);
	if (d->family != LTX_FAM_CALIB)
		lt_svc_on_call();

	/* The generation, then its rule set (published before it): a key is
	 * decided under the rules of the generation it carries. The key as the
	 * hot path computes it; the level as the call gave it (a syslog key's
	 * meta also holds its ident's number). */
	uint64_t name = LT_KEY_NAME(f, d);
	uint64_t meta = LT_KEY_META(f, d, __atomic_load_n(&lt_gen_key, __ATOMIC_ACQUIRE));
	uint32_t gen = LT_META_GEN(meta);
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
		/* Not while a call this handler interrupted holds a slot: it
		 * grows on the next new key, and till then a quarter is free. */
		if ((t->used + 1) * 2 > t->mask + 1 && !lt_tls.counting) {
			struct lt_table *g = lt_table_grow(th, t);
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
		/* The call site the call names itself (virLogMessage's funcname,
		 * filename, linenr...): once per key, here. */
		struct lt_site_buf site;
		if (d->site_kind != LT_SITE_NONE)
			lt_site_read(f, d, &site);
		s->name_at = lt_keep_name(th, nm, flags, shown, __atomic_load_n(&lt_unloads, __ATOMIC_ACQUIRE),
					  d->site_kind != LT_SITE_NONE ? &site.ref : NULL);
		s->name = name;
		s->meta = meta;
		s->fmt = d->fmt_arg != LT_ARG_NONE ? lt_arg(f, d->fmt_arg) : 0;
		s->action = decide(d, nm, shown, ret, gen, allows, lt_ext_of(t, s));
		if (s->action & LT_SA_RULED) {
			/* the rule's state takes fmt's place in the slot */
			lt_ext_of(t, s)->rl_fmt = s->fmt;
			if (s->action & LT_SA_LIMIT) {
				s->rl_state = 0;
			} else {
				s->rl_count = 1;
				s->rl_every = lt_ext_of(t, s)->rl_n;
			}
		}
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
