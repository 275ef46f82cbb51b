/* The control thread: one per process, running a list of tick functions
 * every ~200 ms (`logtax ctl` requests; periodic work such as snapshots).
 * It is created with every signal blocked, so the program's signals never
 * land on it, takes no lock an application thread holds while it logs, and
 * has a descriptor table of its own (see own_fd_table).
 *
 * A single-threaded process gets no thread until it needs one: a second
 * thread switches glibc to its multi-threaded paths for good (cancellation
 * around every blocking call, atomics in malloc), which cost libvirt's
 * single-threaded event loop about 3% (bench/b-program.sh). There the ticks
 * run in the application's own thread, at the start of a wait (and in the
 * slow path) at most every 200 ms: a request is taken up between two
 * iterations. The thread is started only when a wait has lasted a second
 * or more (the loop is idle: the cost does not matter there, and a request
 * must still be answered while it sleeps) or the process has become
 * multi-threaded anyway. (Event loops wait without timeout whether busy or
 * not, so the timeout asked for says nothing.) Nothing starts before the
 * process's first logging call: a shell between `logtax run` and the
 * daemon, or a program that must stay single-threaded before unshare(),
 * gets nothing.
 *
 * The thread also writes the data file for callers that must not
 * (lt_svc_write): a signal handler (SIGTERM and friends, signals.c) or
 * _exit, which may have interrupted anything, the dynamic loader included.
 * They post a request and wait on a futex, for a bounded time; no
 * descriptor is involved (daemons close them all). Inline, the caller
 * writes itself (process.c): no other thread can hold our locks there.
 *
 * A program whose threads have all ended (its main thread called
 * pthread_exit) would end then; our thread must not keep it alive, so when
 * it is the last thread it exits the process with status 0, as glibc does
 * when the last thread ends. */
#include "lt.h"
#include "rawsys.h"
#include "service.h"
#include "base.h"
#include "clockfit.h"
#include "lifecycle.h"
#include "control.h"
#include "hotpath.h"
#include "metrics.h"
#include "output.h"
#include "state.h"
#include "threads.h"
#include "../common/ltx_format.h"
#include "../common/ltx_settings.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS (200 * 1000 * 1000)
#define MAX_TICKS 8

/* 0 not started, 1 thread running, 2 thread could not start, 3 ticks run
 * inline (single-threaded so far), 4 being set up */
static volatile int svc_state;
volatile int lt_svc_restart;  /* a fork child whose parent had the channel */
volatile int lt_svc_inline;   /* svc_state == 3: waits call lt_svc_poll */
static uint64_t next_tick_ns; /* inline mode: when the ticks run next */
uint64_t lt_svc_long_ticks = UINT64_MAX; /* inline mode: a second, in TSC ticks */
static int inline_running;    /* inline mode: one thread runs the ticks at a time */
static void (*volatile ticks[MAX_TICKS])(uint64_t);
static pid_t svc_tid;
static volatile int svc_quit; /* detach: the thread ends after its tick */
static void (*volatile svc_job)(void); /* run once by the thread when it starts (attach.c) */

/* Write requests: a caller stores the reason, then takes a number; the
 * thread writes once for every number up to the newest and publishes it. */
static uint32_t wake;     /* futex: bumped to cut a tick's sleep short */
static uint32_t req_seq;  /* numbers taken */
static uint32_t done_seq; /* futex: the newest number served */
static uint32_t req_reason, req_sig;
static int req_rc;        /* the result of the write that served done_seq */

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return lt_syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

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

/* The control channel is up (by a thread or inline). */
int lt_svc_running(void)
{
	return svc_state == 1 || svc_state == 3;
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
	if (lt_syscall(SYS_close_range, 0u, ~0u, 0u) == 0)
		return;
	for (int fd = 0; fd < 65536; fd++) /* kernels before 5.9 */
		close(fd);
}

static void run_ticks(uint64_t now)
{
	for (int i = 0; i < MAX_TICKS; i++) {
		void (*fn)(uint64_t) = __atomic_load_n(&ticks[i], __ATOMIC_ACQUIRE);
		if (fn)
			fn(now);
	}
}

