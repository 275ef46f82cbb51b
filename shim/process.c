/* The process around the shim: fork, exec, posix_spawn, _exit.
 *
 * fork: the atfork handler gives the child its own counts, pid and file;
 * _Fork, which runs no atfork handler, is wrapped to do the same (fork.c).
 * vfork and clone: the child runs no handler. A vfork child shares its
 * parent's memory until it calls exec or _exit, so the shim must change
 * nothing there: every path of ours that could (the slow path, the control
 * thread, the writer, the exec and _exit wrappers, the signal handler)
 * first checks that getpid() is the pid the state belongs to (lt_pid), and
 * if not does nothing but pass the call on. A logging call made in a vfork
 * child (undefined behaviour in C) is counted in its parent's file.
 *
 * exec: the image about to be replaced writes its file first (reason EXEC;
 * output.c moves it to logtax.PID.N.ltx, so the next image, same pid,
 * starts afresh); if the exec fails it runs on and writes again later, to
 * the same name. The new image gets the shim again through LD_PRELOAD: in
 * follow mode (the default) an environment given to exec or posix_spawn
 * that lacks the shim's LD_PRELOAD entry or a LOGTAX_* setting this process
 * started with gets them added; with LOGTAX_NO_FOLLOW, both are taken out.
 * The program's own environ is never changed: only the copy a child gets.
 * system() and popen() start their shell inside glibc, past these wrappers,
 * with environ as it is; with LOGTAX_NO_FOLLOW that shell's shim finds its
 * pid is not the one named and stays inert (lt_inert), and takes itself out
 * of what the shell starts.
 *
 * _exit and _Exit skip the destructor that writes the file: they write it
 * first (through the control thread when it runs: _exit may be called from
 * a signal handler). */
#include "lt.h"
#include "rawsys.h"
#include "process.h"
#include "lifecycle.h"
#include "base.h"
#include "settings.h"
#include "output.h"
#include "service.h"
#include "symbols.h"
#include "../common/ltx_format.h"
#include "../common/ltx_settings.h"

#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

#define FINAL_WAIT_MS 5000 /* the longest a dying process waits for its file */

/* ---- who we are ----------------------------------------------------------- */

static dev_t self_dev;
static ino_t self_ino;
static int self_known;
/* Our entry in LD_PRELOAD as given, and the settings this process started
 * with ("NAME=value" strings in one mapping): what a child must get. */
static const char *self_entry;
static size_t self_entry_len;
static const char *saved_preload; /* "LD_PRELOAD=<self_entry>" */
#define MAX_SAVED 16
static const char *saved_vars[MAX_SAVED];
static size_t saved_name_len[MAX_SAVED];
static unsigned nsaved;

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[], int);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
			char *const[], char *const[]);
typedef void (*exit_fn)(int);
static execve_fn real_execve, real_execvpe;
static fexecve_fn real_fexecve;
static execveat_fn real_execveat;
static spawn_fn real_posix_spawn, real_posix_spawnp;
static exit_fn real__exit, real__Exit;

static void *next_fn(const char *name)
{
	return lt_find_next(name); /* leaves dlerror() alone */
}

/* Resolved at init, while nothing else runs: a vfork child must not look
 * symbols up (that walks the loader's list under its lock). */
static void resolve_all(void)
{
	real_execve = (execve_fn)next_fn("execve");
	real_execvpe = (execve_fn)next_fn("execvpe");
	real_fexecve = (fexecve_fn)next_fn("fexecve");
	real_execveat = (execveat_fn)next_fn("execveat");
	real_posix_spawn = (spawn_fn)next_fn("posix_spawn");
	real_posix_spawnp = (spawn_fn)next_fn("posix_spawnp");
	real__exit = (exit_fn)next_fn("_exit");
	real__Exit = (exit_fn)next_fn("_Exit");
}

#define REAL(var, name) (var ? var : (var = (__typeof__(var))next_fn(name)))

static int is_sep(char c)
{
	return c == ':' || c == ' ';
}

