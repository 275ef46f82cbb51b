/* Sampled call stacks (LOGTAX_STACKS=DEPTH[:N]). For 1 call in N the hook
 * answers LT_STACK; the trampoline saves the vector registers and calls
 * lt_stack_path, which unwinds with libunwind's unw_backtrace (through the
 * trampoline's CFI: its frames and ours are dropped, so a stack starts at
 * the logging function's caller), interns the stack in the thread's bounded
 * table and counts it for the key, then goes on as the hook would have.
 *
 * libunwind is opened with dlopen(RTLD_LOCAL) only when stacks are asked
 * for: otherwise the traced program's link map stays as it was, and its
 * _Unwind_* functions never shadow libgcc's for the program's exceptions.
 *
 * Re-entry: a signal handler that logs while this thread is inside a
 * capture (or the slow path, or the writer: lt_tls.busy) does not unwind;
 * its pick is counted as LTX_STACK_LOST_BUSY. libunwind blocks signals while
 * it holds its own locks and around dl_iterate_phdr. */
#include "lt.h"
#include "stacks.h"
#include "base.h"
#include "desc.h"
#include "hotpath.h"
#include "state.h"
#include "symbols.h"
#include "../common/ltx_format.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

_Static_assert(LT_STACK_DEPTH_MAX == LTX_STACK_MAX_DEPTH, "depth limits agree");
_Static_assert(LT_STACKS_MAX < 65536 && LT_STACK_HASH >= 2 * LT_STACKS_MAX, "stack index");
_Static_assert((LT_PAIRS_CAP & (LT_PAIRS_CAP - 1)) == 0 && LT_PAIRS_MAX < LT_PAIRS_CAP, "pair table");

static int (*unw_bt)(void **buf, int size);

int lt_stacks_load(void)
{
	static const char *const libs[] = { "libunwind.so.8", "libunwind.so" };
	void *fn = NULL;
	for (unsigned i = 0; i < sizeof libs / sizeof libs[0] && !fn; i++) {
		/* the real dlopen: ours would patch libunwind's GOT for hooks */
		void *h = lt_real_dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
		if (h && !(fn = dlsym(h, "unw_backtrace")))
			lt_real_dlclose(h);
	}
	dlerror(); /* a failed try must not be what the program's dlerror() reports */
	if (!fn)
		return -1;
	unw_bt = (int (*)(void **, int))fn;
	/* libunwind sets itself up on first use (and maps its caches): do that
	 * here, at start-up, rather than first inside a signal handler. */
	void *warm[4];
	unw_bt(warm, 4);
	return 0;
}

void lt_stacks_reset(struct lt_stacks *st)
{
	if (st)
		memset(st, 0, offsetof(struct lt_stacks, frames));
}

static uint64_t hash_frames(const uint64_t *fr, uint32_t n, uint32_t flags)
{
	uint64_t h = 0xcbf29ce484222325ull ^ ((uint64_t)n << 8 | flags);
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ fr[i]) * 0x100000001b3ull;
	return h ^ h >> 29;
}

/* The stack's id in the thread's table, added if new; -1 if full. */
static int intern(struct lt_stacks *st, const uint64_t *fr, uint32_t n, uint32_t flags)
{
	uint64_t h = hash_frames(fr, n, flags);
	uint32_t i = (uint32_t)h & (LT_STACK_HASH - 1);
	for (;; i = (i + 1) & (LT_STACK_HASH - 1)) {
		uint32_t e = st->index[i];
		if (!e)
			break;
		const struct lt_stack_ent *se = &st->st[e - 1];
		if (se->hash == h && se->n == n && se->flags == flags && !memcmp(&st->frames[se->at], fr, n * sizeof *fr))
			return (int)e - 1;
	}
	if (st->nstacks >= LT_STACKS_MAX || st->nframes + n > LT_FRAMES_MAX)
		return -1;
	uint32_t id = st->nstacks;
	struct lt_stack_ent *se = &st->st[id];
	se->hash = h;
	se->at = st->nframes;
	se->n = (uint16_t)n;
	se->flags = (uint16_t)flags;
	memcpy(&st->frames[st->nframes], fr, n * sizeof *fr);
	st->nframes += n;
	st->index[i] = (uint16_t)(id + 1);
	lt_barrier();
	st->nstacks = id + 1; /* publish: the writer reads st[0, nstacks) */
	return (int)id;
}

