/*
 * README: legacylog.c - liblegacylog.so, a test target for logtax.
 *
 * What it models: libvirt's logging core around 2014.  libvirt's event loop
 * then spent nearly all of its CPU time in debug logging calls that
 * printed nothing, because every call locked a global mutex, built a
 * timestamped line and copied it into a global in-memory ring buffer
 * (kept for crash dumps), whether or not any output wanted the message.
 * The fix made a filtered-out call cost a function call and two integer
 * comparisons.  Both behaviours are implemented here, so that logtax can
 * be tried on the slow one and on the fast one:
 *
 *   LEGACYLOG_MODE=ringbuffer (default)  the pre-fix behaviour
 *   LEGACYLOG_MODE=fast                  the post-fix behaviour
 *
 * Other variables: LEGACYLOG_OUTPUT=stderr|PATH (default: no output),
 * LEGACYLOG_LEVEL=1..4 or debug|info|warn|error (default 3), and
 * LEGACYLOG_FILTERS="N:match ..." (per-source level for every source
 * whose name contains "match"), LEGACYLOG_TID=syscall|cached (how a line
 * gets its thread id).  See legacylog.h.
 *
 * How it is run: it is not run by itself; evloop-demo and threads-demo
 * link against it.  Build (outputs outside the repository):
 *   gcc -O2 -g -Wall -Wextra -fPIC -shared -Wl,-soname,liblegacylog.so \
 *       -o /tmp/tp/liblegacylog.so legacylog.c -lpthread
 *
 * The configuration is read once, lazily, under pthread_once, by the first
 * logging call.  After that it never changes, apart from the output file
 * being closed when the library is unloaded.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "legacylog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LOG_RING_SIZE     (64 * 1024)  /* as libvirt's default debug buffer */
#define LOG_LINE_MAX      1024         /* longest stored line, newline included */
#define LOG_TIMESTAMP_MAX 64
#define LOG_MAX_FILTERS   32
#define LOG_FILTER_MATCH_MAX 64

enum log_mode {
    LOG_MODE_RINGBUFFER,
    LOG_MODE_FAST
};

struct log_filter {
    char match[LOG_FILTER_MATCH_MAX];
    unsigned int level;
};

/*
 * Configuration.  Written only by log_init(), which runs under
 * pthread_once before any source is given a serial; a thread that sees a
 * source's current serial (acquire load) therefore also sees these.
 */
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static enum log_mode log_mode = LOG_MODE_RINGBUFFER;
static unsigned int log_level = LEGACY_LOG_WARN;
static struct log_filter log_filters[LOG_MAX_FILTERS];
static size_t log_nfilters;
static int log_tid_cached;      /* LEGACYLOG_TID=cached */

/* This thread's id once LEGACYLOG_TID=cached asked for it (0: not yet). */
static __thread long log_tid;

/*
 * Sources whose serial is below this recompute their cached priority.
 * It is never 0, so a freshly defined source ({ name, 0, 0 }) always goes
 * through log_source_update() once, which is also where the library
 * initialises itself.  A run-time reconfiguration would bump it.
 */
static unsigned int log_serial = 1;

/* Everything below is protected by log_lock. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;         /* output, or -1 for none */
static int log_fd_owned;        /* log_fd was opened by us */

/*
 * The ring: the newest data is [0, ring_pos); older data that has not
 * been overwritten yet is [ring_old_start, ring_old_end), with
 * ring_pos <= ring_old_start.  Both regions hold whole lines only.
 */
static char log_ring[LOG_RING_SIZE];
static size_t ring_pos;
static size_t ring_old_start;
static size_t ring_old_end;

static const char *const log_priority_names[] = {
    "unknown", "debug", "info", "warning", "error"
};

static const char *
log_priority_name(int priority)
{
    if (priority < LEGACY_LOG_DEBUG || priority > LEGACY_LOG_ERROR)
        return log_priority_names[0];
    return log_priority_names[priority];
}

