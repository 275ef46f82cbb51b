/* The LOGTAX_* settings, read into lt_cfg at start-up: from the
 * environment, or when the shim was attached to a running process from
 * the block logtax_attach was given (copied here: lt_settings_take). A bad setting never stops
 * the program: it earns one warning line and the default is used instead. */
#include "lt.h"
#include "settings.h"
#include "base.h"
#include "stacks.h"
#include "../common/ltx_format.h"
#include "../common/ltx_settings.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lt_outdir_bad; /* warned once already */

/* ---- the attach's block ------------------------------------------------- */

#define BLOCK_MAX (64 * 1024)
static char *block; /* our copy: entries separated by NUL, then an empty one */
static size_t block_map; /* its mapping's length */

static const char *block_lookup(const char *name)
{
	size_t n = strlen(name);
	for (char *e = block; e && *e; e += strlen(e) + 1)
		if (!strncmp(e, name, n) && e[n] == '=')
			return e + n + 1;
	return NULL;
}

/* "NAME=VALUE\n" lines (an empty line is skipped) into our copy; 0, or -1
 * with the reason in msg. The injector's area is reused after we return. */
int lt_settings_take(const char *in, char *msg, size_t cap)
{
	size_t len = strnlen(in, BLOCK_MAX);
	if (len >= BLOCK_MAX) {
		lt_join(msg, cap, "bad settings: the block is longer than 64 KiB", NULL, NULL);
		return -1;
	}
	char *b = lt_map(len + 2);
	if (!b) {
		lt_join(msg, cap, "out of memory for the settings", NULL, NULL);
		return -1;
	}
	size_t k = 0, line = 1;
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && in[e] != '\n')
			e++;
		if (e > i) {
			size_t name = 0;
			while (i + name < e && (in[i + name] == '_' || (in[i + name] >= 'A' && in[i + name] <= 'Z') ||
						(in[i + name] >= '0' && in[i + name] <= '9')))
				name++;
			if (!name || i + name == e || in[i + name] != '=') {
				char num[24];
				lt_utoa(line, num);
				lt_join(msg, cap, "bad settings: line ", num, " is not NAME=VALUE");
				lt_unmap(b, len + 2);
				return -1;
			}
			memcpy(b + k, in + i, e - i);
			k += e - i;
			b[k++] = 0;
		}
		i = e + 1;
		line++;
	}
	b[k] = 0;
	/* The last attach's block is read no more: every lt_setting() of an
	 * attached shim runs inside logtax_attach or its patch job, both
	 * under attach.c's attach_lock (held by our caller too), and each
	 * reader copies what it keeps (lt_cfg, the hook specs, the rules). */
	if (block)
		lt_unmap(block, block_map);
	block = b;
	block_map = len + 2;
	return 0;
}

/* ---- reading ------------------------------------------------------------------ */

/* The one place a setting is looked up: attached, the block (the
 * process's environment is not ours to read then: its LOGTAX_ variables,
 * if any, belong to an earlier `logtax run`); else the environment. */
const char *lt_setting(const char *name)
{
	if (block)
		return block_lookup(name);
	return getenv(name);
}

static void read_time_mode(void)
{
	const char *v = lt_setting("LOGTAX_TIME"), *why = NULL;
	uint32_t mode, every;
	if (!v)
		return;
	if (ltx_parse_time(v, &mode, &every, &why) < 0) {
		lt_bad_setting("LOGTAX_TIME", v, why);
		return;
	}
	lt_cfg.time_mode = mode;
	lt_cfg.sample_every = every;
}

static void read_patch_mode(void)
{
	const char *v = lt_setting("LOGTAX_PATCH"), *why = NULL;
	uint32_t mode;
	if (!v)
		return;
	if (ltx_parse_patch(v, &mode, &why) < 0) {
		lt_bad_setting("LOGTAX_PATCH", v, why);
		return;
	}
	lt_cfg.patch_mode = mode;
}

/* LOGTAX_TRACE: trace mode times every call, whatever LOGTAX_TIME says. */
static void read_control(void)
{
	const char *v = lt_setting("LOGTAX_CONTROL"), *why = NULL;
	uint32_t mode;
	if (!v)
		return;
	if (ltx_parse_control(v, &mode, &why) < 0) {
		lt_bad_setting("LOGTAX_CONTROL", v, why);
		return;
	}
	lt_cfg.control = mode;
}

static void read_trace(void)
{
	const char *v = lt_setting("LOGTAX_TRACE"), *why = NULL;
	uint32_t n;
	if (!v)
		return;
	if (ltx_parse_trace(v, &n, &why) < 0) {
		lt_bad_setting("LOGTAX_TRACE", v, why);
		return;
	}
	const char *t = lt_setting("LOGTAX_TIME");
	uint32_t mode, every;
	if (t && ltx_parse_time(t, &mode, &every, &why) == 0 && mode != LTX_TIME_ALL)
		lt_bad_setting("LOGTAX_TIME", t, "LOGTAX_TRACE times every call");
	lt_cfg.trace_events = n;
	lt_cfg.time_mode = LTX_TIME_ALL;
}

static void read_jobs(void)
{
	const char *v = lt_setting("LOGTAX_JOBS"), *why = NULL;
	uint32_t on;
	if (!v)
		return;
	if (ltx_parse_jobs(v, &on, &why) < 0) {
		lt_bad_setting("LOGTAX_JOBS", v, why);
		return;
	}
	lt_cfg.jobs = on;
}

