/* The logtax data file (.ltx): one definition of every record, shared by the
 * shim (writer) and the analyzer (reader) so the two agree by construction.
 * docs/FORMAT.md is the prose spec; tests/unit/test_format.c pins every size
 * and offset below, so a layout change cannot slip in unnoticed.
 *
 * Layout: a fixed header, then records { u32 type, u32 size, payload, pad to 8 }.
 * All integers are little-endian (the writer only runs on little-endian hosts).
 * Readers skip record types they do not know (added in a later minor version)
 * and refuse a file whose major version is newer than theirs. */
#ifndef LTX_FORMAT_H
#define LTX_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* PNG-style magic: a high byte and CR/LF catch text-mode mangling. */
#define LTX_MAGIC "\x89LTX\r\n\x1a\n"
#define LTX_MAGIC_LEN 8
#define LTX_VERSION_MAJOR 1
/* 1.1: records 8-11 (KEY_HIST, STACK, KEY_STACK, TRACE) may be present;
 * families 3-6, entry ids 3-255, KEY flags FATAL and RESOLVED exist. No 1.0
 * layout changed (docs/FORMAT.md, "Versions").
 * 1.2: records 16 (OUTPUT) and 18-19 (THREAD_CPU, KEY_ONCE); MODULE flag
 * UNLOADED and KEY unloads; THREAD records of exited threads folded
 * together (FOLDED, nthreads > 1) are written.
 * 1.3: record 21 (ENTRY_LEVELS): a hooked function's level scale.
 * 1.4: record 26 (KEY_SITE): a call site named by the call's own arguments;
 * record 28 (KEY_RULE): the limit or sample rule that decided a key;
 * KEY flag SITE; records 24 (THREAD_TIME: each thread's CPU time, its jobs) and 25
 * (PROCESS_CPU); record 22 (ATTACH): the shim was attached to the running
 * process; process.reason DETACH. */
#define LTX_VERSION_MINOR 4
#define LTX_BYTE_ORDER_MARK 0x01020304u

#define LTX_MAX_RECORD (1u << 20) /* a reader refuses larger payloads */
#define LTX_MAX_NAME 255          /* source/domain names are cut here */

/* header.flags */
#define LTX_FILE_SNAPSHOT 0x1u /* written while the process still ran */

/* header.features: which optional record types the file may contain */
#define LTX_FEAT_CALIB 0x1ull
#define LTX_FEAT_HIST 0x2ull   /* KEY_HIST records for timed keys (1.1) */
#define LTX_FEAT_STACKS 0x4ull /* stacks were sampled (LOGTAX_STACKS): STACK, KEY_STACK (1.1) */
#define LTX_FEAT_TRACE 0x8ull  /* trace mode (LOGTAX_TRACE): TRACE records (1.1) */

struct ltx_header {
	uint8_t magic[LTX_MAGIC_LEN];
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t header_size; /* sizeof(struct ltx_header) of the writer */
	uint32_t byte_order;  /* LTX_BYTE_ORDER_MARK as the writer stored it */
	uint32_t flags;       /* LTX_FILE_* */
	uint64_t features;    /* LTX_FEAT_* */
	uint64_t reserved[4];
};

struct ltx_rec {
	uint32_t type; /* LTX_REC_* */
	uint32_t size; /* payload bytes, not counting this header or the padding */
};

