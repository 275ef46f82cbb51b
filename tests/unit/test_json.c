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

START_TEST(utf8_edges)
{
	/* the first and last code point of each length, and those around the
	 * surrogates, pass through */
	const char *valid[] = { "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
				"\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf" };
	char want[32];
	for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
		snprintf(want, sizeof want, "\"%s\"", valid[i]);
		ck_assert_str_eq(quoted(valid[i]), want);
	}
	/* overlong forms of each length (of '/' and of U+07FF, U+FFFF) */
	ck_assert_str_eq(quoted("\xc1\xbf"), "\"\\u00c1\\u00bf\"");
	ck_assert_str_eq(quoted("\xe0\x80\xaf"), "\"\\u00e0\\u0080\\u00af\"");
	ck_assert_str_eq(quoted("\xe0\x9f\xbf"), "\"\\u00e0\\u009f\\u00bf\"");
	ck_assert_str_eq(quoted("\xf0\x80\x80\xaf"), "\"\\u00f0\\u0080\\u0080\\u00af\"");
	ck_assert_str_eq(quoted("\xf0\x8f\xbf\xbf"), "\"\\u00f0\\u008f\\u00bf\\u00bf\"");
	/* the last surrogate; lead bytes that never start a sequence; a lone
	 * continuation byte */
	ck_assert_str_eq(quoted("\xed\xbf\xbf"), "\"\\u00ed\\u00bf\\u00bf\"");
	ck_assert_str_eq(quoted("\xf5\x80\x80\x80"), "\"\\u00f5\\u0080\\u0080\\u0080\"");
	ck_assert_str_eq(quoted("\xfe\x80"), "\"\\u00fe\\u0080\"");
	/* after a bad byte the next valid sequence is kept whole; a sequence cut
	 * by the end of the string or by an ASCII byte is escaped byte by byte */
	ck_assert_str_eq(quoted("\xff\xc3\xa9x"), "\"\\u00ff\xc3\xa9x\"");
	ck_assert_str_eq(quoted("a\xf0\x9f\x98"), "\"a\\u00f0\\u009f\\u0098\"");
	ck_assert_str_eq(quoted("\xe2\x82" "a\xe2\x82\xac"), "\"\\u00e2\\u0082a\xe2\x82\xac\"");
}
END_TEST

START_TEST(control)
{
	/* every byte below 0x20: the short escapes JSON has for \n \t \r, the
	 * rest as \u00XX; the printable ASCII passes */
	char in[40], want[256];
	size_t k = 0;
	for (int c = 1; c < 0x20; c++)
		in[k++] = (char)c;
	in[k] = 0;
	k = 0;
	want[k++] = '"';
	for (int c = 1; c < 0x20; c++) {
		if (c == '\n' || c == '\t' || c == '\r')
			k += (size_t)snprintf(want + k, sizeof want - k, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
		else
			k += (size_t)snprintf(want + k, sizeof want - k, "\\u%04x", c);
	}
	snprintf(want + k, sizeof want - k, "\"");
	ck_assert_str_eq(quoted(in), want);
	ck_assert_str_eq(quoted(" ~{}[]:,'"), "\" ~{}[]:,'\"");
	ck_assert_str_eq(quoted(""), "\"\"");
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

static char *doc(void (*write)(struct jw *), int pretty)
{
	static char buf[1024];
	memset(buf, 0, sizeof buf);
	FILE *f = fmemopen(buf, sizeof buf, "w");
	struct jw w;
	jw_init(&w, f, pretty);
	write(&w);
	fclose(f);
	return buf;
}

static void numbers(struct jw *w)
{
	jw_arr(w, NULL);
	jw_num(w, NULL, 1.0 / 0.0);
	jw_num(w, NULL, -1.0 / 0.0);
	jw_num(w, NULL, 0.0 / 0.0);
	jw_num(w, NULL, -3);
	jw_num(w, NULL, 1e15); /* whole but past the integer form */
	jw_num(w, NULL, 1e300);
	jw_num(w, NULL, 0.1);
	jw_i64(w, NULL, INT64_MIN);
	jw_u64(w, NULL, 0);
	jw_end(w);
}

START_TEST(non_finite)
{
	ck_assert_str_eq(doc(numbers, 0), "[null,null,null,-3,1e+15,1e+300,0.1,-9223372036854775808,0]\n");
}
END_TEST

static void nested(struct jw *w)
{
	jw_obj(w, NULL);
	jw_str(w, "a", "x");
	jw_arr(w, "empty");
	jw_end(w);
	jw_obj(w, "o");
	jw_arr(w, "l");
	jw_u64(w, NULL, 1);
	jw_obj(w, NULL);
	jw_end(w);
	jw_u64(w, NULL, 2);
	jw_end(w);
	jw_end(w);
	jw_arr(w, "rows");
	for (int i = 0; i < 2; i++) {
		jw_obj_line(w, NULL);
		jw_i64(w, "i", i);
		jw_arr(w, "v");
		jw_bool(w, NULL, i);
		jw_str(w, NULL, "\xff");
		jw_end(w);
		jw_obj(w, "p");
		jw_null(w, "q");
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
	jw_str(w, "last", NULL);
	jw_end(w);
}

START_TEST(nesting)
{
	/* commas only between members, at every depth; indentation by depth;
	 * an empty container closes on its own line; a one-line container has
	 * no spaces inside, and the writer indents again after it */
	ck_assert_str_eq(doc(nested, 1), "{\n"
					 "  \"a\": \"x\",\n"
					 "  \"empty\": [],\n"
					 "  \"o\": {\n"
					 "    \"l\": [\n"
					 "      1,\n"
					 "      {},\n"
					 "      2\n"
					 "    ]\n"
					 "  },\n"
					 "  \"rows\": [\n"
					 "    {\"i\":0,\"v\":[false,\"\\u00ff\"],\"p\":{\"q\":null}},\n"
					 "    {\"i\":1,\"v\":[true,\"\\u00ff\"],\"p\":{\"q\":null}}\n"
					 "  ],\n"
					 "  \"last\": null\n"
					 "}\n");
	ck_assert_str_eq(doc(nested, 0), "{\"a\":\"x\",\"empty\":[],\"o\":{\"l\":[1,{},2]},\"rows\":["
					 "{\"i\":0,\"v\":[false,\"\\u00ff\"],\"p\":{\"q\":null}},"
					 "{\"i\":1,\"v\":[true,\"\\u00ff\"],\"p\":{\"q\":null}}],\"last\":null}\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");
	tcase_add_test(tc, escapes);
	tcase_add_test(tc, utf8);
	tcase_add_test(tc, utf8_edges);
	tcase_add_test(tc, control);
	tcase_add_test(tc, non_finite);
	tcase_add_test(tc, nesting);
	tcase_add_test(tc, document);
	tcase_add_test(tc, c_escape);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
