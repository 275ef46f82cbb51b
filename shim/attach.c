/* The shim loaded into a running process (logtax attach), and detach.
 *
 * The injector stops one thread and makes it call dlopen(liblogtax.so),
 * then logtax_attach(settings). The constructor finds the shim was not
 * preloaded (its place among the loaded objects: after libc, where a
 * preloaded object never is) and stays dormant: no thread, no file, no
 * patch. A program that dlopens the shim itself gets that too.
 *
 * logtax_attach copies the settings (settings.c), initialises the shim as
 * a start-up under `logtax run` would (reading the settings from the block
 * instead of the environment), and then, since its exported symbols
 * interpose nothing when loaded late, points at it every GOT entry of
 * every loaded object that refers to a function it wraps by symbol (the
 * logging entry points, the waits, dlopen/dlclose, exec, _exit, clone,
 * openlog...: rebind.c); entries of the logging functions are patched per
 * LOGTAX_PATCH as at start-up. Objects loaded later are patched when
 * dlopen returns (through our dlopen, which the program's GOT entries now
 * reach). The mode, epoch and what this attach did live in lifecycle.c,
 * which every room reads; this file only changes them. Not covered: the
 * signal calls (the shim does not take over fatal signals when attached,
 * so a process killed by one leaves its last snapshot, not a final file),
 * and calls through function pointers taken before the attach. Both are
 * in the data file's ATTACH record and in the reports.
 *
 * Threads that already exist: glibc copies the shim's TLS image (all
 * zero) into each of them at dlopen, so each looks like a new thread at
 * its next call and is listed then.
 *
 * Detach (`logtax ctl PID detach`, run by the control thread): every GOT
 * entry saved (gotwrite.c) is written back (if it still holds what we
 * wrote) and read back; every patched entry gets its original bytes back
 * (read back too); then no new call reaches the shim, and a call already
 * inside a trampoline or wrapper finishes through it (nothing is
 * unmapped). The mode turns DETACHED, so such a call is passed on
 * uncounted, the rule generation moves on (every key misses in the hot
 * path), the final file is written, and the control thread ends. A later
 * logtax_attach starts afresh: a new epoch, new thread states, a new file
 * name (logtax.PID.aN.ltx). The earlier attaches' states that their
 * threads have let go of are unmapped then; the rest wait for a later
 * attach (thread_exit.c: lt_threads_abandon). The patch engine's SIGTRAP
 * and check-signal handlers stay installed: a trap or a check signal from
 * before the detach may still be delivered after it (docs/DESIGN.md). */
#include "lt.h"
#include "attach.h"
#include "base.h"
#include "control.h"
#include "entrypatch.h"
#include "got.h"
#include "gotwrite.h"
#include "init.h"
#include "lifecycle.h"
#include "output.h"
#include "rebind.h"
#include "rules.h"
#include "service.h"
#include "settings.h"
#include "thread_exit.h"
#include "threads.h"
#include "../common/ltx_format.h"
#include "../common/ltx_settings.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- attach ------------------------------------------------------------------- */

/* What the previous attach left: the thread states (unmapped where no
 * thread holds them any more), the rules, the file's name. Its control
 * thread, the only reader of its states besides their own threads, has
 * ended (svc_gone). */
static void fresh_state(void)
{
	/* the settings not given this time are the defaults again, not the
	 * last attach's (the clock's flags were measured: kept) */
	uint32_t clock_flags = lt_cfg.clock_flags;
	memset(&lt_cfg, 0, sizeof lt_cfg);
	lt_cfg.time_mode = LTX_TIME_SAMPLE;
	lt_cfg.sample_every = LTX_SAMPLE_DEFAULT;
	lt_cfg.clock_flags = clock_flags;
	lt_threads_abandon();
	__atomic_store_n(&lt_late_calls, 0, __ATOMIC_RELAXED);
	lt_rules_head = NULL;
	lt_output_forked();
	lt_ended = 0;
}

/* Function entries and hooks, as at start-up under logtax run (under
 * attach_lock). */
static void patch_entries_locked(void)
{
	if (__atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE) != LT_MODE_ATTACHED || lt_inert)
		return;
	lt_entrypatch_builtins(1);
	lt_hooks_init();
	lt_attached.patched_entries = lt_entrypatch_applied();
}

static void patch_entries(void)
{
	pthread_mutex_lock(&attach_lock);
	patch_entries_locked();
	pthread_mutex_unlock(&attach_lock);
}

