/* --format pprof: a gzipped profile.proto (analyzer/profile.proto, encoded
 * with protobuf-c, compressed with zlib) for go tool pprof, Pyroscope and
 * Parca.
 *
 * Two sample types: calls/count (exact) and log_time/nanoseconds (the
 * model's estimate; 0 for dropped calls). With stacks (logtax run
 * --stacks) a sample per (key, stack): the logging entry point as the leaf,
 * then the stack's frames, a key's calls shared out over its stacks as
 * the folded report does (an_stack_row); keys without a kept stack, and
 * runs without stacks: the entry point and the call site. Each sample has
 * labels source, level and action (kept or dropped), and pid as a number.
 * Locations are per process and address, tied to the module they are in
 * (a mapping, with its build-id), and carry the symbolized function and
 * line, the function it was inlined into after it. */
#include "report.h"
#include "profile.pb-c.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;

/* An open-addressed map of (a, b) pairs to ids (1-based; 0: free). */
struct hmap {
	struct hent {
		uint64_t a, b;
		uint64_t id;
	} *v;
	size_t cap, n;
};

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull + (a << 6) + (a >> 2));
	return h ^ (h >> 29);
}

/* The id of (a, b), or 0 after storing `id` for it (-1 when out of memory). */
static int64_t hmap_get(struct hmap *m, uint64_t a, uint64_t b, uint64_t id)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct hent *nv = calloc(cap, sizeof *nv);
		if (!nv)
			return -1;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->v[i].id)
				continue;
			size_t j = mix(m->v[i].a, m->v[i].b) & (cap - 1);
			while (nv[j].id)
				j = (j + 1) & (cap - 1);
			nv[j] = m->v[i];
		}
		free(m->v);
		m->v = nv;
		m->cap = cap;
	}
	size_t j = mix(a, b) & (m->cap - 1);
	for (; m->v[j].id; j = (j + 1) & (m->cap - 1))
		if (m->v[j].a == a && m->v[j].b == b)
			return (int64_t)m->v[j].id;
	m->v[j] = (struct hent){ a, b, id };
	m->n++;
	return 0;
}

struct pp {
	const struct an_model *m;
	int oom;
	/* strings: the table, and a map from a string's hash and length to its
	 * first index (collisions are told apart by comparing) */
	char **strs;
	size_t nstrs, capstrs;
	struct hmap str_ix;
	Function *funcs;
	size_t nfuncs, capfuncs;
	struct hmap func_ix; /* (name, file) string indices -> id */
	Location *locs;
	size_t nlocs, caplocs;
	struct hmap loc_ix; /* (process, address) -> id; entry points: (~0, string) */
	struct locinfo {
		uint64_t inner, outer; /* function ids (outer: inlined into; 0 none) */
		int64_t line;
	} *linfo;            /* per location, until its Line messages are made */
	Line *lines;        /* two per location at most */
	Mapping *maps;
	size_t nmaps, capmaps;
	struct hmap map_ix; /* (process, module) -> id */
	Sample *samples;
	size_t nsamples, capsamples;
	struct sinfo {
		size_t first; /* its location ids in ids[] */
		size_t key;
		uint64_t calls;
		double est_ns;
	} *sinfo;
	size_t capsinfo;
	uint64_t *ids; /* location ids of all samples */
	size_t nids, capids;
	int64_t *vals;
	Label *labels;
	Label **label_ptrs;
};

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 256;
	while (c < need)
		c *= 2;
	void *n = realloc(*v, c * size);
	if (!n)
		return -1;
	*v = n;
	*cap = c;
	return 0;
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* A string's index in the table. */
static int64_t str(struct pp *p, const char *s)
{
	if (!s)
		s = "";
	if (p->oom)
		return 0;
	uint64_t h = str_hash(s);
	/* probe (hash, k) for k = 0, 1, ...: entries with the same hash */
	for (uint64_t k = 0;; k++) {
		int64_t id = hmap_get(&p->str_ix, h, k, p->nstrs + 1);
		if (id < 0) {
			p->oom = 1;
			return 0;
		}
		if (id == 0)
			break; /* stored as a new entry */
		if (!strcmp(p->strs[id - 1], s))
			return id - 1;
	}
	if (grow((void **)&p->strs, &p->capstrs, p->nstrs + 1, sizeof *p->strs) < 0 || !(p->strs[p->nstrs] = strdup(s))) {
		p->oom = 1;
		return 0;
	}
	return (int64_t)p->nstrs++;
}

