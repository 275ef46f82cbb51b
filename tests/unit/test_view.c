/* The model's view (analyzer/view.h), on a data file written here: every
 * fact the reports read comes from the view, so each must be the file's
 * own (process, output, entry points, modules, rules, threads, keys with
 * their level names, stacks by id, trace parts and events). */
#include "../../analyzer/model.h"
#include "../../analyzer/table.h"
#include "../../common/ltx_format.h"
#include "../../common/ltx_levels.h"
#include "../../common/ltx_read.h"
#include "../../common/ltx_write.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One process (pid 42, killed by SIGTERM), its clock at 1 GHz; two threads;
 * three keys: "net" kept at level 2 with a histogram, a nameless one, "db"
 * dropped under generation 1; two stacks (the second in thread 1) and a
 * lost pick; a trace of the main thread: a wait, a call of "net", a
 * dropped call of "db". */
static unsigned char *make(size_t *len)
{
	FILE *mf = tmpfile();
	static unsigned char buf[8192];
	struct ltx_writer w;
	ltx_w_init(&w, fileno(mf), buf, sizeof buf);
	ltx_w_header(&w, 0, LTX_FEAT_CALIB | LTX_FEAT_HIST | LTX_FEAT_STACKS | LTX_FEAT_TRACE);
	struct ltx_process p = { .pid = 42, .ppid = 1, .uid = 1000, .reason = LTX_REASON_SIGNAL,
				 .start_realtime_ns = 5000, .start_mono_ns = 100, .end_mono_ns = 1000000100,
				 .start_tsc = 0, .end_tsc = 1000000000, .end_realtime_ns = 1000005000,
				 .time_mode = LTX_TIME_ALL, .sample_every = 1, .clock_flags = LTX_CLOCK_TSC_INVARIANT,
				 .exe_len = 9, .cmdline_len = 11, .late_calls = 3 };
	ltx_w_record(&w, LTX_REC_PROCESS, &p, sizeof p, "/bin/demo", 9, "demo --fast", 11);
	struct ltx_calib c = { .calls = 100, .rounds = 3, .direct_ticks = 100, .count_ticks = 200,
			       .drop_ticks = 150, .timed_ticks = 300, .window_ticks = 500 };
	ltx_w_record(&w, LTX_REC_CALIB, &c, sizeof c, NULL, 0, NULL, 0);
	struct ltx_output o = { .signal = 15, .snapshot_every = 1, .flags = LTX_OUT_NO_FOLLOW, .writes = 2,
				.failed = 1, .last_errno = 28, .last_reason = LTX_REASON_SNAPSHOT,
				.last_failed_realtime_ns = 777 };
	ltx_w_record(&w, LTX_REC_OUTPUT, &o, sizeof o, NULL, 0, NULL, 0);
	struct ltx_entry e = { 1, LTX_FAM_LEGACY, LTX_ENTRY_RESOLVED, 10 };
	ltx_w_record(&w, LTX_REC_ENTRY, &e, sizeof e, "legacy_log", 10, NULL, 0);
	const unsigned char bid[3] = { 0xab, 0x01, 0xff };
	struct ltx_module mod = { .id = 0, .flags = LTX_MODULE_UNLOADED, .bias = 0x400000, .lo = 0x400000,
				  .hi = 0x500000, .build_id_len = 3, .path_len = 23 };
	ltx_w_record(&w, LTX_REC_MODULE, &mod, sizeof mod, bid, 3, "/nonexistent/libgone.so", 23);
	struct ltx_thread t0 = { .index = 0, .tid = 42, .flags = LTX_THREAD_MAIN, .name = "demo", .waits = 2,
				 .wait_ticks = 1000, .busy_ticks = 9000, .pre_loop_kept = 1, .untimed_full = 4,
				 .reentered = 5 };
	ltx_w_record(&w, LTX_REC_THREAD, &t0, sizeof t0, NULL, 0, NULL, 0);
	struct ltx_thread t1 = { .index = 1, .tid = 43, .flags = LTX_THREAD_EXITED, .name = "worker" };
	ltx_w_record(&w, LTX_REC_THREAD, &t1, sizeof t1, NULL, 0, NULL, 0);
	struct ltx_rules ru = { .gen = 1, .text_len = 8, .applied_mono_ns = 600 };
	ltx_w_record(&w, LTX_REC_RULES, &ru, sizeof ru, "drop:db*", 8, NULL, 0);
	struct ltx_key k0 = { .thread = 0, .entry = 1, .level = 2, .caller = 0x401000, .name_ptr = 0x9000,
			      .calls = 10, .timed = 10, .ticks = 1000, .name_len = 3 };
	ltx_w_record(&w, LTX_REC_KEY, &k0, sizeof k0, "net", 3, NULL, 0);
	struct ltx_key k1 = { .thread = 1, .entry = 1, .level = 4, .flags = LTX_KEY_NO_NAME, .caller = 0x402000,
			      .calls = 7, .timed = 7, .ticks = 700 };
	ltx_w_record(&w, LTX_REC_KEY, &k1, sizeof k1, NULL, 0, NULL, 0);
	struct ltx_key k2 = { .thread = 0, .entry = 1, .level = 1, .gen = 1, .action = LTX_ACT_DROP,
			      .caller = 0x403000, .calls = 5, .name_len = 2 };
	ltx_w_record(&w, LTX_REC_KEY, &k2, sizeof k2, "db", 2, NULL, 0);
	struct ltx_key_hist h = { 0, 8 };
	const uint64_t counts[8] = { 0, 0, 0, 0, 0, 0, 6, 4 };
	ltx_w_record(&w, LTX_REC_KEY_HIST, &h, sizeof h, counts, sizeof counts, NULL, 0);
	const uint64_t frames0[2] = { 0x401000, 0x401500 }, frames1[1] = { 0x402000 };
	struct ltx_stack s0 = { .thread = 0, .nframes = 2, .flags = LTX_STACK_TRUNCATED, .max_depth = 2, .every = 1 };
	ltx_w_record(&w, LTX_REC_STACK, &s0, sizeof s0, frames0, sizeof frames0, NULL, 0);
	struct ltx_stack s1 = { .thread = 1, .nframes = 1, .max_depth = 2, .every = 1 };
	ltx_w_record(&w, LTX_REC_STACK, &s1, sizeof s1, frames1, sizeof frames1, NULL, 0);
	struct ltx_key_stack ks[3] = { { 0, 0, 6, 60 }, { 1, 1, 7, 70 }, { 0, LTX_STACK_LOST_BUSY, 4, 0 } };
	for (int i = 0; i < 3; i++)
		ltx_w_record(&w, LTX_REC_KEY_STACK, &ks[i], sizeof ks[i], NULL, 0, NULL, 0);
	struct ltx_trace tr = { .thread = 0, .nevents = 3, .capacity = 16, .chunk = 0, .recorded = 20,
				.overwritten = 17 };
	const struct ltx_trace_event ev[3] = {
		{ .start = 1000, .ticks = 400, .key = LTX_NO_KEY, .kind = LTX_TEV_WAIT },
		{ .start = 2000, .ticks = 105, .key = 0, .kind = LTX_TEV_CALL },
		{ .start = 3000, .ticks = 0, .key = 2, .kind = LTX_TEV_CALL, .flags = LTX_TEV_DROPPED | LTX_TEV_UNTIMED },
	};
	ltx_w_record(&w, LTX_REC_TRACE, &tr, sizeof tr, ev, sizeof ev, NULL, 0);
	ck_assert_int_eq(ltx_w_finish(&w, 22), 0);
	fflush(mf);
	long n = ftell(mf);
	ck_assert_int_gt(n, 0);
	unsigned char *out = malloc((size_t)n);
	rewind(mf);
	ck_assert_uint_eq(fread(out, 1, (size_t)n, mf), (size_t)n);
	fclose(mf);
	*len = (size_t)n;
	return out;
}