/* Accepts 1..4 or a priority name; returns 0 if `s` is neither. */
static unsigned int
log_parse_level(const char *s, size_t len)
{
    static const struct { const char *name; unsigned int level; } names[] = {
        { "1", LEGACY_LOG_DEBUG }, { "debug", LEGACY_LOG_DEBUG },
        { "2", LEGACY_LOG_INFO },  { "info", LEGACY_LOG_INFO },
        { "3", LEGACY_LOG_WARN },  { "warn", LEGACY_LOG_WARN },
        { "warning", LEGACY_LOG_WARN },
        { "4", LEGACY_LOG_ERROR }, { "error", LEGACY_LOG_ERROR },
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i].name) == len && strncmp(names[i].name, s, len) == 0)
            return names[i].level;
    }
    return 0;
}

/* Parses "N:match N:match ..." into log_filters; bad entries are reported and skipped. */
static void
log_parse_filters(const char *spec)
{
    const char *p = spec;

    while (*p) {
        const char *tok, *colon, *end;
        unsigned int level;
        size_t mlen;

        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        tok = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ',')
            p++;
        end = p;

        colon = memchr(tok, ':', (size_t)(end - tok));
        level = colon ? log_parse_level(tok, (size_t)(colon - tok)) : 0;
        mlen = colon ? (size_t)(end - colon - 1) : 0;
        if (!level || mlen == 0 || mlen >= LOG_FILTER_MATCH_MAX) {
            fprintf(stderr, "legacylog: ignoring bad LEGACYLOG_FILTERS entry '%.*s'\n",
                    (int)(end - tok), tok);
            continue;
        }
        if (log_nfilters == LOG_MAX_FILTERS) {
            fprintf(stderr, "legacylog: too many LEGACYLOG_FILTERS entries, ignoring '%.*s'\n",
                    (int)(end - tok), tok);
            continue;
        }
        memcpy(log_filters[log_nfilters].match, colon + 1, mlen);
        log_filters[log_nfilters].match[mlen] = '\0';
        log_filters[log_nfilters].level = level;
        log_nfilters++;
    }
}

/* Minimum priority that `name` writes to the output. */
static unsigned int
log_source_level(const char *name)
{
    size_t i;

    if (name) {
        for (i = 0; i < log_nfilters; i++) {
            if (strstr(name, log_filters[i].match))
                return log_filters[i].level;
        }
    }
    return log_level;
}

static void log_atfork_prepare(void) { pthread_mutex_lock(&log_lock); }
static void log_atfork_release(void) { pthread_mutex_unlock(&log_lock); }
/* The child's one thread has a new id: forget the parent's. */
static void log_atfork_child(void) { log_tid = 0; pthread_mutex_unlock(&log_lock); }

static void
log_init(void)
{
    const char *mode = getenv("LEGACYLOG_MODE");
    const char *level = getenv("LEGACYLOG_LEVEL");
    const char *filters = getenv("LEGACYLOG_FILTERS");
    const char *tid = getenv("LEGACYLOG_TID");
    /* Do not let the environment of a setuid program pick a file to write. */
    const char *output = secure_getenv("LEGACYLOG_OUTPUT");

    if (!mode || !*mode || strcmp(mode, "ringbuffer") == 0) {
        log_mode = LOG_MODE_RINGBUFFER;
    } else if (strcmp(mode, "fast") == 0) {
        log_mode = LOG_MODE_FAST;
    } else {
        fprintf(stderr, "legacylog: unknown LEGACYLOG_MODE '%s', using 'ringbuffer'\n", mode);
        log_mode = LOG_MODE_RINGBUFFER;
    }

    if (level && *level) {
        unsigned int l = log_parse_level(level, strlen(level));
        if (l)
            log_level = l;
        else
            fprintf(stderr, "legacylog: bad LEGACYLOG_LEVEL '%s', using 3 (warn)\n", level);
    }

    if (filters)
        log_parse_filters(filters);

    if (tid && strcmp(tid, "cached") == 0)
        log_tid_cached = 1;
    else if (tid && *tid && strcmp(tid, "syscall") != 0)
        fprintf(stderr, "legacylog: unknown LEGACYLOG_TID '%s', using 'syscall'\n", tid);

    /* Load the time zone now, once, rather than in whichever thread logs first. */
    tzset();

    pthread_mutex_lock(&log_lock);
    if (output && *output) {
        if (strcmp(output, "stderr") == 0) {
            log_fd = STDERR_FILENO;
            log_fd_owned = 0;
        } else {
            log_fd = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (log_fd < 0)
                fprintf(stderr, "legacylog: cannot open LEGACYLOG_OUTPUT '%s': %s\n",
                        output, strerror(errno));
            else
                log_fd_owned = 1;
        }
    }
    pthread_mutex_unlock(&log_lock);

    /* Keep a child from inheriting the lock held by some other thread. */
    pthread_atfork(log_atfork_prepare, log_atfork_release, log_atfork_child);
}

