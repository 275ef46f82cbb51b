/* logtax ctl PID filter RULES | filter --file FILE | dump | status | detach
 *
 * Talks to the control thread of a traced process through files in the
 * process's control directory (see shim/control.c): the request goes in
 * PID.cmd, created complete and exclusively (link of a finished temporary
 * file, so two ctl commands never overwrite each other), the answer comes
 * back in PID.ack with the request's nonce. The directory is reached
 * through /proc/PID/root, so a process with a private /tmp or in another
 * mount namespace is found too.
 *
 * Exit status: 0 done; 1 the process answered with an error; 2 bad usage
 * or bad rules (nothing sent); 3 no such process (or it ended meanwhile);
 * 4 not traced by logtax, or its control thread is not running; 5 the
 * process is not the caller's; 6 no answer in time. */
#include "ctl.h"
#include "rules_io.h"
#include "../common/ltx_io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const ctl_usage =
	"usage: logtax ctl PID filter 'RULES' | filter --file FILE | dump | status | detach\n"
	"Changes or reads a process that runs under logtax, while it runs.\n"
	"  filter RULES   replace its rules (a new generation; '' keeps every call)\n"
	"  dump           write its data file now (the process keeps running)\n"
	"  status         its rules, generation and counts so far\n"
	"  detach         (a process logtax attached to) write its final data file, undo\n"
	"                 every patch and stop counting; the process runs on as before\n"
	"  --timeout S    seconds to wait for the answer (default 5)\n"
	"Exit: 0 done, 1 the process refused, 2 bad usage or rules, 3 no such process,\n"
	"4 not traced by logtax, 5 not yours, 6 no answer in time.\n";

static const char *who = "logtax ctl"; /* the command the messages name */

static int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", who);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}


static long uid_field(const char *status, int which)
{
	const char *p = strstr(status, "\nUid:");
	if (!p)
		return -1;
	p += 5;
	long v = -1;
	for (int i = 0; i <= which; i++)
		v = strtol(p, (char **)&p, 10);
	return v;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

int an_cmd_ctl(int argc, char **argv)
{
	double timeout = 5;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(ctl_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			char *end;
			timeout = strtod(argv[++i], &end);
			if (*end || !(timeout > 0 && timeout <= 3600))
				return die(2, "--timeout '%s': expected seconds from 0 to 3600", argv[i]);
		} else {
			return die(2, "unknown option '%s' (see 'logtax ctl --help')", argv[i]);
		}
	}
	if (argc - i < 2)
		return die(2, "expected PID and a command: filter 'RULES', dump or status (see 'logtax ctl --help')");
	char *end;
	long pid = strtol(argv[i], &end, 10);
	if (*end || pid <= 0 || pid > 0x3fffffff)
		return die(2, "'%s' is not a process id", argv[i]);
	const char *cmd = argv[i + 1];
	const char *payload = "";
	size_t plen = 0;
	char *file_text = NULL;
	char err[1024];
	int rest = argc - i - 2;
	if (!strcmp(cmd, "filter")) {
		if (rest == 2 && !strcmp(argv[i + 2], "--file")) {
			file_text = an_rules_read_file(argv[i + 3], &plen, err, sizeof err);
			if (!file_text)
				return die(2, "%s", err);
			struct ltx_ruleset *rs = an_rules_parse(file_text, plen, argv[i + 3], 1, err, sizeof err);
			if (!rs)
				return die(2, "%s", err);
			free(rs);
			payload = file_text;
		} else if (rest == 1) {
			payload = argv[i + 2];
			plen = strlen(payload);
			struct ltx_ruleset *rs = an_rules_parse(payload, plen, "filter", 0, err, sizeof err);
			if (!rs)
				return die(2, "%s", err);
			free(rs);
		} else {
			return die(2, "filter takes one argument: the rules (quote them), or --file FILE");
		}
	} else if (!strcmp(cmd, "dump") || !strcmp(cmd, "status") || !strcmp(cmd, "detach")) {
		if (rest)
			return die(2, "%s takes no argument", cmd);
	} else {
		return die(2, "unknown command '%s' (filter, dump, status or detach)", cmd);
	}

	char *answer = NULL;
	int rc = an_ctl_send("logtax ctl", pid, cmd, payload, plen, timeout, &answer);
	free(file_text);
	if (rc != 0)
		return rc;
	if (!strcmp(cmd, "filter")) {
		const char *g = strstr(answer, "generation: ");
		printf("process %ld: rules applied, generation %ld\n", pid, g ? strtol(g + 12, NULL, 10) : -1L);
	} else {
		fputs(answer, stdout);
	}
	free(answer);
	return fflush(stdout) ? 1 : 0;
}

/* Sends one request to the control thread of process pid and waits for the
 * answer: 0 with the answer's "key: value" lines in *answer (malloc'ed), or
 * the exit status of logtax ctl, with the reason on stderr. */