enum ltx_rec_type {
	LTX_REC_PROCESS = 1,
	LTX_REC_CALIB = 2,
	LTX_REC_ENTRY = 3,
	LTX_REC_MODULE = 4,
	LTX_REC_THREAD = 5,
	LTX_REC_KEY = 6,
	LTX_REC_RULES = 7,
	LTX_REC_KEY_HIST = 8,  /* 1.1 */
	LTX_REC_STACK = 9,     /* 1.1 */
	LTX_REC_KEY_STACK = 10, /* 1.1 */
	LTX_REC_TRACE = 11,    /* 1.1 */
	LTX_REC_OUTPUT = 16,   /* 1.2 */
	LTX_REC_THREAD_CPU = 18, /* 1.2 */
	LTX_REC_KEY_ONCE = 19,   /* 1.2 */
	LTX_REC_KEY_PRE = 20,    /* 1.2 */
	LTX_REC_ENTRY_LEVELS = 21, /* 1.3 */
	LTX_REC_KEY_RULE = 28,     /* 1.4 */
	LTX_REC_KEY_SITE = 26,     /* 1.4 */
	LTX_REC_THREAD_TIME = 24,  /* 1.4 */
	LTX_REC_PROCESS_CPU = 25,  /* 1.4 */
	LTX_REC_ATTACH = 22,       /* 1.4 */
	LTX_REC_END = 0xffff, /* last record: a file without it is truncated */
};

/* Why the file was written (process.reason). */
enum ltx_reason {
	LTX_REASON_EXIT = 1,     /* normal process exit */
	LTX_REASON_SNAPSHOT = 2, /* periodic snapshot */
	LTX_REASON_DUMP = 3,     /* asked for (logtax ctl PID dump) */
	LTX_REASON_SIGNAL = 4,   /* fatal signal caught */
	LTX_REASON_EXEC = 5,     /* the process is about to exec */
	LTX_REASON_DETACH = 6,   /* logtax detach: the shim stopped, the process runs on (1.4) */
};

/* The time mode (process.time_mode). */
enum ltx_time_mode { LTX_TIME_OFF = 0, LTX_TIME_SAMPLE = 1, LTX_TIME_ALL = 2 };

#define LTX_CLOCK_TSC_INVARIANT 0x1u /* cpuid says the TSC rate is constant */

/* LTX_REC_PROCESS: exactly one, first after the header.
 * Followed by exe_len bytes of executable path and cmdline_len bytes of
 * command line (arguments separated by NUL). Ticks are TSC ticks; the reader
 * derives the tick rate from the two (mono, tsc) pairs. */
struct ltx_process {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t reason; /* enum ltx_reason */
	uint64_t start_realtime_ns;
	uint64_t start_mono_ns;
	uint64_t start_tsc;
	uint64_t end_mono_ns; /* when the file was written */
	uint64_t end_tsc;
	uint64_t end_realtime_ns;
	uint32_t time_mode;    /* enum ltx_time_mode */
	uint32_t sample_every; /* mean of the sampling interval (sample mode) */
	uint32_t clock_flags;  /* LTX_CLOCK_* */
	uint32_t exe_len;
	uint32_t cmdline_len;
	uint32_t pad;
	uint64_t late_calls; /* calls counted without a key: made after their thread's exit */
};

/* LTX_REC_CALIB: the shim's own cost, measured at start-up through the same
 * entry trampoline with an empty target function, in interleaved rounds of
 * `calls` calls. Each *_ticks is the median over `rounds` rounds of the ticks
 * those calls took. The reader divides by calls.
 * The timed window (what the shim's clock records around the real function)
 * holds a little of the shim itself; window_ticks measures it when every call
 * is timed, sample_window_ticks / sample_timed when calls are sampled as the
 * run was configured (a rare timed call pays branch mispredictions that a
 * stream of timed calls does not). */
struct ltx_calib {
	uint32_t calls;
	uint32_t rounds;
	uint64_t direct_ticks; /* the empty function called directly */
	uint64_t count_ticks;  /* through the shim: counted, not timed */
	uint64_t drop_ticks;   /* through the shim: dropped */
	uint64_t timed_ticks;  /* through the shim: every call timed */
	uint64_t window_ticks; /* ... what the shim's clock recorded for them */
	/* Sampling as configured, in chunks, so that sample_ticks /
	 * sample_calls is a call's mean cost (the counted call's, count_ticks
	 * / calls, plus what the timed ones add: the median difference of
	 * chunks paired with chunks of counted calls) and sample_window_ticks
	 * / sample_timed a timed call's mean window (median over chunks). */
	uint64_t sample_calls;
	uint64_t sample_ticks;
	uint64_t sample_timed;
	uint64_t sample_window_ticks;
};

