/* logtax ab --server: one run of a daemon under a load.
 *
 * The daemon starts under logtax with the arm's rules, in a process group
 * of its own; ab waits until it is ready (--ready), reads its CPU time
 * (struct ab_cpu: its CPU clock, else /proc/PID/stat), runs the load
 * command (also in a group of its own, not under logtax), reads the CPU
 * time again, then stops the daemon: SIGTERM,
 * and SIGKILL to its group after the grace period. Whatever happens (a
 * daemon that exits early or never becomes ready, a failing load, ^C), the
 * daemon and the load are stopped before the run returns. */
#include "ab_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile int ab_interrupted;
static volatile pid_t load_group; /* killed by the signal handler */

static void on_signal(int sig)
{
	ab_interrupted = sig;
	pid_t g = load_group;
	if (g > 0)
		kill(-g, SIGKILL);
}

void ab_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: waits see EINTR and look at the flag */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	nanosleep(&ts, NULL);
}

int ab_server_check_ready(const char *spec, char *err, size_t errlen)
{
	if (!strncmp(spec, "unix:", 5) && spec[5]) {
		if (strlen(spec + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			snprintf(err, errlen, "--ready '%s': the socket path is longer than a unix socket allows", spec);
			return -1;
		}
		return 0;
	}
	if (!strncmp(spec, "file:", 5) && spec[5])
		return 0;
	if (!strncmp(spec, "delay:", 6)) {
		char *end;
		double d = strtod(spec + 6, &end);
		if (spec[6] && !*end && d >= 0 && d <= 3600)
			return 0;
		snprintf(err, errlen, "--ready '%s': expected delay:SECS with SECS from 0 to 3600", spec);
		return -1;
	}
	if (!strncmp(spec, "tcp:", 4)) {
		const char *colon = strrchr(spec + 4, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;
		if (colon && colon > spec + 4 && colon[1] && !*end && port > 0 && port < 65536)
			return 0;
		snprintf(err, errlen, "--ready '%s': expected tcp:HOST:PORT", spec);
		return -1;
	}
	snprintf(err, errlen, "--ready '%s': expected unix:PATH, tcp:HOST:PORT, file:PATH or delay:SECS", spec);
	return -1;
}

/* Whether what --ready names is there now (a file: changed since `since`). */
static int is_ready(const char *spec, double started, const struct timespec *since)
{
	if (!strncmp(spec, "file:", 5)) {
		struct stat sb;
		if (stat(spec + 5, &sb) < 0)
			return 0;
		return !since || sb.st_mtim.tv_sec > since->tv_sec ||
		       (sb.st_mtim.tv_sec == since->tv_sec && sb.st_mtim.tv_nsec >= since->tv_nsec);
	}
	if (!strncmp(spec, "delay:", 6))
		return mono() - started >= strtod(spec + 6, NULL);
	int ok = 0;
	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un sa;
		memset(&sa, 0, sizeof sa);
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", spec + 5);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
		if (fd >= 0)
			close(fd);
		return ok;
	}
	/* tcp:HOST:PORT (HOST may be [v6]) */
	char host[256];
	const char *colon = strrchr(spec + 4, ':');
	size_t hl = (size_t)(colon - (spec + 4));
	if (hl >= sizeof host)
		return 0;
	memcpy(host, spec + 4, hl);
	host[hl] = 0;
	char *h = host;
	if (h[0] == '[' && hl > 1 && h[hl - 1] == ']') {
		h[hl - 1] = 0;
		h++;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(h, colon + 1, &hints, &res) != 0)
		return 0;
	for (struct addrinfo *ai = res; ai && !ok; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		ok = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
		if (fd >= 0)
			close(fd);
	}
	freeaddrinfo(res);
	return ok;
}

/* user + system from /proc/PID/stat, seconds; -1 if unreadable. */
static double proc_stat_cpu(int pid)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	/* After the command name, which may hold spaces and parentheses. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	unsigned long long ut = 0, st = 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return (double)(ut + st) / (double)(hz > 0 ? hz : 100);
}

static double clock_cpu(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) < 0)
		return -1;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ab_cpu_open(struct ab_cpu *c, int pid, int own_child)
{
	long hz = sysconf(_SC_CLK_TCK);
	double tick = 1.0 / (double)(hz > 0 ? hz : 100);
	memset(c, 0, sizeof *c);
	c->pid = pid;
	c->res = tick;
	struct timespec res;
	int e = clock_getcpuclockid(pid, &c->clock);
	if (e) {
		snprintf(c->why, sizeof c->why, "clock_getcpuclockid(%d): %s", pid, strerror(e));
		return;
	}
	if (clock_getres(c->clock, &res) < 0 || clock_cpu(c->clock) < 0) {
		snprintf(c->why, sizeof c->why, "clock_gettime on the CPU clock of %d: %s", pid, strerror(errno));
		return;
	}
	if (!own_child) {
		/* The kernel looks the clock's pid up in ab's pid namespace,
		 * /proc/PID (and the control channel) in /proc's: with a /proc
		 * of another namespace the same number may be another process. */
		char self[32];
		ssize_t n = readlink("/proc/self", self, sizeof self - 1);
		self[n > 0 ? n : 0] = 0;
		if (n <= 0 || strtol(self, NULL, 10) != (long)getpid()) {
			snprintf(c->why, sizeof c->why, "/proc belongs to another pid namespace (its /proc/self is '%s', "
				 "ab's pid %ld): the clock's pid %d may be another process", self, (long)getpid(), pid);
			return;
		}
		/* And the clock must tell what /proc/PID/stat tells, to its ticks
		 * (which truncate user and system time each). */
		double s0 = proc_stat_cpu(pid), k = clock_cpu(c->clock), s1 = proc_stat_cpu(pid);
		if (s0 >= 0 && s1 >= 0 && !(k >= s0 - tick && k <= s1 + 2.5 * tick)) {
			snprintf(c->why, sizeof c->why, "the CPU clock of %d reads %.3f s where /proc/%d/stat reads %.2f s",
				 pid, k, pid, s1);
			return;
		}
	}
	c->clock_ok = 1;
	c->res = (double)res.tv_sec + (double)res.tv_nsec / 1e9;
}

