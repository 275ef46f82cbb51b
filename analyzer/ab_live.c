/* logtax ab --pid PID: A/B over time on a process nobody may restart.
 *
 * The arms' rules are set in turn on the running process through its
 * control channel (ctl.c), for one period each: warm-up periods of A, then
 * A B A B ... Each `filter` request starts a new rule generation, so each
 * period is one generation of the process's data file; at the end a dump
 * writes that file and the calls kept and dropped per period come from it.
 * Per period the process's CPU time (all threads: its CPU clock, else
 * /proc/PID/stat; struct ab_cpu) and, with --rate-from, a counter read by
 * a command before and after; per arm the CPU per second (and per unit of
 * the counter) compared as in command mode, with the saving each A
 * period's own data predicts for B's rules (the keys of its generation)
 * beside the saving measured.
 * The rules the process had are put back at the end, on an error, and on
 * SIGINT, SIGTERM or SIGHUP. */
#include "ab_impl.h"
#include "ctl.h"
#include "json.h"
#include "model.h"
#include "stats.h"
#include "util.h"
#include "../common/ltx_read.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CTL_TIMEOUT 10.0

struct period {
	int arm, index; /* index < 0: warm-up */
	uint32_t gen;
	double secs, cpu, rate; /* rate: the counter's increase; NAN without --rate-from */
	uint64_t kept, dropped;
	double est_ns;
	/* A periods: what B's rules would save on the period's calls */
	double pred_ns;
	uint64_t pred_calls, pred_uncosted;
	double gen_secs; /* how long its generation lasted (the file's times); 0 unknown */
};

/* A generation runs from one `filter` request to the next, a little
 * longer than the period's CPU and rate readings (the control round trips
 * and --rate-from's command fall between); the load being steady, its
 * calls scaled by this stand for the period's. */
static double gen_scale(const struct period *p)
{
	return p->gen_secs > 0 ? p->secs / p->gen_secs : 1;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps s seconds unless interrupted. */
static void wait_period(double s)
{
	double until = mono() + s;
	while (!ab_interrupted) {
		double left = until - mono();
		if (left <= 0)
			break;
		struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };
		nanosleep(&ts, NULL);
	}
}

/* The number --rate-from's command prints (its last line's first number). */
static int read_rate(const char *cmd, double *v)
{
	fflush(NULL);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char line[512], last[512] = "";
	while (fgets(line, sizeof line, p))
		if (line[strspn(line, " \t\r\n")])
			memcpy(last, line, sizeof last);
	int st = pclose(p);
	char *end;
	*v = strtod(last, &end);
	if (st != 0 || end == last) {
		fprintf(stderr, "logtax ab: --rate-from '%s' %s\n", cmd,
			st != 0 ? "failed" : "printed no number");
		return -1;
	}
	return 0;
}

static const char *field(const char *answer, const char *key)
{
	size_t kl = strlen(key);
	for (const char *l = answer; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == ':' && l[kl + 1] == ' ')
			return l + kl + 2;
	return NULL;
}

/* Sets rules; the generation they got in *gen. 0 or a ctl exit status. */
static int set_rules(long pid, const char *text, uint32_t *gen)
{
	char *ans = NULL;
	int rc = an_ctl_send("logtax ab", pid, "filter", text, strlen(text), CTL_TIMEOUT, &ans);
	if (rc == 0) {
		const char *g = field(ans, "generation");
		*gen = g ? (uint32_t)strtoul(g, NULL, 10) : 0;
	}
	free(ans);
	return rc;
}

/* The per-generation counts of the process's data file, written now, and
 * for each A period what B's rules (brs, if any) would save on its calls.
 * 0 when the file was read. */
