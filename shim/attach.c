/* The shim loaded into a running process (logtax attach), and detach.
 *
 * The injector stops one thread and makes it call dlopen(liblogtax.so),
 * then logtax_attach(settings). The constructor finds the shim was not
 * preloaded (its place among the loaded objects: after libc, where a
 * preloaded object never is) and stays dormant: no thread, no file, no
 * patch. A program that dlopens the shim itself gets that too.
 *
 * logtax_attach copies the settings, initialises the shim as a start-up
 * under `logtax run` would (reading the settings from the block instead of
 * the environment), and then, since its exported symbols interpose nothing
 * when loaded late, points at it every GOT entry of every loaded object
 * that refers to a function it wraps by symbol (the logging entry points,
 * the waits, dlopen/dlclose, exec, _exit, clone, openlog...); entries of
 * the logging functions are patched per LOGTAX_PATCH as at start-up.
 * Objects loaded later are patched when dlopen returns (through our
 * dlopen, which the program's GOT entries now reach). Not covered: the
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
 * entry saved is written back (if it still holds what we wrote) and read
 * back; every patched entry gets its original bytes back (read back too);
 * then no new call reaches the shim, and a call already inside a
 * trampoline or wrapper finishes through it (nothing is unmapped). The
 * mode turns DETACHED, so such a call is passed on uncounted, the rule
 * generation moves on (every key misses in the hot path), the final file
 * is written, and the control thread ends. A later logtax_attach starts
 * afresh: a new epoch, new thread states, a new file name
 * (logtax.PID.aN.ltx). The old states are left mapped (a thread may still
 * hold a pointer into one). */
#include "lt.h"
#include "attach.h"
#include "base.h"
#include "control.h"
#include "entries.h"
#include "entrypatch.h"
#include "got.h"
#include "init.h"
#include "output.h"
#include "patch.h"
#include "rules.h"
#include "service.h"
#include "settings.h"
#include "state.h"
#include "symbols.h"
#include "thread_exit.h"
#include "threads.h"
#include "../common/ltx_format.h"
#include "../common/ltx_settings.h"
#include "../common/ltx_write.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile int lt_mode;
volatile uint32_t lt_epoch;
uint32_t lt_gen_base;

static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t attach_real, attach_mono, detach_real, detach_mono;
static uint32_t n_got, n_entries; /* patched at attach (and after dlopens) */

/* ---- preloaded or not ---------------------------------------------------- */

struct order {
	int i, self, libc;
};

static int in_order(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct order *o = arg;
	const char *n = info->dlpi_name ? info->dlpi_name : "";
	const char *b = strrchr(n, '/');
	b = b ? b + 1 : n;
	if (o->self < 0 && lt_obj_is_self(info))
		o->self = o->i;
	else if (o->libc < 0 && !strncmp(b, "libc.so", 7))
		o->libc = o->i;
	o->i++;
	return 0;
}

/* Preloaded objects come right after the program, before its libraries:
 * libc before us means we were loaded later (dlopen), and our symbols
 * interpose nothing. (No libc found: a program we cannot judge; treated
 * as preloaded, what the shim did before it could be attached.) */
int lt_mode_decide(void)
{
	int m = __atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE);
	if (m != LT_MODE_UNKNOWN)
		return m;
	struct order o = { 0, -1, -1 };
	dl_iterate_phdr(in_order, &o);
	int want = o.libc >= 0 && o.self > o.libc ? LT_MODE_DORMANT : LT_MODE_PRELOAD;
	__atomic_compare_exchange_n(&lt_mode, &m, want, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE);
}

/* ---- the settings block --------------------------------------------------- */

#define BLOCK_MAX (64 * 1024)
static char *block; /* our copy: entries separated by NUL, then an empty one */

char *lt_attach_block(void)
{
	return block;
}

const char *lt_attach_lookup(const char *name)
{
	size_t n = strlen(name);
	for (char *e = block; e && *e; e += strlen(e) + 1)
		if (!strncmp(e, name, n) && e[n] == '=')
			return e + n + 1;
	return NULL;
}

static void say(char *msg, size_t cap, const char *a, const char *b, const char *c)
{
	size_t n = 0;
	const char *parts[] = { a, b, c };
	for (int i = 0; i < 3; i++)
		for (const char *s = parts[i]; s && *s && n + 1 < cap; s++)
			msg[n++] = *s;
	if (cap)
		msg[n] = 0;
}

/* "NAME=VALUE\n" lines (an empty line is skipped) into our copy; 0, or -1
 * with the reason in msg. The injector's area is reused after we return. */
