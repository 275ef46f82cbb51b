/* See ltx_read.h. Two passes over the bytes: the first checks every record
 * header and counts records per type, the second fills arrays sized from
 * those counts, so no allocation exceeds what the file can justify. */
#include "ltx_read.h"
#include "ltx_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LTX_MAX_FILE (4ull << 30)

static const char *type_name(uint32_t t)
{
	switch (t) {
	case LTX_REC_PROCESS: return "PROCESS";
	case LTX_REC_CALIB: return "CALIB";
	case LTX_REC_ENTRY: return "ENTRY";
	case LTX_REC_MODULE: return "MODULE";
	case LTX_REC_THREAD: return "THREAD";
	case LTX_REC_KEY: return "KEY";
	case LTX_REC_RULES: return "RULES";
	case LTX_REC_KEY_HIST: return "KEY_HIST";
	case LTX_REC_STACK: return "STACK";
	case LTX_REC_KEY_STACK: return "KEY_STACK";
	case LTX_REC_TRACE: return "TRACE";
	case LTX_REC_OUTPUT: return "OUTPUT";
	case LTX_REC_THREAD_CPU: return "THREAD_CPU";
	case LTX_REC_KEY_ONCE: return "KEY_ONCE";
	case LTX_REC_KEY_PRE: return "KEY_PRE";
	case LTX_REC_ENTRY_LEVELS: return "ENTRY_LEVELS";
	case LTX_REC_KEY_RULE: return "KEY_RULE";
	case LTX_REC_KEY_SITE: return "KEY_SITE";
	case LTX_REC_THREAD_TIME: return "THREAD_TIME";
	case LTX_REC_PROCESS_CPU: return "PROCESS_CPU";
	case LTX_REC_ATTACH: return "ATTACH";
	case LTX_REC_END: return "END";
	default: return "unknown";
	}
}