/* Families of entry points (entry.family). The level scale of each is in
 * common/ltx_levels.c. */
enum ltx_family {
	LTX_FAM_CALIB = 0,
	LTX_FAM_LEGACY = 1,  /* the test programs' legacy_log, shaped like libvirt's */
	LTX_FAM_LIBVIRT = 2, /* virLogMessage */
	LTX_FAM_GLIB = 3,    /* g_log and friends: name = log domain, level = GLogLevelFlags */
	LTX_FAM_SYSLOG = 4,  /* syslog and friends: name = openlog ident, level = priority (facility kept) */
	LTX_FAM_JOURNAL = 5, /* sd_journal_*: name = SYSLOG_IDENTIFIER= or the program, level = PRIORITY= */
	LTX_FAM_HOOK = 6,    /* a function the user named (LOGTAX_HOOK): name and level as configured */
};
#define LTX_FAM_COUNT 7

/* LTX_REC_ENTRY: one per entry point the shim knows. Followed by name_len
 * bytes of the exported symbol name. */
struct ltx_entry {
	uint32_t id;
	uint32_t family; /* enum ltx_family */
	uint32_t flags;  /* LTX_ENTRY_* */
	uint32_t name_len;
};
#define LTX_ENTRY_RESOLVED 0x1u /* the real function was found */

/* LTX_REC_ENTRY_LEVELS (1.3): the level scale of one entry (a --hook with
 * levels=), after its ENTRY record. Followed by nlevels struct
 * ltx_level_pair: raw level argument -> enum ltx_level. Its entry's keys
 * are named by this scale instead of the family's. */
struct ltx_entry_levels {
	uint32_t id;
	uint32_t nlevels;
};
struct ltx_level_pair {
	int32_t raw;
	uint32_t level; /* enum ltx_level */
};
#define LTX_ENTRY_LEVELS_MAX 64

/* LTX_REC_MODULE: one per loaded ELF object. Followed by build_id_len bytes of
 * GNU build-id and path_len bytes of path (absolute, except for objects that
 * have no file, such as the vDSO). Addresses in [lo, hi) belong to the
 * module; addr - bias is the address in the ELF file's own terms. Objects
 * unloaded (dlclose) before the file was written follow the loaded ones,
 * flagged LTX_MODULE_UNLOADED (1.2); a later object may have been loaded
 * over their range. */
struct ltx_module {
	uint32_t id;
	uint32_t flags;
	uint64_t bias;
	uint64_t lo;
	uint64_t hi;
	uint32_t build_id_len;
	uint32_t path_len;
};
#define LTX_MODULE_UNLOADED 0x1u /* unloaded before the file was written (1.2) */
/* An unloaded module's flags >> 8: the number of dlclose calls that had
 * unloaded something, this one included, when it went away (1.2). A key
 * whose address such modules cover belongs to the one with the smallest
 * number above the key's `unloads` (it was loaded at the key's first
 * call), else to the loaded module there. */
#define LTX_MODULE_UNLOADS_SHIFT 8

/* LTX_REC_THREAD: one per thread that made a logging call or waited. Keys
 * refer to threads by index. Busy time is the time between the end of one
 * event-loop wait and the start of the next. pre_loop_* are the totals this
 * thread had reached when it first waited: subtract them from the key totals
 * to get what happened inside its event loop. */
struct ltx_thread {
	uint32_t index;
	uint32_t tid;
	uint32_t flags;    /* LTX_THREAD_* */
	uint32_t nthreads; /* threads folded into this record (LTX_THREAD_FOLDED) */
	char name[16];     /* comm, NUL-padded */
	uint64_t waits;
	uint64_t wait_ticks;
	uint64_t busy_ticks;
	uint64_t pre_loop_kept;
	uint64_t pre_loop_dropped;
	uint64_t pre_loop_timed;
	uint64_t pre_loop_ticks;
	uint64_t untimed_full; /* calls not timed: shadow stack full */
	uint64_t reentered;    /* calls counted without a key (re-entered the shim's slow path) */
};
#define LTX_THREAD_EXITED 0x1u
#define LTX_THREAD_MAIN 0x2u
#define LTX_THREAD_FOLDED 0x4u /* several exited threads summed into one */
#define LTX_THREAD_IN_LOOP 0x8u /* waited at least once */