static int copy_block(const char *in, char *msg, size_t cap)
{
	size_t len = strnlen(in, BLOCK_MAX);
	if (len >= BLOCK_MAX) {
		say(msg, cap, "bad settings: the block is longer than 64 KiB", NULL, NULL);
		return -1;
	}
	char *b = lt_map(len + 2);
	if (!b) {
		say(msg, cap, "out of memory for the settings", NULL, NULL);
		return -1;
	}
	size_t k = 0, line = 1;
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && in[e] != '\n')
			e++;
		if (e > i) {
			size_t name = 0;
			while (i + name < e && (in[i + name] == '_' || (in[i + name] >= 'A' && in[i + name] <= 'Z') ||
						(in[i + name] >= '0' && in[i + name] <= '9')))
				name++;
			if (!name || i + name == e || in[i + name] != '=') {
				char num[24];
				lt_utoa(line, num);
				say(msg, cap, "bad settings: line ", num, " is not NAME=VALUE");
				lt_unmap(b, len + 2);
				return -1;
			}
			memcpy(b + k, in + i, e - i);
			k += e - i;
			b[k++] = 0;
		}
		i = e + 1;
		line++;
	}
	b[k] = 0;
	block = b; /* an older block stays mapped: a reader may hold a value from it */
	return 0;
}

/* ---- GOT entries ------------------------------------------------------------ */

/* What the shim wrote into GOT entries while attached: kept until detach.
 * Under saved_lock; never on a hot path. */
struct saved {
	uint64_t *slot;
	uint64_t old, now;
};
#define SAVED_MAX (64 * 1024)
static struct saved *saved;
static uint32_t nsaved, saved_lost;
static pthread_mutex_t saved_lock = PTHREAD_MUTEX_INITIALIZER;
static int restoring; /* restore_gots holds saved_lock: its own writes are not kept */

void lt_got_saved(uint64_t *slot, uint64_t old, uint64_t now)
{
	if (__atomic_load_n(&restoring, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&saved_lock);
	if (!saved)
		saved = lt_map(SAVED_MAX * sizeof *saved);
	uint32_t i;
	for (i = 0; i < nsaved && saved[i].slot != slot; i++)
		;
	if (i < nsaved) {
		saved[i].now = now; /* rewritten: the first value is the program's */
	} else if (saved && nsaved < SAVED_MAX) {
		saved[nsaved++] = (struct saved){ slot, old, now };
	} else {
		saved_lost++;
	}
	pthread_mutex_unlock(&saved_lock);
}

void lt_got_forget(uint64_t lo, uint64_t hi)
{
	pthread_mutex_lock(&saved_lock);
	for (uint32_t i = 0; i < nsaved;)
		if ((uint64_t)saved[i].slot >= lo && (uint64_t)saved[i].slot < hi)
			saved[i] = saved[--nsaved];
		else
			i++;
	pthread_mutex_unlock(&saved_lock);
}

/* Not pointed at the shim when attached: the shim does not take over the
 * signals a late process already handles (see the top of this file). */
static const char *const not_covered[] = { "sigaction", "__sigaction", "signal",      "bsd_signal",
					   "ssignal",   "sysv_signal", "__sysv_signal", "sigset",
					   "sigignore", "siginterrupt", NULL };
static const char not_covered_text[] =
	"sigaction __sigaction signal bsd_signal ssignal sysv_signal __sysv_signal sigset sigignore siginterrupt";

static int excluded(const char *name)
{
	if (!strcmp(name, "logtax_attach"))
		return 1;
	for (const char *const *n = not_covered; *n; n++)
		if (!strcmp(*n, name))
			return 1;
	return 0;
}

/* Our definition of each name seen, and the one a call would reach
 * without us (looked up once per name). */
#define NAMES_MAX 128
struct byname {
	uint64_t ours, real;
};
struct walk {
	struct lt_obj self;
	struct byname names[NAMES_MAX];
	uint32_t nnames;
	uint32_t patched, elsewhere, failed;
};

static struct byname *name_of(struct walk *w, const char *name)
{
	uint64_t ours = lt_obj_lookup(&w->self, name, 0);
	if (!ours)
		return NULL;
	for (uint32_t i = 0; i < w->nnames; i++)
		if (w->names[i].ours == ours)
			return &w->names[i];
	if (w->nnames == NAMES_MAX)
		return NULL;
	struct byname *b = &w->names[w->nnames++];
	b->ours = ours;
	b->real = (uint64_t)lt_find_next(name);
	return b;
}

static int self_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	if (!lt_obj_is_self(info))
		return 0;
	return lt_obj_read(info, arg) == 0;
}

