/* Families: each family's levels on the common scale (the table the rules
 * and the reports share), and the LOGTAX_HOOK parser the shim and
 * `logtax run` share: what it accepts, and where it says an error is. */
#include "../../common/ltx_entries.h"
#include "../../common/ltx_format.h"
#include "../../common/ltx_levels.h"
#include "../../common/ltx_settings.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LVL(fam, raw, name) ck_assert_str_eq(ltx_level_name(ltx_level_of(fam, raw)), name)

START_TEST(levels)
{
	LVL(LTX_FAM_LIBVIRT, 1, "debug");
	LVL(LTX_FAM_LIBVIRT, 4, "error");
	LVL(LTX_FAM_LIBVIRT, 5, "?");
	/* GLib: flags; the most severe level bit wins; bits 0-1 are flags */
	LVL(LTX_FAM_GLIB, 1 << 7, "debug");
	LVL(LTX_FAM_GLIB, 1 << 6, "info");
	LVL(LTX_FAM_GLIB, 1 << 5, "notice");
	LVL(LTX_FAM_GLIB, 1 << 4, "warning");
	LVL(LTX_FAM_GLIB, 1 << 3, "error");
	LVL(LTX_FAM_GLIB, (1 << 2) | 2, "error");
	LVL(LTX_FAM_GLIB, (1 << 4) | (1 << 7), "warning");
	LVL(LTX_FAM_GLIB, 1 << 9, "?"); /* a user-defined level */
	LVL(LTX_FAM_GLIB, 2, "?");
	/* syslog: the low 3 bits, whatever the facility */
	LVL(LTX_FAM_SYSLOG, 7, "debug");
	LVL(LTX_FAM_SYSLOG, (19 << 3) | 3, "error");
	LVL(LTX_FAM_SYSLOG, (3 << 3) | 4, "warning");
	LVL(LTX_FAM_SYSLOG, 5, "notice");
	LVL(LTX_FAM_SYSLOG, 0, "error");
	/* journal: PRIORITY= values; -1 when absent */
	LVL(LTX_FAM_JOURNAL, 6, "info");
	LVL(LTX_FAM_JOURNAL, -1, "?");
	LVL(LTX_FAM_JOURNAL, 8, "?");
	LVL(LTX_FAM_HOOK, 3, "?");
	LVL(99, 1, "?");
	ck_assert_str_eq(ltx_family_name(LTX_FAM_GLIB), "glib");
	ck_assert_str_eq(ltx_family_name(LTX_FAM_SYSLOG), "syslog");
	ck_assert_str_eq(ltx_family_name(LTX_FAM_JOURNAL), "journal");
	ck_assert_str_eq(ltx_family_name(LTX_FAM_HOOK), "hook");
	ck_assert_str_eq(ltx_family_name(1000), "unknown");
}
END_TEST

START_TEST(entry_ids)
{
	/* ids are unique, below the hooks' range, and families known */
	static const struct { int id, fam; } e[] = {
#define E(id, fam, sym) { id, fam },
		LTX_ENTRIES(E)
#undef E
	};
	int seen[LTX_HOOK_ID_FIRST] = { 0 };
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		ck_assert_int_gt(e[i].id, 0);
		ck_assert_int_lt(e[i].id, LTX_HOOK_ID_FIRST);
		ck_assert_int_eq(seen[e[i].id]++, 0);
		ck_assert_int_lt(e[i].fam, LTX_FAM_COUNT);
	}
	ck_assert_int_eq(LTX_HOOK_STUBS, 192);
}
END_TEST

static int parse(const char *s, struct ltx_hook_spec *h, unsigned *n, unsigned *pos, const char **why)
{
	*pos = 9999;
	return ltx_parse_hooks(s, h, LTX_HOOK_MAX, n, why, pos);
}

#define BAD_AT(s, at)                                                \
	do {                                                         \
		ck_assert_int_eq(parse(s, h, &n, &pos, &why), -1);   \
		ck_assert_msg(pos == (unsigned)(at), "%s: position %u, expected %u (%s)", s, pos, (unsigned)(at), why); \
	} while (0)

