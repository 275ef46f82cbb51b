/* The data file. Written at exit, before exec, on a terminating signal, as
 * a periodic snapshot and on request; never on the hot path. It is built
 * under a temporary name created with O_EXCL|O_NOFOLLOW and mode 0600, then
 * renamed, so a reader never sees half a file and a planted symlink is
 * never followed. No stdio and no malloc: buffers are mmap'ed, so a program
 * whose allocator is broken at exit still gets data.
 *
 * Names: logtax.PID.ltx for the process image that writes it. An image
 * about to exec moves its file to the first free logtax.PID.N.ltx (N = 1,
 * 2, ...), so the image that follows, same pid, starts afresh; if the exec
 * fails, the image keeps that name for its later files. A shim attached
 * to a running process writes logtax.PID.aN.ltx, N counting the attaches.
 *
 * A write that fails (a full disk) warns once on stderr, leaves an empty
 * marker logtax.PID.write-failed.ENAME (an empty file needs no data block)
 * that `logtax run` reports, and is recorded in the next file that
 * succeeds, which removes the marker: counts only grow, so that file holds
 * what the failed one would have. */
#include "lt.h"
#include "output.h"
#include "lifecycle.h"
#include "rebind.h"
#include "base.h"
#include "desc.h"
#include "die.h"
#include "entries.h"
#include "hotpath.h"
#include "metrics.h"
#include "modules.h"
#include "rules.h"
#include "settings.h"
#include "state.h"
#include "threads.h"
#include "../common/ltx_format.h"
#include "../common/ltx_write.h"
#include "../common/ltx_io.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h> /* rename, renameat2 */
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

pthread_mutex_t lt_write_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile pid_t write_owner; /* tid holding lt_write_lock, 0 if none */
uint32_t lt_exec_failed;

/* This image's file: its name once it is not the default (after an exec
 * that failed), and the inode of the last one written (ours to move). */
static char file_name[4200];
static dev_t file_dev;
static ino_t file_ino;
static int have_file;
/* Writes of this image, and the failures among them (struct ltx_output). */
static uint32_t n_writes, n_failed, last_errno, last_reason;
static uint64_t last_failed_rt;
static char marker[4200]; /* the failure marker we made, "" if none */

#define WBUF (256 * 1024)

_Static_assert(LT_HIST_BUCKETS == LTX_HIST_BUCKETS, "histogram sizes agree");
_Static_assert(sizeof(struct lt_tev) == sizeof(struct ltx_trace_event), "trace events agree");
_Static_assert(LT_NO_KEY == LTX_NO_KEY, "no-key markers agree");

/* DIR/logtax.PID<mid><suffix> into buf (cap >= strlen(outdir) + 64 + the parts). */
static void name_in_dir(char *buf, const char *mid, uint64_t num, const char *suffix)
{
	size_t n = strlen(lt_cfg.outdir);
	memcpy(buf, lt_cfg.outdir, n);
	memcpy(buf + n, "/logtax.", 8);
	n += 8;
	n += lt_utoa((uint64_t)getpid(), buf + n);
	uint32_t epoch = __atomic_load_n(&lt_epoch, __ATOMIC_ACQUIRE);
	if (epoch) {
		/* attached: each attach has a file of its own */
		memcpy(buf + n, ".a", 2);
		n += 2;
		n += lt_utoa(epoch, buf + n);
	}
	size_t m = strlen(mid);
	memcpy(buf + n, mid, m);
	n += m;
	if (num)
		n += lt_utoa(num, buf + n);
	strcpy(buf + n, suffix);
}

/* Where the file goes: DIR/logtax.PID.ltx (or this image's own name),
 * built as DIR/.logtax.PID.TID.tmp */
static int make_paths(char *final, char *tmp, size_t cap)
{
	size_t d = strlen(lt_cfg.outdir);
	if (d + 64 > cap)
		return -1;
	char num[24];
	if (file_name[0])
		strcpy(final, file_name);
	else
		name_in_dir(final, "", 0, ".ltx");
	size_t n, k = lt_utoa((uint64_t)getpid(), num);
	memcpy(tmp, lt_cfg.outdir, d);
	memcpy(tmp + d, "/.logtax.", 9);
	n = d + 9;
	memcpy(tmp + n, num, k);
	n += k;
	tmp[n++] = '.';
	k = lt_utoa((uint64_t)lt_gettid(), num);
	memcpy(tmp + n, num, k);
	n += k;
	memcpy(tmp + n, ".tmp", 5);
	return 0;
}

