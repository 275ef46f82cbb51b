/* logtax-analyze: the part of logtax that reads data files. The `logtax`
 * command calls it; it can be run alone too.
 *   logtax-analyze report [--format text] FILE...
 *   logtax-analyze scan [--json] BINARY   (see scan.c)
 *   logtax-analyze check-env   (the LOGTAX_* variables, checked with the
 *                               shim's own parsers; used by `logtax run`)
 * Exit status: 0 done, 1 a data file could not be read, 2 bad usage. */
#include "model.h"
#include "report.h"
#include "../common/ltx_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const report_usage =
	"usage: logtax report [--format text|csv] FILE...\n"
	"Reads logtax data files (logtax.PID.ltx) and prints what logging cost.\n"
	"  --format text   the tables (default)\n"
	"  --format csv    one row per key (thread, entry point, source, level, call site)\n";

static int cmd_report(int argc, char **argv)
{
	const char *format = "text";
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(report_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			format = argv[++i];
		} else if (!strncmp(argv[i], "--format=", 9)) {
			format = argv[i] + 9;
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
		if (an_model_build(&m, &f) < 0) {
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
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
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
	return bad ? 2 : 0;
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
	fprintf(stderr, "logtax-analyze: unknown command '%s'\n", argv[1]);
	return 2;
}