/* Serves write requests posted since the last call. */
static void serve_requests(void)
{
	uint32_t seq = __atomic_load_n(&req_seq, __ATOMIC_ACQUIRE);
	if (seq == __atomic_load_n(&done_seq, __ATOMIC_RELAXED))
		return;
	uint32_t reason = __atomic_load_n(&req_reason, __ATOMIC_RELAXED);
	uint32_t sig = __atomic_load_n(&req_sig, __ATOMIC_RELAXED);
	int rc = lt_write_file(reason, sig, 0);
	__atomic_store_n(&req_rc, rc, __ATOMIC_RELAXED);
	__atomic_store_n(&done_seq, seq, __ATOMIC_RELEASE);
	futex(&done_seq, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL);
}

/* LOGTAX_SNAPSHOT: once the process has run that long, a snapshot every
 * interval while its counts change. A write that took long (a huge table,
 * a slow disk) stretches the interval to 50 times its duration, so
 * snapshots never cost more than 2% of a core (inline: of the program's
 * own thread). */
static uint64_t snap_last, snap_calls, snap_gap;

/* Under the threads' lock, as every reader of the list: an exiting thread
 * may be folded and unmapped, and an attach unmaps the previous one's. */
static uint64_t calls_so_far(void)
{
	return lt_calls_total();
}

static void snapshot_tick(uint64_t now)
{
	/* LOGTAX_METRICS: its file follows the snapshots, every second if
	 * those are off, and is renewed even when no call came (the loops'
	 * counts move). */
	int metrics = lt_cfg.metrics_dir[0] != 0;
	uint64_t every = (uint64_t)(lt_cfg.snapshot_every ? lt_cfg.snapshot_every : (uint32_t)metrics) * 1000000000ull;
	if (!every || lt_ended || now - lt_start_mono < every)
		return;
	if (snap_last && now - snap_last < (every > snap_gap ? every : snap_gap))
		return;
	uint64_t calls = calls_so_far();
	if (!metrics && snap_last && calls == snap_calls)
		return; /* nothing new: the file on disk is still right */
	uint64_t t0 = lt_clock_ns(CLOCK_MONOTONIC);
	int rc = -1;
	if (!lt_cfg.snapshot_every || (snap_last && calls == snap_calls))
		lt_write_metrics(); /* the data file on disk is still right */
	else
		rc = lt_write_data(LTX_REASON_SNAPSHOT);
	uint64_t t1 = lt_clock_ns(CLOCK_MONOTONIC);
	snap_last = now;
	snap_gap = (t1 - t0) * 50;
	if (rc == 0)
		snap_calls = calls;
}

static void *svc_main(void *arg)
{
	(void)arg;
	own_fd_table();
	prctl(PR_SET_NAME, "logtax", 0, 0, 0);
	lt_tls.dead = 1; /* this thread never logs: keep it out of the thread list */
	__atomic_store_n(&svc_tid, lt_gettid(), __ATOMIC_RELEASE);
	/* PID.on first: an attach's job (patching entries) may take a while, and
	 * a request that comes meanwhile waits for the loop instead of being
	 * told that no control thread runs. */
	if (!lt_ctl_started())
		lt_ctl_start();
	void (*job)(void) = __atomic_exchange_n(&svc_job, NULL, __ATOMIC_ACQ_REL);
	if (job)
		job();
	/* Started from inline mode, a request may be waiting: tick at once. */
	uint64_t next = lt_clock_ns(CLOCK_MONOTONIC);
	for (;;) {
		uint32_t w = __atomic_load_n(&wake, __ATOMIC_ACQUIRE);
		int ready = svc_state == 1 && lt_state == 2;
		if (!ready ||
		    __atomic_load_n(&req_seq, __ATOMIC_ACQUIRE) == __atomic_load_n(&done_seq, __ATOMIC_RELAXED)) {
			uint64_t now = lt_clock_ns(CLOCK_MONOTONIC);
			if (now < next) {
				struct timespec ts = { (time_t)((next - now) / 1000000000ull),
						       (long)((next - now) % 1000000000ull) };
				futex(&wake, FUTEX_WAIT_PRIVATE, w, &ts);
			}
		}
		if (svc_state != 1 || lt_state != 2) {
			next = lt_clock_ns(CLOCK_MONOTONIC) + TICK_NS;
			continue;
		}
		serve_requests();
		uint64_t now = lt_clock_ns(CLOCK_MONOTONIC);
		if (now < next)
			continue; /* woken for a request */
		next = now + TICK_NS;
		run_ticks(now);
		if (svc_quit)
			break;
		if (thread_count() == 1)
			exit(0);
	}
	/* detached: an attach later starts a thread of its own */
	svc_tid = 0;
	wake = req_seq = done_seq = 0;
	snap_last = snap_calls = snap_gap = 0;
	svc_quit = 0;
	lt_ctl_forked();
	__atomic_store_n(&svc_state, 0, __ATOMIC_RELEASE);
	return NULL;
}

