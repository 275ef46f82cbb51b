/* LOGTAX_METRICS=DIR: DIR/logtax_PID.prom, the process's counts in the
 * Prometheus text format (0.0.4, what node_exporter's textfile collector
 * reads), kept current at each snapshot and marked ended (final counts,
 * logtax_process_ended 1) when the process exits or execs.
 *
 * Written by the writer (output.c) under its lock: at each snapshot tick
 * and with every data file. Built under DIR/.logtax_PID.TID.tmp (the
 * collector reads only *.prom) and renamed, so a scrape never sees half a
 * file. No stdio, no malloc: the buffer and the scratch tables are mmap'ed
 * and numbers are formatted here.
 *
 * The estimates are the simple ones a live file can afford: per (entry
 * point, source, level) the mean of its timed windows, the timing
 * window's own cost taken out, long windows (preempted or blocked calls)
 * counted once; `logtax report` refines them (first calls, pooling). Counts
 * are exact. Label sets stay bounded: call sites only with
 * LOGTAX_METRICS_SITES=1. */
#include "lt.h"
#include "metrics.h"
#include "base.h"
#include "desc.h"
#include "entries.h"
#include "hotpath.h"
#include "modules.h"
#include "state.h"
#include "threads.h"
#include "../common/ltx_format.h"
#include "../common/ltx_utf8.h"
#include "../common/ltx_levels.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <stdio.h> /* rename */
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A failed write warned once. Set only when the line reached stderr: the
 * control thread has no descriptor 2 (service.c), so a write of its that
 * failed is told by the next one of an application thread (at the latest
 * the one at exit). */
static int warned;
static char build_id[2 * LT_BID_MAX + 1];
static int build_id_done;

#define MBUF (64 * 1024)

/* ---- the output buffer ------------------------------------------------- */

struct mout {
	int fd, err;
	char *buf;
	size_t n;
};

