/* Internal declarations of liblogtax.so, shared by its parts:
 *   entry_x86_64.S  entry trampolines (keep the caller's registers and stack)
 *   hook.c          the hot path: key lookup, count, drop, time (no libc)
 *   slowpath.c      first sight of a key or a thread (may call libc)
 *   stacks.c        sampled call stacks (libunwind, loaded only when asked)
 *   waits.c         poll/epoll/select wrappers: event-loop iterations
 *   families.c      GLib, syslog, journal: names, levels, what rules may do
 *   hooks.c         user hooks (LOGTAX_HOOK) by GOT rewriting, dlopen
 *   rules.c         rule sets and generations (LOGTAX_FILTER)
 *   service.c       the control thread; control.c: `logtax ctl` requests
 *   init.c          settings, calibration, fork
 *   threads.c       thread exit: exited threads folded, their memory freed
 *   process.c       fork, exec, posix_spawn, _exit: whose file, whose environment
 *   signals.c       terminating signals: write the file, then die of the signal
 *   output.c        the data file
 *   modules.c       MODULE records, libraries unloaded by dlclose
 * Everything here is hidden: the only exported symbols are the entry points,
 * the wait wrappers, dlopen/dlmopen/dlclose, the calls whose effect the
 * shim follows (openlog, closelog, g_log_set_*), and the process calls it
 * must see: the exec family, posix_spawn, _exit, _Fork, and the calls that
 * set a signal's disposition. */
#ifndef LT_H
#define LT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LT_HIDDEN __attribute__((visibility("hidden")))
#define LT_EXPORT __attribute__((visibility("default")))
#define LT_TLS __attribute__((tls_model("initial-exec")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* What the trampoline does after the hook (struct lt_ret.action). */
enum lt_action {
	LT_PASS = 0, /* jump to the real function (value = its address) */
	LT_DROP = 1, /* return at once (value = what to return) */
	LT_TIME = 2, /* call the real function with the return address swapped
		      * (value = the shadow-stack entry; it holds the target) */
	LT_SLOW = 3, /* save vector registers, run the slow path (value = desc) */
	LT_STACK = 4, /* save vector registers, capture the stack, then act as the
		       * stack path says (value = desc | 1 if the call is to be timed) */
};

/* The hook returns two words in rax:rdx. */
struct lt_ret {
	uint64_t action;
	uint64_t value;
};

/* The caller's registers as the trampoline pushed them, then the return
 * address and the caller's stack arguments. Argument i (0-based) is
 * arg[i] for i < 6, else stack[i - 6]; as frame words, w[i] or w[i + 2]. */
struct lt_frame {
	uint64_t arg[6]; /* rdi rsi rdx rcx r8 r9 */
	uint64_t rax;    /* al: vector registers used by a variadic call */
	uint64_t ret;
	uint64_t stack[];
};
#define LT_FRAME_RET_WORD 7

static inline uint64_t lt_arg(const struct lt_frame *f, unsigned i)
{
	return i < 6 ? f->arg[i] : f->stack[i - 6];
}

static inline uint64_t lt_frame_word(const struct lt_frame *f, unsigned w)
{
	return ((const uint64_t *)f)[w];
}

/* Per-entry-point descriptor. The trampoline passes its address. The
 * declarative fields say where a family keeps its name, level and format;
 * lt_desc_prepare() turns them into the words and masks the hot path uses,
 * so extracting a key takes no branches. Until it has run, the hot path
 * finds no slot (none is made with a half-prepared key) and the slow path
 * prepares the descriptor itself: preparing twice writes the same values. */
