/* logtax-analyze: the part of logtax that reads data files. The `logtax`
 * command calls it; it can be run alone too.
 *   logtax-analyze report [OPTIONS] FILE...
 *   logtax-analyze report --diff [OPTIONS] A B
 *   logtax-analyze scan [--json] [--hook NAME]... BINARY (see scan.c)
 *   logtax-analyze check-env   (the LOGTAX_* variables, checked with the
 *                               shim's own parsers; used by `logtax run`)
 *   logtax-analyze check-rules [--file FILE | RULES]
 *   logtax-analyze check-exec PATH   (can LD_PRELOAD reach it? check_exec.c)
 *   logtax-analyze ctl PID filter RULES | dump | status
 *   logtax-analyze ab ... -- CMD [ARGS...]
 *   logtax-analyze dump FILE... (every record as a plain line: tests, debugging)
 * Exit status: 0 done, 1 a data file could not be read, 2 bad usage. */
#include "ab.h"
#include "ctl.h"
#include "dump.h"
#include "model.h"
#include "report.h"
#include "rules_io.h"
#include "../common/ltx_settings.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const report_usage =
	"usage: logtax report [--format FORMAT] [OPTIONS] FILE...\n"
	"       logtax report --diff [--format text|csv|json] [OPTIONS] A.ltx B.ltx\n"
	"Reads logtax data files (logtax.PID.ltx) and prints what logging cost.\n"
	"Several files (a daemon and its children) are reported together; keys and\n"
	"threads keep their process id.\n"
	"  --format text     the tables, top call sites and message templates (default)\n"
	"  --format json     everything in the files, symbolized (schema: docs/JSON.md)\n"
	"  --format csv      one row per key (process, thread, entry point, source,\n"
	"                    level, call site, generation; time saved by drops;\n"
	"                    symbolized call site, template)\n"
	"  --format folded   'frame;frame;frame count' lines for flame graphs (from\n"
	"                    stacks when recorded, else entry;source;call site)\n"
	"  --format chrome   Chrome Trace Event JSON (Perfetto, chrome://tracing),\n"
	"                    from a run with --trace\n"
	"  --format html     one self-contained page with tables and charts\n"
	"  --format openmetrics  the live metrics (docs/FLEET.md) in OpenMetrics\n"
	"                    text: calls and estimated seconds per entry point,\n"
	"                    source and level, drops per rule generation, event\n"
	"                    loops per thread group, labels program, pid, build_id\n"
	"  --format prometheus   the same in Prometheus' text format 0.0.4, as\n"
	"                    node_exporter's textfile collector reads it\n"
	"  --format pprof    a gzipped profile.proto (go tool pprof, Pyroscope,\n"
	"                    Parca): sample types calls/count and\n"
	"                    log_time/nanoseconds, stacks when recorded, else the\n"
	"                    call site; labels source and level; needs -o FILE\n"
	"  -o, --output FILE write the report to FILE instead of standard output\n"
	"  --metrics-sites   openmetrics, prometheus: a site label per call site\n"
	"  --diff            what changed per key from run A to run B: calls,\n"
	"                    estimated time, time per call (keys matched by entry\n"
	"                    point, source, level and symbolized call site)\n"
	"  --top N           rows in the top tables (default 20; 0: all)\n"
	"  --baseline FILE   an earlier run's data file: what dropped calls cost there\n"
	"                    estimates what they saved here\n"
	"  --debuginfo-path DIR[:DIR...]\n"
	"                    also look for separate debug files there (by build-id:\n"
	"                    DIR/.build-id/xx/yyyy.debug), before /usr/lib/debug\n"
	"  --debuginfod      let elfutils ask the debuginfod servers named in\n"
	"                    DEBUGINFOD_URLS (off by default: symbols are read offline)\n";

struct fmt {
	const char *name;
	int (*report)(FILE *, const struct an_model *);
	int (*diff)(FILE *, const struct an_diff *);
};