__attribute__((destructor))
static void
log_fini(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_fd_owned) {
        close(log_fd);
        log_fd = -1;
        log_fd_owned = 0;
    }
    pthread_mutex_unlock(&log_lock);
}

/*
 * The slow path of the filter: compute the source's effective minimum
 * priority for the current configuration and cache it in the source.
 * The source is const in the public prototype because callers do not
 * change it; the cache fields belong to the library (see legacylog.h).
 */
static void
log_source_update(const struct legacy_log_source *csrc)
{
    struct legacy_log_source *src = (struct legacy_log_source *)csrc;
    unsigned int prio;

    pthread_once(&log_once, log_init);

    pthread_mutex_lock(&log_lock);
    if (__atomic_load_n(&src->serial, __ATOMIC_RELAXED) < log_serial) {
        if (log_mode == LOG_MODE_RINGBUFFER)
            prio = 0;                       /* every call goes to the ring */
        else if (log_fd < 0)
            prio = LEGACY_LOG_ERROR + 1;    /* nothing is output: drop all */
        else
            prio = log_source_level(src->name);
        __atomic_store_n(&src->priority, prio, __ATOMIC_RELAXED);
        __atomic_store_n(&src->serial, log_serial, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&log_lock);
}

static void
log_timestamp(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;
    time_t t;
    size_t n;
    long off;
    char sign = '+';

    clock_gettime(CLOCK_REALTIME, &ts);
    t = ts.tv_sec;
    if (!localtime_r(&t, &tm) ||
        (n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm)) == 0) {
        snprintf(buf, size, "%lld.%03ld", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
        return;
    }
    off = tm.tm_gmtoff / 60;
    if (off < 0) {
        sign = '-';
        off = -off;
    }
    snprintf(buf + n, size - n, ".%03ld%c%02ld%02ld",
             ts.tv_nsec / 1000000, sign, off / 60, off % 60);
}

/*
 * Formats "timestamp: tid: priority : source : func:line : message\n" into
 * buf (size >= 2), truncating if needed, and returns its length, newline
 * included.  The line is not NUL-terminated.
 */
/* The thread id for a line: a system call per line, as libvirt's
 * virThreadSelfID() makes, unless LEGACYLOG_TID=cached. */
static long
log_thread_id(void)
{
    if (!log_tid_cached)
        return (long)syscall(SYS_gettid);
    if (!log_tid)
        log_tid = (long)syscall(SYS_gettid);
    return log_tid;
}

static size_t
log_format_line(char *buf, size_t size, const char *timestamp,
                const struct legacy_log_source *src, int priority,
                const char *func, int line, const char *fmt, va_list ap)
{
    size_t room = size - 1;     /* one byte is kept for the newline */
    size_t len;
    int n;

    n = snprintf(buf, room, "%s: %ld: %s : %s : %s:%d : ",
                 timestamp, log_thread_id(), log_priority_name(priority),
                 src->name ? src->name : "?", func ? func : "?", line);
    if (n < 0)
        n = 0;
    len = (size_t)n < room ? (size_t)n : room - 1;

    n = vsnprintf(buf + len, room - len, fmt, ap);
    if (n < 0)
        n = 0;
    len += (size_t)n < room - len ? (size_t)n : room - len - 1;

    buf[len++] = '\n';
    return len;
}

static void
log_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;             /* nowhere to report a failing log output */
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* Record that a line of `len` bytes was stored at ring_pos. */
static void
log_ring_commit(size_t len)
{
    ring_pos += len;
    if (ring_old_start < ring_pos) {
        /* The new line overwrote the oldest data: drop the damaged line. */
        char *nl = NULL;

        if (ring_pos < ring_old_end)
            nl = memchr(log_ring + ring_pos, '\n', ring_old_end - ring_pos);
        if (nl) {
            ring_old_start = (size_t)(nl - log_ring) + 1;
        } else {
            ring_old_start = 0;
            ring_old_end = 0;
        }
    }
}

/* The pre-fix path: everything happens under the global lock, for every call. */
static void
log_ringbuffer(const struct legacy_log_source *src, int priority,
               const char *func, int line, const char *fmt, va_list ap)
{
    char timestamp[LOG_TIMESTAMP_MAX];
    char *dst;
    size_t len;

    pthread_mutex_lock(&log_lock);

    log_timestamp(timestamp, sizeof(timestamp));

    if (LOG_RING_SIZE - ring_pos < LOG_LINE_MAX) {
        /* Wrap: what we wrote so far becomes the old data. */
        ring_old_start = 0;
        ring_old_end = ring_pos;
        ring_pos = 0;
    }
    dst = log_ring + ring_pos;
    len = log_format_line(dst, LOG_LINE_MAX, timestamp, src, priority,
                          func, line, fmt, ap);

    if (log_fd >= 0 && priority >= (int)log_source_level(src->name))
        log_write_all(log_fd, dst, len);

    log_ring_commit(len);

    pthread_mutex_unlock(&log_lock);
}

/* The post-fix path, reached only by messages that pass the filter. */
static void
log_output(const struct legacy_log_source *src, int priority,
           const char *func, int line, const char *fmt, va_list ap)
{
    char timestamp[LOG_TIMESTAMP_MAX];
    char buf[LOG_LINE_MAX];
    size_t len;

    log_timestamp(timestamp, sizeof(timestamp));
    len = log_format_line(buf, sizeof(buf), timestamp, src, priority,
                          func, line, fmt, ap);

    pthread_mutex_lock(&log_lock);
    if (log_fd >= 0)
        log_write_all(log_fd, buf, len);
    pthread_mutex_unlock(&log_lock);
}

static unsigned long log_calls_seen;

unsigned long
legacy_log_calls(void)
{
    return __atomic_load_n(&log_calls_seen, __ATOMIC_RELAXED);
}

void
legacy_log(const struct legacy_log_source *src, int priority,
           const char *file, int line, const char *func,
           const char *fmt, ...)
{
    va_list ap;

    (void)file;
    /* Every call that reaches the library, whoever passed it on (the attach
     * tests compare it with what the program made). */
    __atomic_fetch_add(&log_calls_seen, 1, __ATOMIC_RELAXED);

    /* The whole cost of a filtered-out call in fast mode: two comparisons. */
    if (__atomic_load_n(&src->serial, __ATOMIC_ACQUIRE) < log_serial)
        log_source_update(src);
    if (priority < (int)__atomic_load_n(&src->priority, __ATOMIC_RELAXED))
        return;

    if (!fmt)
        return;

    va_start(ap, fmt);
    if (log_mode == LOG_MODE_RINGBUFFER)
        log_ringbuffer(src, priority, func, line, fmt, ap);
    else
        log_output(src, priority, func, line, fmt, ap);
    va_end(ap);
}

long
legacy_log_dump_ring(int fd)
{
    long total = 0;
    int err = 0;
    size_t i;

    pthread_mutex_lock(&log_lock);
    {
        /* Oldest data first. */
        const size_t starts[2] = { ring_old_start, 0 };
        const size_t ends[2] = { ring_old_end, ring_pos };

        for (i = 0; i < 2 && !err; i++) {
            const char *p = log_ring + starts[i];
            size_t left = ends[i] - starts[i];

            while (left > 0) {
                ssize_t n = write(fd, p, left);
                if (n < 0) {
                    if (errno == EINTR)
                        continue;
                    err = 1;
                    break;
                }
                p += n;
                left -= (size_t)n;
                total += n;
            }
        }
    }
    pthread_mutex_unlock(&log_lock);
    return err ? -1 : total;
}
