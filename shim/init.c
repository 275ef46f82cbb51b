/* Set-up, once per process: settings from the environment, the clocks'
 * starting points, the shim's own cost, thread-exit and fork handling.
 * A bad setting never stops the program: it earns one warning line and the
 * default is used instead. */
#include "lt.h"
#include "../common/ltx_format.h"
#include "../common/ltx_settings.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* glibc's registration behind pthread_atfork (exported since 2.3.2), and
 * this object's handle (crtbeginS.o, or entry_x86_64.S when the shim is
 * linked without start files for its CET notes). */
extern int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso);
extern void *__dso_handle LT_HIDDEN;

struct lt_config lt_cfg = { .time_mode = LTX_TIME_SAMPLE, .sample_every = LTX_SAMPLE_DEFAULT };
uint32_t lt_gen;
volatile int lt_state;
uint64_t lt_start_tsc, lt_start_mono, lt_start_real;
struct ltx_calib lt_calib LT_HIDDEN;
int lt_outdir_bad LT_HIDDEN; /* warned once already */

extern pthread_key_t lt_thread_key LT_HIDDEN;
extern int lt_thread_key_ok LT_HIDDEN;
extern pthread_mutex_t lt_write_lock LT_HIDDEN;

void *lt_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void lt_unmap(void *p, size_t len)
{
	munmap(p, len);
}

pid_t lt_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static size_t cat(char *buf, size_t at, size_t cap, const char *s)
{
	while (s && *s && at + 1 < cap)
		buf[at++] = *s++;
	return at;
}

/* What descriptor 2 was at start-up: a daemon may close it and open one of
 * its own files there, which a warning must not land in. */
static dev_t err_dev;
static ino_t err_ino;
static int err_ok;

static void note_stderr(void)
{
	struct stat st;
	err_ok = fstat(2, &st) == 0;
	err_dev = st.st_dev;
	err_ino = st.st_ino;
}

/* One line on stderr: "logtax: MSG: DETAIL". No stdio: it may run anywhere.
 * Only while descriptor 2 is still the file it was at start-up. */
