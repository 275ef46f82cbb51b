/* The control thread: one per process, started at the process's first
 * logging call (not at start-up: a process that never logs, such as a
 * shell between `logtax run` and the daemon, or a program that must stay
 * single-threaded before unshare(), gets no thread), and again in a fork
 * child at its first logging call or wait. It runs a list of tick
 * functions every ~200 ms: `logtax ctl` requests today, periodic snapshots
 * later. It is created with every signal blocked, so the program's signals
 * never land on it, and it takes no lock an application thread holds
 * while it logs.
 *
 * A program whose threads have all ended (its main thread called
 * pthread_exit) would end then; our thread must not keep it alive, so when
 * it is the last thread it exits the process with status 0, as glibc does
 * when the last thread ends. */
#include "lt.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS (200 * 1000 * 1000)
#define MAX_TICKS 8

static volatile int svc_state; /* 0 not started, 1 running, 2 could not start */
volatile int lt_svc_restart;   /* a fork child whose parent had the thread */
static void (*volatile ticks[MAX_TICKS])(uint64_t);

int lt_svc_add_tick(void (*fn)(uint64_t))
{
	for (int i = 0; i < MAX_TICKS; i++) {
		void (*none)(uint64_t) = NULL;
		if (__atomic_compare_exchange_n(&ticks[i], &none, fn, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return 0;
		if (ticks[i] == fn)
			return 0;
	}
	return -1;
}

int lt_svc_running(void)
{
	return svc_state == 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Live threads in this process, from /proc/self/stat: field 20, less the
 * main thread if it has ended (a zombie leader still counts there); 0 if
 * unknown. */
static long thread_count(void)
{
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* The command name may hold spaces and parentheses: count from the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	int zombie = p[1] == ' ' && p[2] == 'Z';
	int field = 2;
	for (; *p && field < 20; p++)
		if (*p == ' ')
			field++;
	return strtol(p, NULL, 10) - zombie;
}

/* Gives this thread a file descriptor table of its own, empty. While two
 * threads share a table the kernel counts references on every descriptor
 * lookup (fdget), and a single-threaded program's poll() over 500 pipes took
 * twice the system time with our thread beside it (bench/b-program.sh).
 * unshare() copies the table, holding a reference to each open file: they
 * are closed at once, so a pipe the program closes still reaches EOF. */
static void own_fd_table(void)
{
	if (unshare(CLONE_FILES) < 0)
		return;
	if (syscall(SYS_close_range, 0u, ~0u, 0u) == 0)
		return;
	for (int fd = 0; fd < 65536; fd++) /* kernels before 5.9 */
		close(fd);
}

static void *svc_main(void *arg)
{
	(void)arg;
	own_fd_table();
	prctl(PR_SET_NAME, "logtax", 0, 0, 0);
	lt_tls.dead = 1; /* this thread never logs: keep it out of the thread list */
	lt_ctl_start();
	for (;;) {
		struct timespec ts = { 0, TICK_NS };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		if (svc_state != 1 || lt_state != 2)
			continue;
		uint64_t now = mono_ns();
		for (int i = 0; i < MAX_TICKS; i++) {
			void (*fn)(uint64_t) = __atomic_load_n(&ticks[i], __ATOMIC_ACQUIRE);
			if (fn)
				fn(now);
		}
		if (thread_count() == 1)
			exit(0);
	}
	return NULL;
}

void lt_svc_ensure(void)
{
	if (likely(svc_state))
		return;
	int expect = 0;
	if (!__atomic_compare_exchange_n(&svc_state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	lt_svc_restart = 0;
	int e = errno;
	lt_svc_add_tick(lt_ctl_tick);
	pthread_attr_t a;
	pthread_t t;
	sigset_t all, old;
	sigfillset(&all);
	int ok = pthread_attr_init(&a) == 0;
	if (ok) {
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&a, 256 * 1024);
		/* The new thread inherits the mask: set it around the creation only. */
		pthread_sigmask(SIG_SETMASK, &all, &old);
		ok = pthread_create(&t, &a, svc_main, NULL) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&a);
	}
	if (!ok) {
		svc_state = 2;
		lt_warn("warning: cannot start the control thread; logtax ctl will not reach this process", NULL);
	}
	errno = e;
}

/* In a fork child (from the atfork handler): the thread did not come along.
 * No thread may be created here; the next logging call or wait starts it. */
void lt_svc_forked(void)
{
	if (svc_state == 1)
		lt_svc_restart = 1;
	svc_state = 0;
}