/* Fixed payload size of each known type; 0 for unknown types. */
static size_t fixed_size(uint32_t t)
{
	switch (t) {
	case LTX_REC_PROCESS: return sizeof(struct ltx_process);
	case LTX_REC_CALIB: return sizeof(struct ltx_calib);
	case LTX_REC_ENTRY: return sizeof(struct ltx_entry);
	case LTX_REC_MODULE: return sizeof(struct ltx_module);
	case LTX_REC_THREAD: return sizeof(struct ltx_thread);
	case LTX_REC_KEY: return sizeof(struct ltx_key);
	case LTX_REC_RULES: return sizeof(struct ltx_rules);
	case LTX_REC_KEY_HIST: return sizeof(struct ltx_key_hist);
	case LTX_REC_STACK: return sizeof(struct ltx_stack);
	case LTX_REC_KEY_STACK: return sizeof(struct ltx_key_stack);
	case LTX_REC_TRACE: return sizeof(struct ltx_trace);
	case LTX_REC_OUTPUT: return sizeof(struct ltx_output);
	case LTX_REC_THREAD_CPU: return sizeof(struct ltx_thread_cpu);
	case LTX_REC_KEY_ONCE: return sizeof(struct ltx_key_once);
	case LTX_REC_KEY_PRE: return sizeof(struct ltx_key_pre);
	case LTX_REC_ENTRY_LEVELS: return sizeof(struct ltx_entry_levels);
	case LTX_REC_KEY_RULE: return sizeof(struct ltx_key_rule);
	case LTX_REC_KEY_SITE: return sizeof(struct ltx_key_site);
	case LTX_REC_THREAD_TIME: return sizeof(struct ltx_thread_time);
	case LTX_REC_PROCESS_CPU: return sizeof(struct ltx_process_cpu);
	case LTX_REC_ATTACH: return sizeof(struct ltx_attach);
	case LTX_REC_END: return sizeof(struct ltx_end);
	default: return 0;
	}
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A NUL-terminated copy of len bytes (len already checked against the record). */
static char *dupn(const unsigned char *p, size_t len)
{
	char *s = malloc(len + 1);
	if (s) {
		memcpy(s, p, len);
		s[len] = 0;
	}
	return s;
}

#define NTYPES 32
struct counts {
	size_t n[NTYPES];
	size_t unknown;
};

static size_t slot_of(uint32_t t)
{
	return t < NTYPES && fixed_size(t) ? t : 0;
}

/* A copy of n items of size sz that follow a fixed part (n * sz already
 * checked against the record's bytes). */
static void *dup_items(const unsigned char *p, size_t n, size_t sz)
{
	void *a = malloc(n * sz + 1);
	if (a && n)
		memcpy(a, p, n * sz);
	return a;
}

static int cmp_entry(const void *a, const void *b)
{
	uint32_t x = ((const struct ltx_r_entry *)a)->e.id, y = ((const struct ltx_r_entry *)b)->e.id;
	return x < y ? -1 : x > y;
}

/* The 1.1 records' references to keys, stacks and threads; links each
 * key to its histogram. */
static int check_refs(struct ltx_file *f, char *err, size_t errlen)
{
	for (size_t i = 0; i < f->nhists; i++) {
		const struct ltx_r_hist *h = &f->hists[i];
		if (h->h.key >= f->nkeys)
			return fail(err, errlen, "histogram %zu refers to key %u, the file has %zu", i, h->h.key, f->nkeys);
		struct ltx_r_key *k = &f->keys[h->h.key];
		if (k->hist)
			return fail(err, errlen, "two histograms for key %u", h->h.key);
		k->hist = h->counts;
		k->hist_len = h->h.nbuckets;
	}
	for (size_t i = 0; i < f->nstacks; i++)
		if (f->stacks[i].s.thread >= f->nthreads)
			return fail(err, errlen, "stack %zu refers to thread %u, the file has %zu", i,
				    f->stacks[i].s.thread, f->nthreads);
	for (size_t i = 0; i < f->nkey_stacks; i++) {
		const struct ltx_key_stack *ks = &f->key_stacks[i];
		if (ks->key >= f->nkeys)
			return fail(err, errlen, "key-stack count %zu refers to key %u, the file has %zu", i, ks->key,
				    f->nkeys);
		if (ks->stack >= LTX_STACK_LOST_MIN)
			continue;
		if (ks->stack >= f->nstacks)
			return fail(err, errlen, "key-stack count %zu refers to stack %u, the file has %zu", i,
				    ks->stack, f->nstacks);
		if (f->stacks[ks->stack].s.thread != f->keys[ks->key].k.thread)
			return fail(err, errlen, "key-stack count %zu pairs a key and a stack of different threads", i);
	}
	for (size_t i = 0; i < f->nthread_cpus; i++) {
		const struct ltx_thread_cpu *c = &f->thread_cpus[i];
		if (c->thread >= f->nthreads)
			return fail(err, errlen, "thread CPU record %zu refers to thread %u, the file has %zu", i, c->thread,
				    f->nthreads);
		if (f->thread_cpu_of[c->thread])
			return fail(err, errlen, "two thread CPU records for thread %u", c->thread);
		f->thread_cpu_of[c->thread] = c;
	}
	for (size_t i = 0; i < f->nthread_times; i++) {
		const struct ltx_thread_time *c = &f->thread_times[i];
		if (c->thread >= f->nthreads)
			return fail(err, errlen, "thread time record %zu refers to thread %u, the file has %zu", i, c->thread,
				    f->nthreads);
		if (f->thread_time_of[c->thread])
			return fail(err, errlen, "two thread time records for thread %u", c->thread);
		f->thread_time_of[c->thread] = c;
	}
	for (size_t i = 0; i < f->nkey_onces; i++) {
		const struct ltx_key_once *o = &f->key_onces[i];
		if (o->key >= f->nkeys)
			return fail(err, errlen, "once-counted windows record %zu refers to key %u, the file has %zu", i,
				    o->key, f->nkeys);
		struct ltx_r_key *k = &f->keys[o->key];
		if (k->once)
			return fail(err, errlen, "two once-counted windows records for key %u", o->key);
		uint64_t n = o->tail_timed + ((o->flags & LTX_ONCE_FIRST) && !(o->flags & LTX_ONCE_FIRST_LONG));
		if (o->tail_timed > k->k.timed || n > k->k.timed || o->tail_ticks > k->k.ticks ||
		    o->first_ticks > k->k.ticks || o->shift > 63)
			return fail(err, errlen, "once-counted windows record %zu exceeds its key's timed calls", i);
		k->once = o;
	}
	for (size_t i = 0; i < f->nkey_pres; i++) {
		const struct ltx_key_pre *kp = &f->key_pres[i];
		if (kp->key >= f->nkeys)
			return fail(err, errlen, "pre-loop count %zu refers to key %u, the file has %zu", i, kp->key,
				    f->nkeys);
		struct ltx_r_key *k = &f->keys[kp->key];
		if (k->pre_calls)
			return fail(err, errlen, "two pre-loop counts for key %u", kp->key);
		if (kp->calls > k->k.calls)
			return fail(err, errlen, "pre-loop count %zu exceeds its key's calls", i);
		k->pre_calls = kp->calls;
	}
	for (size_t i = 0; i < f->nkey_rules; i++) {
		const struct ltx_key_rule *kr = &f->key_rules[i];
		if (kr->key >= f->nkeys)
			return fail(err, errlen, "key rule record %zu refers to key %u, the file has %zu", i, kr->key,
				    f->nkeys);
		struct ltx_r_key *k = &f->keys[kr->key];
		if (k->rule)
			return fail(err, errlen, "two key rule records for key %u", kr->key);
		if (kr->rule >= UINT32_MAX || kr->action > LTX_ACT_SAMPLE)
			return fail(err, errlen, "key rule record %zu: rule %u, action %u out of range", i, kr->rule,
				    kr->action);
		k->rule = kr->rule + 1;
		k->rule_action = kr->action;
	}
	for (size_t i = 0; i < f->ntraces; i++) {
		const struct ltx_r_trace *tr = &f->traces[i];
		if (tr->t.thread >= f->nthreads)
			return fail(err, errlen, "trace record %zu refers to thread %u, the file has %zu", i,
				    tr->t.thread, f->nthreads);
		for (uint32_t j = 0; j < tr->t.nevents; j++)
			if (tr->events[j].key != LTX_NO_KEY && tr->events[j].key >= f->nkeys)
				return fail(err, errlen, "trace record %zu: event %u refers to key %u, the file has %zu", i,
					    j, tr->events[j].key, f->nkeys);
	}
	return 0;
}

int ltx_read_buf(const void *buf, size_t len, struct ltx_file *f, char *err, size_t errlen)
{
	const unsigned char *b = buf;
	memset(f, 0, sizeof *f);
	if (len < sizeof(struct ltx_header))
		return fail(err, errlen, "too short to be a logtax data file (%zu bytes)", len);
	memcpy(&f->hdr, b, sizeof f->hdr);
	if (memcmp(f->hdr.magic, LTX_MAGIC, LTX_MAGIC_LEN) != 0)
		return fail(err, errlen, "not a logtax data file (bad magic)");
	if (f->hdr.byte_order != LTX_BYTE_ORDER_MARK)
		return fail(err, errlen, "written on a host of the other byte order");
	if (f->hdr.version_major > LTX_VERSION_MAJOR)
		return fail(err, errlen,
			    "format version %u.%u is newer than this logtax reads (%u.x): update logtax",
			    f->hdr.version_major, f->hdr.version_minor, LTX_VERSION_MAJOR);
	if (f->hdr.version_major < 1)
		return fail(err, errlen, "format version %u.%u is not supported", f->hdr.version_major,
			    f->hdr.version_minor);
	if (f->hdr.header_size < sizeof(struct ltx_header) || f->hdr.header_size > len ||
	    f->hdr.header_size % 8)
		return fail(err, errlen, "bad header size %u", f->hdr.header_size);

	/* Pass 1: walk the record headers. */
	struct counts c;
	memset(&c, 0, sizeof c);
	size_t off = f->hdr.header_size, idx = 0;
	int seen_end = 0;
	while (off < len) {
		if (seen_end)
			return fail(err, errlen, "data after the END record at byte %zu", off);
		if (len - off < sizeof(struct ltx_rec))
			return fail(err, errlen, "truncated at byte %zu: record %zu has no complete header", off, idx);
		struct ltx_rec r;
		memcpy(&r, b + off, sizeof r);
		if (r.size > LTX_MAX_RECORD)
			return fail(err, errlen, "record %zu (%s) at byte %zu: size %u exceeds the limit of %u",
				    idx, type_name(r.type), off, r.size, LTX_MAX_RECORD);
		size_t padded = ((size_t)r.size + 7) & ~(size_t)7;
		if (padded > len - off - sizeof r)
			return fail(err, errlen, "truncated at byte %zu: record %zu (%s) needs %zu bytes, %zu left",
				    off, idx, type_name(r.type), padded, len - off - sizeof r);
		size_t fs = fixed_size(r.type);
		if (fs == 0)
			c.unknown++;
		else if (r.size < fs)
			return fail(err, errlen, "record %zu (%s) at byte %zu is %u bytes, needs at least %zu",
				    idx, type_name(r.type), off, r.size, fs);
		if (idx == 0 && r.type != LTX_REC_PROCESS)
			return fail(err, errlen, "first record is %s, expected PROCESS", type_name(r.type));
		if (r.type == LTX_REC_END)
			seen_end = 1;
		else
			c.n[slot_of(r.type)]++;
		off += sizeof r + padded;
		idx++;
	}
	if (!seen_end)
		return fail(err, errlen, "truncated: no END record after %zu records", idx);
	if (c.n[LTX_REC_PROCESS] != 1)
		return fail(err, errlen, "%zu PROCESS records, expected 1", c.n[LTX_REC_PROCESS]);
	if (c.n[LTX_REC_CALIB] > 1)
		return fail(err, errlen, "%zu CALIB records, expected at most 1", c.n[LTX_REC_CALIB]);
	if (c.n[LTX_REC_OUTPUT] > 1)
		return fail(err, errlen, "%zu OUTPUT records, expected at most 1", c.n[LTX_REC_OUTPUT]);
	if (c.n[LTX_REC_PROCESS_CPU] > 1)
		return fail(err, errlen, "%zu PROCESS_CPU records, expected at most 1", c.n[LTX_REC_PROCESS_CPU]);
	if (c.n[LTX_REC_ATTACH] > 1)
		return fail(err, errlen, "%zu ATTACH records, expected at most 1", c.n[LTX_REC_ATTACH]);

	f->entries = calloc(c.n[LTX_REC_ENTRY] + 1, sizeof *f->entries);
	f->modules = calloc(c.n[LTX_REC_MODULE] + 1, sizeof *f->modules);
	f->threads = calloc(c.n[LTX_REC_THREAD] + 1, sizeof *f->threads);
	f->keys = calloc(c.n[LTX_REC_KEY] + 1, sizeof *f->keys);
	f->rules = calloc(c.n[LTX_REC_RULES] + 1, sizeof *f->rules);
	f->hists = calloc(c.n[LTX_REC_KEY_HIST] + 1, sizeof *f->hists);
	f->stacks = calloc(c.n[LTX_REC_STACK] + 1, sizeof *f->stacks);
	f->key_stacks = calloc(c.n[LTX_REC_KEY_STACK] + 1, sizeof *f->key_stacks);
	f->traces = calloc(c.n[LTX_REC_TRACE] + 1, sizeof *f->traces);
	f->thread_cpus = calloc(c.n[LTX_REC_THREAD_CPU] + 1, sizeof *f->thread_cpus);
	f->thread_cpu_of = calloc(c.n[LTX_REC_THREAD] + 1, sizeof *f->thread_cpu_of);
	f->key_onces = calloc(c.n[LTX_REC_KEY_ONCE] + 1, sizeof *f->key_onces);
	f->key_pres = calloc(c.n[LTX_REC_KEY_PRE] + 1, sizeof *f->key_pres);
	f->key_rules = calloc(c.n[LTX_REC_KEY_RULE] + 1, sizeof *f->key_rules);
	f->thread_times = calloc(c.n[LTX_REC_THREAD_TIME] + 1, sizeof *f->thread_times);
	f->thread_time_of = calloc(c.n[LTX_REC_THREAD] + 1, sizeof *f->thread_time_of);
	if (!f->entries || !f->modules || !f->threads || !f->keys || !f->rules || !f->hists || !f->stacks ||
	    !f->key_stacks || !f->traces || !f->thread_cpus || !f->thread_cpu_of || !f->key_onces || !f->key_pres ||
	    !f->key_rules || !f->thread_times || !f->thread_time_of) {
		ltx_file_free(f);
		return fail(err, errlen, "out of memory");
	}
	f->skipped_records = c.unknown;

	/* Pass 2: decode. Sizes are known to fit; tails are checked here. */
	off = f->hdr.header_size;
	idx = 0;
	uint64_t total = 0;
	int overflow = 0;
	struct ltx_end end;
	memset(&end, 0, sizeof end);
	while (off < len) {
		struct ltx_rec r;
		memcpy(&r, b + off, sizeof r);
		const unsigned char *p = b + off + sizeof r;
		size_t fs = fixed_size(r.type);
		size_t tail = r.size - fs; /* bytes after the fixed part */
		switch (r.type) {
		case LTX_REC_PROCESS: {
			memcpy(&f->proc, p, fs);
			if ((uint64_t)f->proc.exe_len + f->proc.cmdline_len > tail)
				goto bad_tail;
			f->exe = dupn(p + fs, f->proc.exe_len);
			f->cmdline = dupn(p + fs + f->proc.exe_len, f->proc.cmdline_len);
			if (f->cmdline)
				for (size_t i = 0; i < f->proc.cmdline_len; i++)
					if (f->cmdline[i] == 0 && i + 1 < f->proc.cmdline_len)
						f->cmdline[i] = ' ';
			break;
		}
		case LTX_REC_CALIB:
			memcpy(&f->calib, p, fs);
			f->has_calib = 1;
			break;
		case LTX_REC_ENTRY: {
			struct ltx_r_entry *e = &f->entries[f->nentries];
			memcpy(&e->e, p, fs);
			if (e->e.name_len > tail)
				goto bad_tail;
			e->name = dupn(p + fs, e->e.name_len);
			f->nentries++;
			break;
		}
		case LTX_REC_MODULE: {
			struct ltx_r_module *m = &f->modules[f->nmodules];
			memcpy(&m->m, p, fs);
			if ((uint64_t)m->m.build_id_len + m->m.path_len > tail)
				goto bad_tail;
			m->build_id = (unsigned char *)dupn(p + fs, m->m.build_id_len);
			m->path = dupn(p + fs + m->m.build_id_len, m->m.path_len);
			f->nmodules++;
			break;
		}
		case LTX_REC_THREAD:
			memcpy(&f->threads[f->nthreads], p, fs);
			f->threads[f->nthreads].name[15] = 0;
			if (f->threads[f->nthreads].index != f->nthreads) {
				ltx_file_free(f);
				return fail(err, errlen, "record %zu (THREAD) at byte %zu: thread index out of order", idx, off);
			}
			f->nthreads++;
			break;
		case LTX_REC_KEY: {
			struct ltx_r_key *k = &f->keys[f->nkeys];
			memcpy(&k->k, p, fs);
			if (k->k.name_len > tail)
				goto bad_tail;
			k->name = dupn(p + fs, k->k.name_len);
			if (total + k->k.calls < total)
				overflow = 1;
			total += k->k.calls;
			f->nkeys++;
			break;
		}
		case LTX_REC_RULES: {
			struct ltx_r_rules *ru = &f->rules[f->nrules];
			memcpy(&ru->r, p, fs);
			if (ru->r.text_len > tail)
				goto bad_tail;
			ru->text = dupn(p + fs, ru->r.text_len);
			f->nrules++;
			break;
		}
		case LTX_REC_THREAD_CPU:
			memcpy(&f->thread_cpus[f->nthread_cpus++], p, fs);
			break;
		case LTX_REC_KEY_ONCE:
			memcpy(&f->key_onces[f->nkey_onces++], p, fs);
			break;
		case LTX_REC_THREAD_TIME:
			memcpy(&f->thread_times[f->nthread_times++], p, fs);
			break;
		case LTX_REC_PROCESS_CPU:
			memcpy(&f->process_cpu, p, fs);
			f->has_process_cpu = 1;
			break;
		case LTX_REC_KEY_PRE:
			memcpy(&f->key_pres[f->nkey_pres++], p, fs);
			break;
		case LTX_REC_KEY_RULE:
			memcpy(&f->key_rules[f->nkey_rules++], p, fs);
			break;
		case LTX_REC_ENTRY_LEVELS: {
			/* after its entry's ENTRY record; one per entry */
			struct ltx_entry_levels el;
			memcpy(&el, p, fs);
			struct ltx_r_entry *e = (struct ltx_r_entry *)ltx_find_entry(f, el.id);
			if (!e || e->levels || !el.nlevels || el.nlevels > LTX_ENTRY_LEVELS_MAX) {
				ltx_file_free(f);
				return fail(err, errlen,
					    "record %zu (ENTRY_LEVELS) at byte %zu: entry %u unknown, given a scale twice, "
					    "or %u levels (1 to %u allowed)",
					    idx, off, el.id, el.nlevels, LTX_ENTRY_LEVELS_MAX);
			}
			if ((uint64_t)el.nlevels * sizeof(struct ltx_level_pair) > tail)
				goto bad_tail;
			e->levels = dup_items(p + fs, el.nlevels, sizeof(struct ltx_level_pair));
			if (!e->levels) {
				ltx_file_free(f);
				return fail(err, errlen, "out of memory");
			}
			e->nlevels = el.nlevels;
			break;
		}
		case LTX_REC_KEY_SITE: {
			/* after its key's KEY record; one per key */
			struct ltx_key_site ks;
			memcpy(&ks, p, fs);
			if (ks.key >= f->nkeys || f->keys[ks.key].has_site || ks.func_len > LTX_MAX_SITE ||
			    ks.file_len > LTX_MAX_SITE) {
				ltx_file_free(f);
				return fail(err, errlen,
					    "record %zu (KEY_SITE) at byte %zu: key %u unknown or named twice, or a name "
					    "over %u bytes",
					    idx, off, ks.key, LTX_MAX_SITE);
			}
			if ((uint64_t)ks.func_len + ks.file_len > tail)
				goto bad_tail;
			struct ltx_r_key *k = &f->keys[ks.key];
			k->site_func = ks.func_len ? dupn(p + fs, ks.func_len) : NULL;
			k->site_file = ks.file_len ? dupn(p + fs + ks.func_len, ks.file_len) : NULL;
			if ((ks.func_len && !k->site_func) || (ks.file_len && !k->site_file))
				goto oom;
			k->site_line = ks.line;
			k->site_flags = ks.flags;
			k->has_site = 1;
			break;
		}
		case LTX_REC_KEY_HIST: {
			struct ltx_r_hist *h = &f->hists[f->nhists];
			memcpy(&h->h, p, fs);
			if (h->h.nbuckets == 0 || h->h.nbuckets > LTX_HIST_MAX_BUCKETS) {
				uint32_t nb = h->h.nbuckets;
				ltx_file_free(f);
				return fail(err, errlen, "record %zu (KEY_HIST) at byte %zu: %u buckets (1 to %u allowed)", idx,
					    off, nb, LTX_HIST_MAX_BUCKETS);
			}
			if ((uint64_t)h->h.nbuckets * sizeof(uint64_t) > tail)
				goto bad_tail;
			if (!(h->counts = dup_items(p + fs, h->h.nbuckets, sizeof(uint64_t))))
				goto oom;
			f->nhists++;
			break;
		}
		case LTX_REC_STACK: {
			struct ltx_r_stack *st = &f->stacks[f->nstacks];
			memcpy(&st->s, p, fs);
			if ((uint64_t)st->s.nframes * sizeof(uint64_t) > tail)
				goto bad_tail;
			if (!(st->frames = dup_items(p + fs, st->s.nframes, sizeof(uint64_t))))
				goto oom;
			f->nstacks++;
			break;
		}
		case LTX_REC_KEY_STACK:
			memcpy(&f->key_stacks[f->nkey_stacks++], p, fs);
			break;
		case LTX_REC_TRACE: {
			struct ltx_r_trace *tr = &f->traces[f->ntraces];
			memcpy(&tr->t, p, fs);
			if ((uint64_t)tr->t.nevents * sizeof(struct ltx_trace_event) > tail)
				goto bad_tail;
			if (!(tr->events = dup_items(p + fs, tr->t.nevents, sizeof(struct ltx_trace_event))))
				goto oom;
			f->ntraces++;
			break;
		}
		case LTX_REC_OUTPUT:
			memcpy(&f->output, p, fs);
			f->has_output = 1;
			break;
		case LTX_REC_ATTACH: {
			memcpy(&f->attach, p, fs);
			if (f->attach.uncovered_len > tail)
				goto bad_tail;
			if (!(f->uncovered = dupn(p + fs, f->attach.uncovered_len)))
				goto oom;
			f->has_attach = 1;
			break;
		}
		case LTX_REC_END:
			memcpy(&end, p, fs);
			break;
		default:
			break;
		}
		off += sizeof r + (((size_t)r.size + 7) & ~(size_t)7);
		idx++;
		continue;
	bad_tail:
		ltx_file_free(f);
		return fail(err, errlen, "record %zu (%s) at byte %zu: its lengths run past its end", idx,
			    type_name(r.type), off);
	}
	if (overflow) {
		ltx_file_free(f);
		return fail(err, errlen, "call counts overflow 64 bits: file damaged");
	}
	if (end.records != idx - 1 || end.total_calls != total) {
		ltx_file_free(f);
		return fail(err, errlen, "END record disagrees with the file (%u records, %llu calls; found %zu, %llu): file damaged",
			    end.records, (unsigned long long)end.total_calls, idx - 1, (unsigned long long)total);
	}
	qsort(f->entries, f->nentries, sizeof *f->entries, cmp_entry);
	for (size_t i = 0; i + 1 < f->nentries; i++)
		if (f->entries[i].e.id == f->entries[i + 1].e.id) {
			uint32_t id = f->entries[i].e.id;
			ltx_file_free(f);
			return fail(err, errlen, "two ENTRY records with id %u", id);
		}
	for (size_t i = 0; i < f->nkeys; i++) {
		if (!ltx_find_thread(f, f->keys[i].k.thread) || !ltx_find_entry(f, f->keys[i].k.entry)) {
			size_t n = i;
			ltx_file_free(f);
			return fail(err, errlen, "key %zu refers to a thread or entry point the file does not have", n);
		}
	}
	if (check_refs(f, err, errlen) < 0) {
		ltx_file_free(f);
		return -1;
	}
	for (size_t i = 0; i < f->nentries; i++)
		if (!f->entries[i].name)
			goto oom;
	for (size_t i = 0; i < f->nkeys; i++)
		if (!f->keys[i].name)
			goto oom;
	for (size_t i = 0; i < f->nmodules; i++)
		if (!f->modules[i].path || !f->modules[i].build_id)
			goto oom;
	for (size_t i = 0; i < f->nrules; i++)
		if (!f->rules[i].text)
			goto oom;
	if (!f->exe || !f->cmdline)
		goto oom;
	if (f->proc.end_mono_ns > f->proc.start_mono_ns && f->proc.end_tsc > f->proc.start_tsc)
		f->tick_hz = (double)(f->proc.end_tsc - f->proc.start_tsc) * 1e9 /
			     (double)(f->proc.end_mono_ns - f->proc.start_mono_ns);
	return 0;
oom:
	ltx_file_free(f);
	return fail(err, errlen, "out of memory");
}

int ltx_read_file(const char *path, struct ltx_file *out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > LTX_MAX_FILE) {
		close(fd);
		return fail(err, errlen, "%s: %lld bytes is larger than a logtax data file can be", path,
			    (long long)st.st_size);
	}
	size_t len = (size_t)st.st_size;
	unsigned char *buf = malloc(len ? len : 1);
	if (!buf) {
		close(fd);
		return fail(err, errlen, "%s: out of memory", path);
	}
	size_t got = ltx_read_full(fd, buf, len);
	close(fd);
	char inner[512];
	int rc = ltx_read_buf(buf, got, out, inner, sizeof inner);
	free(buf);
	if (rc < 0)
		return fail(err, errlen, "%s: %s", path, inner);
	out->path = strdup(path);
	return 0;
}