/* LOGTAX_STACKS: applied after calibration (which must not take stacks). */
void lt_settings_stacks(uint32_t *depth, uint32_t *every)
{
	const char *v = lt_setting("LOGTAX_STACKS"), *why = NULL;
	*depth = 0;
	if (!v)
		return;
	if (ltx_parse_stacks(v, depth, every, &why) < 0) {
		lt_bad_setting("LOGTAX_STACKS", v, why);
		*depth = 0;
		return;
	}
	if (!LT_HAVE_TRAMPOLINES) {
		*depth = 0; /* nothing is intercepted here: the start-up note says so */
		return;
	}
	if (lt_stacks_load() < 0) {
		lt_bad_setting("LOGTAX_STACKS", v, "cannot load libunwind (libunwind.so.8)");
		*depth = 0;
	}
}

/* LOGTAX_SNAPSHOT: seconds between snapshots (default 1; 0 off). */
static void read_snapshot(void)
{
	const char *v = lt_setting("LOGTAX_SNAPSHOT"), *why = NULL;
	uint32_t secs;
	lt_cfg.snapshot_every = LTX_SNAPSHOT_DEFAULT;
	if (!v)
		return;
	if (ltx_parse_snapshot(v, &secs, &why) < 0) {
		lt_bad_setting("LOGTAX_SNAPSHOT", v, why);
		return;
	}
	lt_cfg.snapshot_every = secs;
}

static void read_outdir(void)
{
	const char *v = lt_setting("LOGTAX_OUTPUT");
	char *d = lt_cfg.outdir;
	size_t cap = sizeof lt_cfg.outdir;
	if (v && *v == '/') {
		if (strlen(v) >= cap - 64) {
			lt_bad_setting("LOGTAX_OUTPUT", "(too long)", "a shorter directory path");
			v = NULL;
		} else
			strcpy(d, v);
	}
	if (!v || *v != '/') {
		/* Relative to the start-up directory: a daemon may chdir("/") later. */
		if (!getcwd(d, cap - 64)) {
			strcpy(d, ".");
		}
		if (v && *v && strlen(d) + strlen(v) + 2 < cap - 64) {
			strcat(d, "/");
			strcat(d, v);
		}
	}
	struct stat st;
	if (stat(d, &st) < 0 || !S_ISDIR(st.st_mode) || access(d, W_OK | X_OK) < 0) {
		lt_warn("warning: output directory is missing or not writable, no data will be written", d);
		lt_outdir_bad = 1;
	}
}

/* LOGTAX_METRICS=DIR (relative to the start-up directory, as the output
 * directory is); LOGTAX_METRICS_SITES=1 adds call-site labels. A directory
 * that cannot be written earns one line and no metrics. */
static void read_metrics(void)
{
	const char *v = getenv("LOGTAX_METRICS");
	const char *sv = getenv("LOGTAX_METRICS_SITES");
	if (sv && strcmp(sv, "0") && strcmp(sv, "1"))
		lt_bad_setting("LOGTAX_METRICS_SITES", sv, "0 or 1");
	else if (sv)
		lt_cfg.metrics_sites = *sv == '1';
	if (!v || !*v)
		return;
	char *d = lt_cfg.metrics_dir;
	size_t cap = sizeof lt_cfg.metrics_dir - 64;
	d[0] = 0;
	if (*v != '/' && (!getcwd(d, cap) || strlen(d) + strlen(v) + 2 > cap))
		d[0] = 0;
	else if (*v != '/')
		strcat(d, "/");
	if ((*v == '/' || d[0]) && strlen(d) + strlen(v) < cap)
		strcat(d, v);
	else
		d[0] = 0;
	struct stat st;
	if (!d[0] || stat(d, &st) < 0 || !S_ISDIR(st.st_mode) || access(d, W_OK | X_OK) < 0) {
		lt_warn("warning: metrics directory is missing or not writable, no metrics will be written",
			d[0] ? d : v);
		d[0] = 0;
	}
}

void lt_settings_unknown(void)
{
	extern char **environ;
	char **env = environ;
	char *lines[64];
	if (block) {
		/* the block's entries, NUL-separated in our copy */
		unsigned n = 0;
		for (char *l = block; *l && n < 63; l += strlen(l) + 1)
			lines[n++] = l;
		lines[n] = NULL;
		env = lines;
	}
	for (char **e = env; e && *e; e++) {
		if (strncmp(*e, "LOGTAX_", 7))
			continue;
		size_t len = strcspn(*e, "=");
		int known = 0;
		for (const char *const *k = ltx_known_vars; *k; k++)
			if (strlen(*k) == len && !strncmp(*k, *e, len))
				known = 1;
		if (!known) {
			char name[64];
			size_t n = len < sizeof name - 1 ? len : sizeof name - 1;
			memcpy(name, *e, n);
			name[n] = 0;
			lt_warn("warning: unknown variable ignored", name);
		}
	}
}

void lt_settings_read(void)
{
	read_time_mode();
	read_control();
	read_patch_mode();
	read_trace();
	read_snapshot();
	read_jobs();
	read_outdir();
	read_metrics();
}