double ab_cpu_read(const struct ab_cpu *c)
{
	return c->clock_ok ? clock_cpu(c->clock) : proc_stat_cpu(c->pid);
}

const char *ab_cpu_source(const struct ab_cpu *c)
{
	return c->clock_ok ? "clock" : "proc_stat";
}

pid_t ab_spawn(char **argv, const char *out, const char *err, const struct ab *ab, const struct arm *a,
	       const char *dir, int own_group)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	if (own_group) {
		/* a daemon and its load: stopped by SIGTERM and SIGKILL to the
		 * group, whatever dispositions ab inherited (nohup) */
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
	}
	int in = open("/dev/null", O_RDONLY);
	int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || o < 0 || e < 0)
		_exit(126);
	dup2(in, 0);
	dup2(o, 1);
	dup2(e, 2);
	if (a)
		ab_child_env(ab, a, dir);
	execvp(argv[0], argv);
	dprintf(2, "logtax ab: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static const char *status_text(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	return buf;
}

/* SIGTERM, the grace period, then SIGKILL; reaps the daemon, and kills
 * what is left of its group. *st and *ru: how it ended. */
static void stop_daemon(const struct ab *ab, pid_t pid, int *st, struct rusage *ru, int *killed)
{
	*killed = 0;
	if (kill(pid, SIGTERM) < 0 && errno == ESRCH)
		return;
	double until = mono() + ab->grace;
	for (;;) {
		pid_t w = wait4(pid, st, WNOHANG, ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return;
		if (mono() > until && !*killed) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			*killed = 1;
		}
		nap(0.01);
	}
	kill(-pid, SIGKILL); /* anything the daemon started and left behind */
}