/* A time for a sample's value: rounded, and held in int64's range (a
 * damaged file's estimate may be anything; converting one beyond it is
 * undefined). */
static int64_t ns_value(double ns)
{
	if (!(ns > 0))
		return 0;
	return ns < 9.2e18 ? (int64_t)(ns + 0.5) : INT64_MAX;
}

static uint64_t function(struct pp *p, const char *name, const char *file, int line)
{
	int64_t n = str(p, name), f = str(p, file);
	int64_t id = hmap_get(&p->func_ix, (uint64_t)n, (uint64_t)f, p->nfuncs + 1);
	if (id < 0 || p->oom || grow((void **)&p->funcs, &p->capfuncs, p->nfuncs + 1, sizeof *p->funcs) < 0) {
		p->oom = 1;
		return 0;
	}
	if (id)
		return (uint64_t)id;
	Function *fn = &p->funcs[p->nfuncs++];
	*fn = (Function)PERFTOOLS__PROFILES__FUNCTION__INIT;
	fn->id = p->nfuncs;
	fn->name = fn->system_name = n;
	fn->filename = f;
	(void)line;
	return fn->id;
}

static uint64_t mapping(struct pp *p, size_t proc, uint64_t addr)
{
	const struct an_proc *pr = &p->m->procs[proc];
	for (size_t i = 0; i < pr->nmodules; i++) {
		const struct an_module *mo = &pr->modules[i];
		if (addr < mo->lo || addr >= mo->hi || mo->unloaded)
			continue;
		int64_t id = hmap_get(&p->map_ix, proc, i, p->nmaps + 1);
		if (id < 0 || grow((void **)&p->maps, &p->capmaps, p->nmaps + 1, sizeof *p->maps) < 0) {
			p->oom = 1;
			return 0;
		}
		if (id)
			return (uint64_t)id;
		Mapping *mp = &p->maps[p->nmaps++];
		*mp = (Mapping)PERFTOOLS__PROFILES__MAPPING__INIT;
		mp->id = p->nmaps;
		mp->memory_start = mo->lo;
		mp->memory_limit = mo->hi;
		mp->file_offset = mo->lo - mo->bias; /* the lowest segment's address in the file's terms */
		mp->filename = str(p, mo->path);
		mp->build_id = str(p, mo->build_id);
		mp->has_functions = mp->has_filenames = mp->has_line_numbers = mp->has_inline_frames = 1;
		return mp->id;
	}
	return 0;
}

static Location *new_loc(struct pp *p, uint64_t inner, uint64_t outer, int64_t line)
{
	size_t cap = p->caplocs;
	if (grow((void **)&p->locs, &p->caplocs, p->nlocs + 1, sizeof *p->locs) < 0 ||
	    grow((void **)&p->linfo, &cap, p->nlocs + 1, sizeof *p->linfo) < 0) {
		p->oom = 1;
		return NULL;
	}
	p->linfo[p->nlocs] = (struct locinfo){ inner, outer, line };
	Location *l = &p->locs[p->nlocs++];
	*l = (Location)PERFTOOLS__PROFILES__LOCATION__INIT;
	l->id = p->nlocs;
	l->n_line = outer ? 2 : 1;
	return l;
}

