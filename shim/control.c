/* `logtax ctl PID filter|dump|status`, answered by the control thread.
 *
 * The channel is two files in a directory of the process's user,
 * ${XDG_RUNTIME_DIR:-/tmp}/logtax-EUID (mode 0700, owned by that user, or
 * it is not used): `logtax ctl` writes PID.cmd (atomically, by rename),
 * each tick looks for it, acts, removes it and answers in PID.ack. No file
 * descriptor stays open between ticks (daemons close every fd), and a fork
 * child, having another pid, has names of its own. PID.on says the thread
 * runs. Only the owner (or root) can write into the directory, and a
 * request file must belong to the process's user or to root.
 *
 * Request:  "logtax-ctl 1\nnonce N\ncmd filter|dump|status|detach\n\n" then the rule text.
 * Answer:   "logtax-ack 1\nnonce N\nstatus ok|error\n" then "key: value" lines. */
#include "lt.h"
#include "control.h"
#include "base.h"
#include "entrypatch.h"
#include "hooktarget.h"
#include "output.h"
#include "rules.h"
#include "state.h"
#include "thread_exit.h"
#include "threads.h"
#include "../common/ltx_format.h"
#include "../common/ltx_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX (LTX_RULES_MAX_TEXT + 4096)

static char base_dir[4096]; /* XDG_RUNTIME_DIR or /tmp, read at start-up */
static int warned;
static uid_t started_as = (uid_t)-1; /* the euid the directory was made for */
static int (*volatile detach_fn)(char *msg, size_t cap); /* set once attached */

struct sbuf {
	char *b;
	size_t n, cap;
};

static void put(struct sbuf *o, const char *s, size_t len)
{
	if (o->n + len >= o->cap)
		len = o->cap - o->n - 1;
	memcpy(o->b + o->n, s, len);
	o->n += len;
	o->b[o->n] = 0;
}