static void build(struct ltx_file *f, struct an_model *m)
{
	size_t len;
	unsigned char *b = make(&len);
	char err[256];
	ck_assert_msg(ltx_read_buf(b, len, f, err, sizeof err) == 0, "%s", err);
	free(b);
	ck_assert_int_eq(an_model_build(m, f, 1, NULL), 0);
}

/* A file with one hooked function given a level scale (ENTRY_LEVELS, 1.3);
 * entry_id names the entry the scale is for. */
static unsigned char *make_scaled(size_t *len, uint32_t entry_id)
{
	FILE *mf = tmpfile();
	ck_assert_ptr_nonnull(mf);
	static unsigned char buf[4096];
	struct ltx_writer w;
	ltx_w_init(&w, fileno(mf), buf, sizeof buf);
	ltx_w_header(&w, 0, 0);
	struct ltx_process p = { .pid = 7, .end_mono_ns = 1000, .end_tsc = 1000, .exe_len = 4 };
	ltx_w_record(&w, LTX_REC_PROCESS, &p, sizeof p, "/bin", 4, NULL, 0);
	struct ltx_entry e = { 64, LTX_FAM_HOOK, LTX_ENTRY_RESOLVED, 7 };
	ltx_w_record(&w, LTX_REC_ENTRY, &e, sizeof e, "ngx_log", 7, NULL, 0);
	const struct ltx_level_pair sc[2] = { { 8, LTX_LVL_DEBUG }, { 4, LTX_LVL_ERROR } };
	struct ltx_entry_levels el = { entry_id, 2 };
	ltx_w_record(&w, LTX_REC_ENTRY_LEVELS, &el, sizeof el, sc, sizeof sc, NULL, 0);
	struct ltx_thread t0 = { .index = 0, .tid = 7, .flags = LTX_THREAD_MAIN, .name = "ngx" };
	ltx_w_record(&w, LTX_REC_THREAD, &t0, sizeof t0, NULL, 0, NULL, 0);
	int32_t levels[3] = { 8, 4, 5 };
	for (int i = 0; i < 3; i++) {
		struct ltx_key k = { .thread = 0, .entry = 64, .level = levels[i], .flags = LTX_KEY_NO_NAME,
				     .caller = 0x1000 + (uint64_t)i, .calls = 1 };
		ltx_w_record(&w, LTX_REC_KEY, &k, sizeof k, NULL, 0, NULL, 0);
	}
	ck_assert_int_eq(ltx_w_finish(&w, 3), 0);
	fflush(mf);
	long n = ftell(mf);
	unsigned char *out = malloc((size_t)n);
	rewind(mf);
	ck_assert_uint_eq(fread(out, 1, (size_t)n, mf), (size_t)n);
	fclose(mf);
	*len = (size_t)n;
	return out;
}