static int read_generations(long pid, struct period *ps, int np, const struct ltx_ruleset *brs, char *path,
			    size_t pathlen)
{
	char *ans = NULL;
	if (an_ctl_send("logtax ab", pid, "dump", "", 0, CTL_TIMEOUT, &ans) != 0)
		return -1;
	const char *f = field(ans, "data file");
	snprintf(path, pathlen, "%.*s", f ? (int)strcspn(f, "\n") : 0, f ? f : "");
	free(ans);
	struct ltx_file file;
	char err[1024];
	if (ltx_read_file(path, &file, err, sizeof err) < 0) {
		char alt[4700]; /* the process may see another /tmp */
		snprintf(alt, sizeof alt, "/proc/%ld/root%s", pid, path);
		if (ltx_read_file(alt, &file, err, sizeof err) < 0) {
			fprintf(stderr, "logtax ab: %s\n", err);
			return -1;
		}
	}
	struct an_model m;
	int rc = an_model_build(&m, &file, 1, NULL);
	if (rc == 0) {
		for (size_t g = 0; g < m.ngens; g++)
			for (int k = 0; k < np; k++)
				if (ps[k].gen == m.gens[g].gen) {
					ps[k].kept = m.gens[g].kept;
					ps[k].dropped = m.gens[g].dropped;
					ps[k].est_ns = m.gens[g].est_ns;
				}
		/* Each generation's duration from the file's times: the next
		 * one's start less its own. */
		for (int k = 0; k < np; k++)
			for (size_t g = 0; g + 1 < m.ngens; g++)
				if (m.gens[g].gen == ps[k].gen && m.gens[g + 1].gen == ps[k].gen + 1 &&
				    m.gens[g].applied_ns >= 0 && m.gens[g + 1].applied_ns > m.gens[g].applied_ns)
					ps[k].gen_secs = (m.gens[g + 1].applied_ns - m.gens[g].applied_ns) / 1e9;
		for (int k = 0; brs && k < np; k++) {
			if (ps[k].arm != 0)
				continue;
			struct an_prediction p;
			an_predict_gen(&m, brs, (long)ps[k].gen, ps[k].gen_secs > 0 ? ps[k].gen_secs * 1e9 : ps[k].secs * 1e9,
				       &p);
			ps[k].pred_ns = p.saved_ns;
			ps[k].pred_calls = p.calls;
			ps[k].pred_uncosted = p.calls_no_cost;
		}
	}
	an_model_free(&m);
	ltx_file_free(&file);
	return rc;
}

static double *arm_column(const struct period *ps, int np, int arm, int per_rate)
{
	double *v = malloc((size_t)np * sizeof *v);
	int k = 0;
	for (int i = 0; v && i < np; i++)
		if (ps[i].index >= 0 && ps[i].arm == arm)
			v[k++] = per_rate ? ps[i].cpu / ps[i].rate : ps[i].cpu / ps[i].secs;
	return v;
}

/* B against A on CPU per second or per unit of the rate; with predict,
 * the saving A's periods' data predicted for B's rules, and what each
 * dropped call saved beyond it (as ab.c prints for runs). */
