/* logtax ab: A/B benchmark runs of one command under logtax.
 *
 * The arms differ only in their rules (--X-filter, --X-filter-file) and
 * environment (--X-env); all run with the shim loaded. Runs alternate
 * (A B A B ..., or A B C ... with a third arm) after warm-up runs, so a
 * slow phase of the machine hits every arm alike. Each run: wall time
 * (fork to wait4), user and system time and max RSS from wait4, and its
 * logtax data files in a directory of its own.
 *
 * For each arm X against A: medians and spread; the ratio X/A as the
 * median of the pairwise ratios (run i of X over run i of A) with a 95%
 * bootstrap interval (fixed seed: the same runs give the same interval);
 * a two-sided Mann-Whitney U test; the saving measured (1 - ratio) next to
 * the saving A's own logtax data predicted for X's rules (predict.c,
 * an_predict). With a third arm C (e.g. the program's own fix), how much
 * of the gap between A and C the arm B closes.
 *
 * Exit status: 0 done; 1 a run failed; 2 bad usage or rules. */
#include "ab.h"
#include "ab_impl.h"
#include "json.h"
#include "model.h"
#include "rules_io.h"
#include "stats.h"
#include "symbols.h"
#include "util.h"
#include "../common/ltx_settings.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const ab_usage =
	"usage: logtax ab [-n RUNS] [--warmup N] [-o DIR] [--json FILE] [--time MODE]\n"
	"                 [--a-filter RULES | --a-filter-file FILE] [--a-env VAR=VALUE]...\n"
	"                 --b-filter RULES | --b-filter-file FILE | --b-env VAR=VALUE ...\n"
	"                 [--c-filter RULES | --c-filter-file FILE] [--c-env VAR=VALUE]...\n"
	"                 -- CMD [ARGS...]\n"
	"       logtax ab [OPTIONS] [--ready unix:PATH|tcp:HOST:PORT|file:PATH|delay:SECS]\n"
	"                 [--ready-timeout SECS] [--grace SECS]\n"
	"                 --server -- DAEMON [ARGS...] --load -- CLIENT [ARGS...]\n"
	"       logtax ab [-n PERIODS] [--warmup N] [--period SECS] [--rate-from 'CMD']\n"
	"                 [--a-filter RULES] --b-filter RULES [--json FILE] --pid PID\n"
	"Runs CMD under logtax RUNS times per arm, alternating A B (C) A B (C) ..., after N\n"
	"warm-up runs per arm, and compares wall, user and system time and max RSS.\n"
	"  -n RUNS          runs per arm (default 10)\n"
	"  --warmup N       warm-up runs per arm, not counted (default 1)\n"
	"  -o DIR           where each run's output and data files go (default: a new\n"
	"                   logtax-ab.XXXXXX in the current directory)\n"
	"  --json FILE      every figure and every run, as JSON\n"
	"  --time MODE      LOGTAX_TIME of every run (default: the shim's, sample:64)\n"
	"  --X-filter RULES, --X-filter-file FILE   arm X's rules (A: none by default)\n"
	"  --X-env VAR=VALUE                        arm X's environment\n"
	"An optional arm C (say, the program's own fix) shows how much of the gap between\n"
	"A and C the arm B closes.\n"
	"--server: per run, DAEMON starts under logtax with the arm's rules; once it is\n"
	"ready (--ready; default delay:1; --ready-timeout, default 30 s) CLIENT runs, not\n"
	"under logtax; then the daemon gets SIGTERM (SIGKILL after --grace, default 10 s).\n"
	"Compared: the daemon's CPU time (whole run, and during the load) and the load's\n"
	"wall time. A failing load or a daemon that is never ready fails the run.\n"
	"--pid PID: on a process that runs under logtax (or attached), sets A's and B's\n"
	"rules in turn for --period SECS each (default 5), -n periods per arm after\n"
	"--warmup periods of A (default 1), and compares the process's CPU time per\n"
	"second (and per unit of --rate-from's number, a command printing a counter such\n"
	"as requests served), with the saving A's periods predict for B's rules. Its\n"
	"rules are put back when it ends or on ^C.\n"
	"Beside each prediction: what a dropped call saved beyond it, in ns ((measured -\n"
	"predicted saving) x A's median / calls dropped): a call's cost after it returns.\n"
	"Exit: 0 done, 1 a run failed, 2 bad usage or rules, 3-6 as logtax ctl (--pid),\n"
	"130 interrupted.\n";