/* LTX_REC_KEY: the counts of one key in one thread. A key is (entry, name
 * pointer, level, calling address, rule generation); the name is read once,
 * at the key's first call. Followed by name_len bytes of name. */
struct ltx_key {
	uint32_t thread; /* index of an LTX_REC_THREAD */
	uint32_t entry;  /* id of an LTX_REC_ENTRY */
	int32_t level;   /* the level argument as the entry point received it */
	uint32_t gen;    /* rule-set generation the decision was made under */
	uint32_t action; /* enum ltx_action */
	uint32_t flags;  /* LTX_KEY_* */
	uint64_t caller; /* return address in the caller (absolute) */
	uint64_t fmt;    /* format string address, 0 when the entry has none */
	uint64_t name_ptr;
	uint64_t calls; /* calls with this key: kept or dropped as `action` says */
	uint64_t timed; /* how many of them were timed */
	uint64_t ticks; /* their summed duration, the shim's window cost included */
	uint32_t name_len;
	uint32_t unloads; /* 1.2: dlclose calls that had unloaded a library before the
			   * key's first call (0 in older files); picks among unloaded
			   * MODULE records that covered the same addresses */
};
enum ltx_action { LTX_ACT_KEEP = 0, LTX_ACT_DROP = 1, LTX_ACT_LIMIT = 2 /* 1.4 */, LTX_ACT_SAMPLE = 3 /* 1.4 */ };
#define LTX_KEY_NAME_CUT 0x1u /* the name was longer than LTX_MAX_NAME */
#define LTX_KEY_NO_NAME 0x2u  /* no name (NULL source) */
#define LTX_KEY_FATAL 0x4u    /* the call may abort the program (a fatal GLib level): never dropped or timed */
#define LTX_KEY_RESOLVED 0x8u /* name and level were read from the call's fields at the key's first call
			       * (sd_journal_send*, g_log_structured_array): one call site, one name and level */
#define LTX_KEY_SITE 0x10u    /* 1.4: a KEY_SITE record names its call site */

/* LTX_REC_RULES: the rule set of one generation. Followed by text_len bytes
 * of rule text as given. Generation 0 is "no rules". */
struct ltx_rules {
	uint32_t gen;
	uint32_t text_len;
	uint64_t applied_mono_ns;
};

/* Records added in 1.1 refer to a KEY by its position among the file's KEY
 * records (0-based, file order), to a STACK by its position among the STACK
 * records, to a THREAD by its index. */

/* LTX_REC_KEY_HIST: the timed windows of one key as a log2 histogram, in
 * ticks (the shim's window share included, as in key.ticks). Followed by
 * nbuckets u64 counts. Bucket 0 counts windows of 0 or 1 tick; bucket b >= 1
 * windows w with 2^b <= w < 2^(b+1); bucket LTX_HIST_BUCKETS - 1 (the shim's
 * last) also holds everything above it. The counts add up to key.timed (in a file written
 * while other threads still logged, they may trail it by a few). Written for
 * keys with at least one timed call; trailing empty buckets are left out. */
struct ltx_key_hist {
	uint32_t key;      /* position of the KEY record */
	uint32_t nbuckets; /* u64 counts that follow, 1..LTX_HIST_MAX_BUCKETS */
};
#define LTX_HIST_BUCKETS 40     /* what the shim keeps: up to 2^40 ticks, ~7 min at 2.5 GHz */
#define LTX_HIST_MAX_BUCKETS 64 /* what a reader accepts */