void ltx_file_free(struct ltx_file *f)
{
	free(f->uncovered);
	f->uncovered = NULL;
	for (size_t i = 0; i < f->nentries; i++) {
		free(f->entries[i].name);
		free(f->entries[i].levels);
	}
	for (size_t i = 0; i < f->nmodules; i++) {
		free(f->modules[i].build_id);
		free(f->modules[i].path);
	}
	for (size_t i = 0; i < f->nkeys; i++) {
		free(f->keys[i].name);
		free(f->keys[i].site_func);
		free(f->keys[i].site_file);
	}
	for (size_t i = 0; i < f->nrules; i++)
		free(f->rules[i].text);
	for (size_t i = 0; i < f->nhists; i++)
		free(f->hists[i].counts);
	for (size_t i = 0; i < f->nstacks; i++)
		free(f->stacks[i].frames);
	for (size_t i = 0; i < f->ntraces; i++)
		free(f->traces[i].events);
	free(f->hists);
	free(f->thread_cpus);
	free(f->thread_cpu_of);
	free(f->thread_times);
	free(f->thread_time_of);
	free(f->key_onces);
	free(f->key_pres);
	free(f->key_rules);
	free(f->stacks);
	free(f->key_stacks);
	free(f->traces);
	free(f->entries);
	free(f->modules);
	free(f->threads);
	free(f->keys);
	free(f->rules);
	free(f->exe);
	free(f->cmdline);
	free(f->path);
	memset(f, 0, sizeof *f);
}