static int usage_error(const char *fmt, const char *arg)
{
	fputs("logtax ab: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (see 'logtax ab --help')\n", stderr);
	return 2;
}

static int parse_count(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

void ab_child_env(const struct ab *ab, const struct arm *a, const char *dir)
{
	setenv("LD_PRELOAD", ab->preload, 1);
	setenv("LOGTAX_OUTPUT", dir, 1);
	unsetenv("LOGTAX_FILTER");
	unsetenv("LOGTAX_FILTER_FILE");
	if (a->filter)
		setenv("LOGTAX_FILTER", a->filter, 1);
	if (a->filter_file)
		setenv("LOGTAX_FILTER_FILE", a->filter_file, 1);
	if (ab->time)
		setenv("LOGTAX_TIME", ab->time, 1);
	for (size_t i = 0; i < a->nenv; i++)
		putenv(a->env[i]);
}

/* One run: returns its exit status as a shell would give it, or -1. */
static int run_one(const struct ab *ab, const struct arm *a, const char dir[4100], struct run *r)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "logtax ab: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	char out[4300], err[4300];
	snprintf(out, sizeof out, "%s/stdout", dir);
	snprintf(err, sizeof err, "%s/stderr", dir);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = ab_spawn(ab->cmd, out, err, ab, a, dir, 0);
	if (pid < 0) {
		fprintf(stderr, "logtax ab: fork: %s\n", strerror(errno));
		return -1;
	}
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	r->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->maxrss_kib = (double)ru.ru_maxrss;
	snprintf(r->dir, sizeof r->dir, "%s", dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The run's data files: counts, and for an A run what each arm's rules
 * would save on it. */
static int read_run(const struct ab *ab, struct run *r)
{
	DIR *d = opendir(r->dir);
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "logtax.", 7) || l < 11 || strcmp(de->d_name + l - 4, ".ltx"))
			continue;
		char path[4600], err[1024];
		snprintf(path, sizeof path, "%s/%s", r->dir, de->d_name);
		struct ltx_file f;
		if (ltx_read_file(path, &f, err, sizeof err) < 0) {
			fprintf(stderr, "logtax ab: %s\n", err);
			continue;
		}
		struct an_model m;
		if (an_model_build(&m, &f, 1, NULL) == 0) {
			r->files++;
			r->kept += m.kept;
			r->dropped += m.dropped;
			for (int x = 1; r->arm == 0 && x < ab->narms; x++) {
				if (!ab->arms[x].rs)
					continue;
				struct an_prediction p;
				an_predict(&m, ab->arms[x].rs, &p);
				r->pred_ns[x] += p.saved_ns;
				r->pred_calls[x] += p.calls;
				r->pred_uncosted[x] += p.calls_no_cost;
			}
		}
		an_model_free(&m);
		ltx_file_free(&f);
	}
	closedir(d);
	return 0;
}

static void json_summary(struct jw *w, const char *key, struct an_summary s)
{
	jw_obj_line(w, key);
	jw_num(w, "median", s.median);
	jw_num(w, "q1", s.q1);
	jw_num(w, "q3", s.q3);
	jw_num(w, "min", s.min);
	jw_num(w, "max", s.max);
	jw_end(w);
}

static void json_pair(struct jw *w, const char *key, double lo, double hi)
{
	jw_arr_line(w, key);
	jw_num(w, NULL, lo);
	jw_num(w, NULL, hi);
	jw_end(w);
}

/* The measures of a run (struct run); in server mode wall is the load's
 * and the others are the daemon's. */
enum { M_WALL, M_USER, M_SYS, M_RSS, M_CPU, M_CPU_LOAD, NM };
static const char *const measure_json[NM] = { "wall_s", "user_s", "sys_s", "maxrss_kib", "cpu_s", "cpu_during_load_s" };

static double measure(const struct run *r, int what)
{
	switch (what) {
	case M_WALL: return r->wall;
	case M_USER: return r->user;
	case M_SYS: return r->sys;
	case M_RSS: return r->maxrss_kib;
	case M_CPU: return r->user + r->sys;
	default: return r->cpu_load;
	}
}

/* Per-arm values of one measure, in run order. */
static double *column(const struct run *runs, int n, int arm, int what)
{
	double *v = malloc((size_t)n * sizeof *v);
	int k = 0;
	for (int i = 0; v && i < n; i++)
		if (runs[i].arm == arm)
			v[k++] = measure(&runs[i], what);
	return v;
}

