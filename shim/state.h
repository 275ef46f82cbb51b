/* The per-thread state: a thread's keys (slots, their extras, the table),
 * its name arena, trace ring, shadow stack of timed calls, sampled stacks,
 * and the TLS block the hot path reads. Types only: threads.c makes and
 * grows them, hotpath.c counts into them, output.c reads them. */
#ifndef LT_STATE_H
#define LT_STATE_H

#include "lt.h"
#include "../common/ltx_format.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Actions stored in a slot (the rule decision, made once per key). */
enum lt_slot_action {
	LT_SA_SAMPLE = 0, /* keep; time it when the sampling countdown says so */
	LT_SA_DROP = 1,   /* drop */
	LT_SA_TIME = 2,   /* keep and time every call */
	LT_SA_KEEP = 3,   /* keep, never time (fatal levels: keep their stacks intact) */
	LT_SA_BASE = 3,   /* mask of the above; the flags below exist only when a
			   * mode that needs them is on, so the plain paths stay as fast */
	LT_SA_STACKED = 4, /* not SAMPLE, stacks on: its own stack countdown */
	LT_SA_TRACED = 8,  /* DROP or KEEP in trace mode: record an untimed event */
	LT_SA_INNER = 16,  /* with KEEP: pass, never time, not written (see
			    * LT_DESC_INNER_SELF); never with the mode flags */
	LT_SA_RULED = 32,  /* with KEEP (and TRACED in trace mode): a limit or
			    * sample rule decides each call (lt_slot.rl_state,
			    * lt_ext.rl_*); a kept one then goes as
			    * lt_ext.rl_action says */
	LT_SA_LIMIT = 64,  /* with RULED: the rule is a limit, not a sample */
};

/* One key's counters: one cache line. A slot is published by storing `ret`
 * last; until then other threads (the writer) ignore it. */
struct lt_slot {
	uint64_t ret;  /* calling address; 0 = empty */
	uint64_t name; /* name pointer (or the current syslog ident) */
	uint64_t meta; /* level (low 32) | entry id (8) << 32 | generation (24) << 40 */
	uint64_t calls;
	uint64_t timed;
	uint64_t ticks;
	union {
		uint64_t fmt;      /* first format pointer seen */
		/* LT_SA_RULED: the rule's state, read by the hot path without
		 * the key's lt_ext (its fmt is there, rl_fmt) */
		uint64_t rl_state; /* limit: the tick until which every call is dropped
				    * (the window's N are kept), 0 while it keeps */
		struct {
			uint32_t rl_count; /* sample: calls until the next kept one (1: this one) */
			uint32_t rl_every; /* sample: N, of 1 in N */
		};
	};
	uint32_t action;  /* enum lt_slot_action */
	uint32_t name_at; /* offset of the key's struct lt_name in the thread's name arena, +1 */
};

/* What the slow path learnt about a key, kept in the thread's name arena
 * (the slot is one cache line and full). */
struct lt_name {
	uint32_t flags;   /* LTX_KEY_* */
	int32_t level;    /* the level written to the data file */
	uint32_t unloads; /* lt_unloads at the key's first call (modules.c) */
	char name[];      /* NUL-terminated; empty with LTX_KEY_NO_NAME */
};

/* With LTX_KEY_SITE in its flags, a key's lt_name is followed (after the
 * name's NUL, 4-aligned) by the call site its first call named. */
struct lt_site_at {
	uint32_t line;
	uint32_t flags; /* LTX_SITE_* */
	uint16_t func_len, file_len;
	char s[]; /* func, NUL, file, NUL */
};

/* A call site as the slow path read it, or as folding copies it. */
struct lt_site_ref {
	const char *func, *file; /* NULL: not given */
	uint32_t line, flags;
};