static void flush(struct mout *o)
{
	size_t off = 0;
	while (off < o->n && !o->err) {
		ssize_t k = write(o->fd, o->buf + off, o->n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			o->err = k < 0 ? errno : EIO;
		else
			off += (size_t)k;
	}
	o->n = 0;
}

static void put(struct mout *o, const char *s, size_t len)
{
	while (len) {
		if (o->n == MBUF)
			flush(o);
		size_t k = MBUF - o->n < len ? MBUF - o->n : len;
		memcpy(o->buf + o->n, s, k);
		o->n += k;
		s += k;
		len -= k;
	}
}

static void puts_(struct mout *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_u64(struct mout *o, uint64_t v)
{
	char d[24];
	put(o, d, lt_utoa(v, d));
}

/* v >= 0 with `digits` decimals (no printf here). */
static void put_fixed(struct mout *o, double v, unsigned digits)
{
	if (!(v > 0))
		v = 0;
	if (v > 1e15)
		v = 1e15;
	uint64_t scale = 1;
	for (unsigned i = 0; i < digits; i++)
		scale *= 10;
	uint64_t x = (uint64_t)(v * (double)scale + 0.5);
	put_u64(o, x / scale);
	if (!digits)
		return;
	char f[24];
	uint64_t r = x % scale;
	for (unsigned i = digits; i-- > 0; r /= 10)
		f[i] = (char)('0' + r % 10);
	put(o, ".", 1);
	put(o, f, digits);
}

/* A label value: '\', '"' and newlines escaped; bytes that are not UTF-8
 * become '?' (the scraper rejects a whole file for one bad value). */
static void put_label_value(struct mout *o, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned c = *p;
		size_t n = ltx_utf8_len(p, end);
		if (!n) {
			put(o, "?", 1);
			p++;
		} else if (c == '\\') {
			put(o, "\\\\", 2);
			p++;
		} else if (c == '"') {
			put(o, "\\\"", 2);
			p++;
		} else if (c == '\n') {
			put(o, "\\n", 2);
			p++;
		} else {
			put(o, (const char *)p, n);
			p += n;
		}
	}
}

/* ---- what is summed ---------------------------------------------------- */

/* One (entry point, source, level[, call site]) over all threads and
 * generations. */
struct mgroup {
	const char *name; /* the source in a thread's name arena; NULL: none */
	uint32_t name_len;
	uint32_t entry, level, used;
	uint64_t hash, site;
	uint64_t calls, dropped, timed, ticks, tail_timed, tail_ticks;
	double mean_ns; /* a kept call's net time; < 0 when nothing was timed */
};

struct mgen {
	uint32_t gen;
	uint64_t dropped;
	double saved_ns;
};

struct mthr {
	char name[16]; /* the thread group: comm without its trailing number */
	uint64_t waits;
	double busy_ns, wait_ns, log_ns, shim_ns;
};

static uint64_t hash_bytes(const char *s, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* The key's source, level and call site as grouped. */
static void key_fields(const struct lt_thread *th, const struct lt_slot *s, const char **name, uint32_t *len,
		       uint32_t *level)
{
	const char *names = __atomic_load_n(&th->names, __ATOMIC_ACQUIRE);
	const struct lt_name *ln = s->name_at ? (const struct lt_name *)(names + s->name_at - 1) : NULL;
	int32_t raw = ln ? ln->level : (int32_t)LT_META_LEVEL(s->meta);
	*name = NULL;
	*len = 0;
	if (ln && !(__atomic_load_n(&ln->flags, __ATOMIC_RELAXED) & LTX_KEY_NO_NAME)) {
		*name = ln->name;
		*len = (uint32_t)strnlen(ln->name, LTX_MAX_NAME);
	}
	const struct lt_desc *d = lt_desc_by_id(LT_META_ENTRY(s->meta));
	unsigned nscale = 0;
	const struct ltx_level_pair *scale = d ? lt_hook_scale(d, &nscale) : NULL;
	*level = (uint32_t)ltx_level_of_scale(scale, nscale, d ? d->family : 0, raw);
}

/* The groups, found by an open-addressed index of icap (a power of two)
 * entries, each 0 (free) or a group's number + 1. */
struct mgroups {
	struct mgroup *g;
	uint32_t *index;
	uint32_t icap, n, cap;
	int sites; /* LOGTAX_METRICS_SITES: the call site is part of a group */
};

static struct mgroup *find_group(struct mgroups *gs, uint32_t entry, uint32_t level, const char *name, uint32_t len,
				 uint64_t site, int add)
{
	uint32_t *index = gs->index, icap = gs->icap;
	uint64_t h = hash_bytes(name ? name : "", len, 0xcbf29ce484222325ull ^ entry ^ (uint64_t)level << 8 ^ site);
	h ^= name ? 1 : 0;
	for (uint32_t i = (uint32_t)(h & (icap - 1)), probes = 0; probes < icap; i = (i + 1) & (icap - 1), probes++) {
		if (!index[i]) {
			if (!add || gs->n == gs->cap)
				return NULL;
			struct mgroup *m = &gs->g[gs->n];
			memset(m, 0, sizeof *m);
			m->name = name;
			m->name_len = len;
			m->entry = entry;
			m->level = level;
			m->site = site;
			m->hash = h;
			m->mean_ns = -1;
			index[i] = ++gs->n;
			return m;
		}
		struct mgroup *m = &gs->g[index[i] - 1];
		if (m->hash == h && m->entry == entry && m->level == level && m->site == site &&
		    !m->name == !name && m->name_len == len && (!len || !memcmp(m->name, name, len)))
			return m;
	}
	return NULL;
}

/* The group of a thread's slot (made when add, if there is room), and
 * the slot's calls; NULL for a slot that holds no key of a logging call
 * (empty, an inner call) or whose group is not found. */
static struct mgroup *slot_group(struct mgroups *gs, const struct lt_thread *th, const struct lt_slot *s, int add,
				 uint64_t *calls)
{
	uint64_t ret = __atomic_load_n(&s->ret, __ATOMIC_ACQUIRE);
	*calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
	if (!ret || !*calls || LT_META_ENTRY(s->meta) == 0 || (s->action & LT_SA_INNER))
		return NULL;
	const char *name;
	uint32_t len, level;
	key_fields(th, s, &name, &len, &level);
	return find_group(gs, LT_META_ENTRY(s->meta), level, name, len, gs->sites ? ret : 0, add);
}

/* The thread group of a thread: its name less a trailing number (pool
 * workers "worker-1".."worker-16" are one group). */
static void thread_group(const struct lt_thread *th, char out[16])
{
	char name[16] = "";
	if (th->flags & LTX_THREAD_FOLDED) {
		strcpy(name, "(exited)");
	} else if (th->flags & LTX_THREAD_EXITED) {
		memcpy(name, th->name, sizeof name);
		name[15] = 0;
	} else {
		char path[64] = "/proc/self/task/";
		lt_utoa((uint64_t)th->tid, path + 16);
		strcat(path, "/comm");
		size_t n = lt_read_small(path, name, sizeof name - 1);
		name[n] = 0;
		if (n && name[n - 1] == '\n')
			name[n - 1] = 0;
	}
	size_t n = strlen(name);
	while (n && name[n - 1] >= '0' && name[n - 1] <= '9')
		n--;
	while (n && strchr("-_:#/. ", name[n - 1]))
		n--;
	if (n)
		name[n] = 0;
	if (!name[0])
		strcpy(name, "?");
	memcpy(out, name, 16);
}

/* The executable's build-id, hex, from its program headers in memory
 * (getauxval: no loader lock, safe from a signal handler). */
static void read_build_id(void)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);
	uintptr_t bias = 0;
	build_id_done = 1;
	if (!ph)
		return;
	for (unsigned long i = 0; i < n; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = (uintptr_t)ph - ph[i].p_vaddr;
	for (unsigned long i = 0; i < n; i++) {
		if (ph[i].p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(bias + ph[i].p_vaddr), *end = p + ph[i].p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const unsigned char *name = p + sizeof *nh;
			const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4)) {
				static const char hx[] = "0123456789abcdef";
				uint32_t len = nh->n_descsz < LT_BID_MAX ? nh->n_descsz : LT_BID_MAX;
				for (uint32_t j = 0; j < len; j++) {
					build_id[2 * j] = hx[desc[j] >> 4];
					build_id[2 * j + 1] = hx[desc[j] & 15];
				}
				build_id[2 * len] = 0;
				return;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
}

/* ---- the file ---------------------------------------------------------- */

struct mctx {
	struct mout *o;
	char pid[24];
};

/* {program="...",pid="...",build_id="..."[,EXTRA] */
static void labels(struct mctx *c, const char *extra_name, const char *extra, size_t extra_len)
{
	struct mout *o = c->o;
	const char *prog = (const char *)(uintptr_t)lt_progname;
	puts_(o, "{program=\"");
	if (prog)
		put_label_value(o, prog, strlen(prog));
	puts_(o, "\",pid=\"");
	puts_(o, c->pid);
	puts_(o, "\",build_id=\"");
	puts_(o, build_id);
	put(o, "\"", 1);
	if (extra_name) {
		put(o, ",", 1);
		puts_(o, extra_name);
		puts_(o, "=\"");
		put_label_value(o, extra, extra_len);
		put(o, "\"", 1);
	}
}

static void family(struct mout *o, const char *name, const char *type, const char *help)
{
	puts_(o, "# HELP ");
	puts_(o, name);
	put(o, " ", 1);
	puts_(o, help);
	puts_(o, "\n# TYPE ");
	puts_(o, name);
	put(o, " ", 1);
	puts_(o, type);
	put(o, "\n", 1);
}

static void sample_end(struct mout *o, double v, unsigned digits)
{
	put(o, "} ", 2);
	put_fixed(o, v, digits);
	put(o, "\n", 1);
}

/* A call site, "OBJECT@0xADDR": the return address as this process has it
 * (nothing is symbolized in a live process; the report's --metrics-sites
 * names function and line). */
static void site_label(struct mout *o, const struct lt_maps *mp, uint64_t addr)
{
	const char *path = NULL;
	size_t n = mp->buf ? lt_maps_path(mp, addr, &path) : 0;
	const char *base = path;
	for (size_t i = 0; i < n; i++)
		if (path[i] == '/')
			base = path + i + 1;
	if (n)
		put_label_value(o, base, (size_t)(path + n - base));
	char hx[20];
	int k = 0;
	for (int sh = 60; sh >= 0; sh -= 4) {
		unsigned d = (unsigned)(addr >> sh) & 15;
		if (d || k || sh == 0)
			hx[k++] = "0123456789abcdef"[d];
	}
	puts_(o, n ? "@0x" : "0x");
	put(o, hx, (size_t)k);
}

/* The shim's own costs per call from its calibration (as the analyzer
 * derives them): counted, timed, dropped, and a timed window's share. */
struct mcost {
	double count, timed, drop, window, ns_per_tick;
};

static double per(uint64_t t, uint64_t n)
{
	return n ? (double)t / (double)n : 0;
}

static void costs(struct mcost *k)
{
	memset(k, 0, sizeof *k);
	uint64_t dt = lt_rdtsc() - lt_start_tsc, dn = lt_clock_ns(CLOCK_MONOTONIC) - lt_start_mono;
	k->ns_per_tick = LT_HAVE_TRAMPOLINES ? (dt ? (double)dn / (double)dt : 0) : 1;
	const struct ltx_calib *c = &lt_calib;
	if (!c->calls || !k->ns_per_tick)
		return;
	double t = k->ns_per_tick, direct = per(c->direct_ticks, c->calls);
	double count = per(c->count_ticks, c->calls) - direct, v;
	k->count = count > 0 ? count * t : 0;
	v = per(c->drop_ticks, c->calls) - direct;
	k->drop = v > 0 ? v * t : 0;
	if (lt_cfg.time_mode == LTX_TIME_SAMPLE && c->sample_timed && c->sample_calls) {
		double extra = (per(c->sample_ticks, c->sample_calls) - direct - count) * (double)c->sample_calls /
			       (double)c->sample_timed;
		k->timed = (count + (extra > 0 ? extra : 0)) * t;
		k->window = per(c->sample_window_ticks, c->sample_timed) * t;
	} else {
		v = per(c->timed_ticks, c->calls) - direct;
		k->timed = v > 0 ? v * t : 0;
		k->window = per(c->window_ticks, c->calls) * t;
	}
}

static void write_body(struct mout *o, int ended)
{
	struct mctx c = { o, "" };
	if (!build_id_done)
		read_build_id();
	lt_utoa((uint64_t)getpid(), c.pid);
	struct mcost k;
	costs(&k);
	int sites = lt_cfg.metrics_sites;
	struct lt_maps maps = { 0 };
	if (sites && lt_maps_read(&maps) < 0)
		maps.buf = NULL;

	sigset_t sigs;
	lt_threads_lock(&sigs);
	struct lt_thread *const first = __atomic_load_n(&lt_threads, __ATOMIC_ACQUIRE);
	uint32_t nkeys = 0, nthr = 0;
	for (struct lt_thread *th = first; th; th = th->next, nthr++) {
		const struct lt_table *tb = __atomic_load_n(&th->table, __ATOMIC_ACQUIRE);
		uint32_t n = __atomic_load_n(&th->nkeys, __ATOMIC_ACQUIRE);
		if (tb && tb->used > n)
			n = (uint32_t)tb->used;
		nkeys += n + 1;
	}
	/* room for keys the slow path makes meanwhile (beyond it, a key waits for the next file) */
	nkeys += nkeys / 8 + 64;
	uint32_t icap = 64;
	while (icap < 2 * nkeys)
		icap *= 2;
	size_t bytes = (size_t)nkeys * (sizeof(struct mgroup) + sizeof(struct mgen)) + icap * sizeof(uint32_t) +
		       (size_t)nthr * sizeof(struct mthr) + 64;
	char *scratch = lt_map(bytes);
	if (!scratch) {
		lt_threads_unlock(&sigs);
		lt_maps_free(&maps);
		o->err = ENOMEM;
		return;
	}
	struct mgroup *g = (struct mgroup *)scratch;
	struct mgen *gens = (struct mgen *)(g + nkeys);
	struct mthr *thr = (struct mthr *)(gens + nkeys);
	struct mgroups gs = { g, (uint32_t *)(thr + nthr), icap, 0, nkeys, sites };
	uint32_t ngen = 0, nt = 0;

	/* Pass 1: calls and timed windows per group. */
	for (struct lt_thread *th = first; th; th = th->next) {
		const struct lt_table *tb = __atomic_load_n(&th->table, __ATOMIC_ACQUIRE);
		for (uint64_t i = 0; tb && i <= tb->mask; i++) {
			const struct lt_slot *s = &tb->slots[i];
			uint64_t calls;
			struct mgroup *m = slot_group(&gs, th, s, 1, &calls);
			if (!m)
				continue;
			m->calls += calls;
			if ((s->action & LT_SA_BASE) == LT_SA_DROP) {
				m->dropped += calls;
				continue;
			}
			const struct lt_ext *x = &tb->ext[i];
			m->timed += __atomic_load_n(&s->timed, __ATOMIC_RELAXED);
			m->ticks += __atomic_load_n(&s->ticks, __ATOMIC_RELAXED);
			m->tail_timed += __atomic_load_n(&x->tail_timed, __ATOMIC_RELAXED);
			m->tail_ticks += __atomic_load_n(&x->tail_ticks, __ATOMIC_RELAXED);
		}
	}
	for (uint32_t i = 0; i < gs.n; i++) {
		struct mgroup *m = &g[i];
		if (lt_cfg.time_mode == LTX_TIME_OFF || !k.ns_per_tick)
			continue;
		if (m->tail_timed > m->timed || m->tail_ticks > m->ticks)
			m->tail_timed = m->tail_ticks = 0;
		uint64_t body = m->timed - m->tail_timed;
		if (body) {
			double v = (double)(m->ticks - m->tail_ticks) / (double)body * k.ns_per_tick - k.window;
			m->mean_ns = v > 0 ? v : 0;
		} else if (m->timed) {
			double v = (double)m->ticks / (double)m->timed * k.ns_per_tick - k.window;
			m->mean_ns = v > 0 ? v : 0;
		}
	}

	/* Pass 2: drops per generation, and each thread's loop: its keys'
	 * calls after its first wait at their group's cost. */
	for (struct lt_thread *th = first; th; th = th->next) {
		const struct lt_table *tb = __atomic_load_n(&th->table, __ATOMIC_ACQUIRE);
		double log_ns = 0;
		uint64_t sums[4];
		lt_table_sums(tb, sums);
		for (uint64_t i = 0; tb && i <= tb->mask; i++) {
			const struct lt_slot *s = &tb->slots[i];
			uint64_t calls;
			struct mgroup *m = slot_group(&gs, th, s, 0, &calls);
			if (!m)
				continue;
			if ((s->action & LT_SA_BASE) == LT_SA_DROP) {
				uint32_t gen = LT_META_GEN(s->meta), j = 0;
				while (j < ngen && gens[j].gen != gen)
					j++;
				if (j == ngen) {
					if (ngen == nkeys)
						continue;
					gens[ngen++] = (struct mgen){ gen, 0, 0 };
				}
				gens[j].dropped += calls;
				if (m->mean_ns > 0)
					gens[j].saved_ns += (double)calls * m->mean_ns;
				continue;
			}
			uint64_t pre = tb->ext[i].pre_calls;
			if (th->waits && m->mean_ns > 0 && calls > pre)
				log_ns += (double)(calls - pre) * m->mean_ns;
		}
		if (!th->waits)
			continue;
		char name[16];
		thread_group(th, name);
		uint32_t j = 0;
		while (j < nt && strcmp(thr[j].name, name))
			j++;
		if (j == nt) {
			memset(&thr[nt], 0, sizeof thr[nt]);
			memcpy(thr[nt++].name, name, 16);
		}
		struct mthr *t = &thr[j];
		double busy = (double)th->busy_ticks * k.ns_per_tick;
		if (th->cpu_samples >= 4 && th->cpu_sampled_ticks && k.ns_per_tick) {
			double frac = (double)th->cpu_sampled_ns / ((double)th->cpu_sampled_ticks * k.ns_per_tick);
			busy *= frac > 1 ? 1 : frac;
		}
		uint64_t kept = sums[0] > th->pre_loop[0] ? sums[0] - th->pre_loop[0] : 0;
		uint64_t dropped = sums[1] > th->pre_loop[1] ? sums[1] - th->pre_loop[1] : 0;
		uint64_t timed = sums[2] > th->pre_loop[2] ? sums[2] - th->pre_loop[2] : 0;
		t->waits += th->waits;
		t->busy_ns += busy;
		t->wait_ns += (double)th->wait_ticks * k.ns_per_tick;
		t->log_ns += log_ns;
		t->shim_ns += (double)(kept > timed ? kept - timed : 0) * k.count + (double)timed * k.timed +
			      (double)dropped * k.drop;
	}

	/* The file, families in a fixed order; labels escaped. */
	static const char sec_help[] = "Estimated seconds spent in kept logging calls, by entry point, source and level.";
	family(o, "logtax_calls_total", "counter",
	       "Logging calls made (kept and dropped), by entry point, source and level; exact.");
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			family(o, "logtax_logging_seconds_total", "counter", sec_help);
		for (uint32_t i = 0; i < gs.n; i++) {
			const struct mgroup *m = &g[i];
			const struct lt_desc *d = lt_desc_by_id(m->entry);
			const char *lvl = ltx_level_name((enum ltx_level)m->level);
			puts_(o, pass ? "logtax_logging_seconds_total" : "logtax_calls_total");
			labels(&c, "entry", d ? d->symbol : "?", strlen(d ? d->symbol : "?"));
			puts_(o, ",source=\"");
			if (m->name)
				put_label_value(o, m->name, m->name_len);
			puts_(o, "\",level=\"");
			puts_(o, lvl);
			put(o, "\"", 1);
			if (sites) {
				puts_(o, ",site=\"");
				site_label(o, &maps, m->site);
				put(o, "\"", 1);
			}
			if (!pass) {
				put(o, "} ", 2);
				put_u64(o, m->calls);
				put(o, "\n", 1);
			} else {
				double kept = (double)(m->calls - m->dropped);
				double est = m->mean_ns < 0 ? 0 : m->mean_ns * kept;
				if (m->mean_ns >= 0 && m->tail_timed && m->timed > m->tail_timed) {
					/* long windows once, the others' mean for the rest */
					double tail = (double)m->tail_ticks * k.ns_per_tick - k.window * (double)m->tail_timed;
					est = m->mean_ns * (kept - (double)m->tail_timed) + (tail > 0 ? tail : 0);
				}
				sample_end(o, est / 1e9, 9);
			}
		}
	}
	if (ngen)
		family(o, "logtax_dropped_calls_total", "counter", "Logging calls dropped by rules, by rule generation.");
	for (uint32_t i = 0; i < ngen; i++) {
		char gen[24];
		puts_(o, "logtax_dropped_calls_total");
		labels(&c, "generation", gen, lt_utoa(gens[i].gen, gen));
		put(o, "} ", 2);
		put_u64(o, gens[i].dropped);
		put(o, "\n", 1);
	}
	if (ngen)
		family(o, "logtax_saved_seconds_total", "counter",
		       "Estimated seconds the dropped calls would have spent, by rule generation.");
	for (uint32_t i = 0; i < ngen; i++) {
		char gen[24];
		puts_(o, "logtax_saved_seconds_total");
		labels(&c, "generation", gen, lt_utoa(gens[i].gen, gen));
		sample_end(o, gens[i].saved_ns / 1e9, 9);
	}
	static const struct {
		const char *name, *help;
	} loop[] = {
		{ "logtax_loop_iterations_total", "Event-loop iterations (waits), by thread group." },
		{ "logtax_loop_busy_seconds_total", "Seconds the event loops ran between waits, on CPU, by thread group." },
		{ "logtax_loop_wait_seconds_total", "Seconds the event loops waited, by thread group." },
		{ "logtax_loop_logging_seconds_total",
		  "Estimated seconds of logging inside the event loops' busy time, by thread group." },
	};
	double busy_all = 0, log_all = 0, shim_all = 0;
	for (unsigned f = 0; nt && f < sizeof loop / sizeof loop[0]; f++) {
		family(o, loop[f].name, "counter", loop[f].help);
		for (uint32_t i = 0; i < nt; i++) {
			puts_(o, loop[f].name);
			labels(&c, "thread", thr[i].name, strlen(thr[i].name));
			if (f == 0) {
				put(o, "} ", 2);
				put_u64(o, thr[i].waits);
				put(o, "\n", 1);
				busy_all += thr[i].busy_ns;
				log_all += thr[i].log_ns;
				shim_all += thr[i].shim_ns;
			} else {
				double v = f == 1 ? thr[i].busy_ns : f == 2 ? thr[i].wait_ns : thr[i].log_ns;
				sample_end(o, v / 1e9, 9);
			}
		}
	}
	if (nt && busy_all - shim_all > 0) {
		family(o, "logtax_loop_logging_ratio", "gauge",
		       "Logging's share of the event loops' busy CPU time (logtax's own cost taken out) since the "
		       "process started, 0 to 1.");
		double r = log_all / (busy_all - shim_all);
		puts_(o, "logtax_loop_logging_ratio");
		labels(&c, NULL, NULL, 0);
		sample_end(o, r > 1 ? 1 : r, 6);
	}
	family(o, "logtax_process_start_time_seconds", "gauge", "When the process started, seconds since the epoch.");
	puts_(o, "logtax_process_start_time_seconds");
	labels(&c, NULL, NULL, 0);
	sample_end(o, (double)lt_start_real / 1e9, 3);
	family(o, "logtax_process_ended", "gauge",
	       "1 once the process has exited (the counts are final; the file may be removed), else 0.");
	puts_(o, "logtax_process_ended");
	labels(&c, NULL, NULL, 0);
	puts_(o, ended ? "} 1\n" : "} 0\n");
	lt_threads_unlock(&sigs);
	lt_unmap(scratch, bytes);
	lt_maps_free(&maps);
}

/* DIR/NAME into buf: 0, or -1 when it does not fit. */
static int path_in(char *buf, size_t cap, const char *name)
{
	size_t d = strlen(lt_cfg.metrics_dir), n = strlen(name);
	if (d + n + 2 > cap)
		return -1;
	memcpy(buf, lt_cfg.metrics_dir, d);
	buf[d] = '/';
	memcpy(buf + d + 1, name, n + 1);
	return 0;
}

int lt_metrics_write(int ended)
{
	if (!lt_cfg.metrics_dir[0] || lt_inert)
		return 0;
	int e = errno;
	char name[64], final[4200], tmp[4200];
	size_t n = 0;
	memcpy(name, "logtax_", 7);
	n = 7 + lt_utoa((uint64_t)getpid(), name + 7);
	strcpy(name + n, ".prom");
	int rc = path_in(final, sizeof final, name);
	memcpy(name, ".logtax_", 8);
	n = 8 + lt_utoa((uint64_t)getpid(), name + 8);
	name[n++] = '.';
	n += lt_utoa((uint64_t)lt_gettid(), name + n);
	strcpy(name + n, ".tmp");
	if (rc == 0)
		rc = path_in(tmp, sizeof tmp, name);
	struct mout o = { -1, rc ? ENAMETOOLONG : 0, NULL, 0 };
	if (!o.err) {
		o.buf = lt_map(MBUF);
		if (!o.buf)
			o.err = ENOMEM;
	}
	if (!o.err) {
		o.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (o.fd < 0)
			o.err = errno;
	}
	if (o.fd >= 0) {
		/* readable by the collector, whatever the daemon's umask */
		fchmod(o.fd, 0644);
		write_body(&o, ended);
		flush(&o);
		if (close(o.fd) < 0 && !o.err)
			o.err = errno;
		if (!o.err && rename(tmp, final) < 0)
			o.err = errno;
		if (o.err)
			unlink(tmp);
	}
	if (o.buf)
		lt_unmap(o.buf, MBUF);
	if (o.err && !warned) {
		char msg[4400];
		size_t k = strlen(final);
		memcpy(msg, final, k);
		const char *why = strerrordesc_np(o.err);
		msg[k] = 0;
		strcat(msg, ": ");
		strncat(msg, why ? why : "error", 200);
		strcat(msg, "; the program runs on");
		warned = lt_warn("warning: cannot write the metrics file", msg) == 0;
	}
	errno = e;
	return o.err ? -1 : 0;
}

void lt_metrics_forked(void)
{
	warned = 0;
}
