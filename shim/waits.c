/* Event-loop accounting: each wait of a thread (poll, select, epoll) ends
 * one iteration. The time between the end of one wait and the start of the
 * next is that thread's busy time, the work logging competes with. These are
 * plain wrappers: the signatures are known, so no trampoline is needed.
 * errno is left as the real call set it. */
#include "lt.h"
#include "base.h"
#include "lifecycle.h"
#include "hotpath.h"
#include "service.h"
#include "state.h"
#include "symbols.h"
#include "threads.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>

/* Busy time is wall time: it holds whatever preempted the thread. Reading
 * the thread's CPU clock is a system call (~0.2 us), so it is read around
 * one busy period in LT_CPU_EVERY, and around every period that follows a
 * long one (LT_CPU_LONG ticks, ~50 us: there two reads cost under 1%): the
 * analyzer scales busy time by the CPU share those samples show, and
 * logging's share of busy time then means the same on a loaded machine as
 * on an idle one. */
#define LT_CPU_EVERY 16
#define LT_CPU_LONG (1ull << 17)

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	int e = errno;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0) {
		errno = e;
		return 0;
	}
	errno = e;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A wait that may block a second or more (or for ever: an idle daemon's
 * epoll_wait(-1)): in inline mode the control thread is started before it,
 * or no `logtax ctl` request would be seen until the daemon wakes. */
static int may_block_long_ms(int timeout_ms)
{
	return timeout_ms < 0 || timeout_ms >= 1000;
}

static int may_block_long_ts(long sec)
{
	return sec >= 1;
}

/* The state a wait began on, and its epoch: a signal handler that logs
 * during the wait may let go of it (a later attach's call: threads.c), an
 * attach since may have unmapped it, and a new state of the thread may
 * even have been mapped at the same address; the thread has one state per
 * epoch, so the pair tells the wait's end whether th is still the current
 * state: only then is it written. */
struct lt_wait {
	struct lt_thread *th;
	uint32_t epoch;
};
#define NO_WAIT ((struct lt_wait){ NULL, 0 })

static int wait_current(struct lt_wait w)
{
	return w.th && w.th == lt_tls.thr && w.epoch == lt_tls.epoch;
}

/* The thread's state for a wait (or job), made at its first if needed. */
static struct lt_wait wait_state(void)
{
	struct lt_thread *th = lt_tls.thr;
	if (unlikely(!th || lt_tls.epoch != lt_epoch)) {
		if (lt_tls.busy)
			return NO_WAIT; /* a wait inside our own slow path or writer */
		int e = errno;
		lt_tls.busy = 1;
		th = lt_thread_self();
		lt_tls.busy = 0;
		errno = e;
		if (!th)
			return NO_WAIT;
	}
	return (struct lt_wait){ th, lt_tls.epoch };
}

static struct lt_wait wait_begin(int block_long)
{
	if (unlikely(!lt_counting()))
		return NO_WAIT; /* dormant, detached, or being attached */
	struct lt_wait w = wait_state();
	struct lt_thread *th = w.th;
	if (!th)
		return NO_WAIT;
	/* A fork child that waits before it logs gets its control thread here. */
	if (unlikely(lt_svc_restart) && !lt_tls.busy)
		lt_svc_ensure();
	if (unlikely(lt_svc_inline) && !lt_tls.busy) {
		/* the ticks (a snapshot may take a millisecond) are the shim's
		 * time, not the program's: left out of the busy period */
		uint64_t t0 = lt_rdtsc();
		lt_svc_poll(block_long);
		uint64_t spent = lt_rdtsc() - t0;
		if (!wait_current(w))
			return NO_WAIT; /* let go of meanwhile (see struct lt_wait) */
		if (th->last_wait_end)
			th->last_wait_end += spent;
		if (spent > 4096)
			th->cpu_armed = 0; /* its CPU time would count, its wall time not */
	}
	uint64_t now = lt_rdtsc();
	if (unlikely(th->cpu_armed)) {
		uint64_t cpu = thread_cpu_ns();
		th->cpu_armed = 0;
		if (cpu >= th->cpu_mark_ns && th->cpu_mark_ns) {
			th->cpu_sampled_ns += cpu - th->cpu_mark_ns;
			th->cpu_sampled_ticks += now - th->last_wait_end;
			th->cpu_samples++;
		}
	}
	if (th->last_wait_end) {
		th->busy_ticks += now - th->last_wait_end;
		th->last_busy = now - th->last_wait_end;
	}
	else if (!th->waits)
		lt_table_loop_starts(th->table, th->pre_loop); /* first wait: the loop starts */
	th->wait_start = now;
	return w;
}