static inline const struct lt_site_at *lt_name_site(const struct lt_name *ln)
{
	if (!ln || !(ln->flags & LTX_KEY_SITE))
		return (const struct lt_site_at *)0;
	size_t len = 0;
	while (ln->name[len])
		len++;
	return (const struct lt_site_at *)(const void *)((const char *)ln +
							 ((sizeof(struct lt_name) + len + 1 + 3) & ~(size_t)3));
}

/* What a key has beyond its slot, in an array parallel to the slots (same
 * index, allocated with the table, moved with it): the slot stays one cache
 * line, and only timed calls and stack captures touch this. */
#define LT_HIST_BUCKETS 40 /* = LTX_HIST_BUCKETS */
enum { LT_LOST_FULL, LT_LOST_BUSY, LT_LOST_FAILED, LT_LOST_N };
struct lt_ext {
	uint64_t hist[LT_HIST_BUCKETS]; /* timed windows: bucket floor(log2(ticks)), last one open */
	uint64_t stack_lost[LT_LOST_N]; /* calls picked for a stack that was not kept, by reason */
	uint64_t stack_lost_ticks[LT_LOST_N];
	uint64_t tail_timed; /* timed windows of 2^LT_TAIL_SHIFT ticks or more: preempted, or */
	uint64_t tail_ticks; /* blocked; the analyzer counts them once, not scaled up */
	uint64_t first_ticks; /* the window of the key's first call, always timed */
	uint64_t pre_calls;   /* its calls when the thread first waited (KEY_PRE) */
	uint32_t has_first, pad1;
	uint32_t keyno; /* the key's number in its thread (stack pairs and trace events use it) */
	uint32_t last_bucket; /* the bucket most of its timed calls fall in lately (lt_hook_exit) */
	uint32_t misses;      /* timed calls that did not, since it last changed */
	/* The rule that decided the key: its index in the generation's set + 1
	 * (0: none matched) and its action (enum ltx_action). */
	uint32_t rule;
	uint16_t rule_act;
	/* LT_SA_RULED keys: the state of their limit or sample rule, this
	 * thread's alone (nothing shared is written per call; the hot path's
	 * part is the slot's rl_state). */
	uint16_t rl_per;    /* limit: the window in seconds; 0: sample */
	uint32_t rl_n;      /* limit: calls kept per window; sample: 1 in rl_n */
	uint32_t rl_left;   /* limit: calls the window still keeps */
	uint32_t rl_action; /* what a kept call does (an LT_SA_* word) */
	uint64_t rl_end;    /* limit: the tick the current window ends at */
	uint64_t rl_fmt;    /* the slot's fmt (its place holds rl_state) */
	uint64_t rl_kept;   /* calls kept (the rest of `calls` were dropped) */
	uint64_t rl_pre_kept; /* rl_kept when the thread first waited */
	/* 512 bytes, 8 slots' worth: a slot's ext is its address times 8 plus
	 * the table's lt_tls.ext_bias, a shift instead of a division and a
	 * multiplication on the count path's way to a timed call */
	uint8_t pad[40];
};
_Static_assert(sizeof(struct lt_ext) == 512, "lt_ext's size (see pad)");
#define LT_TAIL_SHIFT 18 /* = LTX_TAIL_SHIFT: 2^18 ticks, about 100 us at 2.6 GHz */

struct lt_table {
	uint64_t mask; /* slots - 1 */
	uint64_t used;
	struct lt_table *older; /* replaced tables: kept until the thread ends */
	struct lt_ext *ext;     /* ext[i] goes with slots[i] */
	uint64_t pad[4];
	struct lt_slot slots[];
};

static inline struct lt_ext *lt_ext_of(const struct lt_table *t, const struct lt_slot *s)
{
	return &t->ext[s - t->slots];
}

/* Trace mode: a ring of the thread's last events (layout = ltx_trace_event). */
struct lt_tev {
	uint64_t start;
	uint64_t ticks;
	uint32_t keyno; /* LT_NO_KEY for a wait */
	uint16_t kind;  /* LTX_TEV_CALL, LTX_TEV_WAIT */
	uint16_t flags; /* LTX_TEV_* */
};
#define LT_NO_KEY 0xffffffffu
struct lt_trace {
	uint64_t recorded; /* events ever recorded */
	uint32_t cap;      /* ring size */
	uint32_t pos;      /* where the next one goes */
	struct lt_tev ev[];
};