struct cmp {
	int arm, what;
	double ratio, lo, hi, u, p;
	int exact;
	double measured, predicted, pred_lo, pred_hi; /* fractions of A's measure; predicted < -1: none */
	double pred_calls, pred_uncosted;
	double a_median; /* A's median of the measure, seconds */
	double beyond_ns; /* (measured - predicted) x a_median / pred_calls; NAN: no prediction or no call dropped */
};

/* Arm x against A on one measure; with predict, the saving A's own data
 * predicts for x's rules, as a fraction of A's measure. */
static void compare(const struct ab *ab, const struct run *runs, double *col[][NM], int x, int what, int predict,
		    double *scratch, double *pred, struct cmp *c)
{
	memset(c, 0, sizeof *c);
	c->arm = x;
	c->what = what;
	int n = ab->runs;
	for (int k = 0; k < n; k++)
		scratch[k] = col[x][what][k] / col[0][what][k];
	c->ratio = an_median(scratch, (size_t)n);
	an_bootstrap_median_ci(scratch, (size_t)n, BOOT_ITERS, BOOT_SEED, &c->lo, &c->hi);
	c->p = an_mann_whitney(col[0][what], (size_t)n, col[x][what], (size_t)n, &c->u, &c->exact);
	c->measured = 1 - c->ratio;
	c->predicted = -2;
	c->beyond_ns = NAN;
	if (!predict || !ab->arms[x].rs)
		return;
	for (int k = 0; k < n; k++) {
		const struct run *r = &runs[k * ab->narms];
		pred[k] = r->pred_ns[x] / (measure(r, what) * 1e9);
		c->pred_calls += (double)r->pred_calls[x] / n;
		c->pred_uncosted += (double)r->pred_uncosted[x] / n;
	}
	c->predicted = an_median(pred, (size_t)n);
	an_bootstrap_median_ci(pred, (size_t)n, BOOT_ITERS, BOOT_SEED, &c->pred_lo, &c->pred_hi);
	/* The saving the prediction missed, in time per dropped call: the
	 * prediction is the time inside the calls, so this is what a dropped
	 * call cost outside its window (after it returned), or, below zero,
	 * time inside it the rule did not save. */
	for (int k = 0; k < n; k++)
		scratch[k] = col[0][what][k];
	c->a_median = an_median(scratch, (size_t)n);
	if (c->pred_calls >= 0.5 && isfinite(c->measured) && isfinite(c->predicted) && isfinite(c->a_median))
		c->beyond_ns = (c->measured - c->predicted) * c->a_median * 1e9 / c->pred_calls;
}

static void print_compare(const struct ab *ab, const struct cmp *c, const char *label, const char *of)
{
	char a1[64], a2[64];
	printf("\n%c/A %s: %.4f (95%% CI %.4f - %.4f: bootstrap of the median of %d pairwise ratios)\n", 'A' + c->arm,
	       label, c->ratio, c->lo, c->hi, ab->runs);
	printf("  Mann-Whitney U = %.1f, two-sided p = %.3g (%s)\n", c->u, c->p,
	       c->exact ? "exact" : "normal approximation, ties corrected");
	printf("  saving measured:  %5.1f%% of %s (1 - the ratio)\n", c->measured * 100, of);
	if (c->predicted > -1) {
		printf("  saving predicted: %5.1f%% (95%% CI %.1f - %.1f%%), from A's logtax data for %c's rules: "
		       "%s calls per run dropped",
		       c->predicted * 100, c->pred_lo * 100, c->pred_hi * 100, 'A' + c->arm,
		       an_count((uint64_t)(c->pred_calls + 0.5), a1, 64));
		if (c->pred_uncosted > 0)
			printf(", %s of them without a time estimate", an_count((uint64_t)(c->pred_uncosted + 0.5), a2, 64));
		printf("\n  predicted - measured: %+.1f percentage points\n", (c->predicted - c->measured) * 100);
		if (isfinite(c->beyond_ns))
			printf("  saved beyond the prediction: %+.0f ns per dropped call ((measured - predicted) x A's median "
			       "/ calls)\n    = %s\n",
			       c->beyond_ns,
			       c->beyond_ns >= 0 ? "cost a call leaves outside its timing window, after it returns "
						   "(e.g. TLB refills after a system call)"
						 : "time inside the calls that the rule did not save");
	}
}

