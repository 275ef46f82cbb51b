/* Rule sets in the shim. Each set is an immutable block (common/ltx_rules.c
 * fills it) in memory of its own, linked newest first and never freed: a
 * key's generation says which set decided it, and the data file lists every
 * set it saw. A new set is published with a release store of the list
 * head, then of lt_gen (lt_gen_set); the hot path reads lt_gen_key alone, and a key of the
 * new generation is a new key, so every decision is taken again, once, in
 * the slow path, under the set of its generation.
 *
 * Callers (for rules with a CALLER part) are resolved with dladdr once per
 * calling address and cached in a lock-free table: no lock of ours is held
 * while dladdr takes the loader's. */
#include "lt.h"
#include "rules.h"
#include "clockfit.h"
#include "base.h"
#include "settings.h"
#include "desc.h"
#include "entries.h"
#include "../common/ltx_format.h"
#include "../common/ltx_levels.h"
#include "../common/ltx_rules.h"
#include "../common/ltx_io.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct lt_rules_node *volatile lt_rules_head;
static pthread_mutex_t apply_lock = PTHREAD_MUTEX_INITIALIZER;



/* In a fork child: only the forking thread exists, and it never holds the
 * lock (only the control thread applies rules after start-up). */
void lt_rules_forked(void)
{
	pthread_mutex_init(&apply_lock, NULL);
}

const struct lt_rules_node *lt_rules_for(uint32_t gen)
{
	for (const struct lt_rules_node *n = __atomic_load_n(&lt_rules_head, __ATOMIC_ACQUIRE); n; n = n->next)
		if (n->gen == gen)
			return n;
	return NULL;
}

int lt_rules_apply(const char *text, size_t len, const char *origin, int origin_is_file, char *err, size_t errcap)
{
	struct ltx_rules_error e;
	size_t need = ltx_rules_parse(text, len, NULL, 0, &e);
	if (!need) {
		ltx_rules_error_format(err, errcap, origin, origin_is_file, text, len, &e);
		return -1;
	}
	size_t map_len = offsetof(struct lt_rules_node, rs) + need;
	struct lt_rules_node *n = lt_map(map_len);
	if (!n) {
		strncpy(err, "out of memory for the rules", errcap - 1);
		err[errcap - 1] = 0;
		return -1;
	}
	ltx_rules_parse(text, len, &n->rs, need, &e);
	n->map_len = map_len;
	/* limit's time base is measured here (a few ms, once), not in the first
	 * call of a limited key */
	for (uint32_t i = 0; i < n->rs.nrules; i++)
		if (n->rs.rules[i].action == LTX_ACT_LIMIT) {
			lt_clockfit_update();
			break;
		}
	pthread_mutex_lock(&apply_lock);
	uint32_t gen = __atomic_load_n(&lt_gen, __ATOMIC_RELAXED) + 1;
	if (gen > 0xffffff) {
		pthread_mutex_unlock(&apply_lock);
		lt_unmap(n, map_len);
		strncpy(err, "too many rule changes in one process (16,777,215)", errcap - 1);
		err[errcap - 1] = 0;
		return -1;
	}
	n->gen = gen;
	n->applied_mono = lt_clock_ns(CLOCK_MONOTONIC);
	n->next = lt_rules_head;
	__atomic_store_n(&lt_rules_head, n, __ATOMIC_RELEASE);
	lt_gen_set(gen);
	pthread_mutex_unlock(&apply_lock);
	return (int)gen;
}

/* ---- callers ---- */

#define CALLERS 4096 /* cached calling addresses; more are resolved each time */
#define CALLER_ARENA (512 * 1024)
struct caller {
	uint64_t addr;   /* 0 = free; claimed with a CAS */
	uint32_t ready;  /* sym and mod are set */
	uint32_t sym;    /* offsets + 1 in the arena; 0 = none */
	uint32_t mod;
	uint32_t pad;
};
struct callers {
	struct caller slot[CALLERS];
	uint32_t used; /* arena bytes */
	char arena[CALLER_ARENA];
};
static struct callers *volatile callers;
static char exe_path[4096];