#define LT_ARG_NONE 0xff
struct lt_frame;
struct lt_desc {
	void *real;          /* the function we stand in for; NULL until found */
	uint64_t drop_value; /* what a dropped call returns */
	/* derived (lt_desc_prepare) */
	uint64_t name_mask;  /* 0 when the entry has no name argument */
	uint64_t level_mask; /* 0 when it has no level argument */
	uint64_t meta_id;    /* id, placed where LT_META puts it */
	uint8_t name_word;   /* frame word of the name argument */
	uint8_t level_word;  /* frame word of the level argument */
	uint32_t prepared;   /* the derived fields are set */
	/* declarative */
	uint8_t name_arg;    /* argument holding the name pointer, or LT_ARG_NONE */
	uint8_t level_arg;   /* argument holding the level, or LT_ARG_NONE */
	uint8_t fmt_arg;     /* argument holding the format, or LT_ARG_NONE */
	uint8_t name_deref;  /* name is the first member of the struct pointed at */
	uint32_t id;         /* entry id in the data file */
	/* No name argument: the slow path reads the name from here at a key's
	 * first call (the program name); NULL: no name */
	const uint64_t *name_src;
	uint32_t family;     /* enum ltx_family */
	uint32_t flags;      /* LT_DESC_* */
	uint32_t resolved;   /* a failure to find it was reported */
	uint32_t pad;
	const char *symbol;
	/* Reads the name and level from the call's fields at a key's first call
	 * (the key then stands for its call site: sd_journal_send's PRIORITY=,
	 * g_log_structured_array's GLIB_DOMAIN). Returns the name (in buf or
	 * not), or NULL; may set *level. */
	const char *(*fields)(const struct lt_frame *f, char *buf, size_t cap, int32_t *level);
};
#define LT_DESC_SIZE 96
/* A call made from inside the library that defines the entry point is part
 * of an outer call already counted (libsystemd's sd_journal_print calls
 * sd_journal_printv, which calls sd_journal_sendv, each through its PLT):
 * its key is marked LT_SA_INNER and left out of the data file. */
#define LT_DESC_INNER_SELF 0x1u
/* The name argument is any user pointer (a hook's name=ARG): read it
 * with a copy that cannot fault. */
#define LT_DESC_NAME_UNTRUSTED 0x2u
/* Named by syslog's current ident (openlog), which no argument holds: the
 * ident's number (families.c) is part of meta_id, so the hot path keys on
 * it at no cost, and openlog/closelog update meta_id. */
#define LT_DESC_IDENT 0x4u

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
};

/* What a family lets the rules do with a key (slow path, families.c). */
#define LT_ALLOW_DROP 0x1u
#define LT_ALLOW_TIME 0x2u
#define LT_KEY_INNER 0x4u /* an inner call: LT_SA_INNER */
#define LT_KEY_FATAL 0x8u /* may abort the program: neither dropped nor timed */

/* One key's counters: one cache line. A slot is published by storing `ret`
 * last; until then other threads (the writer) ignore it. */
struct lt_slot {
	uint64_t ret;  /* calling address; 0 = empty */
	uint64_t name; /* name pointer (or the current syslog ident) */
	uint64_t meta; /* level (low 32) | entry id (8) << 32 | generation (24) << 40 */
	uint64_t calls;
	uint64_t timed;
	uint64_t ticks;
	uint64_t fmt;     /* first format pointer seen */
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

#define LT_META(level, entry, gen) \
	((uint64_t)(uint32_t)(level) | (uint64_t)((entry) & 0xff) << 32 | (uint64_t)((gen) & 0xffffff) << 40)
/* The key of a call, the same in the hot and the slow path. */
#define LT_KEY_NAME(f, d) (lt_frame_word(f, (d)->name_word) & (d)->name_mask)
#define LT_KEY_META(f, d, gen) \
	((uint32_t)(lt_frame_word(f, (d)->level_word) & (d)->level_mask) | (d)->meta_id | (uint64_t)((gen) & 0xffffff) << 40)
#define LT_META_LEVEL(m) ((int32_t)(uint32_t)(m))
#define LT_META_ENTRY(m) ((uint32_t)((m) >> 32) & 0xff)
#define LT_META_GEN(m) ((uint32_t)((m) >> 40))

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
	uint32_t pad;
};
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
 * function runs. Tagged with the stack slot it came from (see hook.c). */
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
/* Offsets the trampoline and its unwind rules use (checked in hook.c). */
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
 * exits (threads.c) the state is kept whole for the first LT_KEEP_EXITED
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
	/* names of this thread's keys */
	char *names;
	uint32_t names_used, names_cap;
	uint32_t sdepth;
	uint32_t nkeys;               /* keys created: the next key number */
	struct lt_stacks *stacks;     /* stacks.c; NULL until the first capture */
	struct lt_trace *trace;       /* trace mode only */
	uint32_t nthreads;            /* FOLDED: threads summed into it */
	uint32_t pad2;
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
	uint32_t exit_round; /* pthread key destructor rounds seen (threads.c) */
	uint32_t pad;
	uint64_t rng;
	int64_t armed;      /* what countdown started from */
	int64_t time_left;  /* calls until the next timed one, as of arming */
	int64_t stack_left; /* calls until the next stack, as of arming */
	int64_t stack_cd;   /* calls of LT_SA_STACKED keys until their next stack */
};
extern __thread struct lt_tls lt_tls LT_TLS LT_HIDDEN;

