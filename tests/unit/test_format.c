/* The data file format: the layout of every record is pinned (a change must
 * be deliberate and come with a version bump), what the writer writes the
 * reader reads back, and hostile bytes are refused without a crash. */
#include "../../common/ltx_format.h"
#include "../../common/ltx_read.h"
#include "../../common/ltx_write.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#define PIN(type, size) ck_assert_uint_eq(sizeof(type), size)
#define AT(type, field, off) ck_assert_uint_eq(offsetof(type, field), off)

START_TEST(layout)
{
	PIN(struct ltx_header, 64);
	AT(struct ltx_header, version_major, 8);
	AT(struct ltx_header, header_size, 12);
	AT(struct ltx_header, byte_order, 16);
	AT(struct ltx_header, features, 24);
	PIN(struct ltx_rec, 8);
	PIN(struct ltx_process, 96);
	AT(struct ltx_process, start_tsc, 32);
	AT(struct ltx_process, time_mode, 64);
	AT(struct ltx_process, late_calls, 88);
	PIN(struct ltx_calib, 80);
	AT(struct ltx_calib, window_ticks, 40);
	AT(struct ltx_calib, sample_window_ticks, 72);
	PIN(struct ltx_entry, 16);
	PIN(struct ltx_module, 40);
	AT(struct ltx_module, build_id_len, 32);
	PIN(struct ltx_thread, 104);
	AT(struct ltx_thread, name, 16);
	AT(struct ltx_thread, waits, 32);
	AT(struct ltx_thread, reentered, 96);
	PIN(struct ltx_key, 80);
	/* numbers the data file stores (families, key flags): never renumbered */
	ck_assert_int_eq(LTX_FAM_LIBVIRT, 2);
	ck_assert_int_eq(LTX_FAM_GLIB, 3);
	ck_assert_int_eq(LTX_FAM_SYSLOG, 4);
	ck_assert_int_eq(LTX_FAM_JOURNAL, 5);
	ck_assert_int_eq(LTX_FAM_HOOK, 6);
	ck_assert_int_eq(LTX_KEY_FATAL, 4);
	ck_assert_int_eq(LTX_KEY_RESOLVED, 8);
	AT(struct ltx_key, caller, 24);
	AT(struct ltx_key, calls, 48);
	AT(struct ltx_key, name_len, 72);
	AT(struct ltx_key, unloads, 76);
	ck_assert_uint_eq(LTX_MODULE_UNLOADS_SHIFT, 8);
	PIN(struct ltx_rules, 16);
	AT(struct ltx_rules, applied_mono_ns, 8);
	ck_assert_uint_eq(LTX_REC_RULES, 7);
	ck_assert_int_eq(LTX_ACT_DROP, 1);
	PIN(struct ltx_end, 16);
	/* 1.1 */
	PIN(struct ltx_key_hist, 8);
	AT(struct ltx_key_hist, nbuckets, 4);
	PIN(struct ltx_stack, 24);
	AT(struct ltx_stack, nframes, 4);
	AT(struct ltx_stack, max_depth, 12);
	AT(struct ltx_stack, every, 16);
	PIN(struct ltx_key_stack, 24);
	AT(struct ltx_key_stack, stack, 4);
	AT(struct ltx_key_stack, count, 8);
	AT(struct ltx_key_stack, ticks, 16);
	PIN(struct ltx_trace, 32);
	AT(struct ltx_trace, capacity, 8);
	AT(struct ltx_trace, recorded, 16);
	AT(struct ltx_trace, overwritten, 24);
	PIN(struct ltx_trace_event, 24);
	AT(struct ltx_trace_event, ticks, 8);
	AT(struct ltx_trace_event, key, 16);
	AT(struct ltx_trace_event, kind, 20);
	AT(struct ltx_trace_event, flags, 22);
	ck_assert_uint_eq(LTX_REC_KEY_HIST, 8);
	ck_assert_uint_eq(LTX_REC_STACK, 9);
	ck_assert_uint_eq(LTX_REC_KEY_STACK, 10);
	ck_assert_uint_eq(LTX_REC_TRACE, 11);
	ck_assert_uint_eq(LTX_STACK_LOST_FULL, 0xffffffffu);
	ck_assert_uint_eq(LTX_STACK_LOST_BUSY, 0xfffffffeu);
	ck_assert_uint_eq(LTX_STACK_LOST_FAILED, 0xfffffffdu);
	ck_assert_int_eq(LTX_TEV_WAIT, 1);
	ck_assert_uint_eq(LTX_TEV_DROPPED, 1);
	ck_assert_uint_eq(LTX_TEV_UNTIMED, 2);
	/* 1.1: families 3-6 and records 8-11; 1.2: records 18-19 (issue 6),
	 * MODULE flag UNLOADED, KEY unloads, folded THREAD records (issue 7) */
	ck_assert_uint_eq(LTX_VERSION_MINOR, 4);
	/* 1.4: a call site named by the call's arguments */
	ck_assert_uint_eq(LTX_REC_KEY_SITE, 26);
	ck_assert_uint_eq(LTX_KEY_SITE, 0x10);
	PIN(struct ltx_key_site, 24);
	AT(struct ltx_key_site, line, 4);
	AT(struct ltx_key_site, func_len, 8);
	AT(struct ltx_key_site, file_len, 12);
	AT(struct ltx_key_site, flags, 16);
	ck_assert_uint_eq(LTX_MAX_SITE, 255);
	/* 1.4: every thread's CPU time and jobs, the process's CPU time */
	ck_assert_uint_eq(LTX_REC_THREAD_TIME, 24);
	ck_assert_uint_eq(LTX_REC_PROCESS_CPU, 25);
	PIN(struct ltx_thread_time, 72);
	AT(struct ltx_thread_time, flags, 4);
	AT(struct ltx_thread_time, cpu_ns, 8);
	AT(struct ltx_thread_time, jobs, 16);
	AT(struct ltx_thread_time, job_wait_ticks, 24);
	AT(struct ltx_thread_time, job_busy_ticks, 32);
	AT(struct ltx_thread_time, pre_jobs_kept, 40);
	AT(struct ltx_thread_time, pre_jobs_ticks, 64);
	ck_assert_uint_eq(LTX_TT_CPU, 1);
	ck_assert_uint_eq(LTX_TT_AT_EXIT, 2);
	PIN(struct ltx_process_cpu, 16);
	AT(struct ltx_process_cpu, flags, 8);
	ck_assert_uint_eq(LTX_PCPU_JOBS, 1);
	/* 1.4: the shim attached to a running process */
	ck_assert_uint_eq(LTX_REC_ATTACH, 22);
	ck_assert_uint_eq(LTX_REASON_DETACH, 6);
	ck_assert_uint_eq(LTX_ATTACH_DETACHED, 1);
	PIN(struct ltx_attach, 56);
	AT(struct ltx_attach, detach_mono_ns, 24);
	AT(struct ltx_attach, attach_no, 32);
	AT(struct ltx_attach, uncovered_len, 48);
	/* 1.3: a hooked function's level scale */
	ck_assert_uint_eq(LTX_REC_ENTRY_LEVELS, 21);
	PIN(struct ltx_entry_levels, 8);
	AT(struct ltx_entry_levels, nlevels, 4);
	PIN(struct ltx_level_pair, 8);
	AT(struct ltx_level_pair, level, 4);
	ck_assert_uint_eq(LTX_MODULE_UNLOADED, 1);
	ck_assert_uint_eq(LTX_REC_THREAD_CPU, 18);
	ck_assert_uint_eq(LTX_REC_KEY_ONCE, 19);
	PIN(struct ltx_thread_cpu, 32);
	AT(struct ltx_thread_cpu, samples, 8);
	AT(struct ltx_thread_cpu, cpu_ns, 24);
	PIN(struct ltx_key_once, 40);
	AT(struct ltx_key_once, tail_timed, 8);
	AT(struct ltx_key_once, first_ticks, 24);
	AT(struct ltx_key_once, flags, 32);
	ck_assert_uint_eq(LTX_TAIL_SHIFT, 18);
	ck_assert_uint_eq(LTX_REC_KEY_PRE, 20);
	PIN(struct ltx_key_pre, 16);
	AT(struct ltx_key_pre, calls, 8);
	ck_assert_uint_eq(LTX_REC_KEY_RULE, 28);
	PIN(struct ltx_key_rule, 16);
	AT(struct ltx_key_rule, rule, 4);
	AT(struct ltx_key_rule, action, 8);
	ck_assert_int_eq(LTX_ACT_LIMIT, 2);
	ck_assert_int_eq(LTX_ACT_SAMPLE, 3);
	ck_assert_uint_eq(LTX_ONCE_FIRST, 1);
	ck_assert_uint_eq(LTX_ONCE_FIRST_LONG, 2);
	/* 1.2: the OUTPUT record (issue 7) */
	PIN(struct ltx_output, 40);
	AT(struct ltx_output, snapshot_every, 4);
	AT(struct ltx_output, flags, 8);
	AT(struct ltx_output, writes, 12);
	AT(struct ltx_output, failed, 16);
	AT(struct ltx_output, last_errno, 20);
	AT(struct ltx_output, last_reason, 24);
	AT(struct ltx_output, last_failed_realtime_ns, 32);
	ck_assert_uint_eq(LTX_REC_OUTPUT, 16);
	ck_assert_uint_eq(LTX_OUT_NO_FOLLOW, 1);
	ck_assert_uint_eq(LTX_OUT_EXEC_FAILED, 2);
	ck_assert_int_eq(LTX_REASON_SIGNAL, 4);
	ck_assert_int_eq(LTX_REASON_EXEC, 5);
	ck_assert_uint_eq(LTX_FILE_SNAPSHOT, 1);
}
END_TEST