int an_ctl_send(const char *caller, long pid, const char *cmd, const char *payload, size_t plen, double timeout,
		char **answer)
{
	who = caller;
	*answer = NULL;
	char path[4500];
	size_t len;
	/* The process: there, ours, traced. */
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return die(3, "no process %ld", pid);
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	char *st = ltx_slurp(path, &len);
	if (!st)
		return die(3, "no process %ld", pid);
	long euid = uid_field(st, 1);
	free(st);
	uid_t me = geteuid();
	if (me != 0 && (long)me != euid)
		return die(5, "process %ld belongs to uid %ld, not to you (uid %u): only its user or root may control it",
			   pid, euid, (unsigned)me);
	snprintf(path, sizeof path, "/proc/%ld/maps", pid);
	char *maps = ltx_slurp(path, &len);
	if (!maps)
		return die(5, "not allowed to inspect process %ld (/proc/%ld/maps: %s)", pid, pid, strerror(errno));
	int traced = strstr(maps, "/liblogtax.so") != NULL;
	free(maps);
	if (!traced)
		return die(4, "process %ld is not traced by logtax (liblogtax.so is not loaded in it)", pid);

	/* Its control directory, as the shim computes it. */
	char base[4096] = "/tmp";
	snprintf(path, sizeof path, "/proc/%ld/environ", pid);
	char *env = ltx_slurp(path, &len);
	for (size_t at = 0; env && at < len; at += strlen(env + at) + 1)
		if (!strncmp(env + at, "XDG_RUNTIME_DIR=/", 17) && strlen(env + at + 16) < sizeof base - 64)
			strcpy(base, env + at + 16);
	free(env);
	char dir[4300];
	snprintf(dir, sizeof dir, "/proc/%ld/root%s/logtax-%ld", pid, base, euid);
	snprintf(path, sizeof path, "%s/%ld.on", dir, pid);
	size_t onlen;
	char *on = ltx_slurp(path, &onlen);
	if (!on)
		return die(4, "process %ld runs with logtax, but its control thread is not running (it starts at the "
			      "process's first intercepted logging call; no %s/logtax-%ld/%ld.on)",
			   pid, base, euid, pid);
	/* Left by an earlier process with this pid (killed before its exit)? */
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	char *stat_text = ltx_slurp(path, &len);
	const char *t = NULL;
	size_t tn = stat_text ? ltx_stat_starttime(stat_text, len, &t) : 0;
	int stale = onlen && tn && (onlen != tn || memcmp(on, t, tn));
	free(stat_text);
	free(on);
	if (stale) {
		snprintf(path, sizeof path, "%s/%ld.on", dir, pid);
		unlink(path);
		return die(4, "process %ld runs with logtax, but its control thread is not running (it starts at the "
			      "process's first intercepted logging call; %s/logtax-%ld/%ld.on was an earlier process's)",
			   pid, base, euid, pid);
	}

	/* The request. */
	uint64_t nonce;
	if (getrandom(&nonce, sizeof nonce, 0) != sizeof nonce)
		nonce = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
	char tmp[4500], req[4500], ack[4500];
	snprintf(tmp, sizeof tmp, "%s/.%ld.cmd.%016llx", dir, pid, (unsigned long long)nonce);
	snprintf(req, sizeof req, "%s/%ld.cmd", dir, pid);
	snprintf(ack, sizeof ack, "%s/%ld.ack", dir, pid);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return die(5, "cannot write in %s: %s", dir, strerror(errno));
	/* Root controlling another user's process (a daemon that dropped its
	 * privileges, as postgres does): a file of root's, mode 0600, is one
	 * the process cannot read, and the request would go unanswered. It is
	 * given to the process's user, whose directory it is in. */
	if (me != (uid_t)euid && fchown(fd, (uid_t)euid, (gid_t)-1) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return die(5, "cannot give the request %s to uid %ld: %s", tmp, euid, strerror(e));
	}
	FILE *f = fdopen(fd, "w");
	fprintf(f, "logtax-ctl 1\nnonce %016llx\ncmd %s\n\n", (unsigned long long)nonce, cmd);
	fwrite(payload, 1, plen, f);
	if (fclose(f) != 0) {
		unlink(tmp);
		return die(5, "cannot write in %s: %s", dir, strerror(errno));
	}
	uint64_t deadline = now_ms() + (uint64_t)(timeout * 1000);
	while (link(tmp, req) < 0) {
		if (errno != EEXIST || now_ms() > deadline) {
			int e = errno;
			unlink(tmp);
			if (e == EEXIST)
				return die(6, "another request to process %ld is still waiting; try again", pid);
			return die(5, "cannot write %s: %s", req, strerror(e));
		}
		sleep_ms(20);
	}
	unlink(tmp);

	/* The answer. */
	char want[64];
	snprintf(want, sizeof want, "logtax-ack 1\nnonce %016llx\n", (unsigned long long)nonce);
	for (;;) {
		char *a = ltx_slurp(ack, &len);
		if (a && !strncmp(a, want, strlen(want))) {
			unlink(ack);
			const char *s = a + strlen(want);
			int ok = !strncmp(s, "status ok\n", 10);
			s = strchr(s, '\n');
			s = s ? s + 1 : "";
			if (!ok) {
				const char *m = !strncmp(s, "error: ", 7) ? s + 7 : s;
				fprintf(stderr, "logtax ctl: process %ld: %.*s\n", pid, (int)strcspn(m, "\n"), m);
				free(a);
				return 1;
			}
			*answer = strdup(s);
			free(a);
			return *answer ? 0 : 1;
		}
		free(a);
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			unlink(req);
			return die(3, "process %ld ended before it answered", pid);
		}
		if (now_ms() > deadline) {
			/* Take the request back if it was not read. */
			char *r = ltx_slurp(req, &len);
			if (r && strstr(r, want + strlen("logtax-ack 1\n")))
				unlink(req);
			free(r);
			return die(6, "no answer from process %ld within %g s", pid, timeout);
		}
		sleep_ms(20);
	}
}