const struct ltx_r_entry *ltx_find_entry(const struct ltx_file *f, uint32_t id)
{
	size_t lo = 0, hi = f->nentries; /* sorted by id when read */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->entries[mid].e.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->nentries && f->entries[lo].e.id == id ? &f->entries[lo] : NULL;
}

const struct ltx_thread *ltx_find_thread(const struct ltx_file *f, uint32_t index)
{
	/* Thread records are numbered 0..n-1 in order (checked when read). */
	return index < f->nthreads ? &f->threads[index] : NULL;
}

const struct ltx_r_module *ltx_find_module_at(const struct ltx_file *f, uint64_t addr, uint32_t unloads)
{
	/* Of the unloaded modules there, the first to go after the key's first
	 * call (it was loaded then: modules over the same addresses cannot
	 * have been loaded at once); else the one loaded at the end; else the
	 * last to go. */
	const struct ltx_r_module *loaded = NULL, *next = NULL, *last = NULL;
	uint32_t next_u = 0, last_u = 0;
	for (size_t i = 0; i < f->nmodules; i++) {
		const struct ltx_r_module *m = &f->modules[i];
		if (addr < m->m.lo || addr >= m->m.hi)
			continue;
		if (!(m->m.flags & LTX_MODULE_UNLOADED)) {
			if (!loaded)
				loaded = m;
			continue;
		}
		uint32_t u = m->m.flags >> LTX_MODULE_UNLOADS_SHIFT;
		if (u > unloads && (!next || u < next_u)) {
			next = m;
			next_u = u;
		}
		if (!last || u > last_u) {
			last = m;
			last_u = u;
		}
	}
	return next ? next : loaded ? loaded : last;
}

const struct ltx_r_module *ltx_find_module(const struct ltx_file *f, uint64_t addr)
{
	return ltx_find_module_at(f, addr, UINT32_MAX);
}