/* The 1.1 records for the sample file's one key (position 0, thread 0). */
static const uint64_t hist_counts[3] = { 0, 1, 1 };
static const uint64_t stack_frames[3] = { 0x1234, 0x2000, 0x3000 };
static void write_11(struct ltx_writer *w)
{
	struct ltx_key_hist h = { 0, 3 };
	ltx_w_record(w, LTX_REC_KEY_HIST, &h, sizeof h, hist_counts, sizeof hist_counts, NULL, 0);
	struct ltx_stack st = { .thread = 0, .nframes = 3, .max_depth = 8, .every = 4 };
	ltx_w_record(w, LTX_REC_STACK, &st, sizeof st, stack_frames, sizeof stack_frames, NULL, 0);
	struct ltx_key_stack ks = { 0, 0, 3, 3000 };
	ltx_w_record(w, LTX_REC_KEY_STACK, &ks, sizeof ks, NULL, 0, NULL, 0);
	struct ltx_key_stack lost = { 0, LTX_STACK_LOST_FULL, 1, 0 };
	ltx_w_record(w, LTX_REC_KEY_STACK, &lost, sizeof lost, NULL, 0, NULL, 0);
	struct ltx_trace_event ev[2] = { { 100, 50, 0, LTX_TEV_CALL, 0 }, { 200, 30, LTX_NO_KEY, LTX_TEV_WAIT, 0 } };
	struct ltx_trace tr = { .thread = 0, .nevents = 2, .capacity = 2, .recorded = 5, .overwritten = 3 };
	ltx_w_record(w, LTX_REC_TRACE, &tr, sizeof tr, ev, sizeof ev, NULL, 0);
	struct ltx_output out = { .signal = 15, .snapshot_every = 1, .writes = 3, .failed = 2, .last_errno = 28,
				  .last_reason = LTX_REASON_SNAPSHOT, .last_failed_realtime_ns = 123 };
	ltx_w_record(w, LTX_REC_OUTPUT, &out, sizeof out, NULL, 0, NULL, 0);
	struct ltx_rules ru = { 1, 18, 77 };
	ltx_w_record(w, LTX_REC_RULES, &ru, sizeof ru, "drop:util.*@debug", 18, NULL, 0);
	/* a module, and one unloaded before over the same addresses (1.2) */
	static const unsigned char bid[4] = { 1, 2, 3, 4 };
	struct ltx_module m = { 0, 0, 0x1000, 0x1000, 0x2000, 4, 8 };
	ltx_w_record(w, LTX_REC_MODULE, &m, sizeof m, bid, 4, "/bin/app", 8);
	struct ltx_module gone = { 1, LTX_MODULE_UNLOADED | 3u << LTX_MODULE_UNLOADS_SHIFT, 0x1000, 0x1000, 0x2000, 4, 9 };
	ltx_w_record(w, LTX_REC_MODULE, &gone, sizeof gone, bid, 4, "/lib/x.so", 9);
}