/* A process that gave up root after it started (nginx's workers, `user
 * www-data`) cannot write into the output directory root made. `logtax
 * run` as root makes DIR/.logtax-users for them, writable by all and
 * sticky as /tmp is, and moves what lands there up into DIR at the end.
 * Used only after DIR refused us, only if it is root's, sticky and not a
 * symbolic link. Switches for good: 1 if it did. Under the write lock. */
#define LT_USERS_DIR "/.logtax-users"
static int to_users_dir(void)
{
	char *d = lt_cfg.outdir;
	size_t n = strlen(d), k = sizeof LT_USERS_DIR - 1;
	struct stat st;
	if (geteuid() == 0 || n + k + 64 >= sizeof lt_cfg.outdir || (n > k && !strcmp(d + n - k, LT_USERS_DIR)))
		return 0;
	char p[sizeof lt_cfg.outdir];
	memcpy(p, d, n);
	memcpy(p + n, LT_USERS_DIR, k + 1);
	if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || !(st.st_mode & S_ISVTX) ||
	    access(p, W_OK | X_OK) < 0)
		return 0;
	/* The suffix first, then the byte that joins it: a reader of the
	 * directory's name (ctl status) sees the old name or the new one. */
	memcpy(d + n + 1, LT_USERS_DIR + 1, k);
	__atomic_store_n(&d[n], '/', __ATOMIC_RELEASE);
	return 1;
}

void lt_data_path(char *buf, size_t cap)
{
	char tmp[4200];
	if (cap < sizeof tmp || make_paths(buf, tmp, sizeof tmp) < 0)
		buf[0] = 0;
}

/* The rule that decided a key (KEY_RULE), when one did. */
static void write_key_rule(struct ltx_writer *w, const struct lt_ext *x, uint32_t pos)
{
	if (!x->rule)
		return;
	struct ltx_key_rule r = { pos, x->rule - 1, x->rule_act, 0 };
	ltx_w_record(w, LTX_REC_KEY_RULE, &r, sizeof r, NULL, 0, NULL, 0);
}

/* The call site a key's first call named (KEY_SITE), when it named one. */
static void write_key_site(struct ltx_writer *w, const struct lt_name *ln, uint32_t flags, uint32_t pos)
{
	const struct lt_site_at *sa = (flags & LTX_KEY_SITE) ? lt_name_site(ln) : NULL;
	if (!sa)
		return;
	struct ltx_key_site ks = { pos, sa->line, sa->func_len, sa->file_len, sa->flags, 0 };
	ltx_w_record(w, LTX_REC_KEY_SITE, &ks, sizeof ks, sa->s, sa->func_len, sa->s + sa->func_len + 1, sa->file_len);
}

/* A KEY record (its calls added to *total), its KEY_RULE and KEY_SITE;
 * map takes its position for the key's number. Returns the position. */
static uint32_t write_key(struct ltx_writer *w, const struct ltx_key *k, const char *nm, const struct lt_ext *x,
			  const struct lt_name *ln, uint64_t *total, uint32_t *nkeys, uint32_t *map, uint32_t nmap)
{
	ltx_w_record(w, LTX_REC_KEY, k, sizeof *k, nm, k->name_len, NULL, 0);
	*total += k->calls;
	uint32_t pos = (*nkeys)++;
	if (map && x->keyno < nmap)
		map[x->keyno] = pos;
	write_key_rule(w, x, pos);
	write_key_site(w, ln, k->flags, pos);
	return pos;
}