/* LTX_REC_STACK: one distinct call stack, interned per thread (the same
 * stack seen in two threads is written twice). Followed by nframes u64
 * absolute return addresses, callee first: frames[0] is the return address
 * into the function that called the logging entry point (= key.caller), the
 * last is the outermost frame the unwinder reached (or the depth limit). */
struct ltx_stack {
	uint32_t thread;    /* index of an LTX_REC_THREAD */
	uint32_t nframes;   /* u64 return addresses that follow */
	uint32_t flags;     /* LTX_STACK_* */
	uint32_t max_depth; /* the depth limit it was captured with (LOGTAX_STACKS) */
	uint32_t every;     /* stacks were captured for 1 call in `every` (mean) */
	uint32_t pad;
};
#define LTX_STACK_TRUNCATED 0x1u /* there were more frames than max_depth */
#define LTX_STACK_MAX_DEPTH 128  /* the largest depth the shim captures */

/* LTX_REC_KEY_STACK: how many of a key's calls had a stack captured with a
 * given stack (count), and how long capturing those took (ticks: outside any
 * timed window, but inside the thread's busy time). `stack` is a STACK
 * position, or one of LTX_STACK_LOST_* for calls picked for a stack that
 * could not be kept: the sum of count over a key's KEY_STACK records is the
 * number of its calls that were picked. */
struct ltx_key_stack {
	uint32_t key;   /* position of the KEY record */
	uint32_t stack; /* position of a STACK record (same thread as the key), or LTX_STACK_LOST_* */
	uint64_t count;
	uint64_t ticks;
};
#define LTX_STACK_LOST_FULL 0xffffffffu   /* the thread's stack table was full */
#define LTX_STACK_LOST_BUSY 0xfffffffeu   /* picked while the thread was inside the shim (a signal handler logged) */
#define LTX_STACK_LOST_FAILED 0xfffffffdu /* the unwinder did not reach the caller */
#define LTX_STACK_LOST_MIN 0xfffffffdu

/* LTX_REC_TRACE: part of one thread's trace (trace mode): events in the
 * order they ended, oldest first; a thread's TRACE records follow each other
 * in `chunk` order and their events concatenate. Followed by nevents
 * struct ltx_trace_event. The thread kept the last `capacity` events:
 * `recorded` were recorded in all, `overwritten` = recorded - kept. */
struct ltx_trace {
	uint32_t thread;   /* index of an LTX_REC_THREAD */
	uint32_t nevents;  /* events in this record */
	uint32_t capacity; /* the thread's ring size (LOGTAX_TRACE) */
	uint32_t chunk;    /* 0, 1, ... within the thread */
	uint64_t recorded;
	uint64_t overwritten;
};
#define LTX_TRACE_CHUNK 32768u /* events per TRACE record the shim writes */

struct ltx_trace_event {
	uint64_t start; /* tick the call (or wait) started */
	uint64_t ticks; /* its duration; 0 when not timed (dropped, or never timed) */
	uint32_t key;   /* position of the KEY record, LTX_NO_KEY for a wait */
	uint16_t kind;  /* enum ltx_trace_kind */
	uint16_t flags; /* LTX_TEV_* */
};
enum ltx_trace_kind { LTX_TEV_CALL = 0, LTX_TEV_WAIT = 1 };
#define LTX_TEV_DROPPED 0x1u /* the call was dropped (the real function did not run) */
#define LTX_TEV_UNTIMED 0x2u /* not timed: ticks is 0 */
#define LTX_NO_KEY 0xffffffffu

/* LTX_REC_OUTPUT (1.2): how the file came to be written, beyond
 * process.reason: the signal that ended the process, the snapshot setting,
 * and the writes of this process image that failed before this one (a
 * full disk: what they would have held is in this file, since counts only
 * grow). At most one, written by every 1.2 shim. */