void lt_warn(const char *msg, const char *detail)
{
	char buf[512];
	size_t n = cat(buf, 0, sizeof buf, "logtax: ");
	n = cat(buf, n, sizeof buf, msg);
	if (detail) {
		n = cat(buf, n, sizeof buf, ": ");
		n = cat(buf, n, sizeof buf, detail);
	}
	buf[n++] = '\n';
	int e = errno;
	struct stat st;
	if (err_ok && fstat(2, &st) == 0 && st.st_dev == err_dev && st.st_ino == err_ino) {
		/* A stderr pipe whose reader is gone must not kill the program
		 * with SIGPIPE: blocked around the write, and taken back if our
		 * write raised it (not if the program's own was pending). */
		sigset_t pipe_only, old, pending;
		sigemptyset(&pipe_only);
		sigaddset(&pipe_only, SIGPIPE);
		pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
		int was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
		ssize_t w = write(2, buf, n);
		if (w < 0 && errno == EPIPE && !was_pending) {
			struct timespec zero = { 0, 0 };
			sigtimedwait(&pipe_only, NULL, &zero);
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	errno = e;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void bad_setting(const char *var, const char *val, const char *expect)
{
	char buf[400];
	size_t n = cat(buf, 0, sizeof buf, var);
	n = cat(buf, n, sizeof buf, "='");
	n = cat(buf, n, sizeof buf, val);
	n = cat(buf, n, sizeof buf, "' ignored: ");
	n = cat(buf, n, sizeof buf, expect);
	buf[n] = 0;
	lt_warn("warning", buf);
}

static void read_time_mode(void)
{
	const char *v = getenv("LOGTAX_TIME"), *why = NULL;
	uint32_t mode, every;
	if (!v)
		return;
	if (ltx_parse_time(v, &mode, &every, &why) < 0) {
		bad_setting("LOGTAX_TIME", v, why);
		return;
	}
	lt_cfg.time_mode = mode;
	lt_cfg.sample_every = every;
}

/* LOGTAX_TRACE: trace mode times every call, whatever LOGTAX_TIME says. */
static void read_control(void)
{
	const char *v = getenv("LOGTAX_CONTROL"), *why = NULL;
	uint32_t mode;
	if (!v)
		return;
	if (ltx_parse_control(v, &mode, &why) < 0) {
		bad_setting("LOGTAX_CONTROL", v, why);
		return;
	}
	lt_cfg.control = mode;
}

static void read_trace(void)
{
	const char *v = getenv("LOGTAX_TRACE"), *why = NULL;
	uint32_t n;
	if (!v)
		return;
	if (ltx_parse_trace(v, &n, &why) < 0) {
		bad_setting("LOGTAX_TRACE", v, why);
		return;
	}
	const char *t = getenv("LOGTAX_TIME");
	uint32_t mode, every;
	if (t && ltx_parse_time(t, &mode, &every, &why) == 0 && mode != LTX_TIME_ALL)
		bad_setting("LOGTAX_TIME", t, "LOGTAX_TRACE times every call");
	lt_cfg.trace_events = n;
	lt_cfg.time_mode = LTX_TIME_ALL;
}

/* LOGTAX_STACKS: applied after calibration (which must not take stacks). */
static void read_stacks(uint32_t *depth, uint32_t *every)
{
	const char *v = getenv("LOGTAX_STACKS"), *why = NULL;
	*depth = 0;
	if (!v)
		return;
	if (ltx_parse_stacks(v, depth, every, &why) < 0) {
		bad_setting("LOGTAX_STACKS", v, why);
		*depth = 0;
		return;
	}
	if (!LT_HAVE_TRAMPOLINES) {
		*depth = 0; /* nothing is intercepted here: the start-up note says so */
		return;
	}
	if (lt_stacks_load() < 0) {
		bad_setting("LOGTAX_STACKS", v, "cannot load libunwind (libunwind.so.8)");
		*depth = 0;
	}
}

/* LOGTAX_SNAPSHOT: seconds between snapshots (default 1; 0 off). */
static void read_snapshot(void)
{
	const char *v = getenv("LOGTAX_SNAPSHOT"), *why = NULL;
	uint32_t secs;
	lt_cfg.snapshot_every = LTX_SNAPSHOT_DEFAULT;
	if (!v)
		return;
	if (ltx_parse_snapshot(v, &secs, &why) < 0) {
		bad_setting("LOGTAX_SNAPSHOT", v, why);
		return;
	}
	lt_cfg.snapshot_every = secs;
}

static void read_outdir(void)
{
	const char *v = getenv("LOGTAX_OUTPUT");
	char *d = lt_cfg.outdir;
	size_t cap = sizeof lt_cfg.outdir;
	if (v && *v == '/') {
		if (strlen(v) >= cap - 64) {
			bad_setting("LOGTAX_OUTPUT", "(too long)", "a shorter directory path");
			v = NULL;
		} else
			strcpy(d, v);
	}
	if (!v || *v != '/') {
		/* Relative to the start-up directory: a daemon may chdir("/") later. */
		if (!getcwd(d, cap - 64)) {
			strcpy(d, ".");
		}
		if (v && *v && strlen(d) + strlen(v) + 2 < cap - 64) {
			strcat(d, "/");
			strcat(d, v);
		}
	}
	struct stat st;
	if (stat(d, &st) < 0 || !S_ISDIR(st.st_mode) || access(d, W_OK | X_OK) < 0) {
		lt_warn("warning: output directory is missing or not writable, no data will be written", d);
		lt_outdir_bad = 1;
	}
}

static void check_unknown_vars(void)
{
	extern char **environ;
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, "LOGTAX_", 7))
			continue;
		size_t len = strcspn(*e, "=");
		int known = 0;
		for (const char *const *k = ltx_known_vars; *k; k++)
			if (strlen(*k) == len && !strncmp(*k, *e, len))
				known = 1;
		if (!known) {
			char name[64];
			size_t n = len < sizeof name - 1 ? len : sizeof name - 1;
			memcpy(name, *e, n);
			name[n] = 0;
			lt_warn("warning: unknown variable ignored", name);
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sums of the calibration keys of one mode (one key per call site). */
static void calib_sums(long mode, uint64_t *ticks, uint64_t *timed)
{
	*ticks = *timed = 0;
	const struct lt_table *t = lt_tls.table;
	for (uint64_t i = 0; t && i <= t->mask; i++) {
		const struct lt_slot *s = &t->slots[i];
		if (s->ret && LT_META_ENTRY(s->meta) == 0 && LT_META_LEVEL(s->meta) == mode) {
			*ticks += s->ticks;
			*timed += s->timed;
		}
	}
}

/* The shim's own cost: the same empty function called directly and through
 * the trampoline in each mode, in interleaved rounds; medians are kept.
 * Takes about a millisecond. */
#define CAL_CALLS 256
#define CAL_ROUNDS 21
#define CAL_CHUNKS 16
#define CAL_CHUNK_CALLS 4096
static void calibrate(void)
{
	uint64_t m[5][CAL_ROUNDS], w0, w1, n0, n1;
	/* On a table of its own, dropped afterwards (it cannot grow: 3 keys). */
	struct lt_table *own = lt_table_swap(NULL);
	if (!own)
		return;
	/* mode 0 counts without timing here */
	lt_tls.time_left = lt_tls.stack_left = lt_tls.armed = lt_tls.countdown = INT64_MAX;
	for (long mode = 0; mode < 3; mode++)
		lt_calib_entry(mode); /* first sight: create the keys */
	for (int r = 0; r < CAL_ROUNDS; r++) {
		uint64_t t0 = lt_rdtsc();
		for (int i = 0; i < CAL_CALLS; i++)
			lt_calib_target(0);
		uint64_t t1 = lt_rdtsc();
		for (int i = 0; i < CAL_CALLS; i++)
			lt_calib_entry(0);
		uint64_t t2 = lt_rdtsc();
		for (int i = 0; i < CAL_CALLS; i++)
			lt_calib_entry(1);
		uint64_t t3 = lt_rdtsc();
		calib_sums(2, &w0, &n0);
		for (int i = 0; i < CAL_CALLS; i++)
			lt_calib_entry(2);
		uint64_t t4 = lt_rdtsc();
		calib_sums(2, &w1, &n1);
		m[0][r] = t1 - t0;
		m[1][r] = t2 - t1;
		m[2][r] = t3 - t2;
		m[3][r] = t4 - t3;
		m[4][r] = w1 - w0;
	}
	for (int k = 0; k < 5; k++)
		qsort(m[k], CAL_ROUNDS, sizeof m[k][0], cmp_u64);
	lt_calib.calls = CAL_CALLS;
	lt_calib.rounds = CAL_ROUNDS;
	lt_calib.direct_ticks = m[0][CAL_ROUNDS / 2];
	lt_calib.count_ticks = m[1][CAL_ROUNDS / 2];
	lt_calib.drop_ticks = m[2][CAL_ROUNDS / 2];
	lt_calib.timed_ticks = m[3][CAL_ROUNDS / 2];
	lt_calib.window_ticks = m[4][CAL_ROUNDS / 2];

	/* Sampling as configured: timed calls are rare, as they will be. Chunks
	 * of calls, medians of their per-call cost and per-timed-call window
	 * (an interrupt inside one window must not move the figure). */
	if (lt_cfg.time_mode == LTX_TIME_SAMPLE) {
		uint64_t cost[CAL_CHUNKS], win[CAL_CHUNKS], timed = 0;
		lt_rearm();
		for (int c = 0; c < CAL_CHUNKS; c++) {
			calib_sums(0, &w0, &n0);
			uint64_t t0 = lt_rdtsc();
			for (int i = 0; i < CAL_CHUNK_CALLS; i++)
				lt_calib_entry(0);
			uint64_t t1 = lt_rdtsc();
			calib_sums(0, &w1, &n1);
			cost[c] = t1 - t0;
			win[c] = n1 > n0 ? (w1 - w0) * 1024 / (n1 - n0) : 0; /* ticks/1024 per timed call */
			timed += n1 - n0;
		}
		qsort(cost, CAL_CHUNKS, sizeof cost[0], cmp_u64);
		qsort(win, CAL_CHUNKS, sizeof win[0], cmp_u64);
		lt_calib.sample_calls = (uint64_t)CAL_CHUNKS * CAL_CHUNK_CALLS;
		lt_calib.sample_ticks = cost[CAL_CHUNKS / 2] * CAL_CHUNKS;
		lt_calib.sample_timed = timed;
		lt_calib.sample_window_ticks = win[CAL_CHUNKS / 2] * timed / 1024;
	}
	lt_rearm();
	lt_table_drop(lt_table_swap(own));
	/* Trace mode: the calibration's timed calls paid for their events (so
	 * their cost is measured with it) but are not the program's. */
	struct lt_thread *th = lt_tls.thr;
	if (th && th->trace)
		th->trace->recorded = th->trace->pos = 0;
}

/* The thread's pthread key destructor. Other libraries' destructors may
 * still log after it: the key is set again so that glibc calls it in its
 * next destructor round, and the state is given up in the last round but
 * one (calls after that are counted in process.late_calls). Not in the
 * last: that is where sanitizer runtimes tear their own thread state down
 * (ThreadSanitizer's, before ours by key order, and its pthread_mutex_lock
 * crashes after). */
static void thread_gone(void *p)
{
	struct lt_thread *th = p;
	if (++lt_tls.exit_round < PTHREAD_DESTRUCTOR_ITERATIONS - 1 && pthread_setspecific(lt_thread_key, th) == 0)
		return;
	lt_tls.busy = 1;
	lt_tls.dead = 1;
	lt_tls.table = NULL;
	lt_tls.thr = NULL;
	prctl(PR_GET_NAME, th->name, 0, 0, 0);
	th->flags |= LTX_THREAD_EXITED;
	lt_thread_exit(th); /* kept whole, or folded and unmapped (threads.c) */
	lt_tls.busy = 0;
}

/* The writer's lock is held across fork, so the child's copy of the state
 * is not half written; unless this thread holds it already (a handler that
 * interrupted our writer forks: the child re-initialises it anyway). */
static __thread int fork_locked LT_TLS;

static void fork_prepare(void)
{
	fork_locked = !lt_tls.busy && pthread_mutex_lock(&lt_write_lock) == 0;
}

static void fork_parent(void)
{
	if (fork_locked)
		pthread_mutex_unlock(&lt_write_lock);
	fork_locked = 0;
}

static void fork_child(void)
{
	fork_locked = 0;
	lt_forked_child();
}

/* The child starts with its own counts: what the parent counted stays in
 * the parent's file. Only the forking thread exists here. Also run by the
 * _Fork wrapper (process.c), which no atfork handler sees. */
void lt_forked_child(void)
{
	lt_pid = getpid();
	lt_output_forked();
	lt_svc_forked();
	lt_rules_forked();
	lt_threads_forked(); /* the other threads' states are the parent's: unmapped */
	/* Send this thread's next logging call to the slow path once, where
	 * the control thread is started again. */
	lt_tls.table = NULL;
	struct lt_thread *self = lt_tls.thr;
	lt_threads = self;
	extern uint64_t lt_late_calls LT_HIDDEN;
	lt_late_calls = 0;
	lt_start_tsc = lt_rdtsc();
	lt_start_mono = clock_ns(CLOCK_MONOTONIC);
	lt_start_real = clock_ns(CLOCK_REALTIME);
	if (!self)
		return;
	self->next = NULL;
	self->tid = lt_gettid();
	self->flags = LTX_THREAD_MAIN;
	self->waits = self->wait_ticks = self->busy_ticks = 0;
	self->wait_start = self->last_wait_end = 0;
	memset(self->pre_loop, 0, sizeof self->pre_loop);
	self->untimed_full = self->reentered = 0;
	self->cpu_samples = self->cpu_sampled_ticks = self->cpu_sampled_ns = 0;
	self->cpu_armed = self->cpu_countdown = 0;
	struct lt_table *t = self->table;
	for (uint64_t i = 0; t && i <= t->mask; i++) {
		t->slots[i].calls = t->slots[i].timed = t->slots[i].ticks = 0;
		struct lt_ext *x = &t->ext[i];
		memset(x->hist, 0, sizeof x->hist);
		memset(x->stack_lost, 0, sizeof x->stack_lost);
		memset(x->stack_lost_ticks, 0, sizeof x->stack_lost_ticks);
		x->tail_timed = x->tail_ticks = x->first_ticks = x->pre_calls = 0;
		x->has_first = 0;
	}
	lt_stacks_reset(self->stacks);
	if (self->trace)
		self->trace->recorded = self->trace->pos = 0;
}

/* The environment when libc has not set `environ` yet: a call from the
 * program's .preinit_array runs before libc's own initialisation, and
 * getenv() then finds nothing (every LOGTAX_ setting would be ignored).
 * The process's initial environment, from /proc/self/environ, kept mapped
 * (what getenv returned may be kept). NULL if it cannot be read. */
static char **early_environ(void)
{
	size_t cap = 64 * 1024, len = 0;
	char *buf = lt_map(cap);
	int fd = buf ? open("/proc/self/environ", O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		goto fail;
	for (;;) {
		if (len + 1 >= cap) {
			char *n = lt_map(cap * 2);
			if (!n) {
				close(fd);
				goto fail;
			}
			memcpy(n, buf, len);
			lt_unmap(buf, cap);
			buf = n;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + len, cap - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = 0;
	size_t n = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		n++;
	char **env = lt_map((n + 1) * sizeof *env);
	if (!env)
		goto fail;
	n = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		env[n++] = buf + i;
	env[n] = NULL;
	return env;
fail:
	if (buf)
		lt_unmap(buf, cap);
	return NULL;
}

int lt_ctor_ran LT_HIDDEN; /* our constructor has run: libc is fully set up */
int lt_svc_wanted LT_HIDDEN; /* a call came before it: start the control thread then */

void lt_init(void)
{
	int expect = 0;
	if (!__atomic_compare_exchange_n(&lt_state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	uint32_t busy = lt_tls.busy;
	lt_tls.busy = 1;
	note_stderr();
	extern char **environ;
	char **env_before = environ;
	if (!env_before)
		environ = early_environ(); /* put back below: libc sets its own */
	lt_start_tsc = lt_rdtsc();
	lt_start_mono = clock_ns(CLOCK_MONOTONIC);
	lt_start_real = clock_ns(CLOCK_REALTIME);
#if defined(__x86_64__)
	unsigned a, b, c, d;
	if (__get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8)))
		lt_cfg.clock_flags |= LTX_CLOCK_TSC_INVARIANT;
#endif
	check_unknown_vars();
	lt_process_init();
	if (lt_inert) {
		/* LOGTAX_NO_FOLLOW names another process: count nothing, decide
		 * nothing, write nothing, start no thread; only keep the shim out
		 * of what this program starts. */
		lt_cfg.time_mode = LTX_TIME_OFF;
		lt_cfg.control = LTX_CONTROL_OFF;
	} else {
		read_time_mode();
		read_control();
		read_trace();
		read_snapshot();
		read_outdir();
	}
	lt_families_init();
	lt_ctl_setup();
	if (!lt_inert)
		lt_rules_init();
	/* Find the real functions now, while no other thread runs. */
	lt_desc_prepare(&lt_desc_calib);
	for (unsigned i = 0; i < lt_ndescs; i++) {
		lt_desc_prepare(lt_descs[i]);
		if (!lt_descs[i]->real)
			lt_descs[i]->real = lt_resolve(lt_descs[i]->symbol);
	}
	/* (Most are absent from any one program: lt_resolve's lookups leave
	 * dlerror() alone, so a failed one is not what the program sees.) */
	if (!lt_inert)
		lt_hooks_init();
	if (pthread_key_create(&lt_thread_key, thread_gone) == 0)
		lt_thread_key_ok = 1;
	/* What pthread_atfork does, without its object from libc_nonshared.a
	 * (built without CET notes, it would take them off the shim): the
	 * handlers belong to this object, __dso_handle. */
	__register_atfork(fork_prepare, fork_parent, fork_child, &__dso_handle);
	lt_tls.busy = 0;
	struct lt_thread *th = lt_thread_self();
	if (th && lt_thread_key_ok)
		pthread_setspecific(lt_thread_key, th);
	if (th && LT_HAVE_TRAMPOLINES && !lt_inert)
		calibrate();
	uint32_t depth = 0, every;
	if (!lt_inert)
		read_stacks(&depth, &every);
	if (depth) {
		lt_cfg.stack_every = every;
		lt_barrier();
		lt_cfg.stack_depth = depth;
		lt_rearm();
	}
	if (!lt_inert)
		lt_signals_init();
	if (!env_before)
		environ = NULL;
	lt_tls.busy = busy;
	__atomic_store_n(&lt_state, 2, __ATOMIC_RELEASE);
}

/* Runs after the constructors of the program's libraries (the dynamic
 * linker initialises preloaded objects after them): a call made before
 * (from .preinit_array or such a constructor) has initialised the shim
 * already, but the control thread waits until now. */
__attribute__((constructor)) static void lt_ctor(void)
{
	int e = errno;
	lt_init();
	__atomic_store_n(&lt_ctor_ran, 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&lt_svc_wanted, __ATOMIC_ACQUIRE))
		lt_svc_ensure();
	errno = e;
}

/* The destructors of the program's libraries run after ours (they were
 * initialised before us), and may log: an exit handler registered now, tied
 * to no object, runs once every destructor has (glibc runs handlers added
 * while it runs them), and writes the file again if calls came since. */
int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
static uint64_t written_calls = UINT64_MAX;

static void after_destructors(void *arg)
{
	(void)arg;
	int e = errno;
	if (lt_state == 2 && lt_own_process() && lt_saw_calls() && lt_calls_total() != written_calls)
		lt_write_data(LTX_REASON_EXIT);
	errno = e;
}

/* Runs after the program's own destructors and atexit handlers. Not in a
 * vfork child that called exit(): the state is its parent's. */
__attribute__((destructor)) static void lt_dtor(void)
{
	int e = errno;
	if (lt_state == 2 && lt_own_process()) {
		if (!lt_ended && lt_saw_calls()) {
			written_calls = lt_calls_total();
			if (lt_write_data(LTX_REASON_EXIT) == 0)
				lt_ended = 1;
		}
		__cxa_atexit(after_destructors, NULL, NULL);
		lt_ctl_exit();
	}
	errno = e;
}