/* Global settings (written at init, read everywhere). */
struct lt_config {
	uint32_t control;      /* enum ltx_control */
	uint32_t time_mode;    /* enum ltx_time_mode */
	uint32_t sample_every; /* mean sampling interval */
	uint32_t clock_flags;
	uint32_t stack_depth;  /* 0: stacks off */
	uint32_t stack_every;
	uint32_t trace_events; /* 0: trace off */
	uint32_t snapshot_every; /* seconds; 0: no periodic snapshots */
	uint32_t no_follow;      /* LOGTAX_NO_FOLLOW: the one pid traced; 0: follow */
	char outdir[4096];
};
extern struct lt_config lt_cfg LT_HIDDEN;
extern uint32_t lt_gen LT_HIDDEN;        /* current rule generation */
extern volatile int lt_state LT_HIDDEN;  /* 0 none, 1 initialising, 2 ready, 3 stopped */

/* A rule set of one generation (rules.c): immutable once published. */
#include "../common/ltx_rules.h"
struct lt_rules_node {
	struct lt_rules_node *next; /* older generations */
	uint32_t gen;
	uint32_t pad;
	uint64_t applied_mono; /* CLOCK_MONOTONIC ns */
	size_t map_len;
	struct ltx_ruleset rs; /* variable size: last */
};
extern struct lt_rules_node *volatile lt_rules_head LT_HIDDEN;

/* Entry points (entries.c). */
extern struct lt_desc lt_desc_calib LT_HIDDEN;
extern struct lt_desc *const lt_descs[] LT_HIDDEN;
extern const unsigned lt_ndescs LT_HIDDEN;
struct lt_desc *lt_desc_by_id(uint32_t id) LT_HIDDEN;

/* Families (families.c): names from globals, fields, what rules may do. */
extern uint64_t lt_progname LT_HIDDEN;     /* program_invocation_short_name */
extern uint64_t lt_syslog_ident LT_HIDDEN; /* openlog's ident, else lt_progname */
extern uint32_t lt_syslog_ident_idx LT_HIDDEN; /* its number, 1..255; 0 = too many idents */
const char *lt_syslog_ident_name(uint64_t meta) LT_HIDDEN;
void lt_families_init(void) LT_HIDDEN;
uint32_t lt_key_allows(const struct lt_desc *d, uint64_t ret, int32_t level) LT_HIDDEN;
const char *lt_journal_send_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_send_loc_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_sendv_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_sendv_loc_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_perror_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_glib_array_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;

/* User hooks (hooks.c): LOGTAX_HOOK, GOT patching, dlopen. */
extern struct lt_desc lt_hook_descs[] LT_HIDDEN;
extern uint32_t lt_hook_used LT_HIDDEN; /* descriptors handed out */
void lt_hooks_init(void) LT_HIDDEN;
/* Copies a NUL-terminated string that may not be readable: 1 done (cut to
 * cap - 1 bytes if need be), 0 unreadable. Never faults. */
int lt_safe_copy(char *dst, const char *src, size_t cap) LT_HIDDEN;
/* A function's (or with data, a variable's) first definition in load order,
 * ours skipped, found in the objects' hash tables: unlike dlsym, leaves
 * dlerror() alone. */