static void compare_arms(const struct period *ps, int np, int n, int per_rate, int predict, const char *label,
			 struct jw *w)
{
	double *a = arm_column(ps, np, 0, per_rate), *b = arm_column(ps, np, 1, per_rate);
	double *r = malloc((size_t)n * sizeof *r), *pr = malloc((size_t)n * sizeof *pr);
	if (!a || !b || !r || !pr) {
		free(a), free(b), free(r), free(pr);
		return;
	}
	for (int k = 0; k < n; k++)
		r[k] = b[k] / a[k];
	double ratio = an_median(r, (size_t)n), lo, hi, u;
	int exact;
	an_bootstrap_median_ci(r, (size_t)n, BOOT_ITERS, BOOT_SEED, &lo, &hi);
	double p = an_mann_whitney(a, (size_t)n, b, (size_t)n, &u, &exact);
	printf("\nB/A %s: %.4f (95%% CI %.4f - %.4f: bootstrap of the median of %d pairwise ratios)\n", label, ratio,
	       lo, hi, n);
	printf("  Mann-Whitney U = %.1f, two-sided p = %.3g (%s)\n", u, p,
	       exact ? "exact" : "normal approximation, ties corrected");
	printf("  saving measured:  %5.1f%% (1 - the ratio)\n", (1 - ratio) * 100);
	/* The prediction: per A period, the time B's rules would have saved
	 * on its calls (its generation's, scaled to the period: gen_scale)
	 * over its CPU time; the same share of CPU per second and per unit of
	 * the rate. Calls per second or per unit. */
	double pred = NAN, plo = NAN, phi = NAN, calls = 0, uncosted = 0, beyond = NAN;
	int k = 0;
	for (int i = 0; predict && i < np; i++) {
		const struct period *q = &ps[i];
		if (q->index < 0 || q->arm != 0)
			continue;
		double per = per_rate ? q->rate : q->secs, f = gen_scale(q);
		if (!(q->cpu > 0 && per > 0)) /* an idle period, a rate that did not move: no share of anything */
			predict = 0;
		pr[k++] = q->pred_ns * f / (q->cpu * 1e9);
		calls += (double)q->pred_calls * f / per / n;
		uncosted += (double)q->pred_uncosted * f / per / n;
	}
	if (predict && k == n) {
		pred = an_median(pr, (size_t)n);
		an_bootstrap_median_ci(pr, (size_t)n, BOOT_ITERS, BOOT_SEED, &plo, &phi);
		double am = an_median(a, (size_t)n);
		if (isfinite(pred) && isfinite(ratio) && isfinite(am) && calls > 0)
			beyond = ((1 - ratio) - pred) * am * 1e9 / calls;
	}
	if (isfinite(pred)) {
		char c1[64];
		printf("  saving predicted: %5.1f%% (95%% CI %.1f - %.1f%%), from A's periods' logtax data for B's rules: "
		       "%s calls dropped per %s",
		       pred * 100, plo * 100, phi * 100, an_count((uint64_t)(calls + 0.5), c1, 64),
		       per_rate ? "unit of the rate" : "second");
		if (uncosted > 0)
			printf(", %.4g of them without a time estimate", uncosted);
		printf("\n  predicted - measured: %+.1f percentage points\n", (pred - (1 - ratio)) * 100);
		if (isfinite(beyond))
			printf("  saved beyond the prediction: %+.0f ns per dropped call ((measured - predicted) x A's median "
			       "/ calls)\n    = %s\n",
			       beyond,
			       beyond >= 0 ? "cost a call leaves outside its timing window, after it returns "
					     "(e.g. TLB refills after a system call)"
					   : "time inside the calls that the rule did not save");
	}
	if (w) {
		jw_obj_line(w, NULL);
		jw_str(w, "measure", per_rate ? "cpu_per_rate_unit" : "cpu_per_second");
		jw_num(w, "ratio_median", ratio);
		jw_arr_line(w, "ratio_ci95");
		jw_num(w, NULL, lo);
		jw_num(w, NULL, hi);
		jw_end(w);
		jw_num(w, "mann_whitney_u", u);
		jw_num(w, "p_value", p);
		jw_str(w, "p_method", exact ? "exact" : "normal");
		jw_num(w, "saving_measured", 1 - ratio);
		if (isfinite(pred)) {
			jw_num(w, "saving_predicted", pred);
			if (isfinite(beyond))
				jw_num(w, "saving_beyond_prediction_ns_per_dropped_call", beyond);
			jw_arr_line(w, "saving_predicted_ci95");
			jw_num(w, NULL, plo);
			jw_num(w, NULL, phi);
			jw_end(w);
			jw_num(w, per_rate ? "predicted_dropped_calls_per_rate_unit" : "predicted_dropped_calls_per_second",
			       calls);
			jw_num(w, "predicted_calls_without_estimate", uncosted);
		} else {
			jw_null(w, "saving_predicted");
		}
		jw_end(w);
	}
	free(a), free(b), free(r), free(pr);
}

