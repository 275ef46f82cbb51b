/*
 * README: sig-demo.c - a program that is stopped with signals, handles
 * some of them itself, logs from a signal handler, and crashes: what a
 * daemon meets when it is stopped, reloaded or killed.
 *
 * How it is run (N: calls, a positive integer; READY, GO, STOP: paths):
 *   sig-demo wait N READY         log N (sig.main), create READY, then wait
 *                                 until a signal ends the process
 * Waiting is done as an idle event loop does: poll() with a 20 ms timer.
 *   sig-demo crash N READY GO     log N, create READY, wait for GO to exist,
 *                                 then write through a NULL pointer (SIGSEGV)
 *   sig-demo own-handler N READY  its own SIGTERM handler (sigaction), which
 *                                 logs once (sig.handler); log N, create
 *                                 READY, wait for the signal, exit 3
 *   sig-demo ignore N READY STOP  SIGTERM ignored (signal); log N, create
 *                                 READY, wait for STOP to exist, exit 0
 *   sig-demo reraise N READY      a SIGINT handler (signal) that logs once,
 *                                 sets SIG_DFL and raises SIGINT again, as
 *                                 programs that clean up before dying do
 *   sig-demo handler-log KEYS SIGNALS
 *                                 the main thread logs through KEYS sources
 *                                 (each a first call: the shim's slow path),
 *                                 round after round, while a second thread
 *                                 sends it SIGNALS SIGUSR1s; the handler
 *                                 logs once per signal (sig.handler); run
 *                                 it with LEGACYLOG_MODE=fast, whose debug
 *                                 calls take no lock (the ring buffer's
 *                                 mutex would deadlock a handler); the
 *                                 handler's source makes its first call
 *                                 (which locks) before the signals start
 *   sig-demo handler-grow THREADS SIGNALS
 *                                 THREADS worker threads in turn each log in
 *                                 a loop through one source (grow.loop)
 *                                 while a second thread sends the worker
 *                                 SIGNALS SIGUSR2s; the worker's handler logs
 *                                 once per signal through a source its
 *                                 thread has not logged through before
 *                                 (grow.handler; SIGNALS sources, each its
 *                                 own key): a handler that makes a thread's
 *                                 table grow while the call it interrupted
 *                                 was being counted. Every source makes its
 *                                 first call in the main thread beforehand
 *                                 (a first call takes the logger's lock,
 *                                 which a handler must not); run it with
 *                                 LEGACYLOG_MODE=fast
 *   sig-demo disp                 set and read the dispositions of SIGTERM,
 *                                 SIGINT, SIGHUP, SIGPIPE, SIGUSR1 and SIGUSR2
 *                                 every way libc offers, printing what each
 *                                 call returns (the same with or without an
 *                                 LD_PRELOAD library that watches signals)
 * It prints on stdout, flushed at once:
 *   sig-demo[PID]: calls source=S count=N
 * Bad arguments: a usage message on stderr and exit status 2.
 * Build: gcc -O2 -pthread -o sig-demo sig-demo.c -L. -llegacylog
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "legacylog.h"

/* exported by glibc, no longer declared by its headers */
extern __sighandler_t bsd_signal(int sig, __sighandler_t handler);

LEGACY_LOG_SOURCE(log_main, "sig.main");
LEGACY_LOG_SOURCE(log_handler, "sig.handler");

static volatile sig_atomic_t got_signal;
static volatile long handler_calls;
static char handler_line[128];

static void
usage(const char *why)
{
    fprintf(stderr, "sig-demo: %s; usage: sig-demo MODE ARGS (see the comment at the top of sig-demo.c)\n", why);
    exit(2);
}

static long
count_arg(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (*end || n <= 0 || n > 100000000)
        usage("counts must be positive integers");
    return n;
}

static void
log_main_n(long n)
{
    long i;

    for (i = 0; i < n; i++)
        LEGACY_LOG(log_main, LEGACY_LOG_INFO, "main call %ld", i);
    printf("sig-demo[%d]: calls source=sig.main count=%ld\n", (int)getpid(), n);
    fflush(stdout);
}

static void
touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    close(fd);
}