struct ltx_output {
	uint32_t signal;         /* reason SIGNAL: the signal the process then died of; else 0 */
	uint32_t snapshot_every; /* LOGTAX_SNAPSHOT, seconds (0: no periodic snapshots) */
	uint32_t flags;          /* LTX_OUT_* */
	uint32_t writes;         /* files this process image tried to write before this one */
	uint32_t failed;         /* ... of which failed */
	uint32_t last_errno;     /* errno of the last failure (Linux numbers), 0 if none */
	uint32_t last_reason;    /* enum ltx_reason of the last failed write */
	uint32_t pad;
	uint64_t last_failed_realtime_ns; /* when it failed (wall clock) */
};
#define LTX_OUT_NO_FOLLOW 0x1u   /* LOGTAX_NO_FOLLOW: programs this one started were not traced */
#define LTX_OUT_EXEC_FAILED 0x2u /* an exec of this image failed after it had written its file */

/* LTX_REC_THREAD_CPU (1.2): the thread's CPU time over a sample of its busy
 * periods (one in 16, read with CLOCK_THREAD_CPUTIME_ID around them). Busy
 * time is wall time and holds preemption; cpu_ns / (sampled_ticks in ns) is
 * the share of it the thread really ran. Absent: no sample. */
struct ltx_thread_cpu {
	uint32_t thread;  /* index of an LTX_REC_THREAD */
	uint32_t pad;
	uint64_t samples; /* busy periods sampled */
	uint64_t sampled_ticks; /* their wall time */
	uint64_t cpu_ns;  /* the thread's CPU time in them */
};

/* LTX_REC_KEY_ONCE (1.2): a key's timed windows that stand only for
 * themselves when a reader scales sampled windows up to all calls:
 * - its first call, which the shim times whatever the sampling says (so a
 *   key too rare to be sampled still has one measured call): first_ticks,
 *   when flags has LTX_ONCE_FIRST;
 * - its windows of 2^shift ticks or more (about 100 us): the call was
 *   preempted, interrupted at length or blocked (tail_timed, tail_ticks;
 *   the first call's window is among them if it was that long:
 *   LTX_ONCE_FIRST_LONG).
 * All of these are included in key.timed and key.ticks. Absent: neither. */
struct ltx_key_once {
	uint32_t key;   /* position of the KEY record */
	uint32_t shift; /* the long-window threshold is 2^shift ticks */
	uint64_t tail_timed;
	uint64_t tail_ticks;
	uint64_t first_ticks;
	uint32_t flags; /* LTX_ONCE_* */
	uint32_t pad;
};
#define LTX_ONCE_FIRST 0x1u
#define LTX_ONCE_FIRST_LONG 0x2u
#define LTX_TAIL_SHIFT 18

/* LTX_REC_KEY_PRE (1.2): how many of a key's calls its thread had made when
 * it first waited (the rest are its event loop's). Absent: none, or the
 * thread never waited. */
struct ltx_key_pre {
	uint32_t key; /* position of the KEY record */
	uint32_t pad;
	uint64_t calls;
};

/* LTX_REC_KEY_RULE (1.4): the rule that decided a key: `rule` is its index
 * in the RULES text of the key's generation (0 = the first rule), `action`
 * its action (enum ltx_action). A key under a limit or sample rule is
 * written as two KEY records, its kept calls (action 0, with every timed
 * figure) and its dropped ones (action 1), each with a KEY_RULE naming the
 * same rule. Absent: no rule matched the key. */
struct ltx_key_rule {
	uint32_t key;    /* position of the KEY record */
	uint32_t rule;
	uint32_t action; /* enum ltx_action */
	uint32_t pad;
};
/* LTX_REC_KEY_SITE (1.4): the function, source file and line a key's call
 * named itself, read from the call's own arguments at the key's first call
 * (virLogMessage's funcname, filename, linenr; the journal's
 * *_with_location file, line, func; GLib's CODE_FUNC, CODE_FILE, CODE_LINE;
 * a hook's func=, file=, line=). Followed by func_len bytes of function
 * name, then file_len bytes of file name (either may be 0: not given).
 * Written once per key that has one, after its KEY record; the key then
 * has LTX_KEY_SITE. The journal's "CODE_FILE="/"CODE_LINE=" prefixes are
 * taken off. What the program passed: a program may pass anything. */