/* logtax_attach: the program's threads may all be asleep in waits that
 * began before us (an idle daemon), so the channel cannot wait for a call:
 * a thread now, unless the settings turn the channel off. The thread runs
 * job first; 0 if no thread started (the caller runs job itself). */
int lt_svc_attached(void (*job)(void))
{
	lt_svc_ctor_ran();
	if (lt_cfg.control == LTX_CONTROL_AUTO)
		lt_cfg.control = LTX_CONTROL_THREAD;
	__atomic_store_n(&svc_job, job, __ATOMIC_RELEASE);
	lt_svc_ensure();
	if (__atomic_load_n(&svc_state, __ATOMIC_ACQUIRE) == 1)
		return 1;
	__atomic_store_n(&svc_job, NULL, __ATOMIC_RELEASE); /* no thread: the caller runs it */
	return 0;
}

/* Detach, on the control thread (it ends after this tick) or inline on
 * one of the program's threads (the channel stops here). */
void lt_svc_detached(void)
{
	lt_ctl_exit();
	if (svc_state == 1 && lt_svc_is_self()) {
		svc_quit = 1;
		return;
	}
	lt_svc_inline = 0;
	wake = req_seq = done_seq = 0;
	snap_last = snap_calls = snap_gap = 0;
	lt_ctl_forked();
	__atomic_store_n(&svc_state, 0, __ATOMIC_RELEASE);
}

/* No control thread of an earlier attach runs any more. */
int lt_svc_stopped(void)
{
	return __atomic_load_n(&svc_state, __ATOMIC_ACQUIRE) == 0;
}

int lt_svc_is_self(void)
{
	pid_t t = __atomic_load_n(&svc_tid, __ATOMIC_ACQUIRE);
	return t && t == lt_gettid();
}

int lt_svc_write(uint32_t reason, uint32_t sig, int timeout_ms)
{
	if (svc_state != 1 || lt_svc_is_self())
		return -2;
	__atomic_store_n(&req_reason, reason, __ATOMIC_RELAXED);
	__atomic_store_n(&req_sig, sig, __ATOMIC_RELAXED);
	uint32_t mine = __atomic_add_fetch(&req_seq, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&wake, 1, __ATOMIC_RELEASE);
	futex(&wake, FUTEX_WAKE_PRIVATE, 1, NULL);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		uint32_t done = __atomic_load_n(&done_seq, __ATOMIC_ACQUIRE);
		if ((int32_t)(done - mine) >= 0)
			return __atomic_load_n(&req_rc, __ATOMIC_RELAXED) == 0 ? 0 : -1;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t left_ns = (int64_t)timeout_ms * 1000000 - ((int64_t)(now.tv_sec - start.tv_sec) * 1000000000 +
								   (now.tv_nsec - start.tv_nsec));
		if (left_ns <= 0)
			return -1;
		struct timespec ts = { (time_t)(left_ns / 1000000000), (long)(left_ns % 1000000000) };
		futex(&done_seq, FUTEX_WAIT_PRIVATE, done, &ts);
	}
}

static void start_thread(void)
{
	int e = errno;
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

/* Set when our constructor has run (libc is fully set up then), and when
 * a logging call came before it, which could not start the thread. */
static int ctor_ran, svc_wanted;

/* A logging call's slow path: the control thread is started now, or by
 * our constructor when the call came from .preinit_array or a constructor
 * that ran before ours (libc may not be set up yet). */
void lt_svc_on_call(void)
{
	if (__atomic_load_n(&ctor_ran, __ATOMIC_ACQUIRE)) {
		lt_svc_ensure();
		if (lt_svc_inline)
			lt_svc_poll(0);
	} else {
		__atomic_store_n(&svc_wanted, 1, __ATOMIC_RELEASE);
	}
}

void lt_svc_ctor_ran(void)
{
	__atomic_store_n(&ctor_ran, 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&svc_wanted, __ATOMIC_ACQUIRE))
		lt_svc_ensure();
}