static int patch_slot(const struct lt_obj *o, const struct lt_fn_slot *s, void *arg)
{
	struct walk *w = arg;
	if (!s->name[0] || excluded(s->name))
		return 0;
	struct byname *b = name_of(w, s->name);
	if (!b)
		return 0;
	uint64_t cur = __atomic_load_n(s->slot, __ATOMIC_ACQUIRE);
	if (cur == b->ours || !cur)
		return 0; /* ours already, or an unresolved weak reference */
#if LT_HAVE_TRAMPOLINES
	uint64_t home = (uint64_t)lt_patch_home_of((void *)cur);
#else
	uint64_t home = cur;
#endif
	if (!lt_slot_lazy(o, s, cur) && cur != b->real && home != b->real) {
		w->elsewhere++; /* bound to another definition: left as it is */
		return 0;
	}
	if (lt_got_write(o, s->slot, b->ours) == 0)
		w->patched++;
	else
		w->failed++;
	return 0;
}

static int patch_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct lt_obj o;
	if (lt_obj_is_self(info) || lt_obj_read(info, &o) < 0)
		return 0;
	lt_obj_fn_slots(&o, patch_slot, arg);
	return 0;
}

/* Every loaded object's GOT entries of the functions we wrap by symbol. */
static uint32_t patch_gots(void)
{
	struct walk *w = lt_map(sizeof *w);
	if (!w)
		return 0;
	uint32_t n = 0;
	if (dl_iterate_phdr(self_of, &w->self)) {
		dl_iterate_phdr(patch_object, w);
		n = w->patched;
		if (w->failed)
			lt_warn("warning: attach: some GOT entries could not be rewritten", NULL);
	}
	lt_unmap(w, sizeof *w);
	return n;
}

void lt_attach_dlopened(void)
{
	if (__atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE) != LT_MODE_ATTACHED)
		return;
	uint32_t n = patch_gots();
	__atomic_fetch_add(&n_got, n, __ATOMIC_RELAXED);
}

/* Whether the slot lies in a loaded object's writable-after-relocation
 * range: the object that held it may have been unloaded behind our back
 * (a dlclose through a pointer taken before the attach). */
struct where {
	uint64_t addr;
	int found;
};

static int holds(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct where *w = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && w->addr >= a && w->addr + 8 <= a + ph->p_memsz) {
			w->found = 1;
			return 1;
		}
	}
	return 0;
}

/* Writes every saved GOT entry back: restored (and read back equal),
 * changed since (left: not ours any more), gone with their object. */
static void restore_gots(uint32_t *restored, uint32_t *changed, uint32_t *bad)
{
	pthread_mutex_lock(&saved_lock);
	__atomic_store_n(&restoring, 1, __ATOMIC_RELEASE);
	for (uint32_t i = 0; i < nsaved; i++) {
		struct saved *s = &saved[i];
		struct where w = { (uint64_t)s->slot, 0 };
		dl_iterate_phdr(holds, &w);
		if (!w.found || __atomic_load_n(s->slot, __ATOMIC_ACQUIRE) != s->now) {
			(*changed)++;
			continue;
		}
		if (lt_got_write(NULL, s->slot, s->old) == 0 && __atomic_load_n(s->slot, __ATOMIC_ACQUIRE) == s->old)
			(*restored)++;
		else
			(*bad)++;
	}
	nsaved = 0;
	saved_lost = 0;
	__atomic_store_n(&restoring, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&saved_lock);
}

/* ---- attach ------------------------------------------------------------------- */

/* What the previous attach left: the thread states (mapped still, never
 * written again), the rules, the file's name. */
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
	n_entries = lt_entrypatch_applied();
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