static int svc_gone(void)
{
	/* the control thread of the previous attach ends right after answering */
	for (int i = 0; i < 2000 && !lt_svc_stopped(); i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return lt_svc_stopped();
}

static int detach(char *msg, size_t cap);

LT_EXPORT int logtax_attach(const char *settings, char *msg, unsigned msglen)
{
	int e = errno;
	char scratch[8];
	if (!msg || !msglen) {
		msg = scratch;
		msglen = sizeof scratch;
	}
	msg[0] = 0;
	int m = lt_mode_decide();
	if (m == LT_MODE_PRELOAD) {
		lt_join(msg, msglen, "already traced by logtax (the shim was preloaded: logtax run)", NULL, NULL);
		return 4;
	}
	if (pthread_mutex_trylock(&attach_lock) != 0) {
		lt_join(msg, msglen, "an attach or detach is in progress", NULL, NULL);
		return 4;
	}
	int rc = 0;
	if (lt_mode == LT_MODE_ATTACHED) {
		lt_join(msg, msglen, "already attached", NULL, NULL);
		rc = 4;
		goto out;
	}
	if (!settings) {
		lt_join(msg, msglen, "bad settings: none given", NULL, NULL);
		rc = 5;
		goto out;
	}
	if (lt_settings_take(settings, msg, msglen) < 0) {
		rc = 5;
		goto out;
	}
	if (lt_mode == LT_MODE_DETACHED) {
		if (!svc_gone()) {
			lt_join(msg, msglen, "the control thread of the previous attach has not ended yet", NULL, NULL);
			rc = 4;
			goto out;
		}
		fresh_state();
	}
	memset(&lt_attached, 0, sizeof lt_attached);
	lt_attached.attach_real = lt_clock_ns(CLOCK_REALTIME);
	lt_attached.attach_mono = lt_clock_ns(CLOCK_MONOTONIC);
	lt_gen_base = __atomic_load_n(&lt_gen, __ATOMIC_ACQUIRE);
	__atomic_store_n(&lt_epoch, lt_epoch + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&lt_mode, LT_MODE_ATTACHED, __ATOMIC_RELEASE);
	lt_ctl_detach_by(detach);
	lt_state = 0;
	lt_init();
	if (lt_state != 2) {
		__atomic_store_n(&lt_mode, LT_MODE_DETACHED, __ATOMIC_RELEASE);
		lt_join(msg, msglen, "the shim could not initialise", NULL, NULL);
		rc = 6;
		goto out;
	}
	lt_attached.got_entries = lt_rebind_gots();
	/* Counting from here: every call through a GOT entry reaches us. The
	 * function entries (LOGTAX_PATCH) and hooks (LOGTAX_HOOK) are patched
	 * by the control thread, started now (the program's threads may be
	 * asleep in waits that came before us): patching an entry while they
	 * run waits for each of them, up to a few hundred milliseconds on a
	 * busy machine, and the injector has this thread stopped meanwhile. A
	 * call through a GOT entry is counted once either way. */
	int later = lt_svc_attached(patch_entries);
	if (!later)
		patch_entries_locked();
	char a[24], b[24], dir[4200];
	lt_utoa(lt_attached.patched_entries, a);
	lt_utoa(lt_attached.got_entries, b);
	lt_data_path(dir, sizeof dir);
	char head[96];
	lt_join(head, sizeof head, "attached: ", later ? "function entries patched by the shim's thread, " : a,
	    later ? "" : " entries patched, ");
	char tail[4600];
	lt_join(tail, sizeof tail, " GOT entries, data to ", dir, "; not covered: ");
	char all[4800];
	lt_join(all, sizeof all, b, tail, lt_rebind_uncovered);
	lt_join(msg, msglen, head, all, NULL);
out:
	pthread_mutex_unlock(&attach_lock);
	errno = e;
	return rc;
}

/* ---- detach ---------------------------------------------------------------------- */

/* `logtax ctl PID detach`, on the control thread (given to control.c by
 * logtax_attach: a preloaded shim never serves it): 0 and a summary in
 * msg, or -1 and why. */
static int detach(char *msg, size_t cap)
{
	int m = __atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE);
	if (m != LT_MODE_ATTACHED) {
		lt_join(msg, cap, "not attached", NULL, NULL);
		return -1;
	}
	pthread_mutex_lock(&attach_lock);
	/* No new call reaches the shim after these two. */
	uint32_t got_ok = 0, got_changed = 0, got_bad = 0, ent_ok = 0, ent_bad = 0;
	lt_got_restore(&got_ok, &got_changed, &got_bad);
	lt_entrypatch_remove_all(&ent_ok, &ent_bad);
	/* A call already inside is passed on uncounted: the mode first (the
	 * slow path checks it), then a new generation (every key misses). */
	__atomic_store_n(&lt_mode, LT_MODE_DETACHED, __ATOMIC_RELEASE);
	lt_gen_set(__atomic_add_fetch(&lt_gen, 1, __ATOMIC_ACQ_REL));
	lt_attached.detach_real = lt_clock_ns(CLOCK_REALTIME);
	lt_attached.detach_mono = lt_clock_ns(CLOCK_MONOTONIC);
	char df[4200];
	lt_data_path(df, sizeof df);
	int wrote = lt_write_data(LTX_REASON_DETACH);
	lt_ended = 1;
	lt_state = 3;
	lt_svc_detached();
	pthread_mutex_unlock(&attach_lock);
	char n1[24], n2[24], n3[24];
	lt_utoa(got_ok, n1);
	lt_utoa(ent_ok, n2);
	lt_utoa(got_changed, n3);
	char p1[200], p2[200];
	lt_join(p1, sizeof p1, "detached: ", n1, " GOT entries and ");
	lt_join(p2, sizeof p2, n2, " function entries restored (read back equal); ", n3);
	char p3[4400];
	lt_join(p3, sizeof p3, " GOT entries changed since or unloaded, left alone; data file: ", wrote == 0 ? df : "(not written)",
	    NULL);
	char all[4800];
	lt_join(all, sizeof all, p1, p2, p3);
	if (got_bad || ent_bad) {
		char b1[24], b2[24];
		lt_utoa(got_bad, b1);
		lt_utoa(ent_bad, b2);
		char q[200];
		lt_join(q, sizeof q, "not restored: ", b1, " GOT entries, ");
		lt_join(msg, cap, q, b2, " function entries (the rest is inert)");
		return -1;
	}
	lt_join(msg, cap, all, NULL, NULL);
	return 0;
}