static void write_keys(struct ltx_writer *w, struct lt_thread *th, uint32_t index, uint64_t *total, uint32_t *nkeys,
		       uint32_t *map, uint32_t nmap)
{
	const struct lt_table *tb = __atomic_load_n(&th->table, __ATOMIC_ACQUIRE);
	for (uint64_t i = 0; tb && i <= tb->mask; i++) {
		const struct lt_slot *s = &tb->slots[i];
		const struct lt_ext *x = &tb->ext[i];
		uint64_t ret = __atomic_load_n(&s->ret, __ATOMIC_ACQUIRE);
		if (!ret || LT_META_ENTRY(s->meta) == 0 || (s->action & LT_SA_INNER))
			continue;
		struct ltx_key k;
		memset(&k, 0, sizeof k);
		/* A ruled key's kept calls before its calls: the hot path counts
		 * a call, then whether it was kept, so kept <= calls. */
		int ruled = (s->action & LT_SA_RULED) != 0;
		uint64_t kept = ruled ? __atomic_load_n(&x->rl_kept, __ATOMIC_ACQUIRE) : 0;
		k.calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
		if (!k.calls)
			continue;
		if (kept > k.calls)
			kept = k.calls;
		k.thread = index;
		k.entry = LT_META_ENTRY(s->meta);
		k.level = LT_META_LEVEL(s->meta);
		k.gen = LT_META_GEN(s->meta);
		k.action = (s->action & LT_SA_BASE) == LT_SA_DROP ? LTX_ACT_DROP : LTX_ACT_KEEP;
		k.caller = ret;
		k.fmt = ruled ? x->rl_fmt : s->fmt;
		k.name_ptr = s->name;
		k.timed = __atomic_load_n(&s->timed, __ATOMIC_RELAXED);
		k.ticks = __atomic_load_n(&s->ticks, __ATOMIC_RELAXED);
		/* Loaded after the slot: its lt_name is stored before it is published. */
		const char *names = __atomic_load_n(&th->names, __ATOMIC_ACQUIRE);
		const struct lt_name *ln = s->name_at ? (const struct lt_name *)(names + s->name_at - 1) : NULL;
		const char *nm = NULL;
		if (ln) {
			k.flags = __atomic_load_n(&ln->flags, __ATOMIC_RELAXED);
			k.level = ln->level;
			k.unloads = ln->unloads;
			if (!(k.flags & LTX_KEY_NO_NAME))
				nm = ln->name;
		} else {
			k.flags = LTX_KEY_NO_NAME; /* the arena was full */
		}
		k.name_len = nm ? (uint32_t)strnlen(nm, LTX_MAX_NAME) : 0;
		uint64_t pre = x->pre_calls;
		if (ruled) {
			/* Two rows: the dropped calls here, the kept ones below
			 * (with every timed figure, stacks and trace events). */
			uint64_t dropped = k.calls - kept, pre_kept = x->rl_pre_kept;
			pre_kept = pre_kept < pre ? pre_kept : pre;
			if (dropped) {
				struct ltx_key kd = k;
				kd.action = LTX_ACT_DROP;
				kd.calls = dropped;
				kd.timed = kd.ticks = 0;
				uint32_t dpos = write_key(w, &kd, nm, x, ln, total, nkeys, map, nmap);
				struct ltx_key_pre kp = { dpos, 0, pre - pre_kept };
				if (kp.calls && kp.calls <= dropped)
					ltx_w_record(w, LTX_REC_KEY_PRE, &kp, sizeof kp, NULL, 0, NULL, 0);
			}
			if (!kept)
				continue;
			k.calls = kept;
			pre = pre_kept;
		}
		uint32_t pos = write_key(w, &k, nm, x, ln, total, nkeys, map, nmap);

		uint64_t hist[LT_HIST_BUCKETS];
		uint32_t nb = 0;
		for (uint32_t b = 0; b < LT_HIST_BUCKETS; b++) {
			hist[b] = __atomic_load_n(&x->hist[b], __ATOMIC_RELAXED);
			if (hist[b])
				nb = b + 1;
		}
		if (nb) {
			struct ltx_key_hist h = { pos, nb };
			ltx_w_record(w, LTX_REC_KEY_HIST, &h, sizeof h, hist, nb * sizeof hist[0], NULL, 0);
		}
		struct ltx_key_once ko = { pos, LT_TAIL_SHIFT, __atomic_load_n(&x->tail_timed, __ATOMIC_RELAXED),
					   __atomic_load_n(&x->tail_ticks, __ATOMIC_RELAXED), x->first_ticks, 0, 0 };
		if (x->has_first)
			ko.flags = LTX_ONCE_FIRST | (x->first_ticks >> LT_TAIL_SHIFT ? LTX_ONCE_FIRST_LONG : 0);
		if (ko.tail_timed || ko.flags)
			ltx_w_record(w, LTX_REC_KEY_ONCE, &ko, sizeof ko, NULL, 0, NULL, 0);
		struct ltx_key_pre kp = { pos, 0, pre };
		if (kp.calls && kp.calls <= k.calls)
			ltx_w_record(w, LTX_REC_KEY_PRE, &kp, sizeof kp, NULL, 0, NULL, 0);
		static const uint32_t lost_id[LT_LOST_N] = { LTX_STACK_LOST_FULL, LTX_STACK_LOST_BUSY,
							      LTX_STACK_LOST_FAILED };
		for (int r = 0; r < LT_LOST_N; r++) {
			struct ltx_key_stack ks = { pos, lost_id[r], __atomic_load_n(&x->stack_lost[r], __ATOMIC_RELAXED),
						    x->stack_lost_ticks[r] };
			if (ks.count)
				ltx_w_record(w, LTX_REC_KEY_STACK, &ks, sizeof ks, NULL, 0, NULL, 0);
		}
	}
}

