/* The analyzer's estimates, on data files written here with known numbers:
 * long timed windows are counted once (not scaled by the sampling rate),
 * and busy time is taken as the CPU share of it the sampled periods show. */
#include "../../analyzer/model.h"
#include "../../common/ltx_format.h"
#include "../../common/ltx_read.h"
#include "../../common/ltx_write.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file of one process whose clock runs at 1 GHz (1 tick = 1 ns) and whose
 * calibration says the shim's timed window holds 5 ticks of its own. */
struct spec {
	uint32_t time_mode, sample_every;
	uint64_t calls, timed, ticks;   /* the one key */
	uint64_t tail_timed, tail_ticks; /* its KEY_ONCE long windows */
	uint64_t first;                  /* its first call's window, if not 0 */
	uint64_t waits, busy_ticks;     /* the one thread */
	uint64_t cpu_samples, cpu_sampled_ticks, cpu_ns;
	/* a second key of the same source at another call site (if k2_calls) */
	uint64_t k2_calls, k2_timed, k2_ticks, k2_first;
	/* 1.4: the thread's CPU time and jobs, the process's CPU time (if not 0) */
	uint64_t thread_cpu_ns, proc_cpu_ns, jobs, pre_jobs_kept;
	/* KEY_SITE records: 1 one for key 0, 2 two for it, 3 one for a key
	 * that is not there, 4 one with a name over 255 bytes */
	int site;
};

static unsigned char *make(const struct spec *sp, size_t *len)
{
	FILE *mf = tmpfile();
	static unsigned char buf[4096];
	struct ltx_writer w;
	ltx_w_init(&w, fileno(mf), buf, sizeof buf);
	ltx_w_header(&w, 0, LTX_FEAT_CALIB);
	struct ltx_process p = { .pid = 7, .start_mono_ns = 0, .end_mono_ns = 1000000000, .start_tsc = 0,
				 .end_tsc = 1000000000, .time_mode = sp->time_mode, .sample_every = sp->sample_every };
	ltx_w_record(&w, LTX_REC_PROCESS, &p, sizeof p, NULL, 0, NULL, 0);
	struct ltx_calib c = { .calls = 100, .rounds = 1, .direct_ticks = 100, .count_ticks = 100,
			       .drop_ticks = 100, .timed_ticks = 100, .window_ticks = 500 };
	ltx_w_record(&w, LTX_REC_CALIB, &c, sizeof c, NULL, 0, NULL, 0);
	struct ltx_entry e = { 1, LTX_FAM_LEGACY, LTX_ENTRY_RESOLVED, 10 };
	ltx_w_record(&w, LTX_REC_ENTRY, &e, sizeof e, "legacy_log", 10, NULL, 0);
	struct ltx_thread t = { .index = 0, .tid = 7, .flags = LTX_THREAD_MAIN, .waits = sp->waits,
				.busy_ticks = sp->busy_ticks };
	ltx_w_record(&w, LTX_REC_THREAD, &t, sizeof t, NULL, 0, NULL, 0);
	if (sp->cpu_samples) {
		struct ltx_thread_cpu tc = { 0, 0, sp->cpu_samples, sp->cpu_sampled_ticks, sp->cpu_ns };
		ltx_w_record(&w, LTX_REC_THREAD_CPU, &tc, sizeof tc, NULL, 0, NULL, 0);
	}
	if (sp->thread_cpu_ns || sp->jobs) {
		struct ltx_thread_time tt = { .thread = 0, .flags = sp->thread_cpu_ns ? LTX_TT_CPU : 0,
					      .cpu_ns = sp->thread_cpu_ns, .jobs = sp->jobs,
					      .pre_jobs_kept = sp->pre_jobs_kept };
		ltx_w_record(&w, LTX_REC_THREAD_TIME, &tt, sizeof tt, NULL, 0, NULL, 0);
	}
	if (sp->proc_cpu_ns) {
		struct ltx_process_cpu pc = { sp->proc_cpu_ns, sp->jobs ? LTX_PCPU_JOBS : 0, 0 };
		ltx_w_record(&w, LTX_REC_PROCESS_CPU, &pc, sizeof pc, NULL, 0, NULL, 0);
	}
	struct ltx_key k = { .thread = 0, .entry = 1, .level = 1, .caller = 0x1000, .calls = sp->calls,
			     .timed = sp->timed, .ticks = sp->ticks, .name_len = 4 };
	ltx_w_record(&w, LTX_REC_KEY, &k, sizeof k, "demo", 4, NULL, 0);
	if (sp->site) {
		static char longname[300];
		memset(longname, 'f', sizeof longname);
		struct ltx_key_site ks = { sp->site == 3 ? 9 : 0, 194, 24, 29, 0, 0 };
		if (sp->site == 4)
			ks.func_len = 256;
		ltx_w_record(&w, LTX_REC_KEY_SITE, &ks, sizeof ks, sp->site == 4 ? longname : "virEventGLibHandleUpdate",
			     ks.func_len, "../../src/util/vireventglib.c", ks.file_len);
		if (sp->site == 2)
			ltx_w_record(&w, LTX_REC_KEY_SITE, &ks, sizeof ks, "virEventGLibHandleUpdate", ks.func_len,
				     "../../src/util/vireventglib.c", ks.file_len);
	}
	if (sp->tail_timed || sp->first) {
		struct ltx_key_once ko = { 0, LTX_TAIL_SHIFT, sp->tail_timed, sp->tail_ticks, sp->first, 0, 0 };
		if (sp->first)
			ko.flags = LTX_ONCE_FIRST | (sp->first >> LTX_TAIL_SHIFT ? LTX_ONCE_FIRST_LONG : 0);
		ltx_w_record(&w, LTX_REC_KEY_ONCE, &ko, sizeof ko, NULL, 0, NULL, 0);
	}
	if (sp->k2_calls) {
		struct ltx_key k2 = { .thread = 0, .entry = 1, .level = 1, .caller = 0x2000, .calls = sp->k2_calls,
				      .timed = sp->k2_timed, .ticks = sp->k2_ticks, .name_len = 4 };
		ltx_w_record(&w, LTX_REC_KEY, &k2, sizeof k2, "demo", 4, NULL, 0);
		struct ltx_key_once ko = { 1, LTX_TAIL_SHIFT, 0, 0, sp->k2_first, LTX_ONCE_FIRST, 0 };
		if (sp->k2_first >> LTX_TAIL_SHIFT) {
			ko.flags |= LTX_ONCE_FIRST_LONG;
			ko.tail_timed = 1;
			ko.tail_ticks = sp->k2_first;
		}
		ltx_w_record(&w, LTX_REC_KEY_ONCE, &ko, sizeof ko, NULL, 0, NULL, 0);
	}
	ck_assert_int_eq(ltx_w_finish(&w, sp->calls + sp->k2_calls), 0);
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

static void build(const struct spec *sp, struct ltx_file *f, struct an_model *m)
{
	size_t len;
	unsigned char *b = make(sp, &len);
	char err[256];
	ck_assert_msg(ltx_read_buf(b, len, f, err, sizeof err) == 0, "%s", err);
	free(b);
	struct an_opts opt;
	memset(&opt, 0, sizeof opt);
	ck_assert_int_eq(an_model_build(m, f, 1, &opt), 0);
	ck_assert_uint_eq(m->nkeys, sp->k2_calls ? 2 : 1);
}

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-6 * (fabs(b) + 1), "%.6f != %.6f", (double)(a), (double)(b))