START_TEST(hook_scale)
{
	size_t len;
	unsigned char *b = make_scaled(&len, 64);
	struct ltx_file f;
	struct an_model m;
	char err[256];
	ck_assert_msg(ltx_read_buf(b, len, &f, err, sizeof err) == 0, "%s", err);
	free(b);
	ck_assert_uint_eq(f.entries[0].nlevels, 2);
	ck_assert_int_eq(an_model_build(&m, &f, 1, NULL), 0);
	ck_assert_uint_eq(m.nkeys, 3);
	for (size_t i = 0; i < m.nkeys; i++) {
		const struct an_key *k = &m.keys[i];
		ck_assert_str_eq(k->family_name, "hook");
		ck_assert_str_eq(k->level_name, k->level == 8 ? "debug" : k->level == 4 ? "error" : "?");
	}
	an_model_free(&m);
	ltx_file_free(&f);
	/* a scale for an entry the file does not have is refused */
	b = make_scaled(&len, 65);
	ck_assert_int_eq(ltx_read_buf(b, len, &f, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "ENTRY_LEVELS"));
	free(b);
}
END_TEST

START_TEST(process_and_file)
{
	struct ltx_file f;
	struct an_model m;
	build(&f, &m);
	ck_assert_uint_eq(m.nprocs, 1);
	const struct an_proc *p = &m.procs[0];
	ck_assert_uint_eq(p->pid, 42);
	ck_assert_uint_eq(p->ppid, 1);
	ck_assert_uint_eq(p->uid, 1000);
	ck_assert_str_eq(p->exe, "/bin/demo");
	ck_assert_str_eq(p->cmdline, "demo --fast");
	ck_assert_int_eq(p->reason, AN_REASON_SIGNAL);
	ck_assert(!p->snapshot);
	ck_assert_uint_eq(p->start_mono_ns, 100);
	ck_assert_uint_eq(p->end_realtime_ns, 1000005000);
	ck_assert(p->tsc_invariant);
	ck_assert_uint_eq(p->time_mode, AN_TIME_ALL);
	ck_assert_uint_eq(p->late_calls, 3);
	ck_assert(p->has_calib);
	ck_assert_uint_eq(p->calib.rounds, 3);
	ck_assert_uint_eq(p->calib.drop_ticks, 150);
	ck_assert(p->has_output);
	ck_assert_uint_eq(p->output.signal, 15);
	ck_assert(p->output.no_follow);
	ck_assert(!p->output.exec_failed);
	ck_assert_uint_eq(p->output.failed, 1);
	ck_assert_uint_eq(p->output.last_errno, 28);
	ck_assert_uint_eq(p->output.last_reason, AN_REASON_SNAPSHOT);
	ck_assert(p->feat_stacks && p->feat_trace && p->has_stacks);
	ck_assert_uint_eq(p->nstacks_kept, 2);
	ck_assert_uint_eq(p->nentries, 1);
	ck_assert_str_eq(p->entries[0].name, "legacy_log");
	ck_assert_str_eq(p->entries[0].family, ltx_family_name(LTX_FAM_LEGACY));
	ck_assert(p->entries[0].resolved);
	ck_assert_uint_eq(p->nmodules, 1);
	ck_assert_str_eq(p->modules[0].path, "/nonexistent/libgone.so");
	ck_assert_str_eq(p->modules[0].build_id, "ab01ff");
	ck_assert_uint_eq(p->modules[0].hi, 0x500000);
	ck_assert(p->modules[0].unloaded);
	ck_assert_int_eq(p->modules[0].status, AN_MOD_GONE);
	ck_assert_uint_eq(p->nrules, 1);
	ck_assert_uint_eq(p->rules[0].gen, 1);
	ck_assert_uint_eq(p->rules[0].applied_mono_ns, 600);
	ck_assert_str_eq(p->rules[0].text, "drop:db*");
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(threads_and_keys)
{
	struct ltx_file f;
	struct an_model m;
	build(&f, &m);
	ck_assert_uint_eq(m.nthreads, 2);
	const struct an_thread *t0 = &m.threads[0], *t1 = &m.threads[1];
	ck_assert_uint_eq(t0->pid, 42);
	ck_assert_uint_eq(t0->tid, 42);
	ck_assert_str_eq(t0->name, "demo");
	ck_assert(t0->is_main && !t0->exited && !t0->folded);
	ck_assert_uint_eq(t0->waits, 2);
	ck_assert_uint_eq(t0->busy_ticks, 9000);
	ck_assert_uint_eq(t0->pre_loop_kept, 1);
	ck_assert_uint_eq(t0->untimed_full, 4);
	ck_assert_uint_eq(t0->reentered, 5);
	ck_assert_uint_eq(t1->index, 1);
	ck_assert_uint_eq(t1->tid, 43);
	ck_assert(t1->exited && !t1->is_main);
	ck_assert_uint_eq(m.nkeys, 3);
	const struct an_key *net = &m.keys[0], *anon = &m.keys[1], *db = &m.keys[2];
	ck_assert_str_eq(net->name, "net");
	ck_assert(!net->no_name && !net->dropped);
	ck_assert_uint_eq(net->pid, 42);
	ck_assert_uint_eq(net->tid, 42);
	ck_assert_int_eq(net->level, 2);
	ck_assert_str_eq(net->level_name, ltx_level_name(ltx_level_of(LTX_FAM_LEGACY, 2)));
	ck_assert_str_eq(net->family_name, ltx_family_name(LTX_FAM_LEGACY));
	ck_assert_uint_eq(net->calls, 10);
	ck_assert_uint_eq(net->ticks, 1000);
	ck_assert_uint_eq(net->caller, 0x401000);
	ck_assert_uint_eq(net->name_ptr, 0x9000);
	ck_assert_ptr_nonnull(net->hist);
	ck_assert_uint_eq(net->hist_len, 8);
	ck_assert_uint_eq(net->hist[7], 4);
	ck_assert(anon->no_name);
	ck_assert_uint_eq(anon->tid, 43);
	ck_assert_str_eq(anon->level_name, ltx_level_name(ltx_level_of(LTX_FAM_LEGACY, 4)));
	ck_assert_ptr_null(anon->hist);
	ck_assert(db->dropped);
	ck_assert_uint_eq(db->gen, 1);
	ck_assert_uint_eq(db->calls, 5);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(stacks_by_id)
{
	struct ltx_file f;
	struct an_model m;
	build(&f, &m);
	ck_assert_uint_eq(m.nstacks, 2);
	/* most calls first: stack 1 (7 calls) before stack 0 (6) */
	ck_assert_uint_eq(m.stacks[0].id, 1);
	ck_assert_uint_eq(m.stacks[0].count, 7);
	for (size_t id = 0; id < 2; id++)
		ck_assert_uint_eq(m.stack_ids[id]->id, id);
	const struct an_stack *s0 = m.stack_ids[0], *s1 = m.stack_ids[1];
	ck_assert(s0->truncated && !s1->truncated);
	ck_assert_uint_eq(s0->nframes, 2);
	ck_assert_uint_eq(s0->thread, 0);
	ck_assert_uint_eq(s1->thread, 1);
	ck_assert_uint_eq(s0->max_depth, 2);
	ck_assert_uint_eq(an_stack_frame(&m, s0, 1)->addr, 0x401500);
	ck_assert_str_eq(an_stack_frame(&m, s1, 0)->module, "/nonexistent/libgone.so");
	ck_assert_uint_eq(m.nstack_rows, 3);
	size_t lost = 0, kept = 0;
	for (size_t i = 0; i < m.nstack_rows; i++) {
		const struct an_stack_row *r = &m.stack_rows[i];
		if (!r->stack) {
			lost++;
			ck_assert_int_eq(r->lost, AN_STACK_LOST_BUSY);
			ck_assert_uint_eq(r->key, 0);
		} else {
			kept++;
			ck_assert_int_eq(r->lost, AN_STACK_KEPT);
			ck_assert_ptr_eq(r->stack, m.stack_ids[r->key == 0 ? 0 : 1]);
		}
	}
	ck_assert_uint_eq(lost, 1);
	ck_assert_uint_eq(kept, 2);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(trace_events)
{
	struct ltx_file f;
	struct an_model m;
	build(&f, &m);
	ck_assert_uint_eq(m.nchunks, 1);
	ck_assert_uint_eq(m.procs[0].chunk0, 0);
	ck_assert_uint_eq(m.procs[0].nchunks, 1);
	const struct an_trace_chunk *c = &m.chunks[0];
	ck_assert_uint_eq(c->tid, 42);
	ck_assert_uint_eq(c->thread, 0);
	ck_assert_uint_eq(c->capacity, 16);
	ck_assert_uint_eq(c->recorded, 20);
	ck_assert_uint_eq(c->overwritten, 17);
	ck_assert_uint_eq(c->nevents, 3);
	struct an_event e;
	an_trace_event(&m, c, 0, &e);
	ck_assert(e.wait);
	ck_assert_uint_eq(e.key, AN_NO_KEY);
	ck_assert(fabs(e.start_ns - 1000) < 1e-9);
	ck_assert(fabs(e.dur_ns - 400) < 1e-9); /* a wait keeps its whole time */
	an_trace_event(&m, c, 1, &e);
	ck_assert(!e.wait && !e.dropped && !e.untimed);
	ck_assert_uint_eq(e.key, 0);
	/* the shim's window share (500 ticks / 100 calls) taken out */
	ck_assert(fabs(e.dur_ns - 100) < 1e-9);
	an_trace_event(&m, c, 2, &e);
	ck_assert(e.dropped && e.untimed);
	ck_assert_uint_eq(e.key, 2);
	ck_assert(e.dur_ns == 0);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

/* Text tables: names cut in the middle to the column's limit, numbers
 * never; every row's columns where the heading's are. */
START_TEST(text_tables)
{
	char buf[64];
	ck_assert_str_eq(an_fit("event_dispatch_handles (inlined in main)", 20, buf, sizeof buf), "event_dis...in main)");
	ck_assert_uint_eq(strlen(buf), 20);
	ck_assert_str_eq(an_fit("short", 20, buf, sizeof buf), "short");
	ck_assert_str_eq(an_fit("abcdefgh", 4, buf, sizeof buf), "abcd");
	ck_assert_str_eq(an_fit("abcdefgh", 7, buf, sizeof buf), "ab...gh");
	static const struct an_col cols[] = { { "function", 0, 20 }, { "calls", 1, 0 }, { "named by", 0, 0 } };
	struct an_table *t = an_table_new(cols, 3);
	const char *r1[] = { "event_dispatch_handles (inlined in main)", "1,234,567,890", "debuginfo" };
	const char *r2[] = { "w", "3", NULL };
	an_table_add(t, r1, "[note]");
	an_table_add(t, r2, NULL);
	char out[1024];
	FILE *o = fmemopen(out, sizeof out, "w");
	an_table_print(o, t, "  ");
	fclose(o);
	an_table_free(t);
	ck_assert_str_eq(out, "  function                      calls  named by\n"
			      "  event_dis...in main)  1,234,567,890  debuginfo  [note]\n"
			      "  w                                 3  -\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("view");
	tcase_add_test(tc, process_and_file);
	tcase_add_test(tc, threads_and_keys);
	tcase_add_test(tc, stacks_by_id);
	tcase_add_test(tc, trace_events);
	tcase_add_test(tc, hook_scale);
	tcase_add_test(tc, text_tables);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
