/* Rules: the parser (valid and invalid text, with the exact position of
 * each error), the glob matcher, each selector part, first-match
 * semantics, and the family level tables. */
#include "../../common/ltx_format.h"
#include "../../common/ltx_levels.h"
#include "../../common/ltx_rules.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ltx_ruleset *parse(const char *text)
{
	struct ltx_rules_error e;
	size_t n = ltx_rules_parse(text, strlen(text), NULL, 0, &e);
	ck_assert_msg(n > 0, "'%s' refused: %s at %zu", text, e.msg, e.at);
	struct ltx_ruleset *rs = malloc(n);
	ck_assert_uint_eq(ltx_rules_parse(text, strlen(text), rs, n, &e), n);
	ck_assert_uint_eq(rs->size, n);
	ck_assert_str_eq((const char *)rs + rs->text_off, text);
	return rs;
}

/* Expects a refusal at 1-based (line, col) with a message containing `want`. */
static void refused(const char *text, unsigned line, unsigned col, const char *want)
{
	struct ltx_rules_error e;
	ck_assert_msg(ltx_rules_parse(text, strlen(text), NULL, 0, &e) == 0, "'%s' accepted", text);
	ck_assert_msg(e.line == line && e.col == col, "'%s': error at %u:%u, expected %u:%u (%s)", text, e.line,
		      e.col, line, col, e.msg);
	ck_assert_msg(strstr(e.msg, want), "'%s': message '%s' lacks '%s'", text, e.msg, want);
}

START_TEST(valid)
{
	struct ltx_ruleset *rs = parse("drop:util.eventglib");
	ck_assert_uint_eq(rs->nrules, 1);
	ck_assert_uint_eq(rs->rules[0].action, LTX_ACT_DROP);
	ck_assert_ptr_null(ltx_rules_str(rs, rs->rules[0].entry));
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[0].name), "util.eventglib");
	ck_assert_uint_eq(rs->rules[0].cmp, LTX_CMP_ANY);
	ck_assert_uint_eq(rs->has_caller, 0);
	free(rs);

	rs = parse("drop:*@debug keep:rpc.*");
	ck_assert_uint_eq(rs->nrules, 2);
	ck_assert_uint_eq(rs->rules[0].cmp, LTX_CMP_EQ);
	ck_assert_uint_eq(rs->rules[0].level, LTX_LVL_DEBUG);
	ck_assert_uint_eq(rs->rules[1].action, LTX_ACT_KEEP);
	ck_assert_uint_eq(rs->rules[1].at, 13);
	free(rs);

	rs = parse("drop:*<libvirt.so*");
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[0].caller), "libvirt.so*");
	ck_assert_uint_eq(rs->has_caller, 1);
	free(rs);

	rs = parse("  # a comment: drop:nothing\n\tkeep:virLogMessage/rpc.[a-z]*@<=info<vir*Dispatch\n"
		   "drop:legacy/*@>warn # trailing\n drop:a\\@b@=err\r\n");
	ck_assert_uint_eq(rs->nrules, 3);
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[0].entry), "virLogMessage");
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[0].name), "rpc.[a-z]*");
	ck_assert_uint_eq(rs->rules[0].cmp, LTX_CMP_LE);
	ck_assert_uint_eq(rs->rules[0].level, LTX_LVL_INFO);
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[0].caller), "vir*Dispatch");
	ck_assert_uint_eq(rs->rules[1].cmp, LTX_CMP_GT);
	ck_assert_uint_eq(rs->rules[1].level, LTX_LVL_WARNING);
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[2].name), "a\\@b");
	ck_assert_uint_eq(rs->rules[2].level, LTX_LVL_ERROR);
	free(rs);

	/* '/', '@' and '<' inside brackets belong to the glob */
	rs = parse("drop:a[/@<]b");
	ck_assert_ptr_null(ltx_rules_str(rs, rs->rules[0].entry));
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[0].name), "a[/@<]b");
	free(rs);
	/* a name may hold '/' after the entry part */
	rs = parse("drop:*/usr/sbin/x");
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[0].entry), "*");
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[0].name), "usr/sbin/x");
	free(rs);
	/* limit and sample: the rate follows the selector's last ':' */
	rs = parse("limit:util.*@debug:100/s sample:legacy/a:b<x*:1/100 limit:*:7/min");
	ck_assert_uint_eq(rs->nrules, 3);
	ck_assert_uint_eq(rs->rules[0].action, LTX_ACT_LIMIT);
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[0].name), "util.*");
	ck_assert_uint_eq(rs->rules[0].level, LTX_LVL_DEBUG);
	ck_assert_uint_eq(rs->rules[0].n, 100);
	ck_assert_uint_eq(rs->rules[0].per, 1);
	ck_assert_uint_eq(rs->rules[1].action, LTX_ACT_SAMPLE);
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[1].entry), "legacy");
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[1].name), "a:b");
	ck_assert_str_eq(ltx_rules_str(rs, rs->rules[1].caller), "x*");
	ck_assert_uint_eq(rs->rules[1].n, 100);
	ck_assert_uint_eq(rs->rules[1].per, 0);
	ck_assert_uint_eq(rs->rules[2].n, 7);
	ck_assert_uint_eq(rs->rules[2].per, 60);
	free(rs);
	rs = parse("limit:x:4294967295/s sample:x:1/1");
	ck_assert_uint_eq(rs->rules[0].n, 4294967295u);
	ck_assert_uint_eq(rs->rules[1].n, 1);
	free(rs);
	/* nothing at all is a valid (empty) rule set */
	rs = parse(" \n# only a comment\n");
	ck_assert_uint_eq(rs->nrules, 0);
	free(rs);
}
END_TEST

