/* `logtax-analyze check-exec PATH`: can LD_PRELOAD reach the program that
 * `logtax run` is about to start? `logtax run` asks before running it.
 *
 *   0  yes (or it is not a program we can judge: exec will say)
 *   3  no, but run it: a statically linked program (no dynamic loader) or
 *      one of another architecture; programs it starts may be traced
 *   4  no, and nothing it starts can be: a set-user-ID or set-group-ID
 *      program (or one with file capabilities) that changes the user: the
 *      loader runs it in secure mode, ignores LD_PRELOAD and removes it from
 *      the environment everything it starts inherits
 * The reason is printed on stdout, one line. A script (#!) is judged by
 * its interpreter (the kernel ignores set-ID bits on scripts); `#!/usr/bin/env
 * NAME` by NAME found in PATH. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

int an_cmd_check_exec(int argc, char **argv);

/* The class and machine the shim is built for: this program's own. */
static int own_elf(unsigned char *cls, uint16_t *machine)
{
	Elf64_Ehdr h;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, &h, sizeof h);
	close(fd);
	if (n < (ssize_t)sizeof h || memcmp(h.e_ident, ELFMAG, SELFMAG))
		return -1;
	*cls = h.e_ident[EI_CLASS];
	*machine = h.e_machine;
	return 0;
}

/* NAME found in PATH, as env would run it. */
static int in_path(const char *name, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (snprintf(out, cap, "%.*s%s%s", (int)len, p, len ? "/" : "", name) < (int)cap &&
		    access(out, X_OK) == 0)
			return 0;
		if (!end)
			return -1;
		p = end + 1;
	}
}

/* Whether exec would run it in secure mode, and why (into why). */
static int secure_exec(const char *path, const struct stat *st, char *why, size_t cap)
{
	struct statvfs vfs;
	if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		return 0; /* set-ID bits and capabilities are ignored there */
	if ((st->st_mode & S_ISUID) && st->st_uid != getuid()) {
		struct passwd *pw = getpwuid(st->st_uid);
		char num[32];
		snprintf(num, sizeof num, "%u", (unsigned)st->st_uid);
		snprintf(why, cap, "set-user-ID %s", pw ? pw->pw_name : num);
		return 1;
	}
	if ((st->st_mode & S_ISGID) && st->st_gid != getgid()) {
		struct group *gr = getgrgid(st->st_gid);
		char num[32];
		snprintf(num, sizeof num, "%u", (unsigned)st->st_gid);
		snprintf(why, cap, "set-group-ID %s", gr ? gr->gr_name : num);
		return 1;
	}
	if (getuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0) {
		snprintf(why, cap, "given file capabilities");
		return 1;
	}
	return 0;
}

static int check(const char *path, int depth)
{
	char why[256];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return 0; /* exec will say what is wrong */
	}
	unsigned char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 4)
		return 0;
	buf[n] = 0;
	if (buf[0] == '#' && buf[1] == '!') {
		if (depth > 4)
			return 0;
		char *p = (char *)buf + 2, *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		char *interp = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		char *arg = *p ? p + 1 : p;
		*p = 0;
		while (*arg == ' ' || *arg == '\t')
			arg++;
		char found[PATH_MAX];
		size_t il = strlen(interp);
		if (il >= 4 && !strcmp(interp + il - 4, "/env") && *arg) {
			char *e = arg;
			while (*e && *e != ' ' && *e != '\t')
				e++;
			*e = 0;
			if (arg[0] != '-' && !strchr(arg, '/') && in_path(arg, found, sizeof found) == 0)
				return check(found, depth + 1);
			return 0;
		}
		return check(interp, depth + 1);
	}
	if (memcmp(buf, ELFMAG, SELFMAG))
		return 0;
	if (secure_exec(path, &st, why, sizeof why)) {
		printf("'%s' is %s: the dynamic loader runs it in secure mode, ignores LD_PRELOAD and removes it from "
		       "the environment of everything it starts, so logtax could count nothing. Run logtax as the "
		       "user the program runs as, or trace a copy without the set-ID bit\n",
		       path, why);
		return 4;
	}
	unsigned char cls;
	uint16_t machine;
	if (own_elf(&cls, &machine) == 0 && n >= (ssize_t)sizeof(Elf64_Ehdr) &&
	    (buf[EI_CLASS] != cls || ((Elf64_Ehdr *)buf)->e_machine != machine)) {
		printf("'%s' is built for another architecture than logtax (%s): the loader skips logtax for it (with a "
		       "line on stderr), so none of its calls are counted; programs it starts that match are traced\n",
		       path, buf[EI_CLASS] == ELFCLASS32 ? "32-bit" : "other machine");
		return 3;
	}
	if (buf[EI_CLASS] != ELFCLASS64 || n < (ssize_t)sizeof(Elf64_Ehdr))
		return 0;
	Elf64_Ehdr eh;
	memcpy(&eh, buf, sizeof eh);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > (uint64_t)n ||
	    eh.e_phnum > ((uint64_t)n - eh.e_phoff) / sizeof(Elf64_Phdr))
		return 0; /* headers beyond the first page: not worth judging */
	int interp = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, buf + eh.e_phoff + i * sizeof ph, sizeof ph);
		if (ph.p_type == PT_INTERP)
			interp = 1;
	}
	if (!interp && (eh.e_type == ET_EXEC || eh.e_type == ET_DYN)) {
		printf("'%s' is statically linked: it has no dynamic loader, so logtax cannot be loaded into it and "
		       "counts none of its calls; dynamically linked programs it starts are traced\n",
		       path);
		return 3;
	}
	return 0;
}

int an_cmd_check_exec(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: logtax-analyze check-exec PATH\n", stderr);
		return 2;
	}
	int rc = check(argv[1], 0);
	return fflush(stdout) ? 2 : rc;
}