/* Waits as an idle event loop does: poll with a timer. */
static void
wait_for(const char *path)
{
    while (!path || access(path, F_OK) != 0)
        poll(NULL, 0, 20);
}

static void
on_term(int sig)
{
    (void)sig;
    LEGACY_LOG(log_handler, LEGACY_LOG_WARN, "got signal %d", sig);
    handler_calls++;
    got_signal = 1;
}

static void
on_int_reraise(int sig)
{
    LEGACY_LOG(log_handler, LEGACY_LOG_WARN, "cleaning up after signal %d", sig);
    ssize_t w = write(1, handler_line, strlen(handler_line));
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ---- logging from a signal handler ------------------------------------- */

static pthread_t main_thread;
static volatile int sender_done;

static void
on_usr1(int sig)
{
    (void)sig;
    LEGACY_LOG(log_handler, LEGACY_LOG_DEBUG, "in the handler");
    handler_calls++;
}

static void *
sender(void *arg)
{
    long n = *(long *)arg, i;

    for (i = 0; i < n; i++) {
        pthread_kill(main_thread, SIGUSR1);
        if (i % 16 == 0)
            sched_yield();
    }
    sender_done = 1;
    return NULL;
}

static int
handler_log(long keys, long signals)
{
    struct legacy_log_source *src = calloc((size_t)keys, sizeof *src);
    struct sigaction sa;
    pthread_t t;
    long rounds = 0, calls = 0, i;

    if (!src)
        return 1;
    for (i = 0; i < keys; i++)
        src[i].name = "work"; /* one name, many sources: each its own key */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    /* The handler's source is set up before any signal comes: its first
     * call takes the logger's lock, which a handler must not. */
    LEGACY_LOG(log_handler, LEGACY_LOG_DEBUG, "before the signals");
    handler_calls++;
    main_thread = pthread_self();
    if (pthread_create(&t, NULL, sender, &signals) != 0)
        return 1;
    do {
        for (i = 0; i < keys; i++)
            LEGACY_LOG(src[i], LEGACY_LOG_DEBUG, "round %ld key %ld", rounds, i);
        calls += keys;
        rounds++;
    } while (!sender_done);
    pthread_join(t, NULL);
    /* every signal sent has been handled once pthread_kill returned and we
     * ran again: block and unblock to flush a last pending one */
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, SIGUSR1);
    sigprocmask(SIG_BLOCK, &one, NULL);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    printf("sig-demo[%d]: calls source=work count=%ld\n", (int)getpid(), calls);
    printf("sig-demo[%d]: calls source=sig.handler count=%ld\n", (int)getpid(), (long)handler_calls);
    printf("sig-demo[%d]: rounds=%ld\n", (int)getpid(), rounds);
    return 0;
}

/* ---- a handler that grows its thread's table ------------------------------ */

LEGACY_LOG_SOURCE(log_grow_loop, "grow.loop");

static struct legacy_log_source *grow_src;
static long grow_nsrc;
static __thread long grow_next;       /* the worker's next source */
static __thread volatile long grow_handled;
static volatile long grow_handler_total;

static void
on_usr2(int sig)
{
    (void)sig;
    if (grow_next < grow_nsrc) {
        LEGACY_LOG(grow_src[grow_next], LEGACY_LOG_DEBUG, "in the handler");
        grow_next++;
        grow_handled++;
    }
}

struct grow_worker {
    pthread_t self;
    long signals;
    volatile int go, done;
    long calls;
};

static void *
grow_sender(void *arg)
{
    struct grow_worker *w = arg;
    long i;

    while (!w->go)
        sched_yield();
    for (i = 0; i < w->signals; i++) {
        pthread_kill(w->self, SIGUSR2);
        if (i % 4 == 0)
            sched_yield();
    }
    w->done = 1;
    return NULL;
}

static void *
grow_worker(void *arg)
{
    struct grow_worker *w = arg;
    long calls = 0;
    sigset_t one;

    grow_next = 0;
    grow_handled = 0;
    w->go = 1;
    do {
        LEGACY_LOG(log_grow_loop, LEGACY_LOG_DEBUG, "loop %ld", calls);
        calls++;
    } while (!w->done);
    /* a last pending signal is handled before the counts are read */
    sigemptyset(&one);
    sigaddset(&one, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &one, NULL);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    w->calls = calls;
    __atomic_add_fetch(&grow_handler_total, grow_handled, __ATOMIC_RELAXED);
    return NULL;
}

