/* logtax-analyze: the part of logtax that reads data files. The `logtax`
 * command calls it; it can be run alone too.
 *   logtax-analyze report [--format text] FILE...
 *   logtax-analyze scan [--json] BINARY   (see scan.c)
 *   logtax-analyze check-env   (the LOGTAX_* variables, checked with the
 *                               shim's own parsers; used by `logtax run`)
 *   logtax-analyze check-rules [--file FILE | RULES]
 *   logtax-analyze ctl PID filter RULES | dump | status
 *   logtax-analyze ab ... -- CMD [ARGS...]
 * Exit status: 0 done, 1 a data file could not be read, 2 bad usage. */
#include "ab.h"
#include "ctl.h"
#include "model.h"
#include "report.h"
#include "rules_io.h"
#include "../common/ltx_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const report_usage =
	"usage: logtax report [--format text|csv] [--baseline FILE] FILE...\n"
	"Reads logtax data files (logtax.PID.ltx) and prints what logging cost.\n"
	"  --format text     the tables (default)\n"
	"  --format csv      one row per key (thread, entry point, source, level, call site, generation)\n"
	"  --baseline FILE   an earlier run's data file: what dropped calls cost there\n"
	"                    estimates what they saved here\n";

static int cmd_report(int argc, char **argv)
{
	const char *format = "text", *baseline = NULL;
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(report_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			format = argv[++i];
		} else if (!strncmp(argv[i], "--format=", 9)) {
			format = argv[i] + 9;
		} else if (!strcmp(argv[i], "--baseline") && i + 1 < argc) {
			baseline = argv[++i];
		} else if (!strncmp(argv[i], "--baseline=", 11)) {
			baseline = argv[i] + 11;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "logtax report: unknown option '%s'\n%s", argv[i], report_usage);
			return 2;
		} else {
			break;
		}
	}
	int (*writer)(FILE *, const struct an_model *) = NULL;
	if (!strcmp(format, "text"))
		writer = an_report_text;
	else if (!strcmp(format, "csv"))
		writer = an_report_csv;
	else {
		fprintf(stderr, "logtax report: unknown format '%s' (known: text, csv)\n", format);
		return 2;
	}
	if (i >= argc) {
		fprintf(stderr, "logtax report: no data file given\n%s", report_usage);
		return 2;
	}
	struct ltx_file bf;
	char berr[1024];
	if (baseline && ltx_read_file(baseline, &bf, berr, sizeof berr) < 0) {
		fprintf(stderr, "logtax report: --baseline %s\n", berr);
		return 1;
	}
	int rc = 0;
	for (int first = i; i < argc; i++) {
		struct ltx_file f;
		char err[1024];
		if (ltx_read_file(argv[i], &f, err, sizeof err) < 0) {
			fprintf(stderr, "logtax report: %s\n", err);
			rc = 1;
			continue;
		}
		struct an_model m;
		if (an_model_build_with(&m, &f, baseline ? &bf : NULL) < 0) {
			fprintf(stderr, "logtax report: %s: out of memory\n", argv[i]);
			rc = 1;
		} else {
			if (i > first && writer == an_report_text)
				fputc('\n', stdout);
			writer(stdout, &m);
		}
		an_model_free(&m);
		ltx_file_free(&f);
	}
	if (baseline)
		ltx_file_free(&bf);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}

/* Rules given as text (origin names the option) or in a file: 0 if good,
 * else one line on stderr and 2. */
static int check_rules(const char *who, const char *origin, const char *text, const char *file)
{
	char err[1024];
	size_t len = text ? strlen(text) : 0;
	char *buf = NULL;
	if (file) {
		buf = an_rules_read_file(file, &len, err, sizeof err);
		if (!buf) {
			fprintf(stderr, "logtax: %s: %s\n", who, err);
			return 2;
		}
		text = buf;
	}
	struct ltx_ruleset *rs = an_rules_parse(text, len, file ? file : origin, file != NULL, err, sizeof err);
	free(buf);
	if (!rs) {
		fprintf(stderr, "logtax: %s: %s\n", who, err);
		return 2;
	}
	free(rs);
	return 0;
}

/* Checks the LOGTAX_* variables as the shim will read them. Prints one line
 * per bad value and exits 2 if there is any. `who` names the option the
 * user typed (a LOGTAX_HOOK here is one --hook's value). */
static int cmd_check_env(const char *who)
{
	int bad = 0;
	const char *v = getenv("LOGTAX_TIME"), *why;
	uint32_t a, b;
	if (v && ltx_parse_time(v, &a, &b, &why) < 0) {
		fprintf(stderr, "logtax: %s: --time '%s': %s\n", who, v, why);
		bad = 1;
	}
	v = getenv("LOGTAX_HOOK");
	if (v) {
		struct ltx_hook_spec specs[LTX_HOOK_MAX];
		unsigned n, pos;
		if (ltx_parse_hooks(v, specs, LTX_HOOK_MAX, &n, &why, &pos) < 0) {
			fprintf(stderr, "logtax: %s: --hook '%s': at character %u: %s\n", who, v, pos + 1, why);
			bad = 1;
		}
	}
	v = getenv("LOGTAX_FILTER");
	if (v && *v && check_rules(who, "--filter", v, NULL))
		bad = 1;
	v = getenv("LOGTAX_FILTER_FILE");
	if (v && *v && check_rules(who, NULL, NULL, v))
		bad = 1;
	return bad ? 2 : 0;
}

static int cmd_check_rules(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--file"))
		return check_rules("check-rules", NULL, NULL, argv[2]);
	if (argc == 2)
		return check_rules("check-rules", "rules", argv[1], NULL);
	fputs("usage: logtax-analyze check-rules 'RULES' | --file FILE\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs("usage: logtax-analyze report|scan|check-env ...\n", argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "scan")) {
		int an_cmd_scan(int, char **);
		return an_cmd_scan(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "check-env"))
		return cmd_check_env(argc > 2 ? argv[2] : "check-env");
	if (!strcmp(argv[1], "check-rules"))
		return cmd_check_rules(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ab"))
		return an_cmd_ab(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return an_cmd_ctl(argc - 1, argv + 1);
	fprintf(stderr, "logtax-analyze: unknown command '%s'\n", argv[1]);
	return 2;
}