/* Hostile files: one u32 of the full sample file (see sample_file_x)
 * changed. Each must be refused with one line naming the problem; the
 * same files are written out for tests/e2e/t-bad-files.sh, which reads
 * them with the analyzer under valgrind (or AddressSanitizer). */
#define REC_HEADER ((size_t)-1) /* patch the record header's size, not the payload */
static const struct {
	uint32_t type;
	int nth;
	size_t field; /* offset in the payload (REC_HEADER: the record's size) */
	uint32_t value;
	const char *want;
	const char *name;
} hostile[] = {
	{ LTX_REC_KEY_HIST, 0, offsetof(struct ltx_key_hist, nbuckets), 0x20000000u, "buckets", "hist-buckets-huge" },
	{ LTX_REC_KEY_HIST, 0, offsetof(struct ltx_key_hist, nbuckets), 0, "buckets", "hist-buckets-zero" },
	{ LTX_REC_KEY_HIST, 0, offsetof(struct ltx_key_hist, nbuckets), 4, "run past its end", "hist-buckets-past" },
	{ LTX_REC_KEY_HIST, 0, offsetof(struct ltx_key_hist, key), 1, "refers to key 1", "hist-key" },
	{ LTX_REC_STACK, 0, offsetof(struct ltx_stack, nframes), 0xffffffffu, "run past its end", "stack-frames-huge" },
	{ LTX_REC_STACK, 0, offsetof(struct ltx_stack, nframes), 4, "run past its end", "stack-frames-past" },
	{ LTX_REC_STACK, 0, offsetof(struct ltx_stack, thread), 3, "refers to thread 3", "stack-thread" },
	{ LTX_REC_KEY_STACK, 0, offsetof(struct ltx_key_stack, key), 9, "refers to key 9", "keystack-key" },
	{ LTX_REC_KEY_STACK, 0, offsetof(struct ltx_key_stack, stack), 1, "refers to stack 1", "keystack-stack" },
	{ LTX_REC_KEY_STACK, 0, offsetof(struct ltx_key_stack, stack), 0xfffffff0u, "refers to stack", "keystack-stack-huge" },
	{ LTX_REC_TRACE, 0, offsetof(struct ltx_trace, nevents), 0x0aaaaaabu, "run past its end", "trace-events-huge" },
	{ LTX_REC_TRACE, 0, offsetof(struct ltx_trace, nevents), 3, "run past its end", "trace-events-past" },
	{ LTX_REC_TRACE, 0, offsetof(struct ltx_trace, thread), 1, "refers to thread 1", "trace-thread" },
	{ LTX_REC_TRACE, 0, sizeof(struct ltx_trace) + offsetof(struct ltx_trace_event, key), 5, "refers to key 5",
	  "trace-event-key" },
	{ LTX_REC_RULES, 0, offsetof(struct ltx_rules, text_len), 0xffffffffu, "run past its end", "rules-text-huge" },
	{ LTX_REC_RULES, 0, offsetof(struct ltx_rules, text_len), 19, "run past its end", "rules-text-past" },
	{ LTX_REC_MODULE, 0, offsetof(struct ltx_module, build_id_len), 0xffffffffu, "run past its end", "module-bid-huge" },
	{ LTX_REC_MODULE, 1, offsetof(struct ltx_module, path_len), 0xfffffffcu, "run past its end", "module-path-huge" },
	{ LTX_REC_PROCESS, 0, offsetof(struct ltx_process, exe_len), 0xfffffff8u, "run past its end", "process-exe-huge" },
	{ LTX_REC_PROCESS, 0, offsetof(struct ltx_process, cmdline_len), 0xfffffff8u, "run past its end",
	  "process-cmdline-huge" },
	{ LTX_REC_ENTRY, 0, offsetof(struct ltx_entry, name_len), 0x80000000u, "run past its end", "entry-name-huge" },
	{ LTX_REC_KEY, 0, offsetof(struct ltx_key, name_len), 0xfffffff0u, "run past its end", "key-name-huge" },
	{ LTX_REC_KEY, 0, offsetof(struct ltx_key, thread), 7, "refers to a thread", "key-thread" },
	{ LTX_REC_KEY, 0, offsetof(struct ltx_key, entry), 99, "refers to a thread or entry", "key-entry" },
	{ LTX_REC_KEY, 0, offsetof(struct ltx_key, calls) + 4, 0xffffffffu, "END record disagrees", "key-calls" },
	{ LTX_REC_THREAD, 0, offsetof(struct ltx_thread, index), 2, "out of order", "thread-index" },
	{ LTX_REC_KEY, 0, REC_HEADER, 0x7fffffffu, "exceeds the limit", "record-size-huge" },
	{ LTX_REC_KEY, 0, REC_HEADER, LTX_MAX_RECORD + 1, "exceeds the limit", "record-size-over" },
	{ LTX_REC_KEY, 0, REC_HEADER, 8, "needs at least", "record-size-short" },
	{ LTX_REC_END, 0, REC_HEADER, 0xfff8u, "truncated", "end-size-past" },
	{ LTX_REC_OUTPUT, 0, REC_HEADER, 8, "(OUTPUT) at byte", "output-size-short" },
};
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