static int
handler_grow(long threads, long signals)
{
    struct sigaction sa;
    long loop_calls = 0, t, i;

    grow_nsrc = signals;
    grow_src = calloc((size_t)signals, sizeof *grow_src);
    if (!grow_src)
        return 1;
    for (i = 0; i < signals; i++) {
        grow_src[i].name = "grow.handler";
        LEGACY_LOG(grow_src[i], LEGACY_LOG_DEBUG, "first call %ld", i);
    }
    LEGACY_LOG(log_grow_loop, LEGACY_LOG_DEBUG, "first call");
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    for (t = 0; t < threads; t++) {
        struct grow_worker w;
        pthread_t s;
        memset(&w, 0, sizeof w);
        w.signals = signals;
        if (pthread_create(&w.self, NULL, grow_worker, &w) != 0 ||
            pthread_create(&s, NULL, grow_sender, &w) != 0)
            return 1;
        pthread_join(s, NULL);
        pthread_join(w.self, NULL);
        loop_calls += w.calls;
    }
    printf("sig-demo[%d]: calls source=grow.loop count=%ld\n", (int)getpid(), loop_calls + 1);
    printf("sig-demo[%d]: calls source=grow.handler count=%ld\n", (int)getpid(), grow_handler_total + signals);
    return 0;
}

/* ---- dispositions ---------------------------------------------------------- */