START_TEST(hooks_good)
{
	struct ltx_hook_spec h[LTX_HOOK_MAX];
	unsigned n, pos;
	const char *why;
	ck_assert_int_eq(parse("app_log:name=1:level=2", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(h[0].fn, "app_log");
	ck_assert_uint_eq(h[0].name_arg, 1);
	ck_assert_uint_eq(h[0].level_arg, 2);
	ck_assert_int_eq(parse("  a, b:level=16  c:name=3,,", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(h[1].fn, "b");
	ck_assert_uint_eq(h[1].name_arg, 0);
	ck_assert_uint_eq(h[1].level_arg, 16);
	ck_assert_uint_eq(h[2].name_arg, 3);
	ck_assert_int_eq(parse("", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(parse("_Z3logPKc", h, &n, &pos, &why), 0); /* a C++ name */
	ck_assert_str_eq(h[0].obj, "");
	ck_assert_uint_eq(h[0].nlevels, 0);
	ck_assert_uint_eq(h[0].has_keep, 0);
}
END_TEST

/* keep=N: the level from which no rule drops a call (errstart's ERROR). */
START_TEST(hooks_keep)
{
	struct ltx_hook_spec h[LTX_HOOK_MAX];
	unsigned n, pos;
	const char *why;
	ck_assert_int_eq(parse("errstart:level=1:keep=21:levels=14:debug,21:error next", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(h[0].has_keep, 1);
	ck_assert_int_eq(h[0].keep_from, 21);
	ck_assert_uint_eq(h[0].nlevels, 2);
	ck_assert_uint_eq(h[1].has_keep, 0);
	ck_assert_int_eq(parse("f:keep=0:level=2", h, &n, &pos, &why), 0);
	ck_assert_int_eq(h[0].keep_from, 0);
	BAD_AT("f:keep=3", 0);                  /* no level= to keep by */
	BAD_AT("f:level=1:keep=3:keep=4", 22);  /* twice */
	BAD_AT("f:level=1:keep=x", 15);
	BAD_AT("f:level=1:keep=2147483648", 15);
}
END_TEST

START_TEST(hooks_targets)
{
	struct ltx_hook_spec h[LTX_HOOK_MAX];
	unsigned n, pos;
	const char *why;
	ck_assert_int_eq(parse("ent_log@*/entry/direct-* x@libc++.so*:fmt=2 direct-demo+0x1410 a+b+0XfF", h, &n,
			       &pos, &why),
			 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(h[0].fn, "ent_log");
	ck_assert_str_eq(h[0].obj, "*/entry/direct-*");
	ck_assert_str_eq(h[1].fn, "x");
	ck_assert_str_eq(h[1].obj, "libc++.so*");
	ck_assert_uint_eq(h[1].fmt_arg, 2);
	ck_assert_str_eq(h[2].fn, "");
	ck_assert_str_eq(h[2].obj, "direct-demo");
	ck_assert_uint_eq(h[2].offset, 0x1410);
	ck_assert_str_eq(h[3].obj, "a+b"); /* the last '+' starts the offset */
	ck_assert_uint_eq(h[3].offset, 0xff);
	/* the same function in two objects is two hooks; the same target twice is refused */
	ck_assert_int_eq(parse("f@liba.so f@libb.so f", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(n, 3);
	BAD_AT("f@liba.so f@liba.so", 10);
	BAD_AT("o+0x10 o+0x10", 7);
	BAD_AT("ent_log@", 8);
	BAD_AT("@direct-demo", 0);
	BAD_AT("direct-demo+0x", 14);
	BAD_AT("direct-demo+0xzz", 14);
	BAD_AT("direct-demo+", 12);
	BAD_AT("direct-demo+12", 12);
	BAD_AT("+0x1410", 0);
	BAD_AT("o+0x10000000000000000", 4);
	BAD_AT("ent_log@lib x.so", 13);
	BAD_AT("g_log@libglib*", 0);
}
END_TEST

START_TEST(hooks_scales)
{
	struct ltx_hook_spec h[LTX_HOOK_MAX];
	unsigned n, pos;
	const char *why;
	ck_assert_int_eq(parse("ent_log:name=1:level=2:fmt=3:levels=syslog", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(h[0].fmt_arg, 3);
	ck_assert_uint_eq(h[0].func_arg, 0);
	/* the call site's function, file and line */
	ck_assert_int_eq(parse("x_log:func=5:file=3:line=4 y_log:line=16", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(h[0].func_arg, 5);
	ck_assert_uint_eq(h[0].file_arg, 3);
	ck_assert_uint_eq(h[0].line_arg, 4);
	ck_assert_uint_eq(h[1].line_arg, 16);
	ck_assert_uint_eq(h[1].func_arg, 0);
	BAD_AT("x_log:func=1:func=2", 18);
	BAD_AT("x_log:file=17", 11);
	BAD_AT("x_log:lines=1", 6);
	ck_assert_int_eq(parse("ent_log:name=1:level=2:fmt=3:levels=syslog", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(h[0].nlevels, 8);
	ck_assert_int_eq(ltx_level_of_scale(h[0].levels, h[0].nlevels, LTX_FAM_HOOK, 7), LTX_LVL_DEBUG);
	ck_assert_int_eq(ltx_level_of_scale(h[0].levels, h[0].nlevels, LTX_FAM_HOOK, 5), LTX_LVL_NOTICE);
	ck_assert_int_eq(ltx_level_of_scale(h[0].levels, h[0].nlevels, LTX_FAM_HOOK, 0), LTX_LVL_ERROR);
	ck_assert_int_eq(ltx_level_of_scale(h[0].levels, h[0].nlevels, LTX_FAM_HOOK, 8), LTX_LVL_UNKNOWN);
	/* no scale: the family's (a hook has none) */
	ck_assert_int_eq(ltx_level_of_scale(h[0].levels, 0, LTX_FAM_HOOK, 7), LTX_LVL_UNKNOWN);
	/* a ',' before a digit continues the list, before a letter starts the next hook */
	ck_assert_int_eq(parse("a_log:level=1:levels=8:debug,7:info,4:error,b_log:level=2", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(h[0].nlevels, 3);
	ck_assert_int_eq(h[0].levels[1].raw, 7);
	ck_assert_uint_eq(h[0].levels[1].level, LTX_LVL_INFO);
	ck_assert_int_eq(ltx_level_of_scale(h[0].levels, h[0].nlevels, LTX_FAM_HOOK, 4), LTX_LVL_ERROR);
	ck_assert_str_eq(h[1].fn, "b_log");
	ck_assert_uint_eq(h[1].level_arg, 2);
	ck_assert_int_eq(parse("a_log:levels=1:debug:name=2 b_log", h, &n, &pos, &why), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(h[0].name_arg, 2);
	BAD_AT("ent_log:fmt=0", 12);
	BAD_AT("ent_log:fmt=17", 12);
	BAD_AT("ent_log:fmt=3:fmt=3", 18);
	BAD_AT("ent_log:levels=", 15);
	BAD_AT("ent_log:levels=loud", 15);
	BAD_AT("ent_log:levels=syslogx", 15);
	BAD_AT("ent_log:levels=8:verbose", 17);
	BAD_AT("ent_log:levels=8:warn", 17);
	BAD_AT("ent_log:levels=8", 16);
	BAD_AT("ent_log:levels=8:debug,7", 24);
	BAD_AT("ent_log:levels=8:debug,8:info", 23);
	BAD_AT("ent_log:levels=x:debug", 15);
	BAD_AT("ent_log:levels=99999999999:debug", 15);
	BAD_AT("ent_log:levels=syslog:levels=syslog", 29);
	BAD_AT("ent_log:levels=1:info:levels=2:info", 29);
	char many[400] = "f:levels=0:debug";
	for (int i = 1; i < 17; i++) {
		char one[16];
		snprintf(one, sizeof one, ",%d:info", i);
		strcat(many, one);
	}
	BAD_AT(many, 128);
}
END_TEST

#define BAD(s, at)                                                   \
	do {                                                         \
		ck_assert_int_eq(parse(s, h, &n, &pos, &why), -1);   \
		ck_assert_msg(pos == (at), "%s: position %u, expected %u", s, pos, (unsigned)(at)); \
		ck_assert_ptr_nonnull(why);                          \
	} while (0)

START_TEST(hooks_bad)
{
	struct ltx_hook_spec h[LTX_HOOK_MAX];
	unsigned n, pos;
	const char *why;
	BAD("1app", 0);
	BAD("app:", 4);
	BAD("app:nam=1", 4);
	BAD("app:name=", 9);
	BAD("app:name=0", 9);
	BAD("app:name=17", 9);
	BAD("app:name=99999999999", 9);
	BAD("app:name=1x", 10);
	BAD("app:name=1:name=2", 16);
	BAD("app;x", 3);
	BAD("a b a", 4);
	BAD("ok virLogMessage", 3);
	BAD("g_log", 0);
	char many[400] = "";
	for (int i = 0; i < 33; i++) {
		char one[8];
		snprintf(one, sizeof one, "f%d ", i);
		strcat(many, one);
	}
	ck_assert_int_eq(parse(many, h, &n, &pos, &why), -1);
	char longname[200];
	memset(longname, 'x', 128);
	longname[128] = 0;
	BAD(longname, 0);
}
END_TEST

/* LOGTAX_PATCH: the three modes and nothing else. */
START_TEST(patch_mode)
{
	uint32_t m = 99;
	const char *why = NULL;
	ck_assert_int_eq(ltx_parse_patch("auto", &m, &why), 0);
	ck_assert_uint_eq(m, LTX_PATCH_AUTO);
	ck_assert_int_eq(ltx_parse_patch("entry", &m, &why), 0);
	ck_assert_uint_eq(m, LTX_PATCH_ENTRY);
	ck_assert_int_eq(ltx_parse_patch("got", &m, &why), 0);
	ck_assert_uint_eq(m, LTX_PATCH_GOT);
	ck_assert_int_eq(ltx_parse_patch("plt", &m, &why), -1);
	ck_assert_str_eq(why, "expected entry, got or auto");
	ck_assert_int_eq(ltx_parse_patch("", &m, &why), -1);
	ck_assert_int_eq(ltx_parse_patch("entry ", &m, &why), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("families");
	TCase *t = tcase_create("all");
	tcase_add_test(t, levels);
	tcase_add_test(t, entry_ids);
	tcase_add_test(t, hooks_good);
	tcase_add_test(t, hooks_keep);
	tcase_add_test(t, hooks_bad);
	tcase_add_test(t, patch_mode);
	tcase_add_test(t, hooks_targets);
	tcase_add_test(t, hooks_scales);
	suite_add_tcase(s, t);
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