/* Shadow stack of timed calls: the caller's return address while the real
 * function runs. Tagged with the stack slot it came from (see hotpath.c). */
#define LT_SHADOW_DEPTH 64
struct lt_shadow {
	uint64_t ret;
	uint64_t sp; /* address of the return-address slot at entry */
	struct lt_slot *slot;
	uint64_t t0;     /* written by the trampoline: the last thing before the call */
	uint64_t target; /* the real function, read by the trampoline */
	struct lt_ext *ext; /* the slot's ext (moved with it, like slot) */
	uint32_t first;     /* the key's first call: its window is kept apart too */
	uint32_t pad0;
	uint64_t rbx; /* the caller's rbx: the trampoline keeps the entry's address there */
};
/* Offsets the trampoline and its unwind rules use (checked in hotpath.c). */
#define LT_SHADOW_T0 24
#define LT_SHADOW_TARGET 32
#define LT_SHADOW_RBX 56

/* Sampled stacks of one thread (stacks.c), mapped at its first capture.
 * Bounded: what does not fit is counted per key (lt_ext.stack_lost). */
#define LT_STACK_SKIP_MAX 8   /* the shim's own frames above the caller, at most */
#define LT_STACKS_MAX 1024    /* distinct stacks per thread */
#define LT_STACK_HASH 2048    /* their index (open addressing, at most half full) */
#define LT_FRAMES_MAX 16384   /* frames of all of them */
#define LT_PAIRS_CAP 4096     /* (key, stack) counters: table size */
#define LT_PAIRS_MAX 3072     /* ... and how many it takes */
#define LT_STACK_DEPTH_MAX 128 /* = LTX_STACK_MAX_DEPTH */
struct lt_stack_ent {
	uint64_t hash;
	uint32_t at; /* first frame in frames[] */
	uint16_t n;
	uint16_t flags; /* LTX_STACK_* */
};
struct lt_pair {
	uint32_t keyno;
	uint32_t stack1; /* stack id + 1; 0 = free */
	uint64_t count;
	uint64_t ticks; /* spent capturing */
};
struct lt_stacks {
	uint32_t nstacks; /* published after the entry is filled */
	uint32_t nframes;
	uint32_t npairs;
	uint32_t pad;
	uint16_t index[LT_STACK_HASH]; /* stack id + 1; 0 = free */
	struct lt_stack_ent st[LT_STACKS_MAX];
	struct lt_pair pairs[LT_PAIRS_CAP];
	uint64_t frames[LT_FRAMES_MAX];
	uint64_t scratch[LT_STACK_DEPTH_MAX + LT_STACK_SKIP_MAX + 1]; /* the unwinder writes here */
};

/* Per-thread state: mmap'ed, never freed while the thread runs. The hot
 * fields (table, countdown) are in TLS; the rest is here. When the thread
 * exits (thread_exit.c) the state is kept whole for the first LT_KEEP_EXITED
 * exited threads, else folded into the process's "exited threads" state
 * (itself a struct lt_thread, flagged FOLDED) and unmapped. */