static void wait_end(struct lt_wait w)
{
	if (!wait_current(w))
		return;
	struct lt_thread *th = w.th;
	uint64_t now = lt_rdtsc();
	th->wait_ticks += now - th->wait_start;
	th->last_wait_end = now;
	lt_inc(&th->waits, 1);
	/* A single-threaded process that just sat in a wait for a second or more
	 * is idle: it gets its control thread now (see shim/service.c). */
	if (unlikely(lt_svc_inline) && now - th->wait_start > lt_svc_long_ticks && !lt_tls.busy)
		lt_svc_poll(1);
	if (unlikely(th->cpu_countdown == 0) || th->last_busy >= LT_CPU_LONG) {
		th->cpu_countdown = LT_CPU_EVERY;
		th->cpu_mark_ns = thread_cpu_ns();
		th->cpu_armed = 1;
	}
	th->cpu_countdown--;
	if (th->trace)
		lt_trace_put(th->trace, th->wait_start, now - th->wait_start, LT_NO_KEY, 1 /* LTX_TEV_WAIT */, 0);
}

/* Resolves the real function once; a missing one fails with ENOSYS. */
#define REAL(name)                                                  \
	static __typeof__(&name) real_##name;                       \
	if (unlikely(!real_##name)) {                               \
		real_##name = (__typeof__(&name))lt_find_next(#name); \
		if (!real_##name) {                                 \
			errno = ENOSYS;                             \
			return -1;                                  \
		}                                                   \
	}

LT_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(poll);
	struct lt_wait th = wait_begin(may_block_long_ms(timeout));
	int r = real_poll(fds, n, timeout);
	wait_end(th);
	return r;
}

LT_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	REAL(ppoll);
	struct lt_wait th = wait_begin(!ts || may_block_long_ts((long)ts->tv_sec));
	int r = real_ppoll(fds, n, ts, mask);
	wait_end(th);
	return r;
}

/* _FORTIFY_SOURCE turns poll and ppoll on an array of known size into
 * these (Debian builds with it): glibc's own ends in its internal __poll,
 * not in our poll, so a wait is counted once. */
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask, size_t fdslen);

LT_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	REAL(__poll_chk);
	struct lt_wait th = wait_begin(may_block_long_ms(timeout));
	int r = real___poll_chk(fds, n, timeout, fdslen);
	wait_end(th);
	return r;
}

LT_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask, size_t fdslen)
{
	REAL(__ppoll_chk);
	struct lt_wait th = wait_begin(!ts || may_block_long_ts((long)ts->tv_sec));
	int r = real___ppoll_chk(fds, n, ts, mask, fdslen);
	wait_end(th);
	return r;
}

LT_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	REAL(select);
	struct lt_wait th = wait_begin(!tv || may_block_long_ts((long)tv->tv_sec));
	int rc = real_select(n, r, w, e, tv);
	wait_end(th);
	return rc;
}

LT_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask)
{
	REAL(pselect);
	struct lt_wait th = wait_begin(!ts || may_block_long_ts((long)ts->tv_sec));
	int rc = real_pselect(n, r, w, e, ts, mask);
	wait_end(th);
	return rc;
}

LT_EXPORT int epoll_wait(int fd, struct epoll_event *ev, int max, int timeout)
{
	REAL(epoll_wait);
	struct lt_wait th = wait_begin(may_block_long_ms(timeout));
	int r = real_epoll_wait(fd, ev, max, timeout);
	wait_end(th);
	return r;
}

LT_EXPORT int epoll_pwait(int fd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	REAL(epoll_pwait);
	struct lt_wait th = wait_begin(may_block_long_ms(timeout));
	int r = real_epoll_pwait(fd, ev, max, timeout, mask);
	wait_end(th);
	return r;
}

/* glibc 2.35 added epoll_pwait2; on an older libc the wrapper answers ENOSYS
 * as the kernel interface would. */
LT_EXPORT int epoll_pwait2(int fd, struct epoll_event *ev, int max, const struct timespec *timeout, const sigset_t *mask)
{
	REAL(epoll_pwait2);
	struct lt_wait th = wait_begin(!timeout || may_block_long_ts((long)timeout->tv_sec));
	int r = real_epoll_pwait2(fd, ev, max, timeout, mask);
	wait_end(th);
	return r;
}

