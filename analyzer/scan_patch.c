/* Whether each defined function's entry can be patched, as the shim's
 * engine decides it: the analyzer links no shim code, so it runs the
 * engine's small front, logtax-patchcheck (tools/patchcheck.c), found next
 * to this program, once per object, and reads back one line per function.
 * Without it (another architecture, a partial install) the entries are
 * left unchecked and o->patch_error says why. */
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void set_error(struct scan_obj *o, const char *msg)
{
	free(o->patch_error);
	o->patch_error = strdup(msg);
}

static int helper_path(char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = 0;
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = 0;
	int w = snprintf(out, cap, "%s/logtax-patchcheck", self);
	return w > 0 && (size_t)w < cap && access(out, X_OK) == 0 ? 0 : -1;
}

/* Runs argv, its stdout and stderr into *out (NUL-terminated). Its exit
 * status, or -1. */
static int run(char **argv, char **out)
{
	int fds[2];
	*out = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]), close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (;;) {
		if (buf && len + 1 == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			} else {
				buf = nb, cap *= 2;
			}
		}
		char sink[4096];
		ssize_t n = buf ? read(fds[0], buf + len, cap - 1 - len) : read(fds[0], sink, sizeof sink);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf)
			len += (size_t)n;
	}
	close(fds[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			free(buf);
			return -1;
		}
	if (!buf)
		return -1;
	buf[len] = 0;
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct scan_fn *by_addr(struct scan_obj *o, uint64_t addr)
{
	for (size_t i = 0; i < o->nfns; i++)
		if (o->fns[i].defined && !o->fns[i].ifunc && !o->fns[i].patch_checked && o->fns[i].addr == addr)
			return &o->fns[i];
	return NULL;
}

void scan_patch_check(struct scan_obj *o)
{
	if (o->error || !o->path)
		return;
	size_t n = 0;
	for (size_t i = 0; i < o->nfns; i++) {
		struct scan_fn *f = &o->fns[i];
		if (f->defined && f->ifunc) {
			/* the resolver's address is not the function's */
			f->patch_checked = 1;
			f->patch_rc = -2;
			f->patch_class = strdup("an IFUNC");
			f->patch_why = strdup("its implementation is chosen at load time: not checked here");
		} else if (f->defined) {
			n++;
		}
	}
	if (!n)
		return;
	char helper[PATH_MAX];
	if (helper_path(helper, sizeof helper) < 0) {
		set_error(o, "entries not checked: no logtax-patchcheck next to logtax-analyze");
		return;
	}
	char **argv = calloc(n + 3, sizeof *argv);
	if (!argv) {
		set_error(o, "out of memory");
		return;
	}
	argv[0] = helper;
	argv[1] = o->path;
	size_t k = 2;
	for (size_t i = 0; i < o->nfns; i++) {
		struct scan_fn *f = &o->fns[i];
		if (!f->defined || f->ifunc)
			continue;
		char a[48];
		snprintf(a, sizeof a, "%" PRIx64 ":%" PRIx64, f->addr, f->size);
		if (!(argv[k++] = strdup(a)))
			goto out;
	}
	char *text = NULL;
	int st = run(argv, &text);
	if (st != 0) {
		char msg[300];
		const char *first = text && *text ? text : "it could not be run";
		snprintf(msg, sizeof msg, "entries not checked: %.*s", (int)strcspn(first, "\n"), first);
		set_error(o, msg);
		free(text);
		goto out;
	}
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *field[5];
		int nf = 0;
		for (char *p = line; nf < 5; nf++) {
			field[nf] = p;
			char *tab = nf < 4 ? strchr(p, '\t') : NULL;
			if (!tab) {
				nf++;
				break;
			}
			*tab = 0;
			p = tab + 1;
		}
		if (nf != 5)
			continue;
		struct scan_fn *f = by_addr(o, strtoull(field[0], NULL, 16));
		for (; f; f = by_addr(o, f->addr)) { /* aliases share one address */
			f->patch_checked = 1;
			f->patch_rc = atoi(field[1]);
			f->calls_out = atoi(field[2]);
			f->patch_class = strdup(field[3]);
			f->patch_why = strcmp(field[4], "-") ? strdup(field[4]) : NULL;
		}
	}
	free(text);
out:
	for (size_t i = 2; i < k; i++)
		free(argv[i]);
	free(argv);
}