/* The thread's interned stacks (positions *nstacks on), then its (key,
 * stack) counts; counts of keys not written (no calls) are left out. */
static void write_stacks(struct ltx_writer *w, struct lt_thread *th, uint32_t index, uint32_t *nstacks,
			 const uint32_t *map, uint32_t nmap)
{
	const struct lt_stacks *st = __atomic_load_n(&th->stacks, __ATOMIC_ACQUIRE);
	if (!st || !map)
		return;
	uint32_t n = __atomic_load_n(&st->nstacks, __ATOMIC_ACQUIRE), base = *nstacks;
	for (uint32_t i = 0; i < n; i++) {
		const struct lt_stack_ent *se = &st->st[i];
		struct ltx_stack r = { index, se->n, se->flags, lt_cfg.stack_depth, lt_cfg.stack_every, 0 };
		ltx_w_record(w, LTX_REC_STACK, &r, sizeof r, &st->frames[se->at], se->n * sizeof(uint64_t), NULL, 0);
	}
	*nstacks += n;
	for (uint32_t i = 0; i < LT_PAIRS_CAP; i++) {
		const struct lt_pair *p = &st->pairs[i];
		uint32_t id1 = __atomic_load_n(&p->stack1, __ATOMIC_ACQUIRE);
		if (!id1 || id1 > n || p->keyno >= nmap || map[p->keyno] == LTX_NO_KEY || !p->count)
			continue;
		struct ltx_key_stack ks = { map[p->keyno], base + id1 - 1, p->count, p->ticks };
		ltx_w_record(w, LTX_REC_KEY_STACK, &ks, sizeof ks, NULL, 0, NULL, 0);
	}
}

/* The thread's trace ring, oldest first, in records of LTX_TRACE_CHUNK
 * events; key numbers become KEY positions. */
static void write_trace(struct ltx_writer *w, struct lt_thread *th, uint32_t index, const uint32_t *map,
			uint32_t nmap)
{
	const struct lt_trace *tr = th->trace;
	if (!tr)
		return;
	uint64_t recorded = __atomic_load_n(&tr->recorded, __ATOMIC_ACQUIRE);
	if (!recorded)
		return; /* a thread that never logged nor waited (e.g. main, set up at start) */
	uint32_t cap = tr->cap, pos = tr->pos;
	uint32_t kept = recorded < cap ? (uint32_t)recorded : cap;
	uint32_t first = recorded < cap ? 0 : pos;
	size_t buf_bytes = (size_t)LTX_TRACE_CHUNK * sizeof(struct ltx_trace_event);
	struct ltx_trace_event *buf = kept ? lt_map(buf_bytes) : NULL;
	if (!buf)
		kept = 0;
	uint32_t chunk = 0, done = 0;
	do {
		uint32_t n = kept - done < LTX_TRACE_CHUNK ? kept - done : LTX_TRACE_CHUNK;
		for (uint32_t i = 0; i < n; i++) {
			const struct lt_tev *e = &tr->ev[(first + done + i) % cap];
			struct ltx_trace_event *o = &buf[i];
			o->start = e->start;
			o->ticks = e->ticks;
			o->key = e->keyno < nmap && map ? map[e->keyno] : LTX_NO_KEY;
			o->kind = e->kind;
			o->flags = e->flags;
		}
		struct ltx_trace r = { index, n, cap, chunk++, recorded, recorded - kept };
		ltx_w_record(w, LTX_REC_TRACE, &r, sizeof r, buf, n * sizeof *buf, NULL, 0);
		done += n;
	} while (done < kept);
	if (buf)
		lt_unmap(buf, buf_bytes);
}

/* Another thread's CPU clock, by its id (the kernel's per-thread CPU clock
 * id for a thread of this process: what pthread_getcpuclockid returns,
 * made from the tid since the writer has no pthread_t). 0, or -1 if the
 * thread is gone. */
static int thread_cpu_of(pid_t tid, uint64_t *ns)
{
	clockid_t id = (clockid_t)((~(unsigned)tid << 3) | 6); /* CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED */
	struct timespec ts;
	int e = errno;
	int r = clock_gettime(id, &ts);
	errno = e;
	if (r < 0)
		return -1;
	*ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return 0;
}

/* The ATTACH record, when the shim was attached: when, what it patched,
 * what it left out. */
