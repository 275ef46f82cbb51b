/* The analyzer's JSON writer and text escapers: whatever bytes a traced
 * program gave (names, paths, format strings), the output is valid JSON in
 * UTF-8, and valid UTF-8 passes through unchanged. The writer is small
 * enough to include whole. */
#include "../../analyzer/json.c"
#include "../../analyzer/util.c"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *quoted(const char *s)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	jw_quote(f, s);
	fclose(f);
	return buf;
}

START_TEST(escapes)
{
	ck_assert_str_eq(quoted("plain"), "\"plain\"");
	ck_assert_str_eq(quoted("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
	ck_assert_str_eq(quoted("\n\t\r\x01\x1f\x7f"), "\"\\n\\t\\r\\u0001\\u001f\\u007f\"");
}
END_TEST

START_TEST(utf8)
{
	/* valid 2-, 3- and 4-byte sequences pass through */
	ck_assert_str_eq(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* a lone byte >= 0x80, an overlong '/', a surrogate, a truncated
	 * sequence, a code point above U+10FFFF: read as Latin-1 byte by byte */
	ck_assert_str_eq(quoted("\xff"), "\"\\u00ff\"");
	ck_assert_str_eq(quoted("\xc0\xaf"), "\"\\u00c0\\u00af\"");
	ck_assert_str_eq(quoted("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");
	ck_assert_str_eq(quoted("\xe2\x82"), "\"\\u00e2\\u0082\"");
	ck_assert_str_eq(quoted("\xf4\x90\x80\x80"), "\"\\u00f4\\u0090\\u0080\\u0080\"");
}
END_TEST

START_TEST(document)
{
	char buf[512];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	struct jw w;
	jw_init(&w, f, 0);
	jw_obj(&w, NULL);
	jw_u64(&w, "n", 18446744073709551615ull);
	jw_num(&w, "x", 0.5);
	jw_num(&w, "nan", 0.0 / 0.0);
	jw_hex(&w, "a", 0x7f00deadbeefull);
	jw_arr(&w, "l");
	jw_bool(&w, NULL, 1);
	jw_null(&w, NULL);
	jw_str(&w, NULL, NULL);
	jw_end(&w);
	jw_obj(&w, "e");
	jw_end(&w);
	jw_end(&w);
	fclose(f);
	ck_assert_str_eq(buf, "{\"n\":18446744073709551615,\"x\":0.5,\"nan\":null,\"a\":\"0x7f00deadbeef\","
			      "\"l\":[true,null,null],\"e\":{}}\n");
}
END_TEST

START_TEST(c_escape)
{
	char buf[64];
	ck_assert_str_eq(an_cstr("a\"b\\c\n\t\x01\xff", buf, sizeof buf, 0), "a\\\"b\\\\c\\n\\t\\x01\\xff");
	/* cut to a width with "...", never past the buffer */
	ck_assert_str_eq(an_cstr("0123456789abcdef", buf, sizeof buf, 10), "0123456...");
	ck_assert_str_eq(an_cstr("0123456789abcdef", buf, 8, 0), "0123...");
	ck_assert_str_eq(an_basename("/a/b/c.so"), "c.so");
	ck_assert_str_eq(an_basename("c.so"), "c.so");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");
	tcase_add_test(tc, escapes);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, document);
	tcase_add_test(tc, c_escape);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
