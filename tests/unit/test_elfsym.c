/* The symbol finder (shim/elfsym.c) on elfsym-demo (test-programs/elfsym):
 * by name in .symtab, .dynsym, the debug file found by .gnu_debuglink and
 * by build-id; by address and by file offset; sizes from symbols and from
 * .eh_frame; the refusals; and damaged copies of the file, which must be
 * refused without a crash. Expected values come from nm, not from us. */
#include "../../shim/elfsym.h"

#include <check.h>
#include <libgen.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tp[PATH_MAX / 2]; /* the test programs' directory */

static const char *tp_file(const char *name)
{
	static char buf[4][PATH_MAX];
	static int k;
	char *b = buf[k++ & 3];
	snprintf(b, PATH_MAX, "%s/%s", tp, name);
	return b;
}

/* nm's value and size of the (first) symbol called name in file */
static void nm_of(const char *file, const char *name, uint64_t *value, uint64_t *size)
{
	char cmd[PATH_MAX + 64], line[512];
	snprintf(cmd, sizeof cmd, "nm -S '%s'", file);
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	*value = *size = UINT64_MAX;
	while (fgets(line, sizeof line, f)) {
		char a[64], b[64], c[64], d[256];
		int n = sscanf(line, "%63s %63s %63s %255s", a, b, c, d);
		if (n == 4 && !strcmp(d, name) && *value == UINT64_MAX)
			*value = strtoull(a, NULL, 16), *size = strtoull(b, NULL, 16);
		else if (n == 3 && !strcmp(c, name) && *value == UINT64_MAX)
			*value = strtoull(a, NULL, 16), *size = 0;
	}
	pclose(f);
	ck_assert_msg(*value != UINT64_MAX, "nm: no %s in %s", name, file);
}

static void find_ok(const char *file, uint64_t bias, const char *name, uint64_t want_addr, uint64_t want_size)
{
	uint64_t addr = 0, size = 0;
	const char *why = NULL;
	int r = lt_sym_find(file, bias, name, &addr, &size, &why);
	ck_assert_msg(r == 0, "%s in %s: %s", name, file, why);
	ck_assert_uint_eq(addr, want_addr);
	ck_assert_uint_eq(size, want_size);
}

static void find_fails(const char *file, const char *name, const char *why_part)
{
	uint64_t addr = 0, size = 0;
	const char *why = NULL;
	ck_assert_int_eq(lt_sym_find(file, 0, name, &addr, &size, &why), -1);
	ck_assert_msg(why && strstr(why, why_part), "%s: why: %s", name, why ? why : "(none)");
}

START_TEST(by_name)
{
	const char *full = tp_file("elfsym-demo"), *stripped = tp_file("elfsym-demo-stripped");
	uint64_t v, s;
	nm_of(full, "quiet_logger", &v, &s);
	ck_assert_uint_ne(s, 0);
	find_ok(full, 0, "quiet_logger", v, s);            /* .symtab */
	find_ok(stripped, 0, "quiet_logger", v, s);        /* the debug file, by .gnu_debuglink */
	find_ok(stripped, 0x10000, "quiet_logger", v + 0x10000, s);
	nm_of(full, "visible_logger", &v, &s);
	find_ok(stripped, 0, "visible_logger", v, s);      /* .dynsym (-rdynamic) */
	/* no size in the symbol: the .eh_frame entry's */
	uint64_t end, z;
	nm_of(full, "nosize_fn", &v, &s);
	nm_of(full, "nosize_fn_end", &end, &z);
	ck_assert_uint_eq(s, 0);
	find_ok(full, 0, "nosize_fn", v, end - v);
	find_fails(full, "dup_fn", "several static functions");
	find_fails(full, "no_such_function", "no function of this name");
	find_fails(tp_file("elfsym-demo-nolink"), "quiet_logger", "no debug file");
	find_fails(tp_file("no-such-file"), "quiet_logger", "cannot be found");
}
END_TEST