/* A return address of process proc, symbolized: moved back into the call. */
static uint64_t site_loc(struct pp *p, size_t proc, const struct an_sym *y)
{
	int64_t id = hmap_get(&p->loc_ix, proc, y->addr, p->nlocs + 1);
	if (id < 0) {
		p->oom = 1;
		return 0;
	}
	if (id)
		return (uint64_t)id;
	uint64_t inner = function(p, y->function ? y->function : y->label, y->file ? y->file : y->module, y->line);
	uint64_t outer = y->function && y->inlined_into ? function(p, y->inlined_into, y->file ? y->file : y->module, 0)
						       : 0;
	uint64_t map = mapping(p, proc, y->addr);
	Location *l = new_loc(p, inner, outer, y->line);
	if (!l)
		return 0;
	l->address = y->addr ? y->addr - 1 : 0;
	l->mapping_id = map;
	return l->id;
}

/* The logging entry point as a frame of its own (the leaf). */
static uint64_t entry_loc(struct pp *p, const char *entry)
{
	int64_t s = str(p, entry);
	int64_t id = hmap_get(&p->loc_ix, UINT64_MAX, (uint64_t)s, p->nlocs + 1);
	if (id < 0) {
		p->oom = 1;
		return 0;
	}
	if (id)
		return (uint64_t)id;
	uint64_t fn = function(p, entry, "", 0);
	Location *l = new_loc(p, fn, 0, 0);
	return l ? l->id : 0;
}

/* One sample: location ids ids[0..n) (already in p->ids from `first`). */
static void sample(struct pp *p, size_t first, const struct an_key *k, uint64_t calls, double est_ns)
{
	if (p->oom || !calls)
		return;
	size_t cap = p->capsamples;
	if (grow((void **)&p->samples, &p->capsamples, p->nsamples + 1, sizeof *p->samples) < 0 ||
	    grow((void **)&p->sinfo, &cap, p->nsamples + 1, sizeof *p->sinfo) < 0) {
		p->oom = 1;
		return;
	}
	/* its ids, values and labels are pointed at once every array has stopped moving */
	p->sinfo[p->nsamples] = (struct sinfo){ first, (size_t)(k - p->m->keys), calls, est_ns > 0 ? est_ns : 0 };
	Sample *s = &p->samples[p->nsamples++];
	*s = (Sample)PERFTOOLS__PROFILES__SAMPLE__INIT;
	s->n_location_id = p->nids - first;
	s->n_value = 2;
	s->n_label = 4;
}

static void push_id(struct pp *p, uint64_t id)
{
	if (grow((void **)&p->ids, &p->capids, p->nids + 1, sizeof *p->ids) < 0) {
		p->oom = 1;
		return;
	}
	p->ids[p->nids++] = id;
}

static void free_pp(struct pp *p)
{
	for (size_t i = 0; i < p->nstrs; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p->str_ix.v);
	free(p->funcs);
	free(p->func_ix.v);
	free(p->locs);
	free(p->loc_ix.v);
	free(p->lines);
	free(p->maps);
	free(p->map_ix.v);
	free(p->samples);
	free(p->sinfo);
	free(p->linfo);
	free(p->ids);
	free(p->vals);
	free(p->labels);
	free(p->label_ptrs);
}

/* Gzip of buf[0..n) to o. */
static int gzip_out(FILE *o, const uint8_t *buf, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uint8_t out[65536];
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)n;
	int rc;
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR)
			break;
		size_t have = sizeof out - z.avail_out;
		if (have && fwrite(out, 1, have, o) != have) {
			rc = Z_STREAM_ERROR;
			break;
		}
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