static void json_compare(struct jw *w, const struct cmp *c)
{
	char name[2] = { (char)('A' + c->arm), 0 };
	jw_obj_line(w, NULL);
	jw_str(w, "arm", name);
	jw_str(w, "against", "A");
	jw_str(w, "measure", measure_json[c->what]);
	jw_num(w, "ratio_median", c->ratio);
	json_pair(w, "ratio_ci95", c->lo, c->hi);
	jw_num(w, "mann_whitney_u", c->u);
	jw_num(w, "p_value", c->p);
	jw_str(w, "p_method", c->exact ? "exact" : "normal");
	jw_num(w, "saving_measured", c->measured);
	if (c->predicted > -1) {
		jw_num(w, "saving_predicted", c->predicted);
		if (isfinite(c->beyond_ns))
			jw_num(w, "saving_beyond_prediction_ns_per_dropped_call", c->beyond_ns);
		json_pair(w, "saving_predicted_ci95", c->pred_lo, c->pred_hi);
		jw_num(w, "predicted_dropped_calls_per_run", c->pred_calls);
		jw_num(w, "predicted_calls_without_estimate", c->pred_uncosted);
	} else {
		jw_null(w, "saving_predicted");
	}
	jw_end(w);
}

/* Every figure and every run, as JSON (--json). A NaN (a ratio over a zero
 * time) comes out as null. "comparisons" holds the main measure (wall time;
 * the daemon's CPU time in server mode), "other_comparisons" the rest. */
/* Server mode: in how many runs the daemon's CPU during the load came
 * from its CPU clock; the coarsest resolution, and the first run that fell
 * back to /proc/PID/stat (-1: none). */
static int cpu_sources(const struct run *runs, int total, double *res, int *why_run)
{
	int n = 0;
	*res = 0;
	*why_run = -1;
	for (int k = 0; k < total; k++) {
		n += runs[k].cpu_clock;
		if (!runs[k].cpu_clock && *why_run < 0)
			*why_run = k;
		*res = fmax(*res, runs[k].cpu_res);
	}
	return n;
}