static uint32_t arena_put(struct callers *c, const char *s)
{
	if (!s)
		return 0;
	size_t n = strnlen(s, 1024) + 1;
	uint32_t at = __atomic_fetch_add(&c->used, (uint32_t)n, __ATOMIC_RELAXED);
	if (at + n > CALLER_ARENA)
		return 0;
	memcpy(c->arena + at, s, n - 1);
	c->arena[at + n - 1] = 0;
	return at + 1;
}

struct who {
	uint64_t ret;
	char sym[256], mod[4096];
};

/* The function and module around ret - 1 (a return address points after
 * its call, which may end a function). */
static int lookup(uint64_t ret, struct who *w)
{
	Dl_info di;
	struct link_map *lm = NULL;
	w->sym[0] = w->mod[0] = 0;
	if (!dladdr1((void *)(ret - 1), &di, (void **)&lm, RTLD_DL_LINKMAP))
		return -1;
	if (di.dli_sname)
		strncpy(w->sym, di.dli_sname, sizeof w->sym - 1);
	const char *m = lm && lm->l_name && lm->l_name[0] ? lm->l_name : NULL;
	if (!m) {
		/* The main program has no name in the link map. */
		if (!exe_path[0]) {
			ssize_t k = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
			exe_path[k > 0 ? k : 0] = 0;
		}
		m = exe_path[0] ? exe_path : di.dli_fname;
	}
	if (m) {
		/* (a bounded copy: gcc's -fsanitize builds flag strncpy here) */
		size_t n = strnlen(m, sizeof w->mod - 1);
		memcpy(w->mod, m, n);
		w->mod[n] = 0;
	}
	w->sym[sizeof w->sym - 1] = w->mod[sizeof w->mod - 1] = 0;
	return 0;
}