#define LT_NAMES_OLD 20 /* name arenas replaced by a bigger one: 16 KiB << i */
struct lt_thread {
	struct lt_thread *next;  /* all threads, newest first */
	struct lt_table *table;  /* = lt_tls.table of the owner, for the writer */
	pid_t tid;
	uint32_t flags; /* LTX_THREAD_* */
	char name[16];
	/* event loop */
	uint64_t waits, wait_ticks, busy_ticks;
	uint64_t wait_start, last_wait_end;
	uint64_t pre_loop[4]; /* kept, dropped, timed, ticks at the first wait */
	uint64_t untimed_full;
	uint64_t reentered;
	/* busy periods whose thread CPU time was read too (1 in LT_CPU_EVERY) */
	uint64_t cpu_samples, cpu_sampled_ticks, cpu_sampled_ns;
	uint64_t cpu_mark_ns; /* CPU time at the end of the last wait, if armed */
	uint64_t last_busy;   /* ticks of the last busy period */
	uint32_t cpu_countdown, cpu_armed;
	/* the thread's whole CPU time, read once at its exit (summed when
	 * FOLDED); a running thread's is read by the writer */
	uint64_t cpu_exit_ns;
	uint32_t cpu_exit_ok, pad3;
	/* jobs (LOGTAX_JOBS): waits in pthread_cond_wait/timedwait */
	uint64_t jobs, job_wait_ticks, job_busy_ticks;
	uint64_t job_wait_start, job_last_end;
	uint64_t pre_jobs[4]; /* kept, dropped, timed, ticks at the first job wait */
	/* names of this thread's keys */
	char *names;
	uint32_t names_used, names_cap;
	uint32_t sdepth;
	uint32_t nkeys;               /* keys created: the next key number */
	struct lt_stacks *stacks;     /* stacks.c; NULL until the first capture */
	struct lt_trace *trace;       /* trace mode only */
	uint32_t nthreads;            /* FOLDED: threads summed into it */
	uint32_t epoch;               /* the attach it belongs to (lt_epoch, lifecycle.c) */
	char *names_old[LT_NAMES_OLD]; /* replaced arenas: a reader may still be in one */
	struct lt_shadow shadow[LT_SHADOW_DEPTH];
};

/* Thread-local hot state (initial-exec TLS: one %fs-relative access). */
struct lt_tls {
	struct lt_table *table;
	int64_t countdown; /* SAMPLE keys' calls until the next timed call or stack,
			    * whichever comes first (started at `armed`) */
	struct lt_thread *thr;
	uint32_t busy;  /* in the slow path, stack capture or writer: do not touch the table */
	uint32_t dead;  /* thread exit ran: no new state for this thread */
	uint32_t exit_round; /* pthread key destructor rounds seen (thread_exit.c) */
	uint32_t epoch; /* lt_epoch when thr was made: an older one is another attach's (lifecycle.c) */
	uint64_t rng;
	int64_t armed;      /* what countdown started from */
	int64_t time_left;  /* calls until the next timed one, as of arming */
	int64_t stack_left; /* calls until the next stack, as of arming */
	int64_t stack_cd;   /* calls of LT_SA_STACKED keys until their next stack */
	/* The table as the assembly count path reads it (lt_tls_set_table):
	 * its slots, never NULL (lt_no_slots when there is no table), and its
	 * mask shifted to index 64-byte slots. */
	struct lt_slot *slots;
	uint64_t mask6;
	uint64_t ext_bias; /* the table's ext - 8 * its slots: ext of slot s = 8 s + this */
	/* Above 0 while a count path or the C hot path holds a slot of the
	 * table: a signal handler's slow path must not grow it then. A count
	 * (not a flag): the handler's own calls raise and lower it too. */
	uint32_t counting;
};


/* Records one event: no libc, no vector registers (called from the hook).
 * The place is taken before it is filled: a signal handler that logs in
 * between takes the next one. */
static inline void lt_trace_put(struct lt_trace *tr, uint64_t start, uint64_t ticks, uint32_t keyno,
				uint32_t kind, uint32_t flags)
{
	uint32_t i = tr->pos;
	tr->pos = i + 1 == tr->cap ? 0 : i + 1;
	lt_barrier();
	struct lt_tev *e = &tr->ev[i];
	e->start = start;
	e->ticks = ticks;
	e->keyno = keyno;
	e->kind = (uint16_t)kind;
	e->flags = (uint16_t)flags;
	lt_barrier();
	lt_inc(&tr->recorded, 1);
}

#endif