/* Offset of the payload of the n-th record of a type, or 0. */
static size_t find_rec(const unsigned char *b, size_t len, uint32_t type, int nth);

static int make_hostile(unsigned char *c, size_t len, size_t i)
{
	size_t at = find_rec(c, len, hostile[i].type, hostile[i].nth);
	if (!at)
		return -1;
	uint32_t v = hostile[i].value;
	memcpy(c + (hostile[i].field == REC_HEADER ? at - 4 : at + hostile[i].field), &v, 4);
	return 0;
}

/* Writes a small file into a memory file; returns its bytes (caller frees). */
static unsigned char *sample_file_x(size_t *len, uint64_t calls, int with_11)
{
	FILE *mf = tmpfile();
	ck_assert_ptr_nonnull(mf);
	static unsigned char buf[100]; /* small: forces several flushes */
	struct ltx_writer w;
	ltx_w_init(&w, fileno(mf), buf, sizeof buf);
	ltx_w_header(&w, 0, LTX_FEAT_CALIB);
	struct ltx_process p = { .pid = 42, .start_mono_ns = 1000, .end_mono_ns = 1001000,
				 .start_tsc = 5000, .end_tsc = 2005000, .time_mode = LTX_TIME_SAMPLE,
				 .sample_every = 64, .exe_len = 8, .cmdline_len = 7 };
	ltx_w_record(&w, LTX_REC_PROCESS, &p, sizeof p, "/bin/app", 8, "app\0-x", 7);
	struct ltx_entry e = { 1, LTX_FAM_LEGACY, LTX_ENTRY_RESOLVED, 10 };
	ltx_w_record(&w, LTX_REC_ENTRY, &e, sizeof e, "legacy_log", 10, NULL, 0);
	struct ltx_thread t = { .index = 0, .tid = 42, .waits = 3, .name = "app" };
	ltx_w_record(&w, LTX_REC_THREAD, &t, sizeof t, NULL, 0, NULL, 0);
	struct ltx_key k = { .thread = 0, .entry = 1, .level = 2, .caller = 0x1234, .calls = calls,
			     .timed = 2, .ticks = 900, .name_len = 10 };
	ltx_w_record(&w, LTX_REC_KEY, &k, sizeof k, "util.event", 10, NULL, 0);
	if (with_11)
		write_11(&w);
	ck_assert_int_eq(ltx_w_finish(&w, calls), 0);
	fflush(mf);
	long n = ftell(mf);
	unsigned char *out = malloc((size_t)n);
	rewind(mf);
	ck_assert_uint_eq(fread(out, 1, (size_t)n, mf), (size_t)n);
	fclose(mf);
	*len = (size_t)n;
	return out;
}