static void write_json(FILE *o, const struct ab *ab, const char *root, struct an_summary sum[][NM],
		       const struct cmp cmps[][3], int ncmp, double gap, double gap_lo, double gap_hi,
		       const struct run *runs, int total)
{
	struct jw w;
	char name[2] = "A";
	int nm = ab->load ? NM : M_CPU;
	jw_init(&w, o, 1);
	jw_obj(&w, NULL);
	jw_str(&w, "mode", ab->load ? "server" : "command");
	jw_arr_line(&w, "command");
	for (char *const *c = ab->cmd; *c; c++)
		jw_str(&w, NULL, *c);
	jw_end(&w);
	if (ab->load) {
		jw_arr_line(&w, "load");
		for (char *const *c = ab->load; *c; c++)
			jw_str(&w, NULL, *c);
		jw_end(&w);
		jw_str(&w, "ready", ab->ready);
		int why_run;
		double res;
		int nclock = cpu_sources(runs, total, &res, &why_run);
		jw_str(&w, "cpu_during_load_source", nclock == total ? "clock" : nclock ? "mixed" : "proc_stat");
		jw_num(&w, "cpu_during_load_resolution_s", res);
		if (why_run >= 0)
			jw_str(&w, "cpu_during_load_source_note", runs[why_run].cpu_why);
	}
	jw_i64(&w, "runs_per_arm", ab->runs);
	jw_i64(&w, "warmup", ab->warmup);
	jw_str(&w, "directory", root);
	jw_arr(&w, "arms");
	for (int x = 0; x < ab->narms; x++) {
		const struct arm *a = &ab->arms[x];
		jw_obj_line(&w, NULL);
		name[0] = a->name;
		jw_str(&w, "name", name);
		jw_str(&w, "rules", a->text);
		jw_arr(&w, "env");
		for (size_t e = 0; e < a->nenv; e++)
			jw_str(&w, NULL, a->env[e]);
		jw_end(&w);
		for (int m = 0; m < nm; m++)
			json_summary(&w, measure_json[m], sum[x][m]);
		jw_end(&w);
	}
	jw_end(&w);
	jw_arr(&w, "comparisons");
	for (int x = 1; x < ab->narms; x++)
		json_compare(&w, &cmps[x][0]);
	jw_end(&w);
	if (ncmp > 1) {
		jw_arr(&w, "other_comparisons");
		for (int x = 1; x < ab->narms; x++)
			for (int k = 1; k < ncmp; k++)
				json_compare(&w, &cmps[x][k]);
		jw_end(&w);
	}
	if (gap >= -0.5 || ab->narms == 3) {
		jw_num(&w, "b_share_of_c_saving", gap);
		json_pair(&w, "b_share_of_c_saving_ci95", gap_lo, gap_hi);
	}
	jw_arr(&w, "runs");
	for (int k = 0; k < total; k++) {
		const struct run *r = &runs[k];
		jw_obj_line(&w, NULL);
		name[0] = (char)('A' + r->arm);
		jw_str(&w, "arm", name);
		jw_i64(&w, "index", r->index + 1);
		for (int m = 0; m < nm; m++)
			jw_num(&w, measure_json[m], measure(r, m));
		if (ab->load) {
			jw_bool(&w, "daemon_killed", r->killed);
			jw_str(&w, "cpu_during_load_source", r->cpu_clock ? "clock" : "proc_stat");
		}
		jw_i64(&w, "data_files", r->files);
		jw_u64(&w, "calls_kept", r->kept);
		jw_u64(&w, "calls_dropped", r->dropped);
		jw_str(&w, "directory", r->dir);
		if (r->arm == 0) {
			jw_obj(&w, "predicted_saving_ns");
			for (int x = 1; x < ab->narms; x++) {
				name[0] = (char)('A' + x);
				jw_num(&w, name, round(r->pred_ns[x]));
			}
			jw_end(&w);
		}
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
}

/* "--" ARGV... "--load" "--" ARGV...: splits argv in place. */
static int split_server(char **cmd, char ***load)
{
	for (char **c = cmd; *c; c++)
		if (!strcmp(*c, "--load")) {
			if (!c[1] || strcmp(c[1], "--") || !c[2])
				return -1;
			*c = NULL;
			*load = c + 2;
			return c == cmd ? -1 : 0;
		}
	return -1;
}

static int parse_seconds(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (!*s || *end || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

int an_cmd_ab(int argc, char **argv)
{
	struct ab ab;
	memset(&ab, 0, sizeof ab);
	ab.runs = 10;
	ab.warmup = 1;
	ab.ready = "delay:1";
	ab.ready_timeout = 30;
	ab.grace = 10;
	int server = 0, runs_set = 0;
	long live_pid = 0;
	double period = 5;
	const char *rate_from = NULL;
	for (int x = 0; x < MAX_ARMS; x++)
		ab.arms[x].name = (char)('A' + x);
	int i = 1;
	char err[1024];
	for (; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			fputs(ab_usage, stdout);
			return 0;
		}
		if (o[0] != '-')
			break;
		if (!strcmp(o, "--server")) {
			server = 1;
			continue;
		}
		if (!v)
			return usage_error("%s needs a value", o);
		i++;
		if (!strcmp(o, "-n") || !strcmp(o, "--runs")) {
			if (parse_count(v, 1, 10000, &ab.runs) < 0)
				return usage_error("-n '%s': expected a number of runs from 1 to 10000", v);
			runs_set = 1;
		} else if (!strcmp(o, "--warmup")) {
			if (parse_count(v, 0, 1000, &ab.warmup) < 0)
				return usage_error("--warmup '%s': expected a number from 0 to 1000", v);
		} else if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
			ab.outdir = v;
		} else if (!strcmp(o, "--json")) {
			ab.json = v;
		} else if (!strcmp(o, "--time")) {
			ab.time = v;
		} else if (!strcmp(o, "--shim")) {
			ab.shim = v;
		} else if (!strcmp(o, "--ready")) {
			if (ab_server_check_ready(v, err, sizeof err) < 0) {
				fprintf(stderr, "logtax ab: %s\n", err);
				return 2;
			}
			ab.ready = v;
		} else if (!strcmp(o, "--ready-timeout")) {
			if (parse_seconds(v, 0.1, 3600, &ab.ready_timeout) < 0)
				return usage_error("--ready-timeout '%s': expected seconds from 0.1 to 3600", v);
		} else if (!strcmp(o, "--grace")) {
			if (parse_seconds(v, 0, 3600, &ab.grace) < 0)
				return usage_error("--grace '%s': expected seconds from 0 to 3600", v);
		} else if (!strcmp(o, "--pid")) {
			char *end;
			live_pid = strtol(v, &end, 10);
			if (*end || live_pid <= 0 || live_pid > 0x3fffffff)
				return usage_error("--pid '%s': not a process id", v);
		} else if (!strcmp(o, "--period")) {
			if (parse_seconds(v, 0.1, 86400, &period) < 0)
				return usage_error("--period '%s': expected seconds from 0.1 to 86400", v);
		} else if (!strcmp(o, "--rate-from")) {
			rate_from = v;
		} else if (!strncmp(o, "--", 2) && o[2] >= 'a' && o[2] <= 'c' && o[3] == '-') {
			struct arm *a = &ab.arms[o[2] - 'a'];
			const char *what = o + 4;
			a->used = 1;
			if (!strcmp(what, "filter")) {
				if (a->filter || a->filter_file)
					return usage_error("%s: one set of rules per arm", o);
				a->filter = v;
			} else if (!strcmp(what, "filter-file")) {
				if (a->filter || a->filter_file)
					return usage_error("%s: one set of rules per arm", o);
				a->filter_file = v;
			} else if (!strcmp(what, "env")) {
				if (!strchr(v, '=') || v[0] == '=')
					return usage_error("--X-env '%s': expected VAR=VALUE", v);
				char **ne = realloc(a->env, (a->nenv + 1) * sizeof *ne);
				if (!ne)
					return 1;
				a->env = ne;
				a->env[a->nenv++] = strdup(v);
			} else {
				return usage_error("unknown option '%s'", o);
			}
		} else {
			return usage_error("unknown option '%s'", o);
		}
	}
	if (live_pid) {
		if (i < argc)
			return usage_error("%s", "--pid takes no command: the process is already running");
		if (server)
			return usage_error("%s", "--pid and --server do not go together");
	} else {
		if (i >= argc)
			return usage_error("%s", "no command given (put it after --)");
		ab.cmd = argv + i;
		if (server && split_server(ab.cmd, &ab.load) < 0)
			return usage_error("%s", "--server: expected -- DAEMON [ARGS...] --load -- CLIENT [ARGS...]");
		if (!server && rate_from)
			return usage_error("%s", "--rate-from goes with --pid");
	}
	if (!ab.arms[1].used)
		return usage_error("%s", "arm B needs --b-filter, --b-filter-file or --b-env: what should differ from A?");
	ab.narms = ab.arms[2].used ? 3 : 2;
	if (!live_pid) {
		if (!ab.shim)
			return usage_error("%s", "--shim PATH not given (the logtax command passes it)");
		if (access(ab.shim, R_OK) < 0) {
			fprintf(stderr, "logtax ab: the shim is missing: %s\n", ab.shim);
			return 2;
		}
	}
	if (ab.time) {
		uint32_t mo, ev;
		const char *why;
		if (ltx_parse_time(ab.time, &mo, &ev, &why) < 0) {
			fprintf(stderr, "logtax ab: --time '%s': %s\n", ab.time, why);
			return 2;
		}
	}
	for (int x = 0; x < ab.narms; x++) {
		struct arm *a = &ab.arms[x];
		char origin[32];
		snprintf(origin, sizeof origin, "--%c-filter", 'a' + x);
		if (a->filter_file) {
			size_t len;
			a->text = an_rules_read_file(a->filter_file, &len, err, sizeof err);
			if (a->text)
				a->rs = an_rules_parse(a->text, len, a->filter_file, 1, err, sizeof err);
			char *abs = realpath(a->filter_file, NULL);
			if (abs)
				a->filter_file = abs;
		} else if (a->filter) {
			a->text = strdup(a->filter);
			a->rs = an_rules_parse(a->filter, strlen(a->filter), origin, 0, err, sizeof err);
		}
		if ((a->filter || a->filter_file) && !a->rs) {
			fprintf(stderr, "logtax ab: %s\n", err);
			return 2;
		}
	}
	if (live_pid) {
		if (ab.narms == 3 || ab.arms[0].nenv || ab.arms[1].nenv)
			return usage_error("%s", "--pid alternates rules only: no arm C, no --X-env");
		if (!runs_set)
			ab.runs = 4;
		return ab_live(&ab, live_pid, period, rate_from);
	}
	const char *pre = getenv("LD_PRELOAD");
	snprintf(ab.preload, sizeof ab.preload, "%s%s%s", ab.shim, pre && *pre ? ":" : "", pre && *pre ? pre : "");

	char dirbuf[4000];
	if (ab.outdir) {
		if (mkdir(ab.outdir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "logtax ab: cannot create %s: %s\n", ab.outdir, strerror(errno));
			return 2;
		}
		snprintf(dirbuf, sizeof dirbuf, "%s", ab.outdir);
	} else {
		snprintf(dirbuf, sizeof dirbuf, "logtax-ab.XXXXXX");
		if (!mkdtemp(dirbuf)) {
			fprintf(stderr, "logtax ab: cannot create a directory here: %s\n", strerror(errno));
			return 2;
		}
	}
	char *absdir = realpath(dirbuf, NULL);
	const char *root = absdir ? absdir : dirbuf;

	int total = ab.runs * ab.narms;
	struct run *runs = calloc((size_t)total, sizeof *runs);
	if (!runs)
		return 1;
	if (ab.load)
		ab_catch_signals();
	fprintf(stderr, "logtax ab: %d run%s per arm after %d warm-up run%s, alternating %s; data in %s\n", ab.runs,
		ab.runs == 1 ? "" : "s", ab.warmup, ab.warmup == 1 ? "" : "s", ab.narms == 3 ? "A B C" : "A B", root);
	for (int round = -ab.warmup; round < ab.runs; round++) {
		for (int x = 0; x < ab.narms; x++) {
			char dir[4100];
			struct run tmp, *r = round < 0 ? &tmp : &runs[round * ab.narms + x];
			memset(r, 0, sizeof *r);
			r->arm = x;
			r->index = round;
			if (round < 0)
				snprintf(dir, sizeof dir, "%s/warmup-%c-%02d", root, 'A' + x, round + ab.warmup + 1);
			else
				snprintf(dir, sizeof dir, "%s/%c-%02d", root, 'A' + x, round + 1);
			if (ab.load) {
				if (ab_server_run(&ab, &ab.arms[x], dir, r) != 0) {
					if (ab_interrupted)
						fprintf(stderr, "logtax ab: interrupted; the daemon and the load were stopped\n");
					free(runs);
					return ab_interrupted ? 130 : 1;
				}
				continue;
			}
			int st = run_one(&ab, &ab.arms[x], dir, r);
			if (st != 0) {
				if (st > 0)
					fprintf(stderr, "logtax ab: run %s exited with status %d (its output: %s/stderr)\n", dir,
						st, dir);
				free(runs);
				return 1;
			}
		}
	}
	for (int k = 0; k < total; k++)
		read_run(&ab, &runs[k]);

	/* Per arm. */
	struct an_summary sum[MAX_ARMS][NM];
	double *col[MAX_ARMS][NM];
	for (int x = 0; x < ab.narms; x++)
		for (int w = 0; w < NM; w++) {
			col[x][w] = column(runs, total, x, w);
			sum[x][w] = an_summarize(col[x][w], (size_t)ab.runs);
		}
	char a1[64], a2[64], a3[64], a4[64], a5[64], a6[64];
	printf("logtax ab: %s", ab.cmd[0]);
	for (char **c = ab.cmd + 1; *c; c++)
		printf(" %s", *c);
	if (ab.load) {
		printf("\n  under the load: %s", ab.load[0]);
		for (char **c = ab.load + 1; *c; c++)
			printf(" %s", *c);
		printf("\n  ready when: %s", ab.ready);
	}
	printf("\n  %d runs per arm, alternating, after %d warm-up run%s per arm; runs in %s\n", ab.runs, ab.warmup,
	       ab.warmup == 1 ? "" : "s", root);
	for (int x = 0; x < ab.narms; x++) {
		const struct arm *a = &ab.arms[x];
		printf("  %c: rules: %s", a->name, a->text ? (a->text[0] ? a->text : "(empty: keep all)") : "(none)");
		for (size_t e = 0; e < a->nenv; e++)
			printf("%s%s", e ? " " : "; env: ", a->env[e]);
		printf("\n");
	}
	if (ab.load)
		printf("\n  %-4s %11s %23s %13s %11s %11s %12s %12s\n", "arm", "daemon CPU", "q1 - q3", "during load",
		       "load wall", "max RSS", "calls kept", "dropped");
	else
		printf("\n  %-4s %11s %23s %11s %11s %11s %12s %12s\n", "arm", "wall", "q1 - q3", "user", "sys",
		       "max RSS", "calls kept", "dropped");
	int main_m = ab.load ? M_CPU : M_WALL;
	for (int x = 0; x < ab.narms; x++) {
		double kept = 0, dropped = 0;
		for (int k = 0; k < total; k++)
			if (runs[k].arm == x) {
				kept += (double)runs[k].kept;
				dropped += (double)runs[k].dropped;
			}
		char q[64];
		snprintf(q, sizeof q, "%s - %s", an_dur(sum[x][main_m].q1 * 1e9, a1, 64),
			 an_dur(sum[x][main_m].q3 * 1e9, a2, 64));
		if (ab.load)
			printf("  %-4c %11s %23s %13s %11s %8.0f KiB %12s %12s\n", 'A' + x,
			       an_dur(sum[x][M_CPU].median * 1e9, a3, 64), q, an_dur(sum[x][M_CPU_LOAD].median * 1e9, a4, 64),
			       an_dur(sum[x][M_WALL].median * 1e9, a5, 64), sum[x][M_RSS].median,
			       an_count((uint64_t)(kept / ab.runs + 0.5), a6, 64),
			       an_count((uint64_t)(dropped / ab.runs + 0.5), a1, 64));
		else
			printf("  %-4c %11s %23s %11s %11s %8.0f KiB %12s %12s\n", 'A' + x,
			       an_dur(sum[x][M_WALL].median * 1e9, a3, 64), q, an_dur(sum[x][M_USER].median * 1e9, a4, 64),
			       an_dur(sum[x][M_SYS].median * 1e9, a5, 64), sum[x][M_RSS].median,
			       an_count((uint64_t)(kept / ab.runs + 0.5), a6, 64),
			       an_count((uint64_t)(dropped / ab.runs + 0.5), a1, 64));
	}
	int why_run;
	double res;
	int nclock = cpu_sources(runs, total, &res, &why_run);
	if (ab.load && nclock == total)
		printf("  (medians over the runs; daemon CPU: user + system over its whole run; during load: from\n"
		       "  its CPU clock (clock_getcpuclockid), resolution %g ns; per-run mean of calls)\n",
		       res * 1e9);
	else if (ab.load)
		printf("  (medians over the runs; daemon CPU: user + system over its whole run; during load: from\n"
		       "  /proc/PID/stat, in clock ticks of %g ms, in %d of %d runs (its CPU clock: %s);\n"
		       "  per-run mean of calls)\n",
		       res * 1e3, total - nclock, total, runs[why_run].cpu_why);
	else
		printf("  (medians over the runs; per-run mean of calls)\n");

	/* Against A: the main measure with the prediction, then the others. */
	static const int server_measures[] = { M_CPU, M_CPU_LOAD, M_WALL };
	static const char *const server_labels[] = { "daemon CPU time", "daemon CPU during the load", "load wall time" };
	static const char *const server_of[] = { "A's daemon CPU time", "A's daemon CPU during the load",
						 "A's load wall time" };
	int ncmp = ab.load ? 3 : 1;
	struct cmp cmps[MAX_ARMS][3];
	memset(cmps, 0, sizeof cmps);
	double *ratio = malloc((size_t)ab.runs * sizeof *ratio), *pred = malloc((size_t)ab.runs * sizeof *pred);
	for (int x = 1; x < ab.narms && ratio && pred; x++)
		for (int k = 0; k < ncmp; k++) {
			int what = ab.load ? server_measures[k] : M_WALL;
			compare(&ab, runs, col, x, what, k == 0, ratio, pred, &cmps[x][k]);
			print_compare(&ab, &cmps[x][k], ab.load ? server_labels[k] : "wall time",
				      ab.load ? server_of[k] : "A's wall time");
		}
	double gap = -1, gap_lo = 0, gap_hi = 0;
	if (ab.narms == 3 && ratio) {
		/* Of what C removes from A, the share B removes: per round, then the median. */
		int k2 = 0;
		for (int k = 0; k < ab.runs; k++) {
			double d = col[0][main_m][k] - col[2][main_m][k];
			if (d != 0)
				ratio[k2++] = (col[0][main_m][k] - col[1][main_m][k]) / d;
		}
		if (k2) {
			gap = an_median(ratio, (size_t)k2);
			an_bootstrap_median_ci(ratio, (size_t)k2, BOOT_ITERS, BOOT_SEED, &gap_lo, &gap_hi);
			printf("\nB removes %.1f%% (95%% CI %.1f - %.1f%%) of the %s that C removes from A "
			       "((A - B) / (A - C) per round, median)\n",
			       gap * 100, gap_lo * 100, gap_hi * 100, ab.load ? "daemon CPU time" : "wall time");
		}
	}

	int rc = 0;
	if (ab.json) {
		FILE *o = fopen(ab.json, "w");
		if (!o) {
			fprintf(stderr, "logtax ab: %s: %s\n", ab.json, strerror(errno));
			rc = 1;
		} else {
			write_json(o, &ab, root, sum, (const struct cmp(*)[3])cmps, ncmp, gap, gap_lo, gap_hi, runs, total);
			if (fclose(o) != 0)
				rc = 1;
		}
	}
	free(ratio);
	free(pred);
	for (int x = 0; x < ab.narms; x++)
		for (int w = 0; w < NM; w++)
			free(col[x][w]);
	free(runs);
	free(absdir);
	an_symbols_free();
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