static void write_attach(struct ltx_writer *w)
{
	int m = __atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE);
	if (m != LT_MODE_ATTACHED && m != LT_MODE_DETACHED)
		return;
	struct ltx_attach a;
	memset(&a, 0, sizeof a);
	a.attach_realtime_ns = lt_attached.attach_real;
	a.attach_mono_ns = lt_attached.attach_mono;
	a.detach_realtime_ns = lt_attached.detach_real;
	a.detach_mono_ns = lt_attached.detach_mono;
	a.attach_no = lt_epoch;
	a.flags = lt_attached.detach_mono ? LTX_ATTACH_DETACHED : 0;
	a.got_entries = lt_attached.got_entries;
	a.patched_entries = lt_attached.patched_entries;
	a.uncovered_len = (uint32_t)strlen(lt_rebind_uncovered);
	ltx_w_record(w, LTX_REC_ATTACH, &a, sizeof a, lt_rebind_uncovered, a.uncovered_len, NULL, 0);
}

static void write_body(struct ltx_writer *w, uint32_t reason, uint32_t sig, int in_handler, uint64_t *total)
{
	char exe[4096], cmd[4096];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof exe);
	size_t cl = lt_read_small("/proc/self/cmdline", cmd, sizeof cmd);
	struct ltx_process p;
	memset(&p, 0, sizeof p);
	p.pid = (uint32_t)getpid();
	p.ppid = (uint32_t)getppid();
	p.uid = (uint32_t)getuid();
	p.reason = reason;
	p.start_realtime_ns = lt_start_real;
	p.start_mono_ns = lt_start_mono;
	p.start_tsc = lt_start_tsc;
	p.end_tsc = lt_rdtsc();
	p.end_mono_ns = lt_clock_ns(CLOCK_MONOTONIC);
	p.end_realtime_ns = lt_clock_ns(CLOCK_REALTIME);
	p.time_mode = lt_cfg.time_mode;
	p.sample_every = lt_cfg.sample_every;
	p.clock_flags = lt_cfg.clock_flags;
	p.exe_len = el > 0 ? (uint32_t)el : 0;
	p.cmdline_len = (uint32_t)cl;
	p.late_calls = __atomic_load_n(&lt_late_calls, __ATOMIC_RELAXED);
	ltx_w_record(w, LTX_REC_PROCESS, &p, sizeof p, exe, p.exe_len, cmd, p.cmdline_len);
	ltx_w_record(w, LTX_REC_CALIB, &lt_calib, sizeof lt_calib, NULL, 0, NULL, 0);
	struct ltx_output out = { .signal = sig,
				  .snapshot_every = lt_cfg.snapshot_every,
				  .flags = (lt_cfg.no_follow ? LTX_OUT_NO_FOLLOW : 0) | lt_exec_failed,
				  .writes = n_writes,
				  .failed = n_failed,
				  .last_errno = last_errno,
				  .last_reason = last_reason,
				  .last_failed_realtime_ns = last_failed_rt };
	ltx_w_record(w, LTX_REC_OUTPUT, &out, sizeof out, NULL, 0, NULL, 0);
	write_attach(w);

	uint32_t hooks = __atomic_load_n(&lt_hook_used, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < lt_ndescs + hooks; i++) {
		const struct lt_desc *d = i < lt_ndescs ? lt_descs[i] : &lt_hook_descs[i - lt_ndescs];
		struct ltx_entry e = { d->id, d->family, d->real ? LTX_ENTRY_RESOLVED : 0,
				       (uint32_t)strlen(d->symbol) };
		ltx_w_record(w, LTX_REC_ENTRY, &e, sizeof e, d->symbol, e.name_len, NULL, 0);
		unsigned nscale;
		const struct ltx_level_pair *scale = lt_hook_scale(d, &nscale);
		if (nscale) {
			struct ltx_entry_levels sc = { d->id, nscale };
			ltx_w_record(w, LTX_REC_ENTRY_LEVELS, &sc, sizeof sc, scale, nscale * sizeof *scale, NULL, 0);
		}
	}

	/* Rule sets: generation 0 (none) and each one applied since, newest first. */
	struct ltx_rules r0 = { lt_gen_base, 0, lt_start_mono };
	ltx_w_record(w, LTX_REC_RULES, &r0, sizeof r0, NULL, 0, NULL, 0);
	for (const struct lt_rules_node *n = __atomic_load_n(&lt_rules_head, __ATOMIC_ACQUIRE); n; n = n->next) {
		struct ltx_rules r = { n->gen, n->rs.text_len, n->applied_mono };
		ltx_w_record(w, LTX_REC_RULES, &r, sizeof r, (const char *)&n->rs + n->rs.text_off, r.text_len, NULL, 0);
	}

	lt_write_modules(w, in_handler); /* loaded ones, then unloaded ones (modules.c) */

	/* Threads, numbered in list order; then their keys. No thread may exit
	 * (be folded and unmapped) meanwhile. */
	sigset_t sigs;
	lt_threads_lock(&sigs);
	/* The list as it is now, for both walks: a thread that starts meanwhile
	 * is pushed on the head, outside it (indices must agree). */
	struct lt_thread *const first = __atomic_load_n(&lt_threads, __ATOMIC_ACQUIRE);
	uint32_t index = 0;
	for (struct lt_thread *th = first; th; th = th->next) {
		struct ltx_thread t;
		memset(&t, 0, sizeof t);
		t.index = index++;
		t.tid = (uint32_t)th->tid;
		t.flags = th->flags | (th->waits ? LTX_THREAD_IN_LOOP : 0);
		t.nthreads = th->nthreads ? th->nthreads : 1;
		if (th->flags & LTX_THREAD_EXITED) {
			memcpy(t.name, th->name, sizeof t.name);
		} else {
			char path[64] = "/proc/self/task/";
			lt_utoa((uint64_t)th->tid, path + 16);
			strcat(path, "/comm");
			size_t n = lt_read_small(path, t.name, sizeof t.name - 1);
			if (n && t.name[n - 1] == '\n')
				t.name[n - 1] = 0;
		}
		t.waits = th->waits;
		t.wait_ticks = th->wait_ticks;
		t.busy_ticks = th->busy_ticks;
		t.pre_loop_kept = th->pre_loop[0];
		t.pre_loop_dropped = th->pre_loop[1];
		t.pre_loop_timed = th->pre_loop[2];
		t.pre_loop_ticks = th->pre_loop[3];
		t.untimed_full = th->untimed_full;
		t.reentered = th->reentered;
		ltx_w_record(w, LTX_REC_THREAD, &t, sizeof t, NULL, 0, NULL, 0);
	}
	index = 0;
	for (struct lt_thread *th = first; th; th = th->next, index++) {
		struct ltx_thread_cpu c = { index, 0, th->cpu_samples, th->cpu_sampled_ticks, th->cpu_sampled_ns };
		if (c.samples)
			ltx_w_record(w, LTX_REC_THREAD_CPU, &c, sizeof c, NULL, 0, NULL, 0);
	}
	/* Each thread's whole CPU time, then the process's, read after them so
	 * that theirs add up to at most it. */
	index = 0;
	for (struct lt_thread *th = first; th; th = th->next, index++) {
		struct ltx_thread_time tt;
		memset(&tt, 0, sizeof tt);
		tt.thread = index;
		if (th->flags & LTX_THREAD_EXITED) {
			tt.cpu_ns = th->cpu_exit_ns;
			tt.flags = th->cpu_exit_ok ? LTX_TT_CPU | LTX_TT_AT_EXIT : 0;
		} else if (thread_cpu_of(th->tid, &tt.cpu_ns) == 0) {
			tt.flags = LTX_TT_CPU;
		}
		tt.jobs = th->jobs;
		tt.job_wait_ticks = th->job_wait_ticks;
		tt.job_busy_ticks = th->job_busy_ticks;
		tt.pre_jobs_kept = th->pre_jobs[0];
		tt.pre_jobs_dropped = th->pre_jobs[1];
		tt.pre_jobs_timed = th->pre_jobs[2];
		tt.pre_jobs_ticks = th->pre_jobs[3];
		if (tt.flags || tt.jobs)
			ltx_w_record(w, LTX_REC_THREAD_TIME, &tt, sizeof tt, NULL, 0, NULL, 0);
	}
	struct ltx_process_cpu pc = { 0, lt_cfg.jobs ? LTX_PCPU_JOBS : 0, 0 };
	struct timespec pts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &pts) == 0) {
		pc.cpu_ns = (uint64_t)pts.tv_sec * 1000000000ull + (uint64_t)pts.tv_nsec;
		ltx_w_record(w, LTX_REC_PROCESS_CPU, &pc, sizeof pc, NULL, 0, NULL, 0);
	}
	/* Per thread: its keys (each followed by its histogram and its lost-stack
	 * counts), its stacks, its (key, stack) counts, its trace. Records refer
	 * to keys and stacks by position: *nkeys and *nstacks count them. */
	index = 0;
	uint32_t nkeys = 0, nstacks = 0;
	for (struct lt_thread *th = first; th; th = th->next, index++) {
		/* key number in the thread -> position of its KEY record */
		uint32_t nmap = __atomic_load_n(&th->nkeys, __ATOMIC_ACQUIRE);
		size_t map_bytes = (size_t)nmap * sizeof(uint32_t) + 1;
		uint32_t *map = lt_map(map_bytes);
		if (map)
			memset(map, 0xff, (size_t)nmap * sizeof(uint32_t));
		write_keys(w, th, index, total, &nkeys, map, nmap);
		write_stacks(w, th, index, &nstacks, map, nmap);
		write_trace(w, th, index, map, nmap);
		if (map)
			lt_unmap(map, map_bytes);
	}
	lt_threads_unlock(&sigs);
}

