/*
 * legacylog.h - a small logging library modelled on libvirt's logger.
 *
 * liblegacylog.so exists so that logtax has a realistic target: an event
 * loop whose hot path is full of debug logging calls that usually print
 * nothing.  The library has two implementations, picked once per process
 * from the environment (see legacylog.c for the details):
 *
 *   LEGACYLOG_MODE=ringbuffer  (default) every call locks a global mutex,
 *                              builds a timestamped line and stores it in
 *                              a 64 KiB in-memory ring, even when nothing
 *                              is written out.  This is what libvirt did
 *                              before its 2014 fix.
 *   LEGACYLOG_MODE=fast        a call that is filtered out costs two
 *                              integer comparisons; nothing is locked or
 *                              formatted.  This is what libvirt did after.
 *
 *   LEGACYLOG_OUTPUT=stderr|PATH   also write the lines that pass the level
 *                              filter there (default: no output at all).
 *   LEGACYLOG_LEVEL=1..4|debug|info|warn|error   minimum priority written
 *                              to the output (default 3, warn).
 *   LEGACYLOG_FILTERS="N:match ..."   per-source minimum priority: a source
 *                              whose name contains "match" uses level N.
 *   LEGACYLOG_TID=syscall|cached   how a formatted line gets its thread
 *                              id: a gettid system call per line
 *                              (default, as libvirt does), or once per
 *                              thread.  A system call inside a call costs
 *                              the code after it too (docs/BENCHMARKS.md,
 *                              A/B for daemons).
 */
#ifndef LEGACYLOG_H
#define LEGACYLOG_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One per logging module.  Only `name` is meant to be set by the user: the
 * library keeps the source's effective minimum priority in `priority`,
 * and `serial` records which configuration that value was computed for.
 * A source therefore must be a writable object (not declared const) and
 * must live as long as it is used; LEGACY_LOG_SOURCE() defines one
 * correctly.
 */
struct legacy_log_source {
    const char *name;
    unsigned int priority;
    unsigned int serial;
};

enum {
    LEGACY_LOG_DEBUG = 1,
    LEGACY_LOG_INFO,
    LEGACY_LOG_WARN,
    LEGACY_LOG_ERROR
};

/*
 * Log one message.  `src` must not be NULL; `file`, `line` and `func`
 * describe the call site (`func` is printed, `file` is accepted for
 * compatibility but not printed).  A NULL `fmt` is ignored.
 */
void legacy_log(const struct legacy_log_source *src, int priority,
                const char *file, int line, const char *func,
                const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/*
 * Write the contents of the in-memory ring (oldest complete line first)
 * to `fd`.  Returns the number of bytes written, or -1 on a write error.
 * The ring is only filled in ringbuffer mode.
 */
long legacy_log_dump_ring(int fd);

/* Calls of legacy_log that reached the library so far (all threads). */
unsigned long legacy_log_calls(void);

/* Define a file-local log source called `var` with the given name. */
#define LEGACY_LOG_SOURCE(var, srcname) \
    static struct legacy_log_source var = { (srcname), 0, 0 }

/* Log from the current call site. */
#define LEGACY_LOG(srcvar, prio, ...) \
    legacy_log(&(srcvar), (prio), __FILE__, __LINE__, __func__, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* LEGACYLOG_H */