/* sigset and siginterrupt are deprecated: old programs still call them,
 * and an interposer must answer them as libc does. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static void
h1(int sig)
{
    (void)sig;
}

static const char *
name_of(void (*h)(int))
{
    if (h == SIG_DFL)
        return "DFL";
    if (h == SIG_IGN)
        return "IGN";
    if (h == SIG_ERR)
        return "ERR";
    if (h == SIG_HOLD)
        return "HOLD";
    if (h == h1)
        return "h1";
    return "other";
}

static void
show(const char *what, int sig)
{
    struct sigaction o;
    unsigned long long mask = 0;
    int s;

    memset(&o, 0x5a, sizeof o);
    if (sigaction(sig, NULL, &o) != 0) {
        printf("%s: sigaction(%d) failed: %s\n", what, sig, strerror(errno));
        return;
    }
    for (s = 1; s < 64; s++)
        if (sigismember(&o.sa_mask, s))
            mask |= 1ull << s;
    printf("%s: sig %d handler=%s flags=0x%x mask=0x%llx restorer=%s\n", what, sig, name_of(o.sa_handler),
           (unsigned)o.sa_flags, mask, o.sa_restorer ? "set" : "null");
}

static int
disp(void)
{
    static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2 };
    struct sigaction sa, old;
    unsigned i;

    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        show("start", sigs[i]);
    printf("signal(TERM, DFL) -> %s\n", name_of(signal(SIGTERM, SIG_DFL)));
    show("after signal(TERM, DFL)", SIGTERM);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_RESTART | SA_RESETHAND | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR1);
    sigaddset(&sa.sa_mask, SIGKILL);
    sigaction(SIGTERM, &sa, NULL);
    show("after sigaction(TERM, DFL with flags and mask)", SIGTERM);

    sa.sa_handler = h1;
    memset(&old, 0x5a, sizeof old);
    sigaction(SIGTERM, &sa, &old);
    printf("sigaction(TERM, h1) old: handler=%s flags=0x%x\n", name_of(old.sa_handler), (unsigned)old.sa_flags);
    show("after sigaction(TERM, h1)", SIGTERM);
    printf("signal(TERM, DFL) -> %s\n", name_of(signal(SIGTERM, SIG_DFL)));
    show("after signal(TERM, DFL) again", SIGTERM);

    printf("sigset(HUP, HOLD) -> %s\n", name_of(sigset(SIGHUP, SIG_HOLD)));
    printf("sigset(HUP, DFL) -> %s\n", name_of(sigset(SIGHUP, SIG_DFL)));
    show("after sigset", SIGHUP);
    printf("sigset(HUP, h1) -> %s\n", name_of(sigset(SIGHUP, h1)));
    printf("sigset(HUP, DFL) -> %s\n", name_of(sigset(SIGHUP, SIG_DFL)));

    printf("sysv_signal(USR1, h1) -> %s\n", name_of(sysv_signal(SIGUSR1, h1)));
    show("after sysv_signal(USR1, h1)", SIGUSR1);
    printf("sysv_signal(USR1, DFL) -> %s\n", name_of(sysv_signal(SIGUSR1, SIG_DFL)));
    show("after sysv_signal(USR1, DFL)", SIGUSR1);

    printf("siginterrupt(USR2, 1) -> %d\n", siginterrupt(SIGUSR2, 1));
    show("after siginterrupt(USR2, 1)", SIGUSR2);
    printf("signal(USR2, h1) -> %s\n", name_of(signal(SIGUSR2, h1)));
    show("after signal(USR2, h1)", SIGUSR2);
    printf("signal(USR2, DFL) -> %s\n", name_of(signal(SIGUSR2, SIG_DFL)));
    show("after signal(USR2, DFL)", SIGUSR2);
    printf("siginterrupt(USR2, 0) -> %d\n", siginterrupt(SIGUSR2, 0));
    show("after siginterrupt(USR2, 0)", SIGUSR2);

    printf("sigignore(PIPE) -> %d\n", sigignore(SIGPIPE));
    show("after sigignore(PIPE)", SIGPIPE);
    printf("signal(PIPE, DFL) -> %s\n", name_of(signal(SIGPIPE, SIG_DFL)));
    printf("bsd_signal(INT, IGN) -> %s\n", name_of(bsd_signal(SIGINT, SIG_IGN)));
    printf("ssignal(INT, DFL) -> %s\n", name_of(ssignal(SIGINT, SIG_DFL)));
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        show("end", sigs[i]);
    printf("signal(0, DFL) -> %s errno=%d\n", name_of(signal(0, SIG_DFL)), errno);
    printf("sigaction(KILL, h1) -> %d errno=%d\n", sigaction(SIGKILL, &sa, NULL), errno);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 2)
        usage("no mode");
    const char *mode = argv[1];
    if (strcmp(mode, "disp") == 0)
        return disp();
    if (strcmp(mode, "handler-log") == 0) {
        if (argc != 4)
            usage("handler-log needs KEYS and SIGNALS");
        return handler_log(count_arg(argv[2]), count_arg(argv[3]));
    }
    if (strcmp(mode, "handler-grow") == 0) {
        if (argc != 4)
            usage("handler-grow needs THREADS and SIGNALS");
        return handler_grow(count_arg(argv[2]), count_arg(argv[3]));
    }
    if (argc < 4)
        usage("N and READY needed");
    long n = count_arg(argv[2]);
    const char *ready = argv[3];

    if (strcmp(mode, "wait") == 0) {
        log_main_n(n);
        touch(ready);
        wait_for(NULL);
    } else if (strcmp(mode, "crash") == 0) {
        if (argc != 5)
            usage("crash needs GO");
        log_main_n(n);
        touch(ready);
        wait_for(argv[4]);
        *(volatile int *)(uintptr_t)0 = 1;
        return 1;
    } else if (strcmp(mode, "own-handler") == 0) {
        struct sigaction sa;
        sigset_t block, old;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigprocmask(SIG_BLOCK, &block, &old);
        log_main_n(n);
        touch(ready);
        while (!got_signal)
            sigsuspend(&old);
        printf("sig-demo[%d]: calls source=sig.handler count=%ld\n", (int)getpid(), (long)handler_calls);
        fflush(stdout);
        return 3;
    } else if (strcmp(mode, "ignore") == 0) {
        if (argc != 5)
            usage("ignore needs STOP");
        signal(SIGTERM, SIG_IGN);
        log_main_n(n);
        touch(ready);
        wait_for(argv[4]);
        return 0;
    } else if (strcmp(mode, "reraise") == 0) {
        snprintf(handler_line, sizeof handler_line, "sig-demo[%d]: calls source=sig.handler count=1\n",
                 (int)getpid());
        signal(SIGINT, on_int_reraise);
        log_main_n(n);
        touch(ready);
        wait_for(NULL);
    }
    usage("unknown mode");
    return 2;
}
