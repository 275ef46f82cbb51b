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
	PIN(struct ltx_rules, 16);
	PIN(struct ltx_end, 16);
}
END_TEST

/* Writes a small file into a memory file; returns its bytes (caller frees). */
static unsigned char *sample_file(size_t *len, uint64_t calls)
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

int main(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("format");
	tcase_add_test(tc, layout);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, refuses_damage);
	tcase_add_test(tc, refuses_count_mismatch);
	tcase_add_test(tc, writer_reports_errors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