/* Whether any logging call was seen: a process that made none (a shell, a
 * helper it ran) leaves no file behind. */
int lt_saw_calls(void)
{
	if (lt_inert)
		return 0;
	if (__atomic_load_n(&lt_late_calls, __ATOMIC_RELAXED))
		return 1;
	int saw = 0;
	sigset_t sigs;
	lt_threads_lock(&sigs);
	for (struct lt_thread *th = __atomic_load_n(&lt_threads, __ATOMIC_ACQUIRE); th && !saw; th = th->next) {
		uint64_t sums[4];
		lt_table_sums(th->table, sums);
		saw = sums[0] || sums[1] || th->reentered;
	}
	lt_threads_unlock(&sigs);
	return saw;
}

/* The symbolic name of an errno value ("ENOSPC"), or its number. */
static const char *errno_name(int e, char *buf)
{
	const char *n = strerrorname_np(e);
	if (n)
		return n;
	buf[0] = 'E';
	lt_utoa((uint64_t)(e < 0 ? 0 : e), buf + 1);
	return buf;
}

/* Moves from to to unless to exists: 0, or -1 with errno (EEXIST: taken). */
static int move_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: link fails if to exists. */
	if (link(from, to) < 0)
		return -1;
	unlink(from);
	return 0;
}

/* Before exec: the file goes to the first free DIR/logtax.PID.N.ltx; the
 * image's earlier file (a snapshot at the default name) moves there first,
 * so at no moment do two files hold its counts. */