int ab_server_run(const struct ab *ab, const struct arm *a, const char *dir, struct run *r)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "logtax ab: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char out[4300], err[4300], lout[4300], lerr[4300], why[128];
	snprintf(out, sizeof out, "%s/stdout", dir);
	snprintf(err, sizeof err, "%s/stderr", dir);
	snprintf(lout, sizeof lout, "%s/load.stdout", dir);
	snprintf(lerr, sizeof lerr, "%s/load.stderr", dir);
	snprintf(r->dir, sizeof r->dir, "%s", dir);

	/* Something that looks ready before the daemon starts would make the
	 * wait meaningless: a server already listening is an error; a file is
	 * ready only once it changes after the start (nothing is removed). */
	struct timespec started;
	clock_gettime(CLOCK_REALTIME_COARSE, &started); /* the clock file times are taken from */
	if ((!strncmp(ab->ready, "unix:", 5) || !strncmp(ab->ready, "tcp:", 4)) && is_ready(ab->ready, 0, NULL)) {
		fprintf(stderr, "logtax ab: run %s: %s already accepts connections before the daemon starts "
				"(another server is there)\n",
			dir, ab->ready);
		return 1;
	}
	double t0 = mono();
	pid_t d = ab_spawn(ab->cmd, out, err, ab, a, dir, 1);
	if (d < 0) {
		fprintf(stderr, "logtax ab: fork: %s\n", strerror(errno));
		return 1;
	}
	setpgid(d, d); /* also here: no race with the child's own call */
	int st = 0, killed = 0, failed = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);

	/* Ready? */
	for (;;) {
		pid_t w = wait4(d, &st, WNOHANG, &ru);
		if (w == d) {
			fprintf(stderr, "logtax ab: run %s: the daemon %s before it was ready (waited for %s; its output: %s)\n",
				dir, status_text(st, why, sizeof why), ab->ready, err);
			kill(-d, SIGKILL);
			return 1;
		}
		if (is_ready(ab->ready, t0, &started))
			break;
		if (ab_interrupted) {
			stop_daemon(ab, d, &st, &ru, &killed);
			return 1;
		}
		if (mono() - t0 > ab->ready_timeout) {
			fprintf(stderr, "logtax ab: run %s: the daemon was not ready after %g s (waited for %s; its output: %s)\n",
				dir, ab->ready_timeout, ab->ready, err);
			stop_daemon(ab, d, &st, &ru, &killed);
			return 1;
		}
		nap(0.02);
	}

	/* The load. */
	struct ab_cpu cpu;
	ab_cpu_open(&cpu, d, 1);
	r->cpu_clock = cpu.clock_ok;
	r->cpu_res = cpu.res;
	snprintf(r->cpu_why, sizeof r->cpu_why, "%s", cpu.why);
	static int told;
	if (!cpu.clock_ok && !told++)
		fprintf(stderr, "logtax ab: the daemon's CPU clock cannot be read (%s): its CPU during the load "
				"comes from /proc/PID/stat, in clock ticks of %g ms\n",
			cpu.why, cpu.res * 1e3);
	double cpu0 = ab_cpu_read(&cpu), l0 = mono();
	pid_t l = ab_spawn(ab->load, lout, lerr, ab, NULL, dir, 1);
	if (l < 0) {
		fprintf(stderr, "logtax ab: fork: %s\n", strerror(errno));
		stop_daemon(ab, d, &st, &ru, &killed);
		return 1;
	}
	setpgid(l, l);
	load_group = l;
	int lst = 0;
	while (waitpid(l, &lst, 0) < 0) {
		if (errno != EINTR) {
			failed = 1;
			break;
		}
		if (ab_interrupted) /* the handler may have run before load_group was set */
			kill(-l, SIGKILL);
	}
	load_group = 0;
	double l1 = mono(), cpu1 = ab_cpu_read(&cpu);
	kill(-l, SIGKILL); /* the load's own children, if it left any */
	r->wall = l1 - l0;
	r->cpu_load = cpu0 >= 0 && cpu1 >= cpu0 ? cpu1 - cpu0 : -1;
	if (ab_interrupted) {
		failed = 1;
	} else if (cpu1 < 0) {
		fprintf(stderr, "logtax ab: run %s: the daemon ended during the load (its output: %s)\n", dir, err);
		failed = 1;
	} else if (!failed && !(WIFEXITED(lst) && WEXITSTATUS(lst) == 0)) {
		fprintf(stderr, "logtax ab: run %s: the load command %s (its output: %s)\n", dir,
			status_text(lst, why, sizeof why), lerr);
		failed = 1;
	}

	stop_daemon(ab, d, &st, &ru, &killed);
	r->killed = killed;
	if (killed)
		fprintf(stderr, "logtax ab: run %s: the daemon did not stop within %g s of SIGTERM; killed\n", dir, ab->grace);
	r->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	r->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->maxrss_kib = (double)ru.ru_maxrss;
	return failed;
}