LT_EXPORT int logtax_attach(const char *settings, char *msg, unsigned msglen);
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
		say(msg, msglen, "already traced by logtax (the shim was preloaded: logtax run)", NULL, NULL);
		return 4;
	}
	if (pthread_mutex_trylock(&attach_lock) != 0) {
		say(msg, msglen, "an attach or detach is in progress", NULL, NULL);
		return 4;
	}
	int rc = 0;
	if (lt_mode == LT_MODE_ATTACHED) {
		say(msg, msglen, "already attached", NULL, NULL);
		rc = 4;
		goto out;
	}
	if (!settings) {
		say(msg, msglen, "bad settings: none given", NULL, NULL);
		rc = 5;
		goto out;
	}
	if (copy_block(settings, msg, msglen) < 0) {
		rc = 5;
		goto out;
	}
	if (lt_mode == LT_MODE_DETACHED) {
		if (!svc_gone()) {
			say(msg, msglen, "the control thread of the previous attach has not ended yet", NULL, NULL);
			rc = 4;
			goto out;
		}
		fresh_state();
	}
	attach_real = lt_clock_ns(CLOCK_REALTIME);
	attach_mono = lt_clock_ns(CLOCK_MONOTONIC);
	detach_real = detach_mono = 0;
	n_got = n_entries = 0;
	lt_gen_base = __atomic_load_n(&lt_gen, __ATOMIC_ACQUIRE);
	__atomic_store_n(&lt_epoch, lt_epoch + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&lt_mode, LT_MODE_ATTACHED, __ATOMIC_RELEASE);
	lt_state = 0;
	lt_init();
	if (lt_state != 2) {
		__atomic_store_n(&lt_mode, LT_MODE_DETACHED, __ATOMIC_RELEASE);
		say(msg, msglen, "the shim could not initialise", NULL, NULL);
		rc = 6;
		goto out;
	}
	n_got = patch_gots();
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
	lt_utoa(n_entries, a);
	lt_utoa(n_got, b);
	lt_data_path(dir, sizeof dir);
	char head[96];
	say(head, sizeof head, "attached: ", later ? "function entries patched by the shim's thread, " : a,
	    later ? "" : " entries patched, ");
	char tail[4600];
	say(tail, sizeof tail, " GOT entries, data to ", dir, "; not covered: ");
	char all[4800];
	say(all, sizeof all, b, tail, not_covered_text);
	say(msg, msglen, head, all, NULL);
out:
	pthread_mutex_unlock(&attach_lock);
	errno = e;
	return rc;
}

/* ---- detach ---------------------------------------------------------------------- */

int lt_detach(char *msg, size_t cap)
{
	int m = __atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE);
	if (m == LT_MODE_PRELOAD || m == LT_MODE_UNKNOWN) {
		say(msg, cap,
		    "detach is for a process logtax attached to; this one was started under logtax run (its "
		    "symbols are bound to the shim for good)",
		    NULL, NULL);
		return -1;
	}
	if (m != LT_MODE_ATTACHED) {
		say(msg, cap, "not attached", NULL, NULL);
		return -1;
	}
	pthread_mutex_lock(&attach_lock);
	/* No new call reaches the shim after these two. */
	uint32_t got_ok = 0, got_changed = 0, got_bad = 0, ent_ok = 0, ent_bad = 0;
	restore_gots(&got_ok, &got_changed, &got_bad);
	lt_entrypatch_remove_all(&ent_ok, &ent_bad);
	/* A call already inside is passed on uncounted: the mode first (the
	 * slow path checks it), then a new generation (every key misses). */
	__atomic_store_n(&lt_mode, LT_MODE_DETACHED, __ATOMIC_RELEASE);
	lt_gen_set(__atomic_add_fetch(&lt_gen, 1, __ATOMIC_ACQ_REL));
	detach_real = lt_clock_ns(CLOCK_REALTIME);
	detach_mono = lt_clock_ns(CLOCK_MONOTONIC);
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
	say(p1, sizeof p1, "detached: ", n1, " GOT entries and ");
	say(p2, sizeof p2, n2, " function entries restored (read back equal); ", n3);
	char p3[4400];
	say(p3, sizeof p3, " GOT entries changed since or unloaded, left alone; data file: ", wrote == 0 ? df : "(not written)",
	    NULL);
	char all[4800];
	say(all, sizeof all, p1, p2, p3);
	if (got_bad || ent_bad) {
		char b1[24], b2[24];
		lt_utoa(got_bad, b1);
		lt_utoa(ent_bad, b2);
		char q[200];
		say(q, sizeof q, "not restored: ", b1, " GOT entries, ");
		say(msg, cap, q, b2, " function entries (the rest is inert)");
		return -1;
	}
	say(msg, cap, all, NULL, NULL);
	return 0;
}

/* ---- the record ------------------------------------------------------------------ */

void lt_attach_write(struct ltx_writer *w)
{
	int m = __atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE);
	if (m != LT_MODE_ATTACHED && m != LT_MODE_DETACHED)
		return;
	struct ltx_attach a;
	memset(&a, 0, sizeof a);
	a.attach_realtime_ns = attach_real;
	a.attach_mono_ns = attach_mono;
	a.detach_realtime_ns = detach_real;
	a.detach_mono_ns = detach_mono;
	a.attach_no = lt_epoch;
	a.flags = detach_mono ? LTX_ATTACH_DETACHED : 0;
	a.got_entries = n_got;
	a.patched_entries = n_entries;
	a.uncovered_len = (uint32_t)strlen(not_covered_text);
	ltx_w_record(w, LTX_REC_ATTACH, &a, sizeof a, not_covered_text, a.uncovered_len, NULL, 0);
}