int an_report_pprof(FILE *o, const struct an_model *m)
{
	struct pp p;
	memset(&p, 0, sizeof p);
	p.m = m;
	str(&p, ""); /* index 0 */
	int64_t s_calls = str(&p, "calls"), s_count = str(&p, "count"), s_time = str(&p, "log_time"),
		s_ns = str(&p, "nanoseconds"), s_source = str(&p, "source"), s_level = str(&p, "level"),
		s_action = str(&p, "action"), s_pid = str(&p, "pid"), s_kept = str(&p, "kept"),
		s_dropped = str(&p, "dropped"), s_none = str(&p, "(none)");

	/* per key: the calls and time its kept stacks took */
	uint64_t *taken = calloc(m->nkeys + 1, sizeof *taken);
	double *taken_ns = calloc(m->nkeys + 1, sizeof *taken_ns);
	if (!taken || !taken_ns)
		p.oom = 1;
	for (size_t i = 0; !p.oom && m->has_stacks && i < m->nstack_rows; i++) {
		const struct an_stack_row *r = &m->stack_rows[i];
		const struct an_key *k = &m->keys[r->key];
		if (!r->stack)
			continue; /* lost: the key's calls go with its call site below */
		taken[r->key] += r->calls;
		taken_ns[r->key] += r->est_ns;
		size_t first = p.nids;
		push_id(&p, entry_loc(&p, k->entry));
		for (uint32_t j = 0; j < r->stack->nframes; j++)
			push_id(&p, site_loc(&p, k->proc, an_stack_frame(m, r->stack, j)));
		sample(&p, first, k, r->calls, r->est_ns);
	}
	/* Keys with no kept stack (or no stacks at all): their remaining calls at the call site. */
	for (size_t i = 0; !p.oom && i < m->nkeys; i++) {
		const struct an_key *k = &m->keys[i];
		uint64_t calls = k->calls;
		double est = k->dropped ? 0 : k->est_ns;
		/* what its kept stacks did not take (rows of lost stacks) */
		calls = calls > taken[i] ? calls - taken[i] : 0;
		est = est > taken_ns[i] ? est - taken_ns[i] : 0;
		size_t first = p.nids;
		push_id(&p, entry_loc(&p, k->entry));
		push_id(&p, site_loc(&p, k->proc, k->site));
		if (calls)
			sample(&p, first, k, calls, est);
		else
			p.nids = first;
	}
	free(taken);
	free(taken_ns);
	if (p.oom)
		goto oom;

	/* Every array has stopped moving: point the messages at their parts. */
	p.lines = calloc(2 * p.nlocs + 1, sizeof *p.lines);
	Line **line_ptrs = calloc(2 * p.nlocs + 1, sizeof *line_ptrs);
	p.vals = calloc(2 * p.nsamples + 1, sizeof *p.vals);
	p.labels = calloc(4 * p.nsamples + 1, sizeof *p.labels);
	p.label_ptrs = calloc(4 * p.nsamples + 1, sizeof *p.label_ptrs);
	Location **loc_ptrs = calloc(p.nlocs + 1, sizeof *loc_ptrs);
	Function **func_ptrs = calloc(p.nfuncs + 1, sizeof *func_ptrs);
	Mapping **map_ptrs = calloc(p.nmaps + 1, sizeof *map_ptrs);
	Sample **sample_ptrs = calloc(p.nsamples + 1, sizeof *sample_ptrs);
	if (!p.lines || !line_ptrs || !p.vals || !p.labels || !p.label_ptrs || !loc_ptrs || !func_ptrs || !map_ptrs ||
	    !sample_ptrs) {
		free(line_ptrs);
		free(loc_ptrs);
		free(func_ptrs);
		free(map_ptrs);
		free(sample_ptrs);
		goto oom;
	}
	for (size_t i = 0; i < p.nlocs; i++) {
		Location *l = &p.locs[i];
		const struct locinfo *li = &p.linfo[i];
		Line *ln = &p.lines[2 * i];
		ln[0] = (Line)PERFTOOLS__PROFILES__LINE__INIT;
		ln[0].function_id = li->inner;
		ln[0].line = li->line;
		line_ptrs[2 * i] = &ln[0];
		if (li->outer) {
			ln[1] = (Line)PERFTOOLS__PROFILES__LINE__INIT;
			ln[1].function_id = li->outer;
			line_ptrs[2 * i + 1] = &ln[1];
		}
		l->line = &line_ptrs[2 * i];
		loc_ptrs[i] = l;
	}
	for (size_t i = 0; i < p.nfuncs; i++)
		func_ptrs[i] = &p.funcs[i];
	for (size_t i = 0; i < p.nmaps; i++)
		map_ptrs[i] = &p.maps[i];
	for (size_t i = 0; i < p.nsamples; i++) {
		Sample *s = &p.samples[i];
		const struct sinfo *si = &p.sinfo[i];
		const struct an_key *k = &m->keys[si->key];
		s->location_id = &p.ids[si->first];
		s->value = &p.vals[2 * i];
		s->value[0] = (int64_t)si->calls;
		s->value[1] = ns_value(si->est_ns);
		Label *lb = &p.labels[4 * i];
		for (int j = 0; j < 4; j++) {
			lb[j] = (Label)PERFTOOLS__PROFILES__LABEL__INIT;
			p.label_ptrs[4 * i + j] = &lb[j];
		}
		lb[0].key = s_source;
		lb[0].str = k->no_name ? s_none : str(&p, k->name);
		lb[1].key = s_level;
		lb[1].str = str(&p, k->level_name);
		lb[2].key = s_action;
		lb[2].str = k->dropped ? s_dropped : s_kept;
		lb[3].key = s_pid;
		lb[3].num = k->pid;
		s->label = &p.label_ptrs[4 * i];
		sample_ptrs[i] = s;
	}
	ValueType vt[2] = { PERFTOOLS__PROFILES__VALUE_TYPE__INIT, PERFTOOLS__PROFILES__VALUE_TYPE__INIT };
	ValueType period = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	ValueType *vtp[2] = { &vt[0], &vt[1] };
	vt[0].type = s_calls;
	vt[0].unit = s_count;
	vt[1].type = s_time;
	vt[1].unit = s_ns;
	period.type = s_calls;
	period.unit = s_count;
	Profile pr = PERFTOOLS__PROFILES__PROFILE__INIT;
	pr.n_sample_type = 2;
	pr.sample_type = vtp;
	pr.n_sample = p.nsamples;
	pr.sample = sample_ptrs;
	pr.n_mapping = p.nmaps;
	pr.mapping = map_ptrs;
	pr.n_location = p.nlocs;
	pr.location = loc_ptrs;
	pr.n_function = p.nfuncs;
	pr.function = func_ptrs;
	pr.period_type = &period;
	pr.period = 1;
	pr.default_sample_type = s_time;
	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (size_t i = 0; i < m->nprocs; i++) {
		if (m->procs[i].start_realtime_ns && m->procs[i].start_realtime_ns < t0)
			t0 = m->procs[i].start_realtime_ns;
		if (m->procs[i].end_realtime_ns > t1)
			t1 = m->procs[i].end_realtime_ns;
	}
	if (t0 != UINT64_MAX) {
		pr.time_nanos = (int64_t)t0;
		pr.duration_nanos = t1 > t0 ? (int64_t)(t1 - t0) : 0;
	}
	/* the string table last: labels above may have added strings */
	pr.n_string_table = p.nstrs;
	pr.string_table = p.strs;
	int rc = p.oom ? -1 : 0;
	size_t len = rc ? 0 : protobuf_c_message_get_packed_size(&pr.base);
	uint8_t *buf = rc ? NULL : malloc(len + 1);
	if (!rc && buf) {
		protobuf_c_message_pack(&pr.base, buf);
		rc = gzip_out(o, buf, len);
		if (rc < 0)
			fprintf(stderr, "logtax report: pprof: cannot write the compressed profile\n");
	} else {
		rc = -1;
	}
	free(buf);
	free(line_ptrs);
	free(loc_ptrs);
	free(func_ptrs);
	free(map_ptrs);
	free(sample_ptrs);
	if (p.oom)
		goto oom;
	free_pp(&p);
	return rc;
oom:
	free_pp(&p);
	fprintf(stderr, "logtax report: out of memory: no pprof profile written\n");
	return -1;
}