/* The (key, stack) counter, added if new; NULL if the table is full. */
static struct lt_pair *pair_of(struct lt_stacks *st, uint32_t keyno, uint32_t id)
{
	uint64_t h = ((uint64_t)keyno << 32 | id) * 0x9e3779b97f4a7c15ull;
	uint32_t i = (uint32_t)(h >> 52) & (LT_PAIRS_CAP - 1);
	struct lt_pair *p;
	for (;; i = (i + 1) & (LT_PAIRS_CAP - 1)) {
		p = &st->pairs[i];
		if (!p->stack1)
			break;
		if (p->keyno == keyno && p->stack1 == id + 1)
			return p;
	}
	if (st->npairs >= LT_PAIRS_MAX)
		return NULL;
	p->keyno = keyno;
	lt_barrier();
	p->stack1 = id + 1;
	st->npairs++;
	return p;
}

/* Unwinds, keeps the stack from the caller of the logging function on, and
 * counts it for the key (or counts why it could not be kept). */
static void capture(struct lt_thread *th, const struct lt_frame *f, struct lt_ext *x)
{
	uint64_t t0 = lt_rdtsc();
	int why = LT_LOST_FULL;
	struct lt_stacks *st = th->stacks;
	if (!st) {
		st = lt_map(sizeof *st);
		lt_barrier();
		th->stacks = st;
	}
	if (st) {
		uint32_t depth = lt_cfg.stack_depth;
		int n = unw_bt((void **)st->scratch, (int)(depth + LT_STACK_SKIP_MAX + 1));
		int i = 0;
		while (i < n && i <= LT_STACK_SKIP_MAX && st->scratch[i] != f->ret)
			i++;
		if (i >= n || i > LT_STACK_SKIP_MAX) {
			why = LT_LOST_FAILED;
		} else {
			uint32_t nf = (uint32_t)(n - i), flags = 0;
			if (nf > depth) {
				nf = depth;
				flags = LTX_STACK_TRUNCATED;
			}
			int id = intern(st, &st->scratch[i], nf, flags);
			struct lt_pair *p = id < 0 ? NULL : pair_of(st, x->keyno, (uint32_t)id);
			if (p) {
				p->count++;
				p->ticks += lt_rdtsc() - t0;
				return;
			}
		}
	}
	lt_inc(&x->stack_lost[why], 1);
	lt_inc(&x->stack_lost_ticks[why], lt_rdtsc() - t0);
}

struct lt_ret lt_stack_path(struct lt_frame *f, uint64_t value)
{
	int saved_errno = errno;
	struct lt_desc *d = (struct lt_desc *)(value & ~(uint64_t)7);
	struct lt_ret r = { d->real ? LT_PASS : LT_DROP, d->real ? (uint64_t)d->real : d->drop_value };
	/* The hook found the key in this table; a signal handler may have grown
	 * it since (the key moved with it): look it up again. */
	struct lt_table *t = lt_tls.table;
	struct lt_slot *s = t ? lt_find_slot(t, f, d) : NULL;
	if (unlikely(!s || !lt_tls.thr)) {
		errno = saved_errno;
		return r;
	}
	struct lt_ext *x = lt_ext_of(t, s);
	if (lt_tls.busy || !unw_bt) {
		lt_inc(&x->stack_lost[LT_LOST_BUSY], 1);
	} else {
		lt_tls.busy = 1; /* a handler that logs now counts, and does not unwind */
		capture(lt_tls.thr, f, x);
		lt_tls.busy = 0;
	}
	uint32_t base = s->action & LT_SA_BASE;
	if (base == LT_SA_DROP) {
		r.action = LT_DROP;
		r.value = d->drop_value;
	} else if ((value & 1) || base == LT_SA_TIME) {
		r = lt_time_start(f, d, s);
	}
	errno = saved_errno;
	return r;
}

/* For the exited threads' fold (thread_exit.c): src's stacks interned in dst,
 * its (key, stack) counts added under dst's key numbers. Runs under the
 * threads lock, on no thread's own table. */
void lt_stacks_merge(struct lt_stacks *dst, const struct lt_stacks *src, const uint32_t *keymap, uint32_t nmap,
		     void (*lost)(void *ctx, uint32_t keyno, uint64_t count, uint64_t ticks), void *ctx)
{
	for (uint32_t i = 0; i < LT_PAIRS_CAP; i++) {
		const struct lt_pair *p = &src->pairs[i];
		if (!p->stack1 || p->stack1 > src->nstacks || p->keyno >= nmap || keymap[p->keyno] == LT_NO_KEY ||
		    !p->count)
			continue;
		uint32_t keyno = keymap[p->keyno];
		const struct lt_stack_ent *se = &src->st[p->stack1 - 1];
		int id = intern(dst, &src->frames[se->at], se->n, se->flags);
		struct lt_pair *q = id < 0 ? NULL : pair_of(dst, keyno, (uint32_t)id);
		if (q) {
			q->count += p->count;
			q->ticks += p->ticks;
		} else {
			lost(ctx, p->keyno, p->count, p->ticks);
		}
	}
}