/* ---- worker pools: jobs (LOGTAX_JOBS) ------------------------------------
 * A worker waits in pthread_cond_wait, pthread_cond_timedwait or
 * pthread_cond_clockwait for its next job: with LOGTAX_JOBS=1 each such wait that ends ends a job, and the
 * time from the end of one to the start of the next is the job's busy
 * time. Off by default (these waits can be very frequent, and not only
 * between jobs): then the wrappers only pass the call on.
 *
 * glibc has two of each on x86-64: the default, GLIBC_2.3.2 (today's
 * condition variables), and GLIBC_2.2.5 for programs built before 2.3.2,
 * whose objects have another layout. Ours are versioned GLIBC_2.3.2
 * (shim/cond.map), so a program bound to the old ones goes straight to
 * glibc's; the real function is the next GLIBC_2.3.2 one. */
#if defined(__x86_64__)
#include <dlfcn.h>
#include <pthread.h>

static int (*real_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
static int (*real_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
static int (*real_cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);

__attribute__((noinline, cold)) static void *cond_real(const char *name, const char *version)
{
	int e = errno;
	void *f = dlvsym(RTLD_NEXT, name, version);
	if (!f)
		f = dlsym(RTLD_NEXT, name);
	errno = e;
	return f;
}

static struct lt_wait job_begin(void)
{
	if (lt_tls.busy || unlikely(!lt_counting()))
		return NO_WAIT; /* the shim's own wait; or not counting */
	struct lt_wait w = wait_state();
	struct lt_thread *th = w.th;
	if (!th)
		return NO_WAIT;
	uint64_t now = lt_rdtsc();
	if (th->job_last_end)
		th->job_busy_ticks += now - th->job_last_end;
	else if (!th->jobs)
		lt_table_sums(th->table, th->pre_jobs); /* first job wait (the keys' pre_calls are the loop's) */
	th->job_wait_start = now;
	return w;
}

static void job_end(struct lt_wait w)
{
	if (!wait_current(w))
		return;
	struct lt_thread *th = w.th;
	uint64_t now = lt_rdtsc();
	th->job_wait_ticks += now - th->job_wait_start;
	th->job_last_end = now;
	lt_inc(&th->jobs, 1);
}

/* The first call (which resolves glibc's) and the counting path are apart,
 * so that the plain one (jobs off) is a test and a jump to glibc's: about
 * 7 instructions per wait. */
__attribute__((noinline)) static int cond_wait_slow(pthread_cond_t *c, pthread_mutex_t *m)
{
	int (*f)(pthread_cond_t *, pthread_mutex_t *) = real_cond_wait;
	if (!f && !(f = real_cond_wait = cond_real("pthread_cond_wait", "GLIBC_2.3.2")))
		return ENOSYS;
	if (!lt_cfg.jobs)
		return f(c, m);
	struct lt_wait th = job_begin();
	int r = f(c, m);
	job_end(th);
	return r;
}

__attribute__((noinline)) static int cond_timedwait_slow(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
	int (*f)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *) = real_cond_timedwait;
	if (!f && !(f = real_cond_timedwait = cond_real("pthread_cond_timedwait", "GLIBC_2.3.2")))
		return ENOSYS;
	if (!lt_cfg.jobs)
		return f(c, m, t);
	struct lt_wait th = job_begin();
	int r = f(c, m, t);
	job_end(th);
	return r;
}

/* C++'s std::condition_variable waits with a timeout in it (glibc 2.30;
 * the default version is GLIBC_2.34 since libpthread moved into libc). */
__attribute__((noinline)) static int cond_clockwait_slow(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
							 const struct timespec *t)
{
	int (*f)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *) = real_cond_clockwait;
	if (!f && !(f = real_cond_clockwait = cond_real("pthread_cond_clockwait", "GLIBC_2.34")))
		return ENOSYS;
	if (!lt_cfg.jobs)
		return f(c, m, clk, t);
	struct lt_wait th = job_begin();
	int r = f(c, m, clk, t);
	job_end(th);
	return r;
}

LT_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk, const struct timespec *t)
{
	int (*f)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *) = real_cond_clockwait;
	if (likely(f != NULL && !lt_cfg.jobs))
		return f(c, m, clk, t);
	return cond_clockwait_slow(c, m, clk, t);
}

LT_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	int (*f)(pthread_cond_t *, pthread_mutex_t *) = real_cond_wait;
	if (likely(f != NULL && !lt_cfg.jobs))
		return f(c, m);
	return cond_wait_slow(c, m);
}

LT_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
	int (*f)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *) = real_cond_timedwait;
	if (likely(f != NULL && !lt_cfg.jobs))
		return f(c, m, abstime);
	return cond_timedwait_slow(c, m, abstime);
}
#endif