static int place_exec_file(const char *tmp, const char *final)
{
	char name[4200];
	struct stat st;
	int move_old = have_file && lstat(final, &st) == 0 && st.st_dev == file_dev && st.st_ino == file_ino;
	for (uint64_t n = 1; n < 10000; n++) {
		name_in_dir(name, ".", n, ".ltx");
		if (move_noreplace(move_old ? final : tmp, name) < 0) {
			if (errno == EEXIST)
				continue;
			return -1;
		}
		if (move_old && rename(tmp, name) < 0)
			return -1; /* the snapshot is there under the new name */
		strcpy(file_name, name);
		return 0;
	}
	errno = EEXIST;
	return -1;
}

/* A failed write: remembered for the next file, marked on disk for
 * `logtax run` (an empty file: it needs no data block), warned about once. */
static void write_failed(uint32_t reason, int e, const char *final)
{
	n_failed++;
	last_errno = (uint32_t)e;
	last_reason = reason;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	last_failed_rt = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	char m[4200], eb[16];
	const char *en = errno_name(e, eb);
	name_in_dir(m, ".write-failed.", 0, en);
	if (strcmp(m, marker)) {
		if (marker[0])
			unlink(marker);
		marker[0] = 0;
		int fd = open(m, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
			strcpy(marker, m);
		}
	}
	if (lt_outdir_bad)
		return;
	lt_outdir_bad = 1;
	char msg[4400];
	size_t n = strlen(final);
	memcpy(msg, final, n);
	memcpy(msg + n, ": ", 2);
	n += 2;
	const char *why = strerrordesc_np(e);
	snprintf(msg + n, sizeof msg - n, "%s (%s); the program runs on, the loss is recorded", why ? why : "error", en);
	lt_warn("warning: cannot write the data file", msg);
}

static int lock_writer(int try)
{
	pid_t me = lt_gettid();
	if (__atomic_load_n(&write_owner, __ATOMIC_RELAXED) == me)
		return -1; /* a signal handler that interrupted our own writer */
	if (try ? pthread_mutex_trylock(&lt_write_lock) != 0 : pthread_mutex_lock(&lt_write_lock) != 0)
		return -1;
	__atomic_store_n(&write_owner, me, __ATOMIC_RELAXED);
	return 0;
}

static void unlock_writer(void)
{
	__atomic_store_n(&write_owner, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lt_write_lock);
}

volatile int lt_deferred_sig;