/* The LD_PRELOAD entry e[0..len) is this library. */
static int is_self_entry(const char *e, size_t len)
{
	if (self_entry && len == self_entry_len && !memcmp(e, self_entry, len))
		return 1;
	if (!self_known || !len || len >= 4096)
		return 0;
	char path[4096];
	memcpy(path, e, len);
	path[len] = 0;
	struct stat st;
	return stat(path, &st) == 0 && st.st_dev == self_dev && st.st_ino == self_ino;
}

/* quick_exit runs the at_quick_exit handlers and then glibc's own _exit,
 * past our wrapper: a handler of ours, registered at start-up and so run
 * after the program's (they may log), writes the file first. */
int __cxa_at_quick_exit(void (*fn)(void *), void *dso);
extern void *__dso_handle LT_HIDDEN;

static void at_quick_exit_write(void *arg)
{
	(void)arg;
	int e = errno;
	lt_write_final(LTX_REASON_EXIT, 0);
	errno = e;
}

void lt_process_init(int again)
{
	lt_pid = getpid();
	if (!again)
		__cxa_at_quick_exit(at_quick_exit_write, &__dso_handle);
	resolve_all();
	Dl_info di;
	struct stat st;
	if (dladdr((void *)lt_process_init, &di) && di.dli_fname && stat(di.dli_fname, &st) == 0) {
		self_dev = st.st_dev;
		self_ino = st.st_ino;
		self_known = 1;
	}
	const char *v = lt_setting("LOGTAX_NO_FOLLOW"), *why = NULL;
	uint32_t pid;
	if (v && ltx_parse_no_follow(v, &pid, &why) < 0) {
		char msg[200];
		size_t n = 0;
		for (const char *s = "LOGTAX_NO_FOLLOW: "; *s; s++)
			msg[n++] = *s;
		for (const char *s = why; *s && n + 1 < sizeof msg; s++)
			msg[n++] = *s;
		msg[n] = 0;
		lt_warn("warning: ignored", msg);
	} else if (v) {
		lt_cfg.no_follow = pid;
		lt_inert = pid != (uint32_t)lt_pid;
	}
	/* Attached: the programs this one starts are not traced (their
	 * environment is the program's own), so nothing to keep for them. */
	if (lt_mode == LT_MODE_ATTACHED)
		return;

	/* What children must get: copied, since the program may overwrite its
	 * environment's strings (a process title). */
	size_t need = 0;
	const char *pre = getenv("LD_PRELOAD");
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, "LOGTAX_", 7))
			need += strlen(*e) + 1;
	if (pre)
		need += strlen(pre) + 16;
	char *buf = need ? lt_map(need) : NULL;
	if (!buf)
		return;
	char *at = buf;
	for (char **e = environ; e && *e && nsaved < MAX_SAVED; e++) {
		if (strncmp(*e, "LOGTAX_", 7))
			continue;
		size_t len = strlen(*e);
		memcpy(at, *e, len + 1);
		saved_vars[nsaved] = at;
		saved_name_len[nsaved++] = strcspn(at, "=") + 1; /* "NAME=" */
		at += len + 1;
	}
	for (const char *p = pre; p && *p;) {
		while (is_sep(*p))
			p++;
		size_t len = 0;
		while (p[len] && !is_sep(p[len]))
			len++;
		if (len && is_self_entry(p, len)) {
			memcpy(at, "LD_PRELOAD=", 11);
			memcpy(at + 11, p, len);
			at[11 + len] = 0;
			saved_preload = at;
			self_entry = at + 11;
			self_entry_len = len;
			break;
		}
		p += len;
	}
}

/* ---- the environment a child gets ----------------------------------------- */

struct env_plan {
	size_t n;        /* entries in envp */
	size_t nadd;     /* entries added */
	size_t bytes;    /* string bytes written */
	int change;
	void *map;       /* a large environment's new array and strings */
	size_t map_len;
	uint32_t missing; /* saved settings envp lacks (follow mode) */
	int add_preload;  /* follow: LD_PRELOAD absent: add ours */
	int fix_preload;  /* follow: LD_PRELOAD without us: prepend ours */
};
#define ENV_STACK_ENTRIES 4096
#define ENV_STACK_BYTES 16384

