/* The ground floor: what every other part of the shim may use and which
 * uses none of them. The settings (read at start-up, read everywhere),
 * the clocks' starting points, whose process the state belongs to, the
 * one-line warning, memory maps, and small helpers that call no malloc and
 * no stdio, so that they can run anywhere: in a wrapper, at exit, in a
 * signal handler's write. */
#include "lt.h"
#include "rawsys.h"
#include "base.h"
#include "../common/ltx_format.h"
#include "../common/ltx_io.h"
#include "../common/ltx_settings.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct lt_config lt_cfg = { .time_mode = LTX_TIME_SAMPLE, .sample_every = LTX_SAMPLE_DEFAULT };
uint32_t lt_gen;
uint64_t lt_gen_key;

/* The rule set of gen is published before: a key that carries gen finds it. */
void lt_gen_set(uint32_t gen)
{
	__atomic_store_n(&lt_gen, gen, __ATOMIC_RELEASE);
	__atomic_store_n(&lt_gen_key, (uint64_t)(gen & 0xffffff) << 40, __ATOMIC_RELEASE);
}
uint64_t lt_start_tsc, lt_start_mono, lt_start_real;
pid_t lt_pid;
int lt_inert;
volatile int lt_ended;
uint64_t lt_progname; /* set by lt_families_init */
struct ltx_calib lt_calib; /* measured by calib.c, written by output.c */

/* ---- whose state ---------------------------------------------------------- */

int lt_own_process(void)
{
	return !lt_pid || getpid() == lt_pid;
}

/* ---- clocks ----------------------------------------------------------------- */

uint64_t lt_clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void lt_clocks_start(void)
{
	lt_start_tsc = lt_rdtsc();
	lt_start_mono = lt_clock_ns(CLOCK_MONOTONIC);
	lt_start_real = lt_clock_ns(CLOCK_REALTIME);
}

/* ---- memory, warnings, text --------------------------------------------------- */

/* What lt_map holds now, in pages' bytes (`logtax ctl status`: that it
 * stays flat over attach/detach cycles is tested). */
static uint64_t mapped_bytes;

static size_t in_pages(size_t len)
{
	return (len + 4095) & ~(size_t)4095;
}

void *lt_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	__atomic_add_fetch(&mapped_bytes, in_pages(len), __ATOMIC_RELAXED);
	return p;
}

void lt_unmap(void *p, size_t len)
{
	if (munmap(p, len) == 0)
		__atomic_sub_fetch(&mapped_bytes, in_pages(len), __ATOMIC_RELAXED);
}

uint64_t lt_mapped(void)
{
	return __atomic_load_n(&mapped_bytes, __ATOMIC_RELAXED);
}

pid_t lt_gettid(void)
{
	return (pid_t)lt_syscall(SYS_gettid);
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

void lt_warn_setup(void)
{
	struct stat st;
	err_ok = fstat(2, &st) == 0;
	err_dev = st.st_dev;
	err_ino = st.st_ino;
}

/* One line on stderr: "logtax: MSG: DETAIL". No stdio: it may run anywhere.
 * Only while descriptor 2 is still the file it was at start-up (not on the
 * control thread, whose descriptor table is its own): 0 if written. */
int lt_warn(const char *msg, const char *detail)
{
	char buf[512];
	size_t n = cat(buf, 0, sizeof buf, "logtax: ");
	n = cat(buf, n, sizeof buf, msg);
	if (detail) {
		n = cat(buf, n, sizeof buf, ": ");
		n = cat(buf, n, sizeof buf, detail);
	}
	buf[n++] = '\n';
	int e = errno, rc = -1;
	struct stat st;
	if (err_ok && fstat(2, &st) == 0 && st.st_dev == err_dev && st.st_ino == err_ino) {
		rc = 0;
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
	return rc;
}

void lt_bad_setting(const char *var, const char *val, const char *expect)
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

/* Decimal digits of v into buf; returns the length. */
size_t lt_utoa(uint64_t v, char *buf)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return n;
}

void lt_join(char *msg, size_t cap, const char *a, const char *b, const char *c)
{
	size_t n = 0;
	const char *parts[] = { a, b, c };
	for (int i = 0; i < 3; i++)
		for (const char *s = parts[i]; s && *s && n + 1 < cap; s++)
			msg[n++] = *s;
	if (cap)
		msg[n] = 0;
}

/* Reads a small /proc file whole; returns bytes read (0 on failure). */
size_t lt_read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t got = ltx_read_full(fd, buf, cap);
	close(fd);
	return got;
}
