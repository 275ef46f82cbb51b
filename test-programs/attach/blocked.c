/* blocked-demo MODE READY_FILE: blocks in one system call and says, when
 * it returns, whether it returned as it should have; `logtax attach` is run
 * against it meanwhile (tests/e2e/t-attach-syscalls.sh). Data comes on
 * stdin (a pipe or FIFO the test writes to after the attach).
 *
 * MODE:
 *   poll       poll(stdin, 60 s): 1, POLLIN (the kernel restarts it with
 *              the time left)
 *   poll-inf   poll(stdin, no timeout): 1, POLLIN
 *   read       read(stdin, 1): 1 byte
 *   epoll      epoll_wait(stdin, no timeout): 1 event
 *   nanosleep  nanosleep(3 s, or $BLOCKED_SLEEP s): 0, and at least that
 *              long has passed
 *   alarm-norestart  read(stdin) with a SIGALRM handler installed without
 *              SA_RESTART; the test sends SIGALRM: -1 EINTR, one handler call
 *   alarm-restart    the same with SA_RESTART: the read goes on and returns
 *              the byte written after the signal, one handler call
 *   signals    read(stdin) with SA_RESTART handlers for SIGUSR1, SIGUSR2 and
 *              SIGRTMIN; the test sends SIGUSR1, SIGUSR2 and SIGRTMIN twice
 *              (queued with values 7 and 8): the read returns the byte
 *              written after them, each handler ran as often as sent, the
 *              values came in order
 *   threads    a second thread blocks in poll(stdin) while the main thread
 *              waits in pthread_join (futex): poll returns 1
 *   leader-exit  as threads, but the main thread ends with pthread_exit:
 *              the process runs on in the poll thread (its leader a zombie)
 * `blocked-demo sigqueue PID SIGNAL VALUE` queues a signal with a value.
 * READY_FILE gets "pid=P tid=T" just before the call (T the thread that
 * makes it). Prints "result: MODE ok" and exits 0, or "result: MODE BAD:
 * WHY" and exits 1. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *mode, *ready;
static volatile sig_atomic_t alarms, usr1, usr2, rts;
static volatile int rt_values[4];

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGUSR1)
		usr1++;
	else if (sig == SIGUSR2)
		usr2++;
	else if (rts < 4)
		rt_values[rts++] = si->si_value.sival_int;
}

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void say_ready(void)
{
	FILE *f = fopen(ready, "w");
	if (!f) {
		perror(ready);
		exit(2);
	}
	fprintf(f, "pid=%d tid=%ld\n", (int)getpid(), (long)syscall(SYS_gettid));
	fclose(f);
}

static int result(int ok, const char *fmt, long a, int e)
{
	if (ok) {
		printf("result: %s ok\n", mode);
		return 0;
	}
	printf("result: %s BAD: ", mode);
	printf(fmt, a);
	printf(" (errno %d %s)\n", e, e ? strerror(e) : "");
	return 1;
}

static int do_poll(int timeout)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	say_ready();
	int r = poll(&p, 1, timeout);
	int e = r < 0 ? errno : 0;
	char c;
	if (r == 1 && read(0, &c, 1) != 1) /* the byte, so that it is not seen again */
		return result(0, "read after poll failed", 0, errno);
	return result(r == 1 && (p.revents & POLLIN), "poll returned %ld", r, e);
}

static void *poll_thread(void *arg)
{
	(void)arg;
	int rc = do_poll(-1);
	if (!strcmp(mode, "leader-exit"))
		exit(rc);
	return (void *)(long)rc;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "sigqueue")) {
		union sigval v = { .sival_int = atoi(argv[4]) };
		int sig = !strcmp(argv[3], "RTMIN") ? SIGRTMIN : atoi(argv[3]);
		if (sigqueue((pid_t)atoi(argv[2]), sig, v) < 0) {
			perror("sigqueue");
			return 1;
		}
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: blocked-demo MODE READY_FILE\n");
		return 2;
	}
	mode = argv[1];
	ready = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	char c;
	if (!strcmp(mode, "poll"))
		return do_poll(60000);
	if (!strcmp(mode, "poll-inf"))
		return do_poll(-1);
	if (!strcmp(mode, "read")) {
		say_ready();
		ssize_t r = read(0, &c, 1);
		return result(r == 1, "read returned %ld", (long)r, r < 0 ? errno : 0);
	}
	if (!strcmp(mode, "epoll")) {
		int ep = epoll_create1(0);
		struct epoll_event ev = { .events = EPOLLIN };
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0) {
			perror("epoll");
			return 2;
		}
		say_ready();
		int r = epoll_wait(ep, &ev, 1, -1);
		int e = r < 0 ? errno : 0;
		if (r == 1 && read(0, &c, 1) != 1)
			return result(0, "read after epoll_wait failed", 0, errno);
		return result(r == 1, "epoll_wait returned %ld", r, e);
	}
	if (!strcmp(mode, "nanosleep")) {
		const char *env = getenv("BLOCKED_SLEEP");
		struct timespec req = { env ? atoi(env) : 3, 0 }, t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		say_ready();
		int r = nanosleep(&req, NULL);
		int e = r ? errno : 0;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (r)
			return result(0, "nanosleep returned %ld", r, e);
		/* a restart with the wrong time left would end it early */
		return result(ms >= req.tv_sec * 1000, "nanosleep returned 0 after %ld ms, asked more", ms, 0);
	}
	if (!strcmp(mode, "alarm-norestart") || !strcmp(mode, "alarm-restart")) {
		int restart = !strcmp(mode, "alarm-restart");
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		say_ready();
		ssize_t r = read(0, &c, 1);
		int e = r < 0 ? errno : 0;
		if (alarms != 1)
			return result(0, "the SIGALRM handler ran %ld times, expected once", alarms, e);
		if (restart)
			return result(r == 1, "read returned %ld, expected 1 (restarted)", (long)r, e);
		return result(r == -1 && e == EINTR, "read returned %ld, expected -1 EINTR", (long)r, e);
	}
	if (!strcmp(mode, "signals")) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_signal;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGUSR2, &sa, NULL);
		sigaction(SIGRTMIN, &sa, NULL);
		say_ready();
		ssize_t r = read(0, &c, 1);
		int e = r < 0 ? errno : 0;
		if (r != 1)
			return result(0, "read returned %ld, expected 1 (restarted)", (long)r, e);
		if (usr1 != 1 || usr2 != 1)
			return result(0, "SIGUSR1 and SIGUSR2 handled %ld times (tens, ones), expected 11", usr1 * 10 + usr2, 0);
		if (rts != 2 || rt_values[0] != 7 || rt_values[1] != 8)
			return result(0, "SIGRTMIN: %ld calls (values as printed below), expected 2 with 7 then 8", rts, 0) +
			       printf("values %d %d\n", rt_values[0], rt_values[1]) * 0;
		return result(1, "", 0, 0);
	}
	if (!strcmp(mode, "leader-exit")) {
		pthread_t th;
		if (pthread_create(&th, NULL, poll_thread, NULL))
			return 2;
		/* the process ends when the poll thread does, with its status */
		pthread_exit(NULL);
	}
	if (!strcmp(mode, "threads")) {
		pthread_t th;
		void *rv;
		if (pthread_create(&th, NULL, poll_thread, NULL))
			return 2;
		pthread_join(th, &rv);
		return (int)(long)rv;
	}
	fprintf(stderr, "blocked-demo: unknown mode '%s'\n", mode);
	return 2;
}