/* LD_PRELOAD=value holds this library. */
static int preload_has_self(const char *value)
{
	for (const char *p = value; *p;) {
		while (is_sep(*p))
			p++;
		size_t len = 0;
		while (p[len] && !is_sep(p[len]))
			len++;
		if (len && is_self_entry(p, len))
			return 1;
		p += len;
	}
	return 0;
}

static void env_plan(char *const *envp, struct env_plan *pl)
{
	memset(pl, 0, sizeof *pl);
	int no_follow = lt_cfg.no_follow != 0, seen_preload = 0;
	pl->missing = nsaved < 32 ? (1u << nsaved) - 1 : ~0u;
	for (char *const *e = envp; e && *e; e++) {
		pl->n++;
		const char *s = *e;
		if (!strncmp(s, "LOGTAX_", 7)) {
			if (no_follow)
				pl->change = 1;
			for (unsigned i = 0; i < nsaved; i++)
				if (!strncmp(s, saved_vars[i], saved_name_len[i]))
					pl->missing &= ~(1u << i);
		} else if (!strncmp(s, "LD_PRELOAD=", 11)) {
			int self = preload_has_self(s + 11);
			if (no_follow && self) {
				pl->change = 1;
				pl->bytes += strlen(s) + 1;
			} else if (!no_follow && !seen_preload && !self && self_entry) {
				pl->fix_preload = 1;
				pl->change = 1;
				pl->bytes += strlen(s) + self_entry_len + 2;
			}
			seen_preload = 1;
		}
	}
	if (!no_follow) {
		if (!seen_preload && saved_preload) {
			pl->add_preload = 1;
			pl->nadd++;
		}
		for (unsigned i = 0; i < nsaved; i++)
			if (pl->missing & (1u << i))
				pl->nadd++;
		if (pl->nadd)
			pl->change = 1;
	}
}

static int env_big(const struct env_plan *pl)
{
	return pl->n + pl->nadd + 1 > ENV_STACK_ENTRIES || pl->bytes + 1 > ENV_STACK_BYTES;
}

/* The child's environment: envp itself when nothing changes, else built in
 * arr and str (the caller's stack) or, if too large for them, a mapping
 * that env_done() unmaps. */
static char *const *env_make(char *const *envp, struct env_plan *pl, char **arr, char *str)
{
	if (!pl->change)
		return envp;
	if (env_big(pl)) {
		pl->map_len = (pl->n + pl->nadd + 1) * sizeof(char *) + pl->bytes + 1;
		pl->map = lt_map(pl->map_len);
		if (!pl->map)
			return envp; /* no memory: the child gets what the program gave */
		arr = pl->map;
		str = (char *)(arr + pl->n + pl->nadd + 1);
	}
	int no_follow = lt_cfg.no_follow != 0, done_preload = 0;
	size_t k = 0;
	char *sp = str;
	for (char *const *e = envp; e && *e; e++) {
		char *s = *e;
		if (no_follow && !strncmp(s, "LOGTAX_", 7))
			continue;
		if (!strncmp(s, "LD_PRELOAD=", 11) && no_follow && preload_has_self(s + 11)) {
			/* the other entries, joined by ':'; none: no variable */
			char *out = sp;
			memcpy(sp, "LD_PRELOAD=", 11);
			sp += 11;
			int any = 0;
			for (const char *p = s + 11; *p;) {
				while (is_sep(*p))
					p++;
				size_t len = 0;
				while (p[len] && !is_sep(p[len]))
					len++;
				if (len && !is_self_entry(p, len)) {
					if (any)
						*sp++ = ':';
					memcpy(sp, p, len);
					sp += len;
					any = 1;
				}
				p += len;
			}
			*sp++ = 0;
			if (any)
				arr[k++] = out;
			else
				sp = out;
			continue;
		}
		if (!strncmp(s, "LD_PRELOAD=", 11) && pl->fix_preload && !done_preload) {
			char *out = sp;
			memcpy(sp, "LD_PRELOAD=", 11);
			sp += 11;
			memcpy(sp, self_entry, self_entry_len);
			sp += self_entry_len;
			*sp++ = ':';
			size_t len = strlen(s + 11);
			memcpy(sp, s + 11, len + 1);
			sp += len + 1;
			arr[k++] = out;
			done_preload = 1;
			continue;
		}
		if (!strncmp(s, "LD_PRELOAD=", 11))
			done_preload = 1;
		arr[k++] = s;
	}
	if (!no_follow) {
		if (pl->add_preload)
			arr[k++] = (char *)saved_preload;
		for (unsigned i = 0; i < nsaved; i++)
			if (pl->missing & (1u << i))
				arr[k++] = (char *)saved_vars[i];
	}
	arr[k] = NULL;
	return arr;
}