/* Whether this thread may be inside a signal handler, where pthread_create
 * must not run (it allocates and takes the loader's and malloc's locks,
 * which the interrupted code may hold). A handler runs with its signal
 * blocked (but for SA_NODEFER), so: is a signal that has a handler of the
 * program's blocked here? (Our own handlers never log; sigaction, ours,
 * reports the program's view of the signals it manages.) A thread that
 * merely blocks such a signal is taken for a handler too: the thread then
 * waits for a later wait or first call, and ticks run inline meanwhile. */
static int maybe_in_handler(void)
{
	sigset_t cur;
	if (pthread_sigmask(SIG_BLOCK, NULL, &cur) != 0)
		return 1;
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigismember(&cur, sig) != 1 || sigaction(sig, NULL, &sa) != 0)
			continue;
		if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
			return 1;
	}
	return 0;
}

void lt_svc_ensure(void)
{
	if (likely(svc_state))
		return;
	/* none in a process that is not traced, nor in a vfork child (a thread
	 * there would run in its parent's memory) */
	if (lt_inert || !lt_own_process())
		return;
	int expect = 0;
	if (!__atomic_compare_exchange_n(&svc_state, &expect, 4, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	lt_svc_restart = 0;
	if (lt_cfg.control == LTX_CONTROL_OFF) {
		svc_state = 2;
		return;
	}
	lt_svc_add_tick(lt_ctl_tick);
	lt_svc_add_tick(snapshot_tick);
	lt_svc_add_tick(lt_clockfit_tick); /* limit's time base, once there is one */
	/* Single-threaded, or maybe in a signal handler (the thread is started
	 * from a later wait or slow path, see lt_svc_poll): ticks inline. */
	if ((lt_cfg.control == LTX_CONTROL_AUTO && thread_count() == 1) || maybe_in_handler()) {
		int e = errno;
		lt_ctl_start();
		uint64_t now = lt_clock_ns(CLOCK_MONOTONIC);
		next_tick_ns = now + TICK_NS;
		/* The TSC rate since start-up: rough when that was moments ago, but
		 * "a second" need not be exact. */
		uint64_t dt = lt_rdtsc() - lt_start_tsc, dn = now - lt_start_mono;
		lt_svc_long_ticks = dn > 1000000 ? (uint64_t)((double)dt * 1e9 / (double)dn) : 3000000000ull;
		__atomic_store_n(&svc_state, 3, __ATOMIC_RELEASE);
		lt_svc_inline = 1;
		errno = e;
		return;
	}
	svc_state = 1;
	start_thread();
}

/* Inline mode, from the start of a wait or the slow path (idle: a wait
 * just lasted a second or more): runs the ticks when due, or hands them to
 * a thread from now on. */
void lt_svc_poll(int idle)
{
	if (svc_state != 3)
		return;
	uint64_t now = lt_clock_ns(CLOCK_MONOTONIC);
	if (!idle && now < next_tick_ns)
		return;
	if (__atomic_exchange_n(&inline_running, 1, __ATOMIC_ACQUIRE))
		return; /* another thread is at it */
	int e = errno;
	uint32_t busy = lt_tls.busy;
	lt_tls.busy = 1;
	next_tick_ns = now + TICK_NS;
	int expect = 3;
	if ((idle || lt_cfg.control != LTX_CONTROL_AUTO || thread_count() > 1) && !maybe_in_handler() &&
	    __atomic_compare_exchange_n(&svc_state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
		lt_svc_inline = 0;
		start_thread();
	} else if (lt_state == 2) {
		run_ticks(now);
	}
	lt_tls.busy = busy;
	__atomic_store_n(&inline_running, 0, __ATOMIC_RELEASE);
	errno = e;
}

/* In a fork child (from the atfork handler): the thread did not come along.
 * No thread may be created here; the next logging call or wait starts it. */
void lt_svc_forked(void)
{
	if (svc_state == 1 || svc_state == 3)
		lt_svc_restart = 1;
	svc_state = 0;
	lt_svc_inline = 0;
	inline_running = 0;
	svc_tid = 0;
	wake = req_seq = done_seq = 0;
	snap_last = snap_calls = snap_gap = 0;
	lt_ctl_forked();
}