START_TEST(invalid)
{
	refused("drop", 1, 1, "expected ACTION:SELECTOR");
	refused("drop:a remove:b", 1, 8, "unknown action");
	refused("drop:", 1, 6, "empty source name");
	refused("drop:/x", 1, 6, "empty entry point");
	refused("drop:legacy_log/", 1, 17, "empty source name");
	refused("drop:x@", 1, 8, "missing level");
	refused("drop:x@dbg", 1, 8, "unknown level");
	refused("drop:x@<=", 1, 10, "missing level");
	refused("drop:x@debug/y", 1, 13, "unexpected character");
	refused("drop:x<", 1, 8, "empty caller");
	refused("drop:util.[ab", 1, 11, "'[' without its ']'");
	refused("drop:a\\", 1, 7, "quotes nothing");
	refused("drop:x@info<lib[", 1, 16, "'[' without its ']'");
	refused("keep:ok\n\n  drop:x@verbose", 3, 10, "unknown level");
	refused("drop:a\n# fine\ndrop:b@", 3, 8, "missing level");
	/* limit and sample */
	refused("limit:util.x", 1, 13, "missing rate");
	refused("sample:x", 1, 9, "missing rate");
	refused("limit:x:100", 1, 12, "missing unit");
	refused("limit:x:100/", 1, 13, "missing unit");
	refused("limit:x:100/h", 1, 13, "unknown unit");
	refused("limit:x:100/sec", 1, 13, "unknown unit");
	refused("limit:x:0/s", 1, 9, "N of 0");
	refused("limit:x:4294967296/s", 1, 9, "too large");
	refused("limit:x:99999999999999999999999/s", 1, 9, "too large");
	refused("limit:x:/s", 1, 9, "expected a number");
	refused("limit:x:1e3/s", 1, 10, "expected '/'");
	refused("sample:x:1/0", 1, 12, "N of 0");
	refused("sample:x:2/100", 1, 10, "expected 1/N");
	refused("sample:x:1", 1, 11, "expected '/'");
	refused("sample:x:1/", 1, 12, "expected a number");
	refused("sample:x:1/10x", 1, 14, "unexpected character");
	refused("sample:x:1/4294967296", 1, 12, "too large");
	refused("limit::5/s", 1, 7, "empty source name");
	refused("keep:a\n  limit:x@dbg:5/s", 2, 11, "unknown level");
}
END_TEST

START_TEST(error_lines)
{
	const char *t = "drop:a keep:b@dbg";
	struct ltx_rules_error e;
	ck_assert_uint_eq(ltx_rules_parse(t, strlen(t), NULL, 0, &e), 0);
	char buf[256];
	ltx_rules_error_format(buf, sizeof buf, "--filter", 0, t, strlen(t), &e);
	ck_assert_str_eq(buf, "--filter: bad rule 'keep:b@dbg' at column 15: unknown level (expected debug, info, "
			      "notice, warning or error)");
	ltx_rules_error_format(buf, sizeof buf, "rules.txt", 1, t, strlen(t), &e);
	ck_assert_str_eq(buf, "rules.txt:1:15: bad rule 'keep:b@dbg': unknown level (expected debug, info, "
			      "notice, warning or error)");
	const char *m = "keep:a\n drop:[x";
	ck_assert_uint_eq(ltx_rules_parse(m, strlen(m), NULL, 0, &e), 0);
	ltx_rules_error_format(buf, sizeof buf, "LOGTAX_FILTER", 0, m, strlen(m), &e);
	ck_assert_str_eq(buf, "LOGTAX_FILTER: bad rule 'drop:[x' at line 2, column 7: '[' without its ']'");
	/* a short buffer is cut, still terminated */
	ltx_rules_error_format(buf, 10, "LOGTAX_FILTER", 0, m, strlen(m), &e);
	ck_assert_uint_eq(strlen(buf), 9);
}
END_TEST