static const struct fmt formats[] = {
	{ "text", an_report_text, an_diff_text },     { "csv", an_report_csv, an_diff_csv },
	{ "json", an_report_json, an_diff_json },     { "folded", an_report_folded, NULL },
	{ "chrome", an_report_chrome, NULL },         { "html", an_report_html, NULL },
	{ "openmetrics", an_report_openmetrics, NULL }, { "prometheus", an_report_prometheus, NULL },
	{ "pprof", an_report_pprof, NULL },
};

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "logtax report: %s '%s' (see 'logtax report --help')\n", what, arg);
	return 2;
}

/* Absolute directories, so libdwfl does not take them relative to each module. */
static char *absolute_dirs(const char *list)
{
	size_t cap = strlen(list) * 2 + PATH_MAX + 2, n = 0;
	char *out = malloc(cap), *copy = strdup(list);
	if (!out || !copy) {
		free(out);
		free(copy);
		return NULL;
	}
	out[0] = 0;
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char abs[PATH_MAX];
		const char *use = realpath(d, abs) ? abs : d;
		size_t l = strlen(use);
		if (n + l + 2 > cap)
			break;
		if (n)
			out[n++] = ':';
		memcpy(out + n, use, l + 1);
		n += l;
	}
	free(copy);
	return out;
}