int lt_writer_is_self(void)
{
	return __atomic_load_n(&write_owner, __ATOMIC_RELAXED) == lt_gettid();
}

int lt_write_data(uint32_t reason)
{
	return lt_write_file(reason, 0, 0);
}

int lt_write_file(uint32_t reason, uint32_t sig, int try)
{
	char final[4200], tmp[4200];
	int e = errno;
	if (lt_inert || make_paths(final, tmp, sizeof final) < 0)
		return -1;
	uint32_t busy = lt_tls.busy;
	lt_tls.busy = 1;
	if (lock_writer(try) < 0) {
		lt_tls.busy = busy;
		errno = e;
		return -1;
	}
	/* the name may have changed while we waited (an exec that failed) */
	make_paths(final, tmp, sizeof final);
	int rc = -1, err = 0;
	void *buf = lt_map(WBUF);
	int fd = -1;
	if (!buf)
		err = ENOMEM;
	for (int attempt = 0; buf && attempt < 2 && fd < 0; attempt++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST && attempt == 0)
			unlink(tmp); /* left by a crash of an earlier process with our pid, or planted */
		else if (fd < 0 && (errno == EACCES || errno == EPERM) && attempt == 0 && !file_name[0] && to_users_dir())
			make_paths(final, tmp, sizeof final); /* we gave up root since start-up */
		else if (fd < 0)
			err = errno;
	}
	if (fd >= 0) {
		fchmod(fd, 0600); /* whatever the umask (a daemon may set 0) */
		struct ltx_writer w;
		uint64_t total = 0;
		ltx_w_init(&w, fd, buf, WBUF);
		uint64_t feat = LTX_FEAT_CALIB | LTX_FEAT_HIST | (lt_cfg.stack_depth ? LTX_FEAT_STACKS : 0) |
				(lt_cfg.trace_events ? LTX_FEAT_TRACE : 0);
		int snap = reason == LTX_REASON_SNAPSHOT || reason == LTX_REASON_DUMP;
		ltx_w_header(&w, snap ? LTX_FILE_SNAPSHOT : 0, feat);
		write_body(&w, reason, sig, try, &total);
		err = ltx_w_finish(&w, total);
		if (close(fd) < 0 && !err)
			err = errno;
		if (!err && reason == LTX_REASON_EXEC && !file_name[0]) {
			if (place_exec_file(tmp, final) == 0)
				strcpy(final, file_name);
			else
				err = errno;
		} else if (!err && rename(tmp, final) < 0) {
			err = errno;
		}
		if (!err) {
			struct stat st;
			rc = 0;
			if (lstat(final, &st) == 0) {
				file_dev = st.st_dev;
				file_ino = st.st_ino;
				have_file = 1;
			}
		}
		if (rc < 0)
			unlink(tmp);
	}
	n_writes++;
	if (rc < 0) {
		write_failed(reason, err ? err : EIO, final);
	} else if (marker[0]) {
		unlink(marker);
		marker[0] = 0;
	}
	if (buf)
		lt_unmap(buf, WBUF);
	/* the metrics file too, whether or not the data file could be written */
	lt_metrics_write(reason == LTX_REASON_EXIT || reason == LTX_REASON_SIGNAL || reason == LTX_REASON_EXEC);
	unlock_writer();
	lt_tls.busy = busy;
	int deferred = lt_deferred_sig;
	if (deferred) {
		/* a terminating signal came while this thread wrote: the file is
		 * complete now; die of it, as the program would have */
		lt_deferred_sig = 0;
		lt_ended = 1;
		lt_die_of(deferred);
	}
	errno = e;
	return rc;
}

/* The metrics file alone (LOGTAX_METRICS), at a snapshot tick whose data
 * file did not change. */
int lt_write_metrics(void)
{
	if (lt_inert || lt_ended)
		return 0;
	uint32_t busy = lt_tls.busy;
	lt_tls.busy = 1;
	if (lock_writer(0) < 0) {
		lt_tls.busy = busy;
		return -1;
	}
	int rc = lt_metrics_write(0);
	unlock_writer();
	lt_tls.busy = busy;
	return rc;
}

/* In a fork child: a new pid, so a new file; nothing written yet. */
void lt_output_forked(void)
{
	pthread_mutex_init(&lt_write_lock, NULL);
	write_owner = 0;
	file_name[0] = 0;
	have_file = 0;
	n_writes = n_failed = last_errno = last_reason = 0;
	last_failed_rt = 0;
	marker[0] = 0;
	lt_exec_failed = 0;
	lt_metrics_forked();
}