static void puts_(struct sbuf *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putu(struct sbuf *o, uint64_t v)
{
	char tmp[24];
	put(o, tmp, lt_utoa(v, tmp));
}

void lt_ctl_setup(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	if (x && x[0] == '/' && strlen(x) < sizeof base_dir - 64)
		strcpy(base_dir, x);
	else
		strcpy(base_dir, "/tmp");
}

/* DIR/NAME for this process: suffix is "" for the directory itself. */
static void path_of(char *out, size_t cap, const char *prefix, const char *suffix)
{
	struct sbuf o = { out, 0, cap };
	out[0] = 0;
	puts_(&o, base_dir);
	puts_(&o, "/logtax-");
	putu(&o, (uint64_t)geteuid());
	if (!suffix)
		return;
	puts_(&o, "/");
	puts_(&o, prefix);
	putu(&o, (uint64_t)getpid());
	puts_(&o, suffix);
}

/* The directory exists, is ours, and no one else may write into it. */
static int dir_ok(int create)
{
	char d[4200];
	path_of(d, sizeof d, "", NULL);
	if (create && mkdir(d, 0700) < 0 && errno != EEXIST)
		goto bad;
	struct stat st;
	if (lstat(d, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		goto bad;
	return 1;
bad:
	if (!warned) {
		warned = 1;
		lt_warn("warning: control directory missing, not ours or open to others; logtax ctl will not reach "
			"this process",
			d);
	}
	return 0;
}

int lt_ctl_started(void)
{
	return started_as != (uid_t)-1;
}

/* In a fork child: the channel the parent's control thread set up has the
 * parent's pid in its names; the child's sets up its own (else, when the
 * fork came after the parent's thread had started, the child never made
 * its PID.on and `logtax ctl CHILD` said it had no control thread). */
void lt_ctl_detach_by(int (*fn)(char *msg, size_t cap))
{
	__atomic_store_n(&detach_fn, fn, __ATOMIC_RELEASE);
}

void lt_ctl_forked(void)
{
	started_as = (uid_t)-1;
}

void lt_ctl_start(void)
{
	started_as = geteuid();
	if (!dir_ok(1))
		return;
	char p[4200], tmp[4200];
	/* Left by an earlier process with our pid: not for us. */
	path_of(p, sizeof p, "", ".cmd");
	unlink(p);
	path_of(p, sizeof p, "", ".ack");
	unlink(p);
	/* Our start time: a PID.on left by a process killed before its exit
	 * (its pid since reused) is told from ours by it (logtax ctl). Written
	 * whole, then renamed: an empty PID.on is taken as its process's own,
	 * and one we left empty, killed between creating and writing it, would
	 * make logtax ctl wait for an answer from the next process with our
	 * pid. */
	path_of(tmp, sizeof tmp, ".", ".on.tmp");
	path_of(p, sizeof p, "", ".on");
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	char st[1024];
	const char *t;
	size_t n = lt_read_small("/proc/self/stat", st, sizeof st);
	size_t tn = ltx_stat_starttime(st, n, &t);
	if (tn && write(fd, t, tn) < 0) {
		/* an empty PID.on is taken as ours */
	}
	if (close(fd) < 0 || rename(tmp, p) < 0)
		unlink(tmp);
}

/* At exit, when a control thread ran (it made PID.on). */
void lt_ctl_exit(void)
{
	char p[4200];
	path_of(p, sizeof p, "", ".on");
	unlink(p);
}

/* One line "key value" at *at, the value up to the newline; advances *at. */
static const char *field(const char *b, size_t len, size_t *at, const char *key, size_t *vlen)
{
	size_t k = strlen(key);
	if (*at + k + 1 > len || memcmp(b + *at, key, k) || b[*at + k] != ' ')
		return NULL;
	const char *v = b + *at + k + 1;
	const char *nl = memchr(v, '\n', len - (*at + k + 1));
	if (!nl)
		return NULL;
	*vlen = (size_t)(nl - v);
	*at = (size_t)(nl - b) + 1;
	return v;
}

static void answer(const char *nonce, size_t nonce_len, int ok, const char *body)
{
	char tmp[4200], fin[4200], head[256];
	struct sbuf h = { head, 0, sizeof head };
	puts_(&h, "logtax-ack 1\nnonce ");
	put(&h, nonce, nonce_len < 64 ? nonce_len : 64);
	puts_(&h, ok ? "\nstatus ok\n" : "\nstatus error\n");
	path_of(tmp, sizeof tmp, ".", ".ack.tmp");
	path_of(fin, sizeof fin, "", ".ack");
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	int good = write(fd, head, h.n) == (ssize_t)h.n;
	size_t bl = strlen(body);
	good = good && write(fd, body, bl) == (ssize_t)bl;
	if (close(fd) < 0 || !good || rename(tmp, fin) < 0)
		unlink(tmp);
}

/* "entry not patched: SYMBOL: WHY" (a built-in's symbol, or a --hook
 * target as given), while room is left for the lines after them */
struct refused {
	struct sbuf *o;
	unsigned unlisted;
};

static void say_refused(const char *symbol, const char *why, void *arg)
{
	struct refused *r = arg;
	struct sbuf *o = r->o;
	if (o->n + 24 + strlen(symbol) + strlen(why) + 512 > o->cap) {
		r->unlisted++;
		return;
	}
	puts_(o, "\nentry not patched: ");
	puts_(o, symbol);
	puts_(o, ": ");
	puts_(o, why);
}

static void status(struct sbuf *o)
{
	puts_(o, "pid: ");
	putu(o, (uint64_t)getpid());
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	puts_(o, "\nprogram: ");
	puts_(o, exe);
	uint32_t gen = __atomic_load_n(&lt_gen, __ATOMIC_ACQUIRE);
	puts_(o, "\ngeneration: ");
	putu(o, gen);
	puts_(o, "\nrules: ");
	const struct lt_rules_node *r = lt_rules_for(gen);
	if (!r || !r->rs.nrules) {
		puts_(o, "(none: every call is kept)");
	} else {
		const char *t = (const char *)&r->rs + r->rs.text_off;
		/* One line: rules are separated by any white space. */
		for (uint32_t i = 0; i < r->rs.text_len && i < 2000; i++)
			put(o, t[i] == '\n' || t[i] == '\r' || t[i] == '\t' ? " " : &t[i], 1);
	}
	if (r) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		puts_(o, "\napplied: ");
		putu(o, (now - r->applied_mono) / 1000000000ull);
		puts_(o, " s ago");
	}
	uint64_t kept = 0, dropped = 0, threads = 0;
	sigset_t sigs;
	lt_threads_lock(&sigs);
	for (struct lt_thread *th = __atomic_load_n(&lt_threads, __ATOMIC_ACQUIRE); th; th = th->next) {
		uint64_t s[4];
		lt_table_sums(__atomic_load_n(&th->table, __ATOMIC_ACQUIRE), s);
		kept += s[0];
		dropped += s[1];
		threads += th->nthreads ? th->nthreads : 1;
	}
	lt_threads_unlock(&sigs);
	puts_(o, "\ncalls kept: ");
	putu(o, kept);
	puts_(o, "\ncalls dropped: ");
	putu(o, dropped);
	puts_(o, "\nthreads: ");
	putu(o, threads);
	/* Memory over attach/detach cycles (thread_exit.c): the earlier
	 * attaches' thread states still held, and all the shim has mapped. */
	uint32_t held;
	uint64_t freed;
	lt_threads_stale(&held, &freed);
	puts_(o, "\nearlier attaches' thread states: ");
	putu(o, held);
	puts_(o, " held, ");
	putu(o, freed);
	puts_(o, " unmapped");
	puts_(o, "\nmapped: ");
	putu(o, lt_mapped());
	puts_(o, " bytes");
	struct refused ref = { o, 0 };
	lt_entrypatch_refusals(say_refused, &ref);
	lt_hook_refusals(say_refused, &ref);
	if (ref.unlisted) {
		puts_(o, "\nentries not patched, not listed (no room): ");
		putu(o, ref.unlisted);
	}
	puts_(o, "\ntime: ");
	if (lt_cfg.time_mode == LTX_TIME_OFF)
		puts_(o, "off");
	else if (lt_cfg.time_mode == LTX_TIME_ALL)
		puts_(o, "all");
	else {
		puts_(o, "sample:");
		putu(o, lt_cfg.sample_every);
	}
	char df[4200];
	lt_data_path(df, sizeof df);
	puts_(o, "\ndata file: ");
	puts_(o, df);
	puts_(o, "\n");
}

static void handle(const char *b, size_t len)
{
	char body[4096];
	struct sbuf o = { body, 0, sizeof body };
	body[0] = 0;
	size_t at = 0, nl = 0, cl = 0;
	static const char magic[] = "logtax-ctl 1\n";
	if (len < sizeof magic - 1 || memcmp(b, magic, sizeof magic - 1))
		return; /* not a request: no nonce to answer to */
	at = sizeof magic - 1;
	const char *nonce = field(b, len, &at, "nonce", &nl);
	const char *cmd = nonce ? field(b, len, &at, "cmd", &cl) : NULL;
	if (!cmd || at >= len || b[at] != '\n') {
		if (nonce)
			answer(nonce, nl, 0, "error: malformed request\n");
		return;
	}
	at++;
	if (cl == 6 && !memcmp(cmd, "status", 6)) {
		status(&o);
		answer(nonce, nl, 1, body);
	} else if (cl == 6 && !memcmp(cmd, "filter", 6)) {
		char err[512];
		int gen = lt_rules_apply(b + at, len - at, "logtax ctl", 0, err, sizeof err);
		if (gen < 0) {
			puts_(&o, "error: ");
			puts_(&o, err);
			puts_(&o, "\n");
			answer(nonce, nl, 0, body);
		} else {
			puts_(&o, "generation: ");
			putu(&o, (uint64_t)gen);
			puts_(&o, "\n");
			answer(nonce, nl, 1, body);
		}
	} else if (cl == 6 && !memcmp(cmd, "detach", 6)) {
		/* answered once every patch is restored and the file written */
		char msg[4096];
		int (*fn)(char *, size_t) = __atomic_load_n(&detach_fn, __ATOMIC_ACQUIRE);
		int rc = -1;
		if (fn)
			rc = fn(msg, sizeof msg);
		else
			lt_join(msg, sizeof msg,
				"detach is for a process logtax attached to; this one was started under logtax "
				"run (its symbols are bound to the shim for good)",
				NULL, NULL);
		puts_(&o, rc == 0 ? "" : "error: ");
		puts_(&o, msg);
		puts_(&o, "\n");
		answer(nonce, nl, rc == 0, body);
	} else if (cl == 4 && !memcmp(cmd, "dump", 4)) {
		char df[4200];
		lt_data_path(df, sizeof df);
		if (lt_write_data(LTX_REASON_DUMP) == 0) {
			puts_(&o, "data file: ");
			puts_(&o, df);
			puts_(&o, "\n");
			answer(nonce, nl, 1, body);
		} else {
			puts_(&o, "error: cannot write ");
			puts_(&o, df);
			puts_(&o, "\n");
			answer(nonce, nl, 0, body);
		}
	} else {
		answer(nonce, nl, 0, "error: unknown command\n");
	}
}

void lt_ctl_tick(uint64_t now)
{
	(void)now;
	char p[4200];
	struct stat st;
	/* A daemon that changed its user since: the directory of the new one. */
	if (geteuid() != started_as)
		lt_ctl_start();
	path_of(p, sizeof p, "", ".cmd");
	if (lstat(p, &st) < 0)
		return;
	if (!dir_ok(0))
		return;
	int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	unlink(p); /* read once, whatever it holds */
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) ||
	    st.st_size > REQ_MAX) {
		close(fd);
		return;
	}
	char *buf = lt_map(REQ_MAX);
	if (!buf) {
		close(fd);
		return;
	}
	size_t got = ltx_read_full(fd, buf, REQ_MAX);
	close(fd);
	handle(buf, got);
	lt_unmap(buf, REQ_MAX);
}