static unsigned char *sample_file(size_t *len, uint64_t calls)
{
	return sample_file_x(len, calls, 0);
}

START_TEST(round_trip)
{
	size_t len;
	unsigned char *b = sample_file(&len, 77);
	ck_assert_uint_eq(len % 8, 0);
	struct ltx_file f;
	char err[256];
	ck_assert_msg(ltx_read_buf(b, len, &f, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(f.proc.pid, 42);
	ck_assert_str_eq(f.exe, "/bin/app");
	ck_assert_str_eq(f.cmdline, "app -x");
	ck_assert_uint_eq(f.nentries, 1);
	ck_assert_str_eq(f.entries[0].name, "legacy_log");
	ck_assert_uint_eq(f.nthreads, 1);
	ck_assert_uint_eq(f.threads[0].waits, 3);
	ck_assert_uint_eq(f.nkeys, 1);
	ck_assert_str_eq(f.keys[0].name, "util.event");
	ck_assert_uint_eq(f.keys[0].k.calls, 77);
	ck_assert_uint_eq(f.keys[0].k.caller, 0x1234);
	ck_assert(f.tick_hz > 1.99e9 && f.tick_hz < 2.01e9);
	ltx_file_free(&f);
	free(b);
}
END_TEST

static void expect_refused(const unsigned char *b, size_t len, const char *want)
{
	struct ltx_file f;
	char err[256] = "";
	ck_assert_int_eq(ltx_read_buf(b, len, &f, err, sizeof err), -1);
	ck_assert_msg(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(refuses_damage)
{
	size_t len;
	unsigned char *b = sample_file(&len, 5);
	/* every truncation */
	for (size_t cut = 0; cut < len; cut++) {
		struct ltx_file f;
		char err[256];
		ck_assert_int_eq(ltx_read_buf(b, cut, &f, err, sizeof err), -1);
	}
	ck_assert_uint_gt(len, 64);
	unsigned char *c = malloc(len);
	memcpy(c, b, len);
	c[0] ^= 1;
	expect_refused(c, len, "bad magic");
	memcpy(c, b, len);
	c[8] = LTX_VERSION_MAJOR + 1;
	expect_refused(c, len, "newer than this logtax reads");
	/* a key whose name length runs past the record */
	memcpy(c, b, len);
	size_t off = 64;
	while (off < len) {
		struct ltx_rec r;
		memcpy(&r, c + off, sizeof r);
		if (r.type == LTX_REC_KEY) {
			uint32_t huge = 0xfffffff0u;
			memcpy(c + off + 8 + offsetof(struct ltx_key, name_len), &huge, 4);
			break;
		}
		off += 8 + ((r.size + 7) & ~7u);
	}
	expect_refused(c, len, "lengths run past its end");
	/* a record size far beyond the file */
	memcpy(c, b, len);
	uint32_t big = 0x7fffffff;
	memcpy(c + 64 + 4, &big, 4);
	expect_refused(c, len, "exceeds the limit");
	free(c);
	free(b);
}
END_TEST

START_TEST(round_trip_11)
{
	size_t len;
	unsigned char *b = sample_file_x(&len, 7, 1);
	struct ltx_file f;
	char err[256];
	ck_assert_msg(ltx_read_buf(b, len, &f, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(f.skipped_records, 0);
	ck_assert_uint_eq(f.nhists, 1);
	ck_assert_ptr_nonnull(f.keys[0].hist);
	ck_assert_uint_eq(f.keys[0].hist_len, 3);
	ck_assert_uint_eq(f.keys[0].hist[2], 1);
	ck_assert_uint_eq(f.nstacks, 1);
	ck_assert_uint_eq(f.stacks[0].s.nframes, 3);
	ck_assert_uint_eq(f.stacks[0].frames[2], 0x3000);
	ck_assert_uint_eq(f.nkey_stacks, 2);
	ck_assert_uint_eq(f.key_stacks[0].count, 3);
	ck_assert_uint_eq(f.key_stacks[1].stack, LTX_STACK_LOST_FULL);
	ck_assert_uint_eq(f.ntraces, 1);
	ck_assert_uint_eq(f.traces[0].t.overwritten, 3);
	ck_assert_uint_eq(f.traces[0].events[1].kind, LTX_TEV_WAIT);
	ck_assert_int_eq(f.has_output, 1);
	ck_assert_uint_eq(f.output.signal, 15);
	ck_assert_uint_eq(f.output.failed, 2);
	ck_assert_uint_eq(f.output.last_errno, 28);
	ck_assert_uint_eq(f.output.last_failed_realtime_ns, 123);
	ltx_file_free(&f);
	free(b);
}
END_TEST

/* Offset of the payload of the n-th record of a type, or 0. */
static size_t find_rec(const unsigned char *b, size_t len, uint32_t type, int nth)
{
	for (size_t off = 64; off + 8 <= len;) {
		struct ltx_rec r;
		memcpy(&r, b + off, sizeof r);
		if (r.type == type && nth-- == 0)
			return off + 8;
		off += 8 + ((r.size + 7) & ~7u);
	}
	return 0;
}

/* Hostile 1.1 records: counts larger than the bytes present, references out
 * of range. Each is refused with one line, never read past the buffer (the
 * test runs under the same allocator checks as the rest). */
START_TEST(refuses_bad_11)
{
	size_t len;
	unsigned char *b = sample_file_x(&len, 7, 1), *c = malloc(len);
	for (size_t cut = 0; cut < len; cut++) {
		struct ltx_file f;
		char err[256];
		ck_assert_int_eq(ltx_read_buf(b, cut, &f, err, sizeof err), -1);
	}
	for (size_t i = 0; i < NHOSTILE; i++) {
		memcpy(c, b, len);
		ck_assert_int_eq(make_hostile(c, len, i), 0);
		expect_refused(c, len, hostile[i].want);
	}
	/* a second histogram for the same key */
	{
		FILE *mf = tmpfile();
		unsigned char wb[256];
		struct ltx_writer w;
		ltx_w_init(&w, fileno(mf), wb, sizeof wb);
		ltx_w_header(&w, 0, 0);
		struct ltx_process p = { .pid = 1 };
		ltx_w_record(&w, LTX_REC_PROCESS, &p, sizeof p, NULL, 0, NULL, 0);
		struct ltx_entry e = { 1, LTX_FAM_LEGACY, 0, 1 };
		ltx_w_record(&w, LTX_REC_ENTRY, &e, sizeof e, "x", 1, NULL, 0);
		struct ltx_thread t = { .index = 0 };
		ltx_w_record(&w, LTX_REC_THREAD, &t, sizeof t, NULL, 0, NULL, 0);
		struct ltx_key k = { .entry = 1, .calls = 1 };
		ltx_w_record(&w, LTX_REC_KEY, &k, sizeof k, NULL, 0, NULL, 0);
		struct ltx_key_hist h = { 0, 3 };
		ltx_w_record(&w, LTX_REC_KEY_HIST, &h, sizeof h, hist_counts, sizeof hist_counts, NULL, 0);
		ltx_w_record(&w, LTX_REC_KEY_HIST, &h, sizeof h, hist_counts, sizeof hist_counts, NULL, 0);
		ck_assert_int_eq(ltx_w_finish(&w, 1), 0);
		fflush(mf);
		long n = ftell(mf);
		unsigned char *d = malloc((size_t)n);
		rewind(mf);
		ck_assert_uint_eq(fread(d, 1, (size_t)n, mf), (size_t)n);
		fclose(mf);
		expect_refused(d, (size_t)n, "two histograms");
		free(d);
	}
	free(c);
	free(b);
}
END_TEST

/* Builds a file from records given as (type, payload, size) triples. */
struct rec {
	uint32_t type;
	const void *p;
	size_t n;
};
static unsigned char *build(const struct rec *r, size_t nr, uint64_t total, uint16_t minor, size_t *len)
{
	FILE *mf = tmpfile();
	unsigned char wb[256];
	struct ltx_writer w;
	ltx_w_init(&w, fileno(mf), wb, sizeof wb);
	ltx_w_header(&w, 0, 0);
	for (size_t i = 0; i < nr; i++)
		ltx_w_record(&w, r[i].type, r[i].p, r[i].n, NULL, 0, NULL, 0);
	ck_assert_int_eq(ltx_w_finish(&w, total), 0);
	fflush(mf);
	long n = ftell(mf);
	unsigned char *d = malloc((size_t)n);
	rewind(mf);
	ck_assert_uint_eq(fread(d, 1, (size_t)n, mf), (size_t)n);
	fclose(mf);
	memcpy(d + offsetof(struct ltx_header, version_minor), &minor, 2);
	*len = (size_t)n;
	return d;
}

/* Call counts whose sum does not fit in 64 bits; a later minor version
 * with a record type this reader does not know (skipped, the rest read). */
START_TEST(overflow_and_future)
{
	struct ltx_process p = { .pid = 1 };
	struct ltx_entry e = { 1, LTX_FAM_LEGACY, 0, 0 };
	struct ltx_thread t = { .index = 0 };
	struct ltx_key k = { .entry = 1, .calls = 1ull << 63 };
	uint64_t future[3] = { 1, 2, 3 };
	struct rec r[] = { { LTX_REC_PROCESS, &p, sizeof p }, { LTX_REC_ENTRY, &e, sizeof e }, { LTX_REC_THREAD, &t, sizeof t },
			   { LTX_REC_KEY, &k, sizeof k },	  { LTX_REC_KEY, &k, sizeof k },    { 200, future, sizeof future } };
	size_t len;
	unsigned char *d = build(r, 6, 0, LTX_VERSION_MINOR, &len);
	expect_refused(d, len, "overflow 64 bits");
	free(d);
	d = build(r, 6 - 2, (1ull << 63), 99, &len); /* one key: fits */
	struct ltx_file f;
	char err[256];
	ck_assert_msg(ltx_read_buf(d, len, &f, err, sizeof err) == 0, "%s", err);
	ltx_file_free(&f);
	free(d);
	struct rec r2[] = { r[0], r[1], r[2], r[3], r[5] };
	d = build(r2, 5, 1ull << 63, 99, &len);
	ck_assert_msg(ltx_read_buf(d, len, &f, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(f.hdr.version_minor, 99);
	ck_assert_uint_eq(f.skipped_records, 1);
	ck_assert_uint_eq(f.nkeys, 1);
	ltx_file_free(&f);
	free(d);
}
END_TEST

/* Libraries unloaded and loaded over each other's addresses: a key goes to
 * the one loaded at its first call (docs/FORMAT.md, MODULE). */
START_TEST(unloaded_modules)
{
	size_t len;
	unsigned char *b = sample_file_x(&len, 7, 1);
	struct ltx_file f;
	char err[256];
	ck_assert_msg(ltx_read_buf(b, len, &f, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(f.nmodules, 2);
	/* the sample: /bin/app loaded at the end, /lib/x.so gone at the 3rd unloading dlclose */
	ck_assert_str_eq(ltx_find_module_at(&f, 0x1800, 0)->path, "/lib/x.so");
	ck_assert_str_eq(ltx_find_module_at(&f, 0x1800, 2)->path, "/lib/x.so");
	ck_assert_str_eq(ltx_find_module_at(&f, 0x1800, 3)->path, "/bin/app");
	ck_assert_str_eq(ltx_find_module(&f, 0x1800)->path, "/bin/app");
	ck_assert_ptr_null(ltx_find_module(&f, 0x2000));
	ltx_file_free(&f);
	/* two unloaded over the same place, nothing loaded there at the end */
	struct ltx_module m1 = { 0, LTX_MODULE_UNLOADED | 5u << 8, 0, 0x1000, 0x2000, 0, 0 };
	struct ltx_module m2 = { 1, LTX_MODULE_UNLOADED | 2u << 8, 0, 0x1800, 0x2800, 0, 0 };
	struct ltx_process p = { .pid = 1 };
	struct rec r[] = { { LTX_REC_PROCESS, &p, sizeof p }, { LTX_REC_MODULE, &m1, sizeof m1 },
			   { LTX_REC_MODULE, &m2, sizeof m2 } };
	unsigned char *d = build(r, 3, 0, LTX_VERSION_MINOR, &len);
	ck_assert_msg(ltx_read_buf(d, len, &f, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(ltx_find_module_at(&f, 0x1900, 0)->m.id, 1); /* m2 went first (2): it was there */
	ck_assert_uint_eq(ltx_find_module_at(&f, 0x1900, 2)->m.id, 0); /* after it went, m1 (5) came */
	ck_assert_uint_eq(ltx_find_module_at(&f, 0x1900, 5)->m.id, 0); /* after both: the last to go */
	ck_assert_uint_eq(ltx_find_module(&f, 0x1900)->m.id, 0);
	ltx_file_free(&f);
	free(d);
	free(b);
}
END_TEST

/* KEY_RULE (1.4): read onto its key; a missing key, a second record for a
 * key and an unknown action are refused. */
START_TEST(key_rules)
{
	struct ltx_process p = { .pid = 1 };
	struct ltx_entry e = { 1, LTX_FAM_LEGACY, 0, 0 };
	struct ltx_thread t = { .index = 0 };
	struct ltx_key kk = { .entry = 1, .calls = 3 }, kd = { .entry = 1, .calls = 7, .action = LTX_ACT_DROP };
	struct ltx_key_rule r0 = { 0, 2, LTX_ACT_SAMPLE, 0 }, r1 = { 1, 2, LTX_ACT_SAMPLE, 0 };
	struct ltx_key_rule bad_key = { 2, 0, LTX_ACT_DROP, 0 }, bad_act = { 1, 0, 4, 0 };
	struct rec r[] = { { LTX_REC_PROCESS, &p, sizeof p }, { LTX_REC_ENTRY, &e, sizeof e },
			   { LTX_REC_THREAD, &t, sizeof t },   { LTX_REC_KEY, &kk, sizeof kk },
			   { LTX_REC_KEY_RULE, &r0, sizeof r0 }, { LTX_REC_KEY, &kd, sizeof kd },
			   { LTX_REC_KEY_RULE, &r1, sizeof r1 } };
	size_t len;
	struct ltx_file f;
	char err[256];
	unsigned char *d = build(r, 7, 10, LTX_VERSION_MINOR, &len);
	ck_assert_msg(ltx_read_buf(d, len, &f, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(f.keys[0].rule, 3);
	ck_assert_uint_eq(f.keys[0].rule_action, LTX_ACT_SAMPLE);
	ck_assert_uint_eq(f.keys[1].rule, 3);
	ltx_file_free(&f);
	free(d);
	r[6].p = &r0; /* a second one for key 0 */
	d = build(r, 7, 10, LTX_VERSION_MINOR, &len);
	expect_refused(d, len, "two key rule records");
	free(d);
	r[6].p = &bad_key;
	d = build(r, 7, 10, LTX_VERSION_MINOR, &len);
	expect_refused(d, len, "refers to key 2");
	free(d);
	r[6].p = &bad_act;
	d = build(r, 7, 10, LTX_VERSION_MINOR, &len);
	expect_refused(d, len, "out of range");
	free(d);
}
END_TEST

START_TEST(refuses_count_mismatch)
{
	/* END says other totals than the keys add up to */
	size_t len;
	unsigned char *b = sample_file(&len, 5);
	uint64_t wrong = 6;
	memcpy(b + len - 8, &wrong, 8);
	expect_refused(b, len, "END record disagrees");
	free(b);
}
END_TEST

START_TEST(writer_reports_errors)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]); /* writes now fail with EPIPE */
	signal(SIGPIPE, SIG_IGN);
	unsigned char buf[64];
	struct ltx_writer w;
	ltx_w_init(&w, fds[1], buf, sizeof buf);
	ltx_w_header(&w, 0, 0);
	ck_assert_int_ne(ltx_w_finish(&w, 0), 0);
	close(fds[1]);
}
END_TEST

/* With LTX_HOSTILE_DIR set: the hostile files, DIR/NAME.ltx, each with
 * DIR/NAME.want holding what its error must say (tests/e2e/t-bad-files.sh). */
START_TEST(write_hostile)
{
	const char *dir = getenv("LTX_HOSTILE_DIR");
	if (!dir)
		return;
	size_t len;
	unsigned char *b = sample_file_x(&len, 7, 1), *c = malloc(len);
	for (size_t i = 0; i < NHOSTILE; i++) {
		memcpy(c, b, len);
		ck_assert_int_eq(make_hostile(c, len, i), 0);
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.ltx", dir, hostile[i].name);
		FILE *o = fopen(path, "w");
		ck_assert_msg(o && fwrite(c, 1, len, o) == len && fclose(o) == 0, "cannot write %s", path);
		snprintf(path, sizeof path, "%s/%s.want", dir, hostile[i].name);
		o = fopen(path, "w");
		ck_assert_msg(o && fprintf(o, "%s\n", hostile[i].want) > 0 && fclose(o) == 0, "cannot write %s", path);
	}
	free(c);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, layout);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, refuses_damage);
	tcase_add_test(tc, refuses_count_mismatch);
	tcase_add_test(tc, round_trip_11);
	tcase_add_test(tc, refuses_bad_11);
	tcase_add_test(tc, overflow_and_future);
	tcase_add_test(tc, unloaded_modules);
	tcase_add_test(tc, key_rules);
	tcase_add_test(tc, write_hostile);
	tcase_add_test(tc, writer_reports_errors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