static int resolve(void *ctx, const char **sym, const char **mod)
{
	struct who *w = ctx;
	struct callers *c = __atomic_load_n(&callers, __ATOMIC_ACQUIRE);
	if (!c) {
		struct callers *fresh = lt_map(sizeof *c);
		struct callers *none = NULL;
		if (fresh && !__atomic_compare_exchange_n(&callers, &none, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			lt_unmap(fresh, sizeof *c);
		c = __atomic_load_n(&callers, __ATOMIC_ACQUIRE);
	}
	uint64_t h = (w->ret * 0x9e3779b97f4a7c15ull) >> 52;
	struct caller *free_slot = NULL;
	for (unsigned i = 0; c && i < 16; i++) {
		struct caller *s = &c->slot[(h + i) & (CALLERS - 1)];
		uint64_t a = __atomic_load_n(&s->addr, __ATOMIC_ACQUIRE);
		if (a == w->ret) {
			if (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
				break; /* another thread is filling it: resolve ourselves */
			*sym = s->sym ? c->arena + s->sym - 1 : NULL;
			*mod = s->mod ? c->arena + s->mod - 1 : NULL;
			return 0;
		}
		if (!a) {
			free_slot = s;
			break;
		}
	}
	if (lookup(w->ret, w) < 0)
		return -1;
	*sym = w->sym[0] ? w->sym : NULL;
	*mod = w->mod[0] ? w->mod : NULL;
	uint64_t zero = 0;
	if (free_slot && __atomic_compare_exchange_n(&free_slot->addr, &zero, w->ret, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
		free_slot->sym = arena_put(c, *sym);
		free_slot->mod = arena_put(c, *mod);
		__atomic_store_n(&free_slot->ready, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

void lt_rules_decide(const struct lt_desc *d, const char *name, int32_t level, uint64_t ret, uint32_t gen,
		     struct lt_pick *out)
{
	memset(out, 0, sizeof *out);
	const struct lt_rules_node *n = gen ? lt_rules_for(gen) : NULL;
	if (!n || !n->rs.nrules)
		return;
	struct who w;
	w.ret = ret;
	unsigned nscale;
	const struct ltx_level_pair *scale = lt_hook_scale(d, &nscale);
	struct ltx_rule_subject s = { d->symbol, d->family, name, level, resolve, &w, scale, nscale };
	int which = -1;
	out->action = (uint32_t)ltx_rules_match(&n->rs, &s, &which);
	if (which < 0)
		return;
	if (out->action != LTX_ACT_KEEP && lt_hook_keeps(d, level)) {
		/* keep=N: a call its callers cannot do without runs, whatever the rule */
		out->action = LTX_ACT_KEEP;
		return;
	}
	const struct ltx_rule *r = &n->rs.rules[which];
	out->rule = (uint32_t)which + 1;
	out->n = r->n;
	out->per = r->per;
}

/* ---- start-up: LOGTAX_FILTER and LOGTAX_FILTER_FILE ---- */

/* Reads a rule file into memory of its own; returns its length or -1. */
static ssize_t read_file(const char *path, char **out, size_t *map_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	size_t cap = LTX_RULES_MAX_TEXT + 2;
	char *b = lt_map(cap);
	if (!b) {
		close(fd);
		return -1;
	}
	size_t got = ltx_read_full(fd, b, cap);
	close(fd);
	*out = b;
	*map_len = cap;
	return (ssize_t)got;
}

/* One line: what is wrong, and that no rule at all is applied. */
static void warn_rules(const char *line)
{
	char msg[700];
	size_t n = strlen(line);
	if (n > 600)
		n = 600;
	memcpy(msg, line, n);
	strcpy(msg + n, "; no rules are applied");
	lt_warn("warning", msg);
}

void lt_rules_init(void)
{
	const char *filter = lt_setting("LOGTAX_FILTER");
	const char *path = lt_setting("LOGTAX_FILTER_FILE");
	if (filter && !*filter)
		filter = NULL;
	if (path && !*path)
		path = NULL;
	if (!filter && !path)
		return;
	char err[512];
	struct ltx_rules_error e;
	char *file = NULL;
	size_t file_map = 0;
	ssize_t flen = 0;
	if (filter && !ltx_rules_parse(filter, strlen(filter), NULL, 0, &e)) {
		ltx_rules_error_format(err, sizeof err, "LOGTAX_FILTER", 0, filter, strlen(filter), &e);
		warn_rules(err);
		return;
	}
	if (path) {
		flen = read_file(path, &file, &file_map);
		if (flen < 0) {
			char msg[600];
			size_t n = strlen(path) < 400 ? strlen(path) : 400;
			memcpy(msg, "LOGTAX_FILTER_FILE='", 20);
			memcpy(msg + 20, path, n);
			memcpy(msg + 20 + n, "' ignored: ", 11);
			strncpy(msg + 31 + n, strerror(errno), sizeof msg - 32 - n);
			msg[sizeof msg - 1] = 0;
			warn_rules(msg);
			return;
		}
		if (!ltx_rules_parse(file, (size_t)flen, NULL, 0, &e)) {
			ltx_rules_error_format(err, sizeof err, path, 1, file, (size_t)flen, &e);
			warn_rules(err);
			lt_unmap(file, file_map);
			return;
		}
	}
	/* Both: the variable's rules first, so they take precedence. */
	size_t flt = filter ? strlen(filter) : 0, total = flt + 1 + (size_t)flen;
	char *all = NULL;
	const char *t = filter ? filter : file;
	size_t tl = filter ? flt : (size_t)flen;
	if (filter && path) {
		all = lt_map(total);
		if (all) {
			memcpy(all, filter, flt);
			all[flt] = '\n';
			memcpy(all + flt + 1, file, (size_t)flen);
		}
		t = all;
		tl = total;
	}
	if (t && lt_rules_apply(t, tl, "LOGTAX_FILTER", 0, err, sizeof err) < 0)
		warn_rules(err);
	if (all)
		lt_unmap(all, total);
	if (file)
		lt_unmap(file, file_map);
}