static void env_done(struct env_plan *pl)
{
	if (pl->map)
		lt_unmap(pl->map, pl->map_len);
}

/* Declares `out`, the environment the child gets, with its storage on the
 * caller's stack (a vfork child may call these: no shared memory is touched). */
#define CHILD_ENV(envp, out)                                                                       \
	struct env_plan plan_;                                                                     \
	env_plan((envp), &plan_);                                                                  \
	int small_ = plan_.change && !env_big(&plan_);                                             \
	char *arr_[small_ ? plan_.n + plan_.nadd + 1 : 1];                                         \
	char str_[small_ ? plan_.bytes + 1 : 1];                                                   \
	char *const *out = env_make((envp), &plan_, arr_, str_)

/* ---- exec ------------------------------------------------------------------ */

/* The image's file before it is replaced; 1 if it was written (or tried). */
static int before_exec(void)
{
	if (lt_state != 2 || lt_inert || lt_ended || !lt_own_process() || !lt_saw_calls())
		return 0;
	lt_write_file(LTX_REASON_EXEC, 0, 0);
	return 1;
}

static int after_exec(int wrote, int rc)
{
	int e = errno;
	if (wrote)
		lt_exec_failed = LTX_OUT_EXEC_FAILED;
	errno = e;
	return rc;
}

static int do_execve(const char *path, char *const argv[], char *const envp[])
{
	if (!REAL(real_execve, "execve")) {
		errno = ENOSYS;
		return -1;
	}
	int wrote = before_exec();
	CHILD_ENV(envp, env);
	int rc = real_execve(path, argv, env);
	int e = errno;
	env_done(&plan_);
	errno = e;
	return after_exec(wrote, rc);
}

static int do_execvpe(const char *file, char *const argv[], char *const envp[])
{
	if (!REAL(real_execvpe, "execvpe")) {
		errno = ENOSYS;
		return -1;
	}
	int wrote = before_exec();
	CHILD_ENV(envp, env);
	int rc = real_execvpe(file, argv, env);
	int e = errno;
	env_done(&plan_);
	errno = e;
	return after_exec(wrote, rc);
}

LT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return do_execve(path, argv, envp);
}

LT_EXPORT int execv(const char *path, char *const argv[])
{
	return do_execve(path, argv, environ);
}

LT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return do_execvpe(file, argv, envp);
}

LT_EXPORT int execvp(const char *file, char *const argv[])
{
	return do_execvpe(file, argv, environ);
}

LT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	if (!REAL(real_fexecve, "fexecve")) {
		errno = ENOSYS;
		return -1;
	}
	int wrote = before_exec();
	CHILD_ENV(envp, env);
	int rc = real_fexecve(fd, argv, env);
	int e = errno;
	env_done(&plan_);
	errno = e;
	return after_exec(wrote, rc);
}