START_TEST(globs)
{
	ck_assert(ltx_glob("*", ""));
	ck_assert(ltx_glob("*", "anything"));
	ck_assert(ltx_glob("util.event*", "util.eventglib"));
	ck_assert(ltx_glob("util.event*", "util.event"));
	ck_assert(!ltx_glob("util.event*", "util.even"));
	ck_assert(ltx_glob("?til.*", "util.x"));
	ck_assert(!ltx_glob("?", ""));
	ck_assert(ltx_glob("*glib", "util.eventglib"));
	ck_assert(ltx_glob("*.*.*", "a.b.c"));
	ck_assert(!ltx_glob("*.*.*", "a.b"));
	ck_assert(ltx_glob("a*b*c", "aXXbYYbc"));
	ck_assert(ltx_glob("[a-c]x", "bx"));
	ck_assert(!ltx_glob("[a-c]x", "dx"));
	ck_assert(ltx_glob("[!a-c]x", "dx"));
	ck_assert(ltx_glob("[^a-c]x", "dx"));
	ck_assert(ltx_glob("[]]", "]"));
	ck_assert(ltx_glob("[!]]", "a"));
	ck_assert(ltx_glob("\\*", "*"));
	ck_assert(!ltx_glob("\\*", "a"));
	ck_assert(ltx_glob("libvirt.so*", "libvirt.so.0"));
	ck_assert(!ltx_glob("libvirt.so*", "libvirt-qemu.so"));
	/* no locale: bytes above 0x7f compare as themselves */
	ck_assert(ltx_glob("caf?", "caf\xc3"));
	/* a pathological pattern stays fast (one star backtrack point) */
	ck_assert(!ltx_glob("*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}
END_TEST

struct who {
	const char *sym, *mod;
	int asked;
};

static int resolve(void *ctx, const char **sym, const char **mod)
{
	struct who *w = ctx;
	w->asked++;
	if (!w->sym && !w->mod)
		return -1;
	*sym = w->sym;
	*mod = w->mod;
	return 0;
}

static int act(const char *rules, const char *entry, uint32_t family, const char *name, int level,
	       struct who *w, int *which)
{
	struct ltx_ruleset *rs = parse(rules);
	struct ltx_rule_subject s = { entry, family, name, level, resolve, w, NULL, 0 };
	int a = ltx_rules_match(rs, &s, which);
	free(rs);
	return a;
}

#define DROP LTX_ACT_DROP
#define KEEP LTX_ACT_KEEP
#define LEG LTX_FAM_LEGACY
#define VIR LTX_FAM_LIBVIRT

START_TEST(matching)
{
	struct who none = { 0 }, w = { "virEventGLibDispatch", "/usr/lib/libvirt.so.0", 0 };
	int which;
	/* NAME */
	ck_assert_int_eq(act("drop:util.eventglib", "virLogMessage", VIR, "util.eventglib", 1, &none, &which), DROP);
	ck_assert_int_eq(which, 0);
	ck_assert_int_eq(act("drop:util.eventglib", "virLogMessage", VIR, "util.event", 1, &none, &which), KEEP);
	ck_assert_int_eq(which, -1);
	ck_assert_int_eq(act("drop:*", "legacy_log", LEG, NULL, 1, &none, NULL), DROP);
	ck_assert_int_eq(act("drop:?*", "legacy_log", LEG, NULL, 1, &none, NULL), KEEP);
	/* ENTRY: symbol or family */
	ck_assert_int_eq(act("drop:legacy_log/*", "legacy_log", LEG, "a", 1, &none, NULL), DROP);
	ck_assert_int_eq(act("drop:legacy/*", "legacy_log", LEG, "a", 1, &none, NULL), DROP);
	ck_assert_int_eq(act("drop:virLogMessage/*", "legacy_log", LEG, "a", 1, &none, NULL), KEEP);
	ck_assert_int_eq(act("drop:libvirt/*", "virLogMessage", VIR, "a", 1, &none, NULL), DROP);
	ck_assert_int_eq(act("drop:vir*/*", "virLogMessage", VIR, "a", 1, &none, NULL), DROP);
	/* LEVEL: 1 debug, 2 info, 3 warning, 4 error */
	ck_assert_int_eq(act("drop:*@debug", "legacy_log", LEG, "a", 1, &none, NULL), DROP);
	ck_assert_int_eq(act("drop:*@debug", "legacy_log", LEG, "a", 2, &none, NULL), KEEP);
	ck_assert_int_eq(act("drop:*@<=info", "legacy_log", LEG, "a", 2, &none, NULL), DROP);
	ck_assert_int_eq(act("drop:*@<=info", "legacy_log", LEG, "a", 3, &none, NULL), KEEP);
	ck_assert_int_eq(act("drop:*@<info", "legacy_log", LEG, "a", 2, &none, NULL), KEEP);
	ck_assert_int_eq(act("drop:*@<info", "legacy_log", LEG, "a", 1, &none, NULL), DROP);
	ck_assert_int_eq(act("drop:*@<=notice", "legacy_log", LEG, "a", 2, &none, NULL), DROP);
	ck_assert_int_eq(act("drop:*@<=notice", "legacy_log", LEG, "a", 3, &none, NULL), KEEP);
	ck_assert_int_eq(act("drop:*@>=warning", "legacy_log", LEG, "a", 3, &none, NULL), DROP);
	ck_assert_int_eq(act("drop:*@>warning", "legacy_log", LEG, "a", 3, &none, NULL), KEEP);
	ck_assert_int_eq(act("drop:*@>warning", "legacy_log", LEG, "a", 4, &none, NULL), DROP);
	/* a raw level outside the family's scale matches no level part, but a rule without one */
	ck_assert_int_eq(act("drop:*@<=error", "legacy_log", LEG, "a", 9, &none, NULL), KEEP);
	ck_assert_int_eq(act("drop:*", "legacy_log", LEG, "a", 9, &none, NULL), DROP);
	/* CALLER: symbol, module base name, full path; resolved only when reached */
	w.asked = 0;
	ck_assert_int_eq(act("drop:*<virEventGLib*", "virLogMessage", VIR, "a", 1, &w, NULL), DROP);
	ck_assert_int_eq(act("drop:*<libvirt.so*", "virLogMessage", VIR, "a", 1, &w, NULL), DROP);
	ck_assert_int_eq(act("drop:*</usr/lib/*", "virLogMessage", VIR, "a", 1, &w, NULL), DROP);
	ck_assert_int_eq(act("drop:*<libvirt.so", "virLogMessage", VIR, "a", 1, &w, NULL), KEEP);
	ck_assert_int_eq(act("drop:*<virNet*", "virLogMessage", VIR, "a", 1, &w, NULL), KEEP);
	ck_assert_int_eq(w.asked, 5);
	ck_assert_int_eq(act("drop:b<x* drop:c<y* keep:a", "virLogMessage", VIR, "a", 1, &w, NULL), KEEP);
	ck_assert_int_eq(w.asked, 5); /* no rule with a caller part matched the rest: not resolved */
	ck_assert_int_eq(act("drop:a<x* drop:a<y* keep:a", "virLogMessage", VIR, "a", 1, &w, NULL), KEEP);
	ck_assert_int_eq(w.asked, 6); /* resolved once for two rules */
	ck_assert_int_eq(act("drop:*<*", "virLogMessage", VIR, "a", 1, &none, NULL), KEEP);
	/* limit and sample decide like drop: first match, never a fatal level */
	ck_assert_int_eq(act("sample:a:1/3 drop:*", "legacy_log", LEG, "a", 1, &none, &which), LTX_ACT_SAMPLE);
	ck_assert_int_eq(which, 0);
	ck_assert_int_eq(act("limit:b:3/s drop:*", "legacy_log", LEG, "a", 1, &none, &which), DROP);
	ck_assert_int_eq(which, 1);
	ck_assert_int_eq(act("limit:a:3/s", "legacy_log", LEG, "a", 1, &none, NULL), LTX_ACT_LIMIT);
	ck_assert_int_eq(act("limit:a:3/s", "g_log", LTX_FAM_GLIB, "a", 4 /* G_LOG_LEVEL_ERROR */, &none, NULL), KEEP);
	/* first match wins */
	ck_assert_int_eq(act("keep:rpc.* drop:*", "legacy_log", LEG, "rpc.server", 1, &none, &which), KEEP);
	ck_assert_int_eq(which, 0);
	ck_assert_int_eq(act("drop:*@debug keep:rpc.*", "legacy_log", LEG, "rpc.server", 1, &none, &which), DROP);
	ck_assert_int_eq(which, 0);
	ck_assert_int_eq(act("drop:*@debug keep:rpc.* drop:*", "legacy_log", LEG, "rpc.server", 2, &none, &which),
			 KEEP);
	ck_assert_int_eq(which, 1);
	ck_assert_int_eq(act("drop:*@debug keep:rpc.* drop:*", "legacy_log", LEG, "util.x", 2, &none, &which), DROP);
	ck_assert_int_eq(which, 2);
}
END_TEST

START_TEST(levels)
{
	ck_assert_str_eq(ltx_family_name(LTX_FAM_LIBVIRT), "libvirt");
	ck_assert_str_eq(ltx_family_name(LTX_FAM_LEGACY), "legacy");
	ck_assert_str_eq(ltx_family_name(999), "unknown");
	ck_assert_int_eq(ltx_level_of(LTX_FAM_LIBVIRT, 1), LTX_LVL_DEBUG);
	ck_assert_int_eq(ltx_level_of(LTX_FAM_LIBVIRT, 3), LTX_LVL_WARNING);
	ck_assert_int_eq(ltx_level_of(LTX_FAM_LIBVIRT, 0), LTX_LVL_UNKNOWN);
	ck_assert_int_eq(ltx_level_parse("warn", 4), LTX_LVL_WARNING);
	ck_assert_int_eq(ltx_level_parse("warnx", 5), LTX_LVL_UNKNOWN);
	ck_assert_int_eq(ltx_level_parse("in", 2), LTX_LVL_UNKNOWN);
	ck_assert_str_eq(ltx_level_name(LTX_LVL_NOTICE), "notice");
}
END_TEST

/* A hooked function's own scale (levels=): rules name its levels. */
START_TEST(hook_scale)
{
	const struct ltx_level_pair sc[] = { { 8, LTX_LVL_DEBUG }, { 7, LTX_LVL_INFO }, { 4, LTX_LVL_ERROR } };
	struct ltx_ruleset *rs = parse("drop:*@<=info");
	struct ltx_rule_subject s = { "ngx_log", LTX_FAM_HOOK, NULL, 8, NULL, NULL, sc, 3 };
	ck_assert_int_eq(ltx_rules_match(rs, &s, NULL), DROP);
	s.level = 7;
	ck_assert_int_eq(ltx_rules_match(rs, &s, NULL), DROP);
	s.level = 4;
	ck_assert_int_eq(ltx_rules_match(rs, &s, NULL), KEEP);
	s.level = 5; /* outside the scale: no bound matches */
	ck_assert_int_eq(ltx_rules_match(rs, &s, NULL), KEEP);
	s.level = 8;
	s.nscale = 0; /* no scale: the hook family has none */
	ck_assert_int_eq(ltx_rules_match(rs, &s, NULL), KEEP);
	free(rs);
}
END_TEST

START_TEST(many_rules)
{
	/* 1,000 rules: parsed into one block; the last decides */
	size_t cap = 1000 * 16 + 16;
	char *t = malloc(cap);
	size_t n = 0;
	for (int i = 0; i < 999; i++)
		n += (size_t)snprintf(t + n, cap - n, "keep:src%d ", i);
	n += (size_t)snprintf(t + n, cap - n, "drop:*");
	struct ltx_ruleset *rs = parse(t);
	ck_assert_uint_eq(rs->nrules, 1000);
	struct ltx_rule_subject s = { "legacy_log", LEG, "x", 1, NULL, NULL, NULL, 0 };
	int which;
	ck_assert_int_eq(ltx_rules_match(rs, &s, &which), DROP);
	ck_assert_int_eq(which, 999);
	free(rs);
	free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");
	tcase_add_test(tc, valid);
	tcase_add_test(tc, invalid);
	tcase_add_test(tc, error_lines);
	tcase_add_test(tc, globs);
	tcase_add_test(tc, matching);
	tcase_add_test(tc, levels);
	tcase_add_test(tc, many_rules);
	tcase_add_test(tc, hook_scale);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