int ab_live(const struct ab *ab, long pid, double period, const char *rate_from)
{
	/* What to put back. */
	char *ans = NULL;
	int rc = an_ctl_send("logtax ab", pid, "status", "", 0, CTL_TIMEOUT, &ans);
	if (rc != 0)
		return rc;
	const char *r = field(ans, "rules");
	size_t rl = r ? strcspn(r, "\n") : 0;
	if (!r || rl >= 2000) {
		fprintf(stderr, "logtax ab: process %ld: %s\n", pid,
			r ? "its rules are too long to be read back and restored; nothing changed"
			  : "its status has no rules line; nothing changed");
		free(ans);
		return 1;
	}
	char *orig = !strncmp(r, "(none", 5) ? strdup("") : strndup(r, rl);
	free(ans);
	const char *texts[2] = { ab->arms[0].text ? ab->arms[0].text : "", ab->arms[1].text ? ab->arms[1].text : "" };

	int np = ab->warmup + 2 * ab->runs;
	struct period *ps = calloc((size_t)np, sizeof *ps);
	if (!ps || !orig)
		return 1;
	ab_catch_signals();
	struct ab_cpu cpu;
	ab_cpu_open(&cpu, (int)pid, 0);
	if (!cpu.clock_ok)
		fprintf(stderr, "logtax ab: process %ld: its CPU clock cannot be used (%s): CPU from /proc/%ld/stat, "
				"in clock ticks of %g ms\n",
			pid, cpu.why, pid, cpu.res * 1e3);
	fprintf(stderr, "logtax ab: process %ld: %d period%s of %g s per arm after %d warm-up period%s, A B A B ...\n",
		pid, ab->runs, ab->runs == 1 ? "" : "s", period, ab->warmup, ab->warmup == 1 ? "" : "s");
	int failed = 0, done = 0;
	double rate0 = NAN;
	for (int k = 0; k < np && !ab_interrupted; k++) {
		struct period *p = &ps[k];
		p->index = k < ab->warmup ? k - ab->warmup : (k - ab->warmup) / 2;
		p->arm = k < ab->warmup ? 0 : (k - ab->warmup) % 2;
		if ((rc = set_rules(pid, texts[p->arm], &p->gen)) != 0) {
			failed = 1;
			break;
		}
		double c0 = ab_cpu_read(&cpu), t0 = mono();
		if (rate_from && read_rate(rate_from, &rate0) < 0) {
			failed = 1;
			break;
		}
		wait_period(period);
		if (ab_interrupted)
			break;
		double c1 = ab_cpu_read(&cpu), t1 = mono(), rate1 = NAN;
		if (c0 < 0 || c1 < 0) {
			fprintf(stderr, "logtax ab: process %ld ended during period %d\n", pid, k + 1);
			failed = 1;
			break;
		}
		if (rate_from && read_rate(rate_from, &rate1) < 0) {
			failed = 1;
			break;
		}
		p->secs = t1 - t0;
		p->cpu = c1 - c0;
		p->rate = rate_from ? rate1 - rate0 : NAN;
		done = k + 1;
	}
	char datafile[4600] = "";
	int have_data = done == np && read_generations(pid, ps, np, ab->arms[1].rs, datafile, sizeof datafile) == 0;
	/* Put the rules back, whatever happened. */
	uint32_t g;
	int rrc = set_rules(pid, orig, &g);
	if (rrc == 0)
		fprintf(stderr, "logtax ab: process %ld: its rules are back to '%s' (generation %u)\n", pid, orig, g);
	else if (rrc != 3)
		fprintf(stderr, "logtax ab: process %ld: could not put its rules back to '%s'\n", pid, orig);
	free(orig);
	if (ab_interrupted || failed || done < np) {
		free(ps);
		if (ab_interrupted)
			fprintf(stderr, "logtax ab: interrupted\n");
		return ab_interrupted ? 130 : rc ? rc : 1;
	}

	char a1[64], a2[64], a3[64], a4[64];
	printf("logtax ab: process %ld, %d periods of %g s per arm, alternating A B after %d warm-up period%s\n", pid,
	       ab->runs, period, ab->warmup, ab->warmup == 1 ? "" : "s");
	if (datafile[0])
		printf("  data file: %s\n", datafile);
	printf("  A: rules: %s\n  B: rules: %s\n", texts[0][0] ? texts[0] : "(empty: keep all)",
	       texts[1][0] ? texts[1] : "(empty: keep all)");
	printf("\n  %-7s %-4s %4s %8s %9s %7s %12s %12s %11s%s\n", "period", "arm", "gen", "seconds", "CPU", "CPU %",
	       "calls kept", "dropped", "log time", rate_from ? "        rate" : "");
	for (int k = 0; k < np; k++) {
		const struct period *p = &ps[k];
		char name[16];
		if (p->index < 0)
			snprintf(name, sizeof name, "warm-up");
		else
			snprintf(name, sizeof name, "%d", k - ab->warmup + 1);
		printf("  %-7s %-4c %4u %8.2f %9s %6.1f%% %12s %12s %11s", name, 'A' + p->arm, p->gen, p->secs,
		       an_dur(p->cpu * 1e9, a1, 64), p->cpu / p->secs * 100, an_count(p->kept, a2, 64),
		       an_count(p->dropped, a3, 64), an_dur(p->est_ns, a4, 64));
		if (rate_from)
			printf(" %12.6g", p->rate);
		printf("\n");
	}
	if (cpu.clock_ok)
		printf("  (CPU: the process's user + system time in the period, all threads, from its CPU clock\n"
		       "  (clock_getcpuclockid), to %g ns; ",
		       cpu.res * 1e9);
	else
		printf("  (CPU: the process's user + system time in the period, all threads, from /proc/PID/stat in\n"
		       "  clock ticks of %g ms (its CPU clock could not be used: %s);\n  ",
		       cpu.res * 1e3, cpu.why);
	printf("calls and log time: the period's rule generation in the data file, which runs from\n"
	       "  one rule change to the next, a little longer than the period)\n");
	/* Under a closed-loop load (a client that sends the next request when
	 * the last is answered) a cheaper daemon serves more: per second, A and
	 * B then do different work, and only CPU per unit of the rate compares
	 * like with like. The median rate per second of B over A's. */
	double rate_ratio = NAN;
	if (rate_from) {
		double *ra = malloc((size_t)ab->runs * sizeof *ra), *rb = malloc((size_t)ab->runs * sizeof *rb);
		int ka = 0, kb = 0;
		for (int k = 0; ra && rb && k < np; k++)
			if (ps[k].index >= 0) {
				if (ps[k].arm == 0)
					ra[ka++] = ps[k].rate / ps[k].secs;
				else
					rb[kb++] = ps[k].rate / ps[k].secs;
			}
		if (ka && kb)
			rate_ratio = an_median(rb, (size_t)kb) / an_median(ra, (size_t)ka);
		free(ra), free(rb);
	}
	FILE *jo = NULL;
	struct jw w;
	if (ab->json && !(jo = fopen(ab->json, "w")))
		fprintf(stderr, "logtax ab: %s: %s\n", ab->json, strerror(errno));
	if (jo) {
		jw_init(&w, jo, 1);
		jw_obj(&w, NULL);
		jw_str(&w, "mode", "pid");
		jw_i64(&w, "pid", pid);
		jw_num(&w, "period_s", period);
		jw_i64(&w, "periods_per_arm", ab->runs);
		jw_i64(&w, "warmup", ab->warmup);
		jw_str(&w, "a_rules", texts[0]);
		jw_str(&w, "b_rules", texts[1]);
		jw_str(&w, "cpu_source", ab_cpu_source(&cpu));
		jw_num(&w, "cpu_resolution_s", cpu.res);
		if (!cpu.clock_ok)
			jw_str(&w, "cpu_source_note", cpu.why);
		if (rate_from)
			jw_num(&w, "rate_per_second_b_over_a", rate_ratio);
		jw_arr(&w, "comparisons");
	}
	int predict = have_data && ab->arms[1].rs;
	/* The prediction per second holds only for the same work per second. */
	int rate_moved = isfinite(rate_ratio) && (rate_ratio < 0.9 || rate_ratio > 1.1);
	compare_arms(ps, np, ab->runs, 0, predict && !rate_moved, "CPU per second", jo ? &w : NULL);
	if (rate_moved)
		printf("  note: B's periods ran at %.2fx A's rate (--rate-from, per second): A and B did different work\n"
		       "  per second; CPU per unit of the rate compares the same work (and has the prediction)\n",
		       rate_ratio);
	if (rate_from)
		compare_arms(ps, np, ab->runs, 1, predict, "CPU per unit of the rate", jo ? &w : NULL);
	if (jo) {
		jw_end(&w);
		jw_arr(&w, "periods");
		for (int k = 0; k < np; k++) {
			const struct period *p = &ps[k];
			char name[2] = { (char)('A' + p->arm), 0 };
			jw_obj_line(&w, NULL);
			jw_str(&w, "arm", name);
			jw_i64(&w, "index", p->index < 0 ? p->index : p->index + 1);
			jw_u64(&w, "generation", p->gen);
			jw_num(&w, "seconds", p->secs);
			jw_num(&w, "cpu_s", p->cpu);
			jw_num(&w, "rate", p->rate);
			jw_u64(&w, "calls_kept", p->kept);
			jw_u64(&w, "calls_dropped", p->dropped);
			jw_num(&w, "log_time_ns", p->est_ns);
			if (p->gen_secs > 0)
				jw_num(&w, "generation_seconds", p->gen_secs);
			if (predict && p->arm == 0) {
				jw_num(&w, "predicted_saving_ns", round(p->pred_ns));
				jw_u64(&w, "predicted_dropped_calls", p->pred_calls);
			}
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
		if (fclose(jo) != 0)
			rc = 1;
	}
	free(ps);
	return fflush(stdout) ? 1 : rc;
}