LT_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	if (!REAL(real_execveat, "execveat")) {
		errno = ENOSYS;
		return -1;
	}
	int wrote = before_exec();
	CHILD_ENV(envp, env);
	int rc = real_execveat(dirfd, path, argv, env, flags);
	int e = errno;
	env_done(&plan_);
	errno = e;
	return after_exec(wrote, rc);
}

/* The execl forms: the arguments into an array on the stack, as glibc does. */
#define COLLECT_ARGS(first, last_named, argv, envp_out)                        \
	size_t argc_ = 1;                                                      \
	va_list ap_;                                                           \
	va_start(ap_, last_named);                                             \
	while (va_arg(ap_, const char *))                                      \
		argc_++;                                                       \
	va_end(ap_);                                                           \
	char *argv[argc_ + 1];                                                 \
	argv[0] = (char *)(first);                                             \
	va_start(ap_, last_named);                                             \
	for (size_t i_ = 1; i_ <= argc_; i_++)                                 \
		argv[i_] = va_arg(ap_, char *);                                \
	envp_out;                                                              \
	va_end(ap_)

LT_EXPORT int execl(const char *path, const char *arg, ...)
{
	COLLECT_ARGS(arg, arg, argv, (void)0);
	return do_execve(path, argv, environ);
}

LT_EXPORT int execlp(const char *file, const char *arg, ...)
{
	COLLECT_ARGS(arg, arg, argv, (void)0);
	return do_execvpe(file, argv, environ);
}

LT_EXPORT int execle(const char *path, const char *arg, ...)
{
	char *const *envp;
	COLLECT_ARGS(arg, arg, argv, envp = va_arg(ap_, char *const *));
	return do_execve(path, argv, envp);
}

/* ---- posix_spawn ------------------------------------------------------------ */

LT_EXPORT int posix_spawn(pid_t *restrict pid, const char *restrict path,
			  const posix_spawn_file_actions_t *restrict actions, const posix_spawnattr_t *restrict attr,
			  char *const argv[restrict], char *const envp[restrict])
{
	if (!REAL(real_posix_spawn, "posix_spawn"))
		return ENOSYS;
	CHILD_ENV(envp, env);
	int rc = real_posix_spawn(pid, path, actions, attr, argv, env);
	int e = errno;
	env_done(&plan_);
	errno = e;
	return rc;
}

LT_EXPORT int posix_spawnp(pid_t *restrict pid, const char *restrict file,
			   const posix_spawn_file_actions_t *restrict actions, const posix_spawnattr_t *restrict attr,
			   char *const argv[restrict], char *const envp[restrict])
{
	if (!REAL(real_posix_spawnp, "posix_spawnp"))
		return ENOSYS;
	CHILD_ENV(envp, env);
	int rc = real_posix_spawnp(pid, file, actions, attr, argv, env);
	int e = errno;
	env_done(&plan_);
	errno = e;
	return rc;
}

/* ---- the end of a process ---------------------------------------------------- */

void lt_write_final(uint32_t reason, uint32_t sig)
{
	if (lt_state != 2 || lt_inert || lt_ended || !lt_own_process() || !lt_saw_calls())
		return;
	/* The control thread writes; where none runs (a single-threaded
	 * process, inline mode) no other thread can hold our lock or the
	 * loader's, and the caller writes itself, unless it is the writer. */
	int rc = lt_svc_write(reason, sig, FINAL_WAIT_MS);
	if (rc == -2)
		rc = lt_write_file(reason, sig, 1);
	if (rc == 0)
		lt_ended = 1;
}

static _Noreturn void end_now(exit_fn fn, int status)
{
	if (fn)
		fn(status);
	for (;;)
		lt_syscall(SYS_exit_group, status);
}

LT_EXPORT void _exit(int status)
{
	lt_write_final(LTX_REASON_EXIT, 0);
	end_now(REAL(real__exit, "_exit"), status);
}

LT_EXPORT void _Exit(int status)
{
	lt_write_final(LTX_REASON_EXIT, 0);
	end_now(REAL(real__Exit, "_Exit"), status);
}