static int cmd_report(int argc, char **argv)
{
	const char *format = "text", *dipath = NULL, *baseline = NULL, *outpath = NULL;
	int diff = 0, debuginfod = 0, metrics_sites = 0;
	long top = 20;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(report_usage, stdout);
			return 0;
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			format = argv[++i];
		} else if (!strncmp(a, "--format=", 9)) {
			format = a + 9;
		} else if (!strcmp(a, "--debuginfo-path") && i + 1 < argc) {
			dipath = argv[++i];
		} else if (!strncmp(a, "--debuginfo-path=", 17)) {
			dipath = a + 17;
		} else if ((!strcmp(a, "--top") && i + 1 < argc) || !strncmp(a, "--top=", 6)) {
			const char *v = a[5] == '=' ? a + 6 : argv[++i];
			char *end;
			top = strtol(v, &end, 10);
			if (!*v || *end || top < 0 || top > 1000000)
				return bad_usage("--top needs a count, not", v);
		} else if (!strcmp(a, "--baseline") && i + 1 < argc) {
			baseline = argv[++i];
		} else if (!strncmp(a, "--baseline=", 11)) {
			baseline = a + 11;
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
			outpath = argv[++i];
		} else if (!strncmp(a, "--output=", 9)) {
			outpath = a + 9;
		} else if (!strcmp(a, "--metrics-sites")) {
			metrics_sites = 1;
		} else if (!strcmp(a, "--diff")) {
			diff = 1;
		} else if (!strcmp(a, "--debuginfod")) {
			debuginfod = 1;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (a[0] == '-' && a[1]) {
			if (!strcmp(a, "--format") || !strcmp(a, "--debuginfo-path") || !strcmp(a, "--top") ||
			    !strcmp(a, "--baseline") || !strcmp(a, "-o") || !strcmp(a, "--output"))
				return bad_usage("missing value after", a);
			return bad_usage("unknown option", a);
		} else {
			break;
		}
	}
	const struct fmt *fm = NULL;
	for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
		if (!strcmp(format, formats[k].name))
			fm = &formats[k];
	if (!fm) {
		fprintf(stderr,
			"logtax report: unknown format '%s' (known: text, json, csv, folded, chrome, html, openmetrics, "
			"prometheus, pprof)\n",
			format);
		return 2;
	}
	if (diff && !fm->diff) {
		fprintf(stderr, "logtax report: --diff writes text, csv or json, not %s\n", format);
		return 2;
	}
	int nfiles = argc - i;
	if (nfiles < 1) {
		fprintf(stderr, "logtax report: no data file given\n%s", report_usage);
		return 2;
	}
	if (diff && nfiles != 2) {
		fprintf(stderr, "logtax report: --diff compares two data files, %d given\n", nfiles);
		return 2;
	}
	if (fm->report == an_report_pprof && !outpath && isatty(1)) {
		fprintf(stderr, "logtax report: --format pprof writes a binary file: give -o FILE.pb.gz\n");
		return 2;
	}
	if (outpath && !*outpath)
		return bad_usage("-o needs a file name, not", outpath);
	/* Symbols are read offline unless asked: no network lookups behind the user's back. */
	if (!debuginfod)
		unsetenv("DEBUGINFOD_URLS");
	struct ltx_file bf;
	char berr[1024];
	if (baseline && ltx_read_file(baseline, &bf, berr, sizeof berr) < 0) {
		fprintf(stderr, "logtax report: --baseline %s\n", berr);
		return 1;
	}
	char *dirs = dipath ? absolute_dirs(dipath) : NULL;
	struct an_opts opts = { dirs, (size_t)top, baseline ? &bf : NULL, metrics_sites };
	/* -o: written under a temporary name and renamed once complete, so a
	 * collector reading the directory never sees half a report */
	FILE *out = stdout;
	char *tmp = NULL;
	if (outpath) {
		size_t n = strlen(outpath) + 32;
		tmp = malloc(n);
		if (tmp)
			snprintf(tmp, n, "%s.tmp.%ld", outpath, (long)getpid());
		out = tmp ? fopen(tmp, "wb") : NULL;
		if (!out) {
			fprintf(stderr, "logtax report: -o %s: %s\n", outpath, strerror(errno));
			free(tmp);
			free(dirs);
			if (baseline)
				ltx_file_free(&bf);
			return 1;
		}
	}

	struct ltx_file *files = calloc((size_t)nfiles, sizeof *files);
	if (!files) {
		fprintf(stderr, "logtax report: out of memory\n");
		return 1;
	}
	int rc = 0, nread = 0;
	for (int k = 0; k < nfiles; k++) {
		char err[1024];
		if (ltx_read_file(argv[i + k], &files[nread], err, sizeof err) < 0) {
			fprintf(stderr, "logtax report: %s\n", err);
			rc = 1;
			continue;
		}
		nread++;
	}
	if (diff && nread == 2) {
		struct an_model ma, mb;
		struct an_diff d;
		memset(&ma, 0, sizeof ma);
		memset(&mb, 0, sizeof mb);
		if (an_model_build(&ma, &files[0], 1, &opts) < 0 || an_model_build(&mb, &files[1], 1, &opts) < 0 ||
		    an_diff_build(&d, &ma, &mb) < 0) {
			fprintf(stderr, "logtax report: out of memory\n");
			rc = 1;
		} else {
			fm->diff(out, &d);
			an_diff_free(&d);
		}
		an_model_free(&ma);
		an_model_free(&mb);
	} else if (!diff && nread > 0) {
		struct an_model m;
		if (an_model_build(&m, files, (size_t)nread, &opts) < 0) {
			fprintf(stderr, "logtax report: out of memory\n");
			rc = 1;
		} else {
			/* the metrics and pprof writers say when their output is incomplete */
			if (fm->report(out, &m) < 0 && (fm->report == an_report_pprof || fm->report == an_report_openmetrics ||
							fm->report == an_report_prometheus))
				rc = 1;
			if (fm->report == an_report_chrome && !m.has_trace)
				fprintf(stderr, "logtax report: no trace records in these files (run with 'logtax run "
						"--trace N'): the trace has only process and thread names\n");
		}
		an_model_free(&m);
	}
	for (int k = 0; k < nread; k++)
		ltx_file_free(&files[k]);
	free(files);
	free(dirs);
	if (baseline)
		ltx_file_free(&bf);
	if (fflush(out) != 0)
		rc = 1;
	if (outpath) {
		if (ferror(out) || fclose(out) != 0) {
			fprintf(stderr, "logtax report: -o %s: %s\n", outpath, strerror(errno));
			rc = 1;
		}
		if (rc == 0 && nread > 0 && rename(tmp, outpath) != 0) {
			fprintf(stderr, "logtax report: -o %s: %s\n", outpath, strerror(errno));
			rc = 1;
		}
		if (rc != 0 || nread == 0)
			unlink(tmp);
		free(tmp);
	}
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
	const char *st = getenv("LOGTAX_STACKS");
	if (st && ltx_parse_stacks(st, &a, &b, &why) < 0) {
		fprintf(stderr, "logtax: %s: --stacks '%s': %s\n", who, st, why);
		bad = 1;
	}
	const char *tr = getenv("LOGTAX_TRACE");
	if (tr && ltx_parse_trace(tr, &a, &why) < 0) {
		fprintf(stderr, "logtax: %s: --trace '%s': %s\n", who, tr, why);
		bad = 1;
	} else if (tr && v && strcmp(v, "all")) {
		fprintf(stderr, "logtax: %s: --trace times every call: --time '%s' cannot go with it\n", who, v);
		bad = 1;
	}
	const char *sn = getenv("LOGTAX_SNAPSHOT");
	if (sn && ltx_parse_snapshot(sn, &a, &why) < 0) {
		fprintf(stderr, "logtax: %s: --snapshot '%s': %s\n", who, sn, why);
		bad = 1;
	}
	const char *jb = getenv("LOGTAX_JOBS");
	if (jb && ltx_parse_jobs(jb, &a, &why) < 0) {
		fprintf(stderr, "logtax: %s: LOGTAX_JOBS='%s': %s\n", who, jb, why);
		bad = 1;
	}
	const char *nf = getenv("LOGTAX_NO_FOLLOW");
	if (nf && ltx_parse_no_follow(nf, &a, &why) < 0) {
		fprintf(stderr, "logtax: %s: LOGTAX_NO_FOLLOW='%s': %s\n", who, nf, why);
		bad = 1;
	}
	v = getenv("LOGTAX_CONTROL");
	if (v && ltx_parse_control(v, &a, &why) < 0) {
		fprintf(stderr, "logtax: %s: --control '%s': %s\n", who, v, why);
		bad = 1;
	}
	v = getenv("LOGTAX_PATCH");
	if (v && ltx_parse_patch(v, &a, &why) < 0) {
		fprintf(stderr, "logtax: %s: --patch '%s': %s\n", who, v, why);
		bad = 1;
	}
	v = getenv("LOGTAX_METRICS_SITES");
	if (v && strcmp(v, "0") && strcmp(v, "1")) {
		fprintf(stderr, "logtax: %s: LOGTAX_METRICS_SITES='%s': 0 or 1\n", who, v);
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

static int cmd_dump(int argc, char **argv)
{
	int rc = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: logtax-analyze dump FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct ltx_file f;
		char err[1024];
		if (ltx_read_file(argv[i], &f, err, sizeof err) < 0) {
			fprintf(stderr, "logtax-analyze dump: %s\n", err);
			rc = 1;
			continue;
		}
		an_dump(stdout, &f);
		ltx_file_free(&f);
	}
	return fflush(stdout) ? 1 : rc;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs("usage: logtax-analyze report|scan|check-env|check-rules|check-exec|ctl|ab|dump ...\n", argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dump"))
		return cmd_dump(argc - 1, argv + 1);
	if (!strcmp(argv[1], "scan")) {
		int an_cmd_scan(int, char **);
		return an_cmd_scan(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "check-env"))
		return cmd_check_env(argc > 2 ? argv[2] : "check-env");
	if (!strcmp(argv[1], "check-rules"))
		return cmd_check_rules(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check-exec")) {
		int an_cmd_check_exec(int, char **);
		return an_cmd_check_exec(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "ab")) {
		/* its model of each run is symbolized offline, as `report` does by default */
		unsetenv("DEBUGINFOD_URLS");
		return an_cmd_ab(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "ctl"))
		return an_cmd_ctl(argc - 1, argv + 1);
	fprintf(stderr, "logtax-analyze: unknown command '%s'\n", argv[1]);
	return 2;
}