START_TEST(sampled_without_tail)
{
	/* 100 timed windows of 25 ticks: 20 ns each once the 5-tick window share is out */
	struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 100, 2500, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	NEAR(m.keys[0].ns_per_call, 20.0);
	NEAR(m.keys[0].est_ns, 6400 * 20.0);
	ck_assert_uint_eq(m.keys[0].tail_timed, 0);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(long_window_counted_once)
{
	/* 99 windows of 25 ticks and one of 1,000,000 (a preemption): the long
	 * one stands for itself, the 99 for the other 6,399 calls */
	struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 100, 99 * 25 + 1000000, 1, 1000000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	double want = 6399 * 20.0 + (1000000.0 - 5);
	NEAR(m.keys[0].est_ns, want);
	ck_assert_uint_eq(m.keys[0].tail_timed, 1);
	NEAR(m.keys[0].tail_ns, 1000000.0 - 5);
	/* the plain mean would have scaled it 64 times */
	ck_assert(m.keys[0].est_ns < 6400 * ((99 * 25 + 1000000) / 100.0 - 5) / 10);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(every_window_long)
{
	/* a call that always blocks: no short window to stand for the others,
	 * so the plain mean is used */
	struct spec sp = { LTX_TIME_SAMPLE, 64, 640, 10, 10 * 300005, 10, 10 * 300005, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	NEAR(m.keys[0].ns_per_call, 300000.0);
	NEAR(m.keys[0].est_ns, 640 * 300000.0);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(all_mode_is_the_sum)
{
	/* every call timed: long windows or not, the estimate is the measured sum */
	struct spec sp = { LTX_TIME_ALL, 64, 100, 100, 99 * 25 + 1000000, 1, 1000000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	NEAR(m.keys[0].est_ns, 99 * 20.0 + (1000000.0 - 5));
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(first_call_stands_for_itself)
{
	/* the first call (timed on purpose) took 5,005 ticks; 64 sampled others
	 * took 25 each: 5,000 ns for it, 20 ns for each of the other 6,399 */
	struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 65, 64 * 25 + 5005, 0, 0, 5005, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	NEAR(m.keys[0].est_ns, 5000.0 + 6399 * 20.0);
	ck_assert(m.keys[0].has_first);
	NEAR(m.keys[0].first_ns, 5000.0);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(rare_key_has_its_first_call)
{
	/* 8 calls, only the first timed (25 ms): it stands for all of them */
	struct spec sp = { LTX_TIME_SAMPLE, 64, 8, 1, 25000005, 1, 25000005, 25000005, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	NEAR(m.keys[0].est_ns, 8 * 25000000.0);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

/* The key of the second call site, found by its caller. */
static const struct an_key *second(const struct an_model *m)
{
	return m->keys[0].k->k.caller == 0x2000 ? &m->keys[0] : &m->keys[1];
}

START_TEST(rare_site_borrows_its_source)
{
	/* another call site of the source sampled 100 times at 20 ns; this one
	 * made 10 calls, only its first (5,005 ticks) timed: it stands for
	 * itself, the source's mean for the other 9 */
	struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 100, 2500, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1, 5005, 5005, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	NEAR(second(&m)->est_ns, 5000.0 + 9 * 20.0);
	ck_assert_int_eq(second(&m)->basis, AN_POOLED_NAME);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(rare_slow_site_keeps_its_first_call)
{
	/* the same, but its first call took 25 ms (a long window): the calls
	 * of this site are slow, so the first stands for all of them */
	struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 100, 2500, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1, 25000005, 25000005, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	NEAR(second(&m)->est_ns, 10 * 25000000.0);
	ck_assert_int_eq(second(&m)->basis, AN_FIRST_ONLY);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(busy_time_is_cpu_time)
{
	/* 10 ms between waits, of which the sampled periods ran half */
	struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 100, 2500, 0, 0, 0, 100, 10000000, 8, 80000, 40000, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	ck_assert_uint_eq(m.nthreads, 1);
	NEAR(m.threads[0].cpu_frac, 0.5);
	NEAR(m.threads[0].busy_wall_ns, 10000000.0);
	NEAR(m.threads[0].busy_ns, 5000000.0);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(busy_time_without_samples_is_wall)
{
	struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 100, 2500, 0, 0, 0, 100, 10000000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	ck_assert(m.threads[0].cpu_frac < 0);
	NEAR(m.threads[0].busy_ns, 10000000.0);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(log_time_capped_at_cpu_time)
{
	/* every call timed, 1,000 of 1,005 ticks (1 us each once the window
	 * share is out): 1 ms of log time in a thread that ran 0.5 ms (its
	 * calls blocked), in a process that ran 0.8 ms */
	struct spec sp = { .time_mode = LTX_TIME_ALL, .sample_every = 1, .calls = 1000, .timed = 1000, .ticks = 1000 * 1005 };
	sp.thread_cpu_ns = 500000;
	sp.proc_cpu_ns = 800000;
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	NEAR(m.keys[0].est_ns, 1000000.0);
	NEAR(m.threads[0].cpu_ns, 500000.0);
	NEAR(m.threads[0].log_ns, 500000.0);
	NEAR(m.threads[0].cpu_share, 1.0);
	NEAR(m.procs[0].other_cpu_ns, 300000.0);
	NEAR(m.log_cpu_ns, 500000.0);
	NEAR(m.cpu_share, 0.625);
	ck_assert(m.share_of_cpu);
	/* the source's share is its part of the capped time: it adds up to the headline */
	ck_assert_uint_eq(m.nsources, 1);
	NEAR(m.sources[0].cpu_share, 0.625);
	ck_assert_uint_eq(m.ntgroups, 1);
	ck_assert_uint_eq(m.tgroups[0].nthreads, 1);
	NEAR(m.tgroups[0].proc_share, 0.625);
	NEAR(m.tgroups[0].cpu_of_proc, 0.625);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(jobs_per_job_figures)
{
	/* 1,100 calls, 100 of them before the first job wait; 10 jobs */
	struct spec sp = { .time_mode = LTX_TIME_ALL, .sample_every = 1, .calls = 1100, .timed = 1100, .ticks = 1100 * 1005 };
	sp.thread_cpu_ns = 4000000;
	sp.proc_cpu_ns = 5000000;
	sp.jobs = 10;
	sp.pre_jobs_kept = 100;
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	const struct an_thread *t = &m.threads[0];
	ck_assert_uint_eq(t->jobs, 10);
	ck_assert_uint_eq(t->job_kept, 1000);
	NEAR(t->calls_per_job, 100.0);
	NEAR(t->log_per_job_ns, 100000.0);
	NEAR(t->cpu_per_job_ns, 400000.0);
	ck_assert(m.procs[0].jobs_counted);
	NEAR(m.cpu_share, 1100000.0 / 5000000.0);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(no_cpu_record_keeps_busy_share)
{
	/* a file from before 1.4: no CPU time, the headline is unknown and
	 * groups keep the share of busy time */
	struct spec sp = { .time_mode = LTX_TIME_ALL, .sample_every = 1, .calls = 1000, .timed = 1000, .ticks = 1000 * 1005, .waits = 10, .busy_ticks = 2000000 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	ck_assert(!m.share_of_cpu);
	ck_assert(m.cpu_share < 0);
	ck_assert(m.sources[0].cpu_share < 0);
	ck_assert(m.sources[0].share > 0);
	ck_assert(m.threads[0].cpu_ns < 0);
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(tail_larger_than_key_is_refused)
{
	struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 100, 2500, 200, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	size_t len;
	unsigned char *b = make(&sp, &len);
	struct ltx_file f;
	char err[256];
	ck_assert_int_eq(ltx_read_buf(b, len, &f, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "exceeds its key"));
	free(b);
}
END_TEST

/* A call site in no module, named by what its calls passed (KEY_SITE). */
START_TEST(site_named_by_the_call)
{
	struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 100, 2500, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .site = 1 };
	struct ltx_file f;
	struct an_model m;
	build(&sp, &f, &m);
	ck_assert_int_eq(f.keys[0].has_site, 1);
	ck_assert_uint_eq(f.keys[0].site_line, 194);
	const struct an_sym *y = m.keys[0].site;
	ck_assert_int_eq(y->named_by, AN_NAMED_ARGS);
	ck_assert_str_eq(y->function, "virEventGLibHandleUpdate");
	ck_assert_str_eq(y->file, "../../src/util/vireventglib.c");
	ck_assert_int_eq(y->line, 194);
	ck_assert_str_eq(y->label, "virEventGLibHandleUpdate (vireventglib.c:194)");
	ck_assert_int_eq(y->status, AN_MOD_NONE); /* still said: no module holds the address */
	an_model_free(&m);
	ltx_file_free(&f);
	/* without the record: the address */
	sp.site = 0;
	build(&sp, &f, &m);
	ck_assert_int_eq(m.keys[0].site->named_by, AN_NAMED_NONE);
	ck_assert_str_eq(m.keys[0].site->label, "0x1000");
	an_model_free(&m);
	ltx_file_free(&f);
}
END_TEST

START_TEST(bad_site_records_are_refused)
{
	static const char *const why[] = { NULL, NULL, "named twice", "key 9 unknown", "over 255 bytes" };
	for (int mode = 2; mode <= 4; mode++) {
		struct spec sp = { LTX_TIME_SAMPLE, 64, 6400, 100, 2500, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .site = mode };
		size_t len;
		unsigned char *b = make(&sp, &len);
		struct ltx_file f;
		char err[256];
		ck_assert_int_eq(ltx_read_buf(b, len, &f, err, sizeof err), -1);
		ck_assert_msg(strstr(err, "KEY_SITE") && (mode != 3 || strstr(err, "key 9")), "mode %d: %s (%s)", mode,
			      err, why[mode]);
		free(b);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("estimates");
	tcase_add_test(tc, sampled_without_tail);
	tcase_add_test(tc, long_window_counted_once);
	tcase_add_test(tc, every_window_long);
	tcase_add_test(tc, all_mode_is_the_sum);
	tcase_add_test(tc, first_call_stands_for_itself);
	tcase_add_test(tc, rare_key_has_its_first_call);
	tcase_add_test(tc, rare_site_borrows_its_source);
	tcase_add_test(tc, rare_slow_site_keeps_its_first_call);
	tcase_add_test(tc, busy_time_is_cpu_time);
	tcase_add_test(tc, busy_time_without_samples_is_wall);
	tcase_add_test(tc, tail_larger_than_key_is_refused);
	tcase_add_test(tc, site_named_by_the_call);
	tcase_add_test(tc, bad_site_records_are_refused);
	tcase_add_test(tc, log_time_capped_at_cpu_time);
	tcase_add_test(tc, jobs_per_job_figures);
	tcase_add_test(tc, no_cpu_record_keeps_busy_share);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