struct ltx_key_site {
	uint32_t key;      /* position of the KEY record */
	uint32_t line;     /* 0: not given */
	uint32_t func_len; /* at most LTX_MAX_SITE */
	uint32_t file_len; /* at most LTX_MAX_SITE */
	uint32_t flags;    /* LTX_SITE_* */
	uint32_t pad;
};
#define LTX_MAX_SITE 255          /* function and file names are cut here */
#define LTX_SITE_FUNC_CUT 0x1u    /* the function name was longer than LTX_MAX_SITE */
#define LTX_SITE_FILE_CUT 0x2u    /* the file name was longer */
#define LTX_SITE_UNREADABLE 0x4u  /* a pointer argument could not be read (left out) */
/* LTX_REC_THREAD_TIME (1.4): one thread's CPU time, whatever it does (an
 * event loop, a worker, a thread that only logs), and its jobs when the run
 * counted them (LOGTAX_JOBS). cpu_ns is the thread's CPU clock (user +
 * system) from its start: read at its exit (LTX_TT_AT_EXIT) or when the
 * file was written; a FOLDED record sums its threads'. A job is a wait in
 * pthread_cond_wait, _timedwait or _clockwait that ended (a worker's wait
 * for its next job); job busy time runs from the end of one such wait to
 * the start of the next; pre_jobs_* are the thread's totals at its first
 * one, as pre_loop_* are for poll waits. Absent: the thread's clock could
 * not be read and it had no job. */
struct ltx_thread_time {
	uint32_t thread; /* index of an LTX_REC_THREAD */
	uint32_t flags;  /* LTX_TT_* */
	uint64_t cpu_ns;
	uint64_t jobs;
	uint64_t job_wait_ticks;
	uint64_t job_busy_ticks;
	uint64_t pre_jobs_kept;
	uint64_t pre_jobs_dropped;
	uint64_t pre_jobs_timed;
	uint64_t pre_jobs_ticks;
};
#define LTX_TT_CPU 0x1u     /* cpu_ns is known */
#define LTX_TT_AT_EXIT 0x2u /* ... read when the thread exited (final) */

/* LTX_REC_PROCESS_CPU (1.4): the process's CPU time (every thread, ended
 * ones and those that never logged included), read after the threads' own
 * clocks when the file was written: the threads' THREAD_TIME figures add
 * up to at most this; the rest is threads the shim never saw. */
struct ltx_process_cpu {
	uint64_t cpu_ns;
	uint32_t flags; /* LTX_PCPU_* */
	uint32_t pad;
};
#define LTX_PCPU_JOBS 0x1u /* jobs were counted (LOGTAX_JOBS) */
/* LTX_REC_ATTACH (1.4): the shim was loaded into the running process
 * (logtax attach) instead of being preloaded: calls made before
 * attach_*_ns were not seen, and the file's counts start there (so do
 * process.start_*). Followed by uncovered_len bytes: the functions the shim
 * wraps by symbol that it did not reach once attached, names separated by
 * spaces. At most one. */
struct ltx_attach {
	uint64_t attach_realtime_ns;
	uint64_t attach_mono_ns;
	uint64_t detach_realtime_ns; /* 0 unless flags has LTX_ATTACH_DETACHED */
	uint64_t detach_mono_ns;
	uint32_t attach_no;       /* 1 for the first attach to this process, 2 for the next... */
	uint32_t flags;           /* LTX_ATTACH_* */
	uint32_t got_entries;     /* GOT entries pointed at the shim */
	uint32_t patched_entries; /* function entries patched */
	uint32_t uncovered_len;
	uint32_t pad;
};
#define LTX_ATTACH_DETACHED 0x1u /* written at detach: the shim stopped counting then */

/* LTX_REC_END: last record. */
struct ltx_end {
	uint32_t records; /* records before this one */
	uint32_t pad;
	uint64_t total_calls; /* sum of key.calls, a consistency check */
};

#endif