/* The debug file under ROOT/.build-id/xx/rest.debug. */
START_TEST(by_build_id)
{
	char cmd[3 * PATH_MAX], line[256], id[128] = "";
	snprintf(cmd, sizeof cmd, "readelf -n '%s'", tp_file("elfsym-demo-nolink"));
	FILE *f = popen(cmd, "r");
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "Build ID:"))
			sscanf(strstr(line, "Build ID:") + 9, "%127s", id);
	pclose(f);
	ck_assert_uint_gt(strlen(id), 2);
	char root[] = "/tmp/test_elfsym.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/.build-id/%.2s' && cp '%s' '%s/.build-id/%.2s/%s.debug'", root, id,
		 tp_file("elfsym-demo.debug"), root, id, id + 2);
	ck_assert_int_eq(system(cmd), 0);
	uint64_t v, s;
	nm_of(tp_file("elfsym-demo"), "quiet_logger", &v, &s);
	lt_sym_debug_root = root;
	find_ok(tp_file("elfsym-demo-nolink"), 0, "quiet_logger", v, s);
	/* a debug file of another build is not taken: the build-ids differ */
	snprintf(cmd, sizeof cmd, "cp '%s' '%s/.build-id/%.2s/%s.debug'", tp_file("elfsym-demo-stripped"), root, id,
		 id + 2);
	ck_assert_int_eq(system(cmd), 0);
	find_fails(tp_file("elfsym-demo-nolink"), "quiet_logger", "no function");
	lt_sym_debug_root = "/usr/lib/debug";
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(by_number)
{
	const char *full = tp_file("elfsym-demo"), *stripped = tp_file("elfsym-demo-stripped");
	uint64_t v, s, addr, size;
	const char *why = NULL;
	nm_of(full, "quiet_logger", &v, &s);
	ck_assert_int_eq(lt_sym_number(stripped, 0, v, &addr, &size, &why), 0);
	ck_assert_uint_eq(addr, v);
	ck_assert_uint_eq(size, s);
	/* not PIE: the text segment is linked at 0x401000 from file offset 0x1000 */
	ck_assert_int_eq(lt_sym_number(stripped, 0x100, v - 0x400000, &addr, &size, &why), 0);
	ck_assert_uint_eq(addr, v + 0x100);
	ck_assert_uint_eq(size, s);
	/* inside it: refused (by the debug file's symbol, and by .eh_frame) */
	ck_assert_int_eq(lt_sym_number(stripped, 0, v + 4, &addr, &size, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "inside a function"));
	ck_assert_int_eq(lt_sym_number(tp_file("elfsym-demo-nolink"), 0, v + 4, &addr, &size, &why), -1);
	/* stripped and no debug file: the size is the .eh_frame entry's */
	ck_assert_int_eq(lt_sym_number(tp_file("elfsym-demo-nolink"), 0, v, &addr, &size, &why), 0);
	ck_assert_uint_eq(size, s);
	ck_assert_int_eq(lt_sym_number(stripped, 0, 0x7fff0000, &addr, &size, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "neither"));
}
END_TEST

static int main_bias(struct dl_phdr_info *info, size_t n, void *arg)
{
	(void)n;
	*(uint64_t *)arg = info->dlpi_addr;
	return 1;
}

/* "" is the running program, read through /proc/self/exe. */
START_TEST(main_program)
{
	uint64_t bias = 0, addr, size;
	const char *why = NULL;
	dl_iterate_phdr(main_bias, &bias);
	ck_assert_int_eq(lt_sym_find("", bias, "tp_file", &addr, &size, &why), 0);
	ck_assert_uint_eq(addr, (uint64_t)tp_file);
	ck_assert_uint_gt(size, 0);
}
END_TEST

/* Damaged copies: bytes overwritten in the headers and tables, and
 * truncations. Each lookup must return, whatever it says. */
START_TEST(damaged)
{
	FILE *f = fopen(tp_file("elfsym-demo"), "rb");
	ck_assert_ptr_nonnull(f);
	static uint8_t orig[1 << 20], buf[1 << 20];
	size_t n = fread(orig, 1, sizeof orig, f);
	fclose(f);
	ck_assert_uint_gt(n, 4096);
	char path[] = "/tmp/test_elfsym.bad.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	uint64_t shoff;
	memcpy(&shoff, orig + 0x28, 8);
	unsigned seed = 12345;
	int found = 0;
	for (int round = 0; round < 600; round++) {
		memcpy(buf, orig, n);
		size_t len = n;
		if (round % 10 == 9) {
			len = (size_t)rand_r(&seed) % n;
		} else {
			for (int k = 0; k < 1 + round % 8; k++) {
				/* the ELF header, program headers, section headers, or anywhere */
				size_t o;
				switch (rand_r(&seed) % 4) {
				case 0: o = (size_t)rand_r(&seed) % 64; break;
				case 1: o = 64 + (size_t)rand_r(&seed) % 0x300; break;
				case 2: o = shoff < n ? shoff + (size_t)rand_r(&seed) % (n - shoff) : 0; break;
				default: o = (size_t)rand_r(&seed) % n; break;
				}
				if (o < len)
					buf[o] = (uint8_t)rand_r(&seed);
			}
		}
		f = fopen(path, "wb");
		fwrite(buf, 1, len, f);
		fclose(f);
		uint64_t addr, size;
		const char *why;
		found += lt_sym_find(path, 0, "quiet_logger", &addr, &size, &why) == 0;
		lt_sym_find(path, 0, "nosize_fn", &addr, &size, &why);
		lt_sym_number(path, 0, 0x4011b0, &addr, &size, &why);
		lt_sym_number(path, 0, 0x1190, &addr, &size, &why);
	}
	unlink(path);
	ck_assert_int_gt(found, 0); /* some damage leaves the symbol readable */
}
END_TEST

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char self[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k < 0)
		return 1;
	self[k] = 0;
	if (snprintf(tp, sizeof tp, "%s/../test-programs", dirname(self)) >= (int)sizeof tp)
		return 1;
	Suite *s = suite_create("elfsym");
	TCase *tc = tcase_create("find");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, by_name);
	tcase_add_test(tc, by_build_id);
	tcase_add_test(tc, by_number);
	tcase_add_test(tc, main_program);
	tcase_add_test(tc, damaged);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