void *lt_find_symbol(const char *name, int data) LT_HIDDEN;
/* dlsym(RTLD_NEXT, name) without touching dlerror()'s state (see hooks.c). */
void *lt_find_next(const char *name) LT_HIDDEN;
/* The real dlopen and dlclose, for the shim's own use (ours are exported). */
void *lt_real_dlopen(const char *file, int mode) LT_HIDDEN;
int lt_real_dlclose(void *handle) LT_HIDDEN;

#if defined(__x86_64__)
#define LT_HAVE_TRAMPOLINES 1
static inline uint64_t lt_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* An increment that a signal handler on the same thread cannot tear (one
 * instruction) and that takes no lock prefix (no other thread writes it). */
static inline void lt_inc(uint64_t *p, uint64_t v)
{
	__asm__ volatile("addq %1, %0" : "+m"(*p) : "er"(v));
}
#else
#define LT_HAVE_TRAMPOLINES 0
#include <time.h>
static inline uint64_t lt_rdtsc(void) /* ticks are nanoseconds here */
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void lt_inc(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
#endif

#define lt_barrier() __asm__ volatile("" ::: "memory")

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

/* hook.c. The trampoline's calls to these are direct: no endbr64 (an
 * instruction on every call) where CET is built in. */
#if defined(__CET__) && (__CET__ & 1)
#define LT_DIRECT_ONLY __attribute__((nocf_check))
#else
#define LT_DIRECT_ONLY
#endif
struct lt_ret lt_hook_enter(struct lt_frame *f, struct lt_desc *d) LT_HIDDEN LT_DIRECT_ONLY;
/* What a timed call's end gives the trampoline back (rax, rdx). */
struct lt_exit {
	uint64_t ret; /* the caller's return address */
	uint64_t rbx; /* the caller's rbx */
};
struct lt_exit lt_hook_exit(struct lt_shadow *e, uint64_t t1) LT_HIDDEN LT_DIRECT_ONLY;
struct lt_ret lt_hook_act(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s) LT_HIDDEN;
struct lt_ret lt_time_start(struct lt_frame *f, struct lt_desc *d, struct lt_slot *s) LT_HIDDEN;
struct lt_slot *lt_find_slot(const struct lt_table *t, const struct lt_frame *f, const struct lt_desc *d) LT_HIDDEN;
int64_t lt_stack_interval(void) LT_HIDDEN;
uint64_t lt_key_hash(uint64_t ret, uint64_t name, uint64_t meta) LT_HIDDEN;
void lt_rearm(void) LT_HIDDEN;

/* slowpath.c */
void *lt_resolve(const char *sym) LT_HIDDEN;
void lt_desc_prepare(struct lt_desc *d) LT_HIDDEN;
struct lt_ret lt_slow_path(struct lt_frame *f, struct lt_desc *d) LT_HIDDEN;
struct lt_thread *lt_thread_self(void) LT_HIDDEN;
extern struct lt_thread *volatile lt_threads LT_HIDDEN;
size_t lt_table_bytes(uint64_t slots) LT_HIDDEN;
struct lt_table *lt_table_new(uint64_t slots) LT_HIDDEN;
#define LT_TABLE_MIN 256
#define LT_NAMES_MIN (16 * 1024)
struct lt_table *lt_table_swap(struct lt_table *t) LT_HIDDEN;
void lt_table_drop(struct lt_table *t) LT_HIDDEN;
void lt_table_sums(const struct lt_table *t, uint64_t out[4]) LT_HIDDEN;
void lt_table_loop_starts(struct lt_table *t, uint64_t out[4]) LT_HIDDEN;
/* A base action (LT_SA_SAMPLE..LT_SA_KEEP) with the flags the modes on need
 * (LT_SA_STACKED, LT_SA_TRACED): decide() and a later change of a decision
 * (families.c, a GLib level made fatal) use it alike. */
uint32_t lt_sa_with_modes(uint32_t base) LT_HIDDEN;
/* Stores a key's name, flags, level and unloads in th's name arena: offset
 * + 1, or 0. */
uint32_t lt_keep_name(struct lt_thread *th, const char *s, uint32_t flags, int32_t level, uint32_t unloads) LT_HIDDEN;

/* stacks.c */
struct lt_ret lt_stack_path(struct lt_frame *f, uint64_t value) LT_HIDDEN;
int lt_stacks_load(void) LT_HIDDEN;
void lt_stacks_reset(struct lt_stacks *st) LT_HIDDEN;
/* Adds src's (key, stack) counts to dst, keys renumbered by keymap (src
 * keyno -> dst keyno, LT_NO_KEY: not kept); what does not fit in dst is
 * handed to lost() with the src keyno. */
void lt_stacks_merge(struct lt_stacks *dst, const struct lt_stacks *src, const uint32_t *keymap, uint32_t nmap,
		     void (*lost)(void *ctx, uint32_t keyno, uint64_t count, uint64_t ticks), void *ctx) LT_HIDDEN;

/* threads.c: the list of threads is walked (and an exited thread unlinked)
 * under this lock, with every signal blocked, so that a signal handler on
 * the holder cannot wait for it. Taken at thread exit, by the writer, by
 * `logtax ctl status` and by GLib's fatal-level recheck; never on the hot
 * path or in the slow path. */
#define LT_KEEP_EXITED 64 /* exited threads kept whole; later ones are folded */
#include <signal.h>
void lt_threads_lock(sigset_t *old) LT_HIDDEN;
void lt_threads_unlock(const sigset_t *old) LT_HIDDEN;
void lt_thread_exit(struct lt_thread *th) LT_HIDDEN;
void lt_threads_forked(void) LT_HIDDEN;
uint64_t lt_calls_total(void) LT_HIDDEN;
/* Everything a thread's state holds, unmapped (no reader may be in it). */
void lt_thread_free(struct lt_thread *th) LT_HIDDEN;

/* rules.c */
void lt_rules_init(void) LT_HIDDEN;
void lt_rules_forked(void) LT_HIDDEN;
/* Publishes a new rule set as the next generation; returns it, or -1 with a
 * one-line message in err. Not for the hot path (maps memory, takes a lock). */
int lt_rules_apply(const char *text, size_t len, const char *origin, int origin_is_file, char *err, size_t errcap) LT_HIDDEN;
const struct lt_rules_node *lt_rules_for(uint32_t gen) LT_HIDDEN;
/* LTX_ACT_KEEP or LTX_ACT_DROP for a new key of generation gen. */
uint32_t lt_rules_decide(const struct lt_desc *d, const char *name, int32_t level, uint64_t ret, uint32_t gen) LT_HIDDEN;

/* service.c: the control thread, started at a process's first logging call */
void lt_svc_ensure(void) LT_HIDDEN;
/* Asks the control thread to write the data file now (reason, signal) and
 * waits for it, at most timeout_ms: for callers that may be signal
 * handlers. 0 written, -1 failed or no answer in time, -2 no thread runs
 * (inline mode, or none). */
int lt_svc_write(uint32_t reason, uint32_t sig, int timeout_ms) LT_HIDDEN;
int lt_svc_is_self(void) LT_HIDDEN; /* the calling thread is the control thread */
void lt_svc_forked(void) LT_HIDDEN;
extern volatile int lt_svc_restart LT_HIDDEN;
extern volatile int lt_svc_inline LT_HIDDEN;
void lt_svc_poll(int idle) LT_HIDDEN;
extern uint64_t lt_svc_long_ticks LT_HIDDEN;
int lt_ctl_started(void) LT_HIDDEN;
void lt_ctl_forked(void) LT_HIDDEN;
int lt_svc_running(void) LT_HIDDEN;
/* Adds a function run every tick (~200 ms) on the control thread. */
int lt_svc_add_tick(void (*fn)(uint64_t now_mono_ns)) LT_HIDDEN;

/* control.c: `logtax ctl` requests */
void lt_ctl_setup(void) LT_HIDDEN; /* at init: where the control directory is */
void lt_ctl_start(void) LT_HIDDEN;
void lt_ctl_tick(uint64_t now_mono_ns) LT_HIDDEN;
void lt_ctl_exit(void) LT_HIDDEN;

/* init.c */
void lt_init(void) LT_HIDDEN;
void lt_warn(const char *what, const char *detail) LT_HIDDEN;
void *lt_map(size_t len) LT_HIDDEN;
void lt_unmap(void *p, size_t len) LT_HIDDEN;
pid_t lt_gettid(void) LT_HIDDEN;
extern uint64_t lt_start_tsc, lt_start_mono, lt_start_real LT_HIDDEN;

/* modules.c: MODULE records (also of libraries unloaded with dlclose) */
struct ltx_writer;
/* from_maps: list the loaded objects from /proc/self/maps, not with
 * dl_iterate_phdr (whose lock a signal handler may have interrupted) */
void lt_write_modules(struct ltx_writer *w, int from_maps) LT_HIDDEN;
extern uint32_t lt_unloads LT_HIDDEN; /* dlclose calls that unloaded something */

/* process.c */
extern pid_t lt_pid LT_HIDDEN;   /* the process the shim's state belongs to */
extern int lt_inert LT_HIDDEN;   /* LOGTAX_NO_FOLLOW names another process: trace nothing */
void lt_process_init(void) LT_HIDDEN; /* at init: who we are, what children get */
void lt_forked_child(void) LT_HIDDEN; /* init.c: the fork child's fresh start */
/* This process owns the state it sees: not a vfork child (which shares its
 * parent's memory) nor a clone() child that ran no fork handler. */
int lt_own_process(void) LT_HIDDEN;
/* The file at the end of the process (_exit, a fatal signal): through the
 * control thread when it runs (bounded wait), else here if safe. */
void lt_write_final(uint32_t reason, uint32_t sig) LT_HIDDEN;
extern volatile int lt_ended LT_HIDDEN; /* the final file was written: the process is ending */

/* signals.c */
void lt_signals_init(void) LT_HIDDEN;
/* Ends the process with sig as its default action would (SIG_DFL, raise,
 * unblock); returns only if that did not end it. */
void lt_die_of(int sig) LT_HIDDEN;

/* output.c */
int lt_write_data(uint32_t reason) LT_HIDDEN;
/* As lt_write_data; sig: the signal of a SIGNAL write. try: take the write
 * lock only if free (a caller that may have interrupted a writer). */
int lt_write_file(uint32_t reason, uint32_t sig, int try) LT_HIDDEN;
void lt_output_forked(void) LT_HIDDEN; /* the fork child's file is its own */
/* The calling thread is inside the writer (a signal handler interrupted it). */
int lt_writer_is_self(void) LT_HIDDEN;
/* A terminating signal that arrived while this thread was writing: the
 * writer finishes, then dies of it. */
extern volatile int lt_deferred_sig LT_HIDDEN;
extern uint32_t lt_exec_failed LT_HIDDEN; /* LTX_OUT_EXEC_FAILED once an exec failed after its file */
int lt_saw_calls(void) LT_HIDDEN;
void lt_data_path(char *buf, size_t cap) LT_HIDDEN; /* DIR/logtax.PID.ltx */

/* entry_x86_64.S */
void lt_calib_entry(long mode) LT_HIDDEN;
void lt_calib_target(long mode) LT_HIDDEN;
#define LT_HOOK_STUB_SIZE 16
extern char lt_hook_stubs[] LT_HIDDEN; /* LTX_HOOK_STUBS stubs of LT_HOOK_STUB_SIZE bytes */
/* lt_descs[i]'s stand-in (LT_HOOK_STUB_SIZE bytes each) for a real function
 * whose library was unloaded; it finds the definition again when called. */
extern char lt_gone_stubs[] LT_HIDDEN;
void *lt_gone_resolve(struct lt_desc *d) LT_HIDDEN;
static inline int lt_is_gone_stub(const void *p)
{
	return (const char *)p >= lt_gone_stubs && (const char *)p < lt_gone_stubs + 64 * LT_HOOK_STUB_SIZE;
}
#endif
