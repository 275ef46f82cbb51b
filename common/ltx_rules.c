/* See ltx_rules.h. The parser runs twice over the text with the same code:
 * once to check it and size the result, once to fill it, so a rule set is
 * either whole or absent. */
#include "ltx_rules.h"
#include "ltx_format.h"
#include "ltx_levels.h"

#include <string.h>

/* ---- globs ---- */

/* p is just after '['; returns the closing ']' or NULL. A ']' first in the
 * class (after ! or ^) is a member, as in shells. */
static const char *class_end(const char *p)
{
	if (*p == '!' || *p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return *p == ']' ? p : NULL;
}

static int class_has(const char *p, const char *end, unsigned char c)
{
	int neg = 0, in = 0;
	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	while (p < end) {
		if (*p == '\\' && p + 1 < end)
			p++;
		unsigned char lo = (unsigned char)*p++, hi = lo;
		if (*p == '-' && p + 1 < end) {
			p++;
			if (*p == '\\' && p + 1 < end)
				p++;
			hi = (unsigned char)*p++;
		}
		if (c >= lo && c <= hi)
			in = 1;
	}
	return in != neg;
}

/* Backtracks only to the last '*': linear in practice, never exponential. */
int ltx_glob(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;
	for (;;) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*s) {
			const char *next = p + 1, *e;
			int ok;
			if (*p == '?') {
				ok = 1;
			} else if (*p == '[' && (e = class_end(p + 1))) {
				ok = class_has(p + 1, e, (unsigned char)*s);
				next = e + 1;
			} else if (*p == '\\' && p[1]) {
				ok = p[1] == *s;
				next = p + 2;
			} else {
				ok = *p && *p == *s;
			}
			if (ok) {
				p = next;
				s++;
				continue;
			}
		} else if (!*p) {
			return 1;
		}
		if (!star_p || !*star_s)
			return 0;
		p = star_p;
		s = ++star_s;
	}
}

/* ---- parser ---- */

struct parser {
	const char *t;
	size_t len;
	struct ltx_rules_error *err;
	size_t rule_at, rule_len;
	/* output (fill pass only) */
	unsigned char *out;
	size_t strings; /* next free byte for strings */
	uint32_t nrules;
	uint32_t has_caller;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int fail(struct parser *p, size_t at, const char *msg)
{
	p->err->msg = msg;
	p->err->at = at;
	p->err->rule_at = p->rule_at;
	p->err->rule_len = p->rule_len;
	return -1;
}

/* Checks the glob in [b, e) up to the first of `stops` outside brackets and
 * escapes; returns that position (e if none), or (size_t)-1 after fail(). */
static size_t scan_glob(struct parser *p, size_t b, size_t e, const char *stops)
{
	const char *t = p->t;
	for (size_t i = b; i < e; i++) {
		if (strchr(stops, t[i]))
			return i;
		if (t[i] == '\\') {
			if (i + 1 >= e) {
				fail(p, i, "'\\' at the end of a pattern quotes nothing");
				return (size_t)-1;
			}
			i++;
		} else if (t[i] == '[') {
			size_t j = i + 1;
			if (j < e && (t[j] == '!' || t[j] == '^'))
				j++;
			if (j < e && t[j] == ']')
				j++;
			while (j < e && t[j] != ']') {
				if (t[j] == '\\' && j + 1 < e)
					j++;
				j++;
			}
			if (j >= e) {
				fail(p, i, "'[' without its ']'");
				return (size_t)-1;
			}
			i = j;
		}
	}
	return e;
}

/* Copies a pattern into the string area; returns its offset (0 when not filling). */
static uint32_t put(struct parser *p, size_t b, size_t e)
{
	size_t at = p->strings;
	p->strings += e - b + 1;
	if (!p->out)
		return 0;
	memcpy(p->out + at, p->t + b, e - b);
	p->out[at + e - b] = 0;
	return (uint32_t)at;
}

/* A decimal number in [b, e) up to its first non-digit: at most
 * 4294967295; returns the position after it, or (size_t)-1 after fail(). */
static size_t parse_num(struct parser *p, size_t b, size_t e, uint32_t *out)
{
	const char *t = p->t;
	uint64_t v = 0;
	size_t i = b;
	while (i < e && t[i] >= '0' && t[i] <= '9') {
		v = v * 10 + (uint64_t)(t[i] - '0');
		if (v > UINT32_MAX) {
			fail(p, b, "number too large (at most 4294967295)");
			return (size_t)-1;
		}
		i++;
	}
	if (i == b) {
		fail(p, b, "expected a number");
		return (size_t)-1;
	}
	*out = (uint32_t)v;
	return i;
}

/* limit's N/s or N/min, sample's 1/N, in [b, e). */
static int parse_rate(struct parser *p, struct ltx_rule *r, size_t b, size_t e)
{
	const char *t = p->t;
	uint32_t n;
	size_t i = parse_num(p, b, e, &n);
	if (i == (size_t)-1)
		return -1;
	if (r->action == LTX_ACT_SAMPLE) {
		if (n != 1)
			return fail(p, b, "expected 1/N (keep 1 call in N)");
		if (i == e || t[i] != '/')
			return fail(p, i, "expected '/' after 1 (sample:SELECTOR:1/N)");
		size_t j = parse_num(p, i + 1, e, &n);
		if (j == (size_t)-1)
			return -1;
		if (!n)
			return fail(p, i + 1, "N of 0 (1 call in 0 means nothing)");
		if (j != e)
			return fail(p, j, "unexpected character after N");
		r->n = n;
		r->per = 0;
		return 0;
	}
	if (!n)
		return fail(p, b, "N of 0 (drops every call: use drop)");
	if (i == e)
		return fail(p, i, "missing unit (N/s or N/min)");
	if (t[i] != '/')
		return fail(p, i, "expected '/' and a unit (N/s or N/min)");
	i++;
	if (e - i == 1 && t[i] == 's')
		r->per = 1;
	else if (e - i == 3 && !memcmp(t + i, "min", 3))
		r->per = 60;
	else if (i == e)
		return fail(p, i, "missing unit (N/s or N/min)");
	else
		return fail(p, i, "unknown unit (expected s or min)");
	r->n = n;
	return 0;
}

static int parse_rule(struct parser *p, size_t b, size_t e)
{
	const char *t = p->t;
	struct ltx_rule r;
	memset(&r, 0, sizeof r);
	r.at = (uint32_t)b;
	size_t colon = b;
	while (colon < e && t[colon] != ':')
		colon++;
	if (colon == e)
		return fail(p, b, "expected ACTION:SELECTOR, e.g. drop:util.event*");
	if (colon - b == 4 && !memcmp(t + b, "drop", 4))
		r.action = LTX_ACT_DROP;
	else if (colon - b == 4 && !memcmp(t + b, "keep", 4))
		r.action = LTX_ACT_KEEP;
	else if (colon - b == 5 && !memcmp(t + b, "limit", 5))
		r.action = LTX_ACT_LIMIT;
	else if (colon - b == 6 && !memcmp(t + b, "sample", 6))
		r.action = LTX_ACT_SAMPLE;
	else
		return fail(p, b, "unknown action (expected drop, keep, limit or sample)");
	if (r.action == LTX_ACT_LIMIT || r.action == LTX_ACT_SAMPLE) {
		/* The rate follows the selector's last ':' (a glob may hold one). */
		size_t c2 = e;
		while (c2 > colon + 1 && t[c2 - 1] != ':')
			c2--;
		if (c2 <= colon + 1)
			return fail(p, e, r.action == LTX_ACT_LIMIT ?
						  "missing rate (limit:SELECTOR:N/s or N/min)" :
						  "missing rate (sample:SELECTOR:1/N)");
		if (parse_rate(p, &r, c2, e) < 0)
			return -1;
		e = c2 - 1;
	}

	size_t s0 = colon + 1, pos = scan_glob(p, s0, e, "/@<");
	if (pos == (size_t)-1)
		return -1;
	size_t entry_b = 0, entry_e = 0, name_b = s0;
	if (pos < e && t[pos] == '/') {
		if (pos == s0)
			return fail(p, s0, "empty entry point before '/' (use */ for every entry point)");
		entry_b = s0;
		entry_e = pos;
		name_b = pos + 1;
	}
	pos = scan_glob(p, name_b, e, "@<");
	if (pos == (size_t)-1)
		return -1;
	if (pos == name_b)
		return fail(p, name_b, "empty source name (use * for every source)");
	size_t name_e = pos;
	r.cmp = LTX_CMP_ANY;
	if (pos < e && t[pos] == '@') {
		size_t q = pos + 1;
		if (q + 1 < e && t[q] == '<' && t[q + 1] == '=')
			r.cmp = LTX_CMP_LE, q += 2;
		else if (q + 1 < e && t[q] == '>' && t[q + 1] == '=')
			r.cmp = LTX_CMP_GE, q += 2;
		else if (q < e && t[q] == '<')
			r.cmp = LTX_CMP_LT, q++;
		else if (q < e && t[q] == '>')
			r.cmp = LTX_CMP_GT, q++;
		else if (q < e && t[q] == '=')
			r.cmp = LTX_CMP_EQ, q++;
		else
			r.cmp = LTX_CMP_EQ;
		size_t w = q;
		while (w < e && ((t[w] >= 'a' && t[w] <= 'z') || (t[w] >= 'A' && t[w] <= 'Z')))
			w++;
		if (w == q)
			return fail(p, q, "missing level (debug, info, notice, warning or error)");
		enum ltx_level l = ltx_level_parse(t + q, (unsigned)(w - q));
		if (l == LTX_LVL_UNKNOWN)
			return fail(p, q, "unknown level (expected debug, info, notice, warning or error)");
		r.level = (uint8_t)l;
		pos = w;
	}
	size_t caller_b = 0, caller_e = 0;
	if (pos < e && t[pos] == '<') {
		caller_b = pos + 1;
		caller_e = scan_glob(p, caller_b, e, "");
		if (caller_e == (size_t)-1)
			return -1;
		if (caller_e == caller_b)
			return fail(p, caller_b, "empty caller after '<'");
		pos = caller_e;
	}
	if (pos != e)
		return fail(p, pos, "unexpected character (after the level only <CALLER may follow)");
	if (p->nrules >= LTX_RULES_MAX)
		return fail(p, b, "too many rules (at most 16384)");

	if (entry_e)
		r.entry = put(p, entry_b, entry_e);
	r.name = put(p, name_b, name_e);
	if (caller_e) {
		r.caller = put(p, caller_b, caller_e);
		p->has_caller = 1;
	}
	if (p->out)
		memcpy(p->out + sizeof(struct ltx_ruleset) + p->nrules * sizeof r, &r, sizeof r);
	p->nrules++;
	return 0;
}

static int parse_all(struct parser *p)
{
	const char *t = p->t;
	size_t i = 0;
	for (size_t k = 0; k < p->len; k++)
		if (!t[k]) {
			p->rule_at = k;
			p->rule_len = 0;
			return fail(p, k, "NUL byte in the rules");
		}
	while (i < p->len) {
		if (is_space(t[i])) {
			i++;
			continue;
		}
		if (t[i] == '#') {
			while (i < p->len && t[i] != '\n')
				i++;
			continue;
		}
		size_t e = i;
		while (e < p->len && !is_space(t[e]))
			e++;
		p->rule_at = i;
		p->rule_len = e - i;
		if (parse_rule(p, i, e) < 0)
			return -1;
		i = e;
	}
	return 0;
}

static void line_col(const char *t, size_t at, unsigned *line, unsigned *col)
{
	unsigned l = 1;
	size_t start = 0;
	for (size_t i = 0; i < at; i++)
		if (t[i] == '\n') {
			l++;
			start = i + 1;
		}
	*line = l;
	*col = (unsigned)(at - start + 1);
}

size_t ltx_rules_parse(const char *text, size_t len, void *mem, size_t cap, struct ltx_rules_error *err)
{
	struct ltx_rules_error dummy;
	struct parser p;
	memset(&p, 0, sizeof p);
	p.t = text;
	p.len = len;
	p.err = err ? err : &dummy;
	memset(p.err, 0, sizeof *p.err);
	if (len > LTX_RULES_MAX_TEXT) {
		p.rule_at = 0;
		p.rule_len = 0;
		fail(&p, LTX_RULES_MAX_TEXT, "rules longer than 256 KiB");
		line_col(text, p.err->at, &p.err->line, &p.err->col);
		return 0;
	}
	if (parse_all(&p) < 0) {
		line_col(text, p.err->at, &p.err->line, &p.err->col);
		return 0;
	}
	size_t head = sizeof(struct ltx_ruleset) + (size_t)p.nrules * sizeof(struct ltx_rule);
	size_t size = head + len + 1 + p.strings;
	size = (size + 7) & ~(size_t)7;
	if (!mem || cap < size)
		return size;

	/* Fill: the same walk again, writing. */
	unsigned char *out = mem;
	memset(out, 0, size);
	struct ltx_ruleset *rs = mem;
	rs->size = (uint32_t)size;
	rs->text_len = (uint32_t)len;
	rs->text_off = (uint32_t)head;
	memcpy(out + head, text, len);
	out[head + len] = 0;
	struct parser f;
	memset(&f, 0, sizeof f);
	f.t = text;
	f.len = len;
	f.err = &dummy;
	f.out = out;
	f.strings = head + len + 1;
	parse_all(&f);
	rs->nrules = f.nrules;
	rs->has_caller = f.has_caller;
	return size;
}

/* ---- messages ---- */

struct buf {
	char *b;
	size_t n, cap;
};

static void cat(struct buf *o, const char *s)
{
	while (s && *s && o->n + 1 < o->cap)
		o->b[o->n++] = *s++;
}

static void cat_u(struct buf *o, unsigned long v)
{
	char tmp[24];
	int k = 0;
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k && o->n + 1 < o->cap)
		o->b[o->n++] = tmp[--k];
}

size_t ltx_rules_error_format(char *b, size_t cap, const char *origin, int origin_is_file, const char *text,
			      size_t len, const struct ltx_rules_error *e)
{
	struct buf o = { b, 0, cap };
	if (!cap)
		return 0;
	int multiline = memchr(text, '\n', len) != NULL;
	cat(&o, origin);
	if (origin_is_file) {
		cat(&o, ":");
		cat_u(&o, e->line);
		cat(&o, ":");
		cat_u(&o, e->col);
	}
	cat(&o, ": bad rule '");
	size_t n = e->rule_len > 60 ? 57 : e->rule_len;
	for (size_t i = 0; i < n && e->rule_at + i < len && o.n + 1 < cap; i++) {
		unsigned char c = (unsigned char)text[e->rule_at + i];
		o.b[o.n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n < e->rule_len)
		cat(&o, "...");
	cat(&o, "'");
	if (!origin_is_file) {
		if (multiline) {
			cat(&o, " at line ");
			cat_u(&o, e->line);
			cat(&o, ", column ");
		} else {
			cat(&o, " at column ");
		}
		cat_u(&o, e->col);
	}
	cat(&o, ": ");
	cat(&o, e->msg);
	o.b[o.n] = 0;
	return o.n;
}

/* ---- matching ---- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int level_ok(const struct ltx_rule *r, enum ltx_level l)
{
	if (r->cmp == LTX_CMP_ANY)
		return 1;
	if (l == LTX_LVL_UNKNOWN)
		return 0; /* a level outside the family's scale matches no bound */
	switch (r->cmp) {
	case LTX_CMP_EQ: return l == r->level;
	case LTX_CMP_LT: return l < r->level;
	case LTX_CMP_LE: return l <= r->level;
	case LTX_CMP_GT: return l > r->level;
	case LTX_CMP_GE: return l >= r->level;
	default: return 0;
	}
}

int ltx_rules_match(const struct ltx_ruleset *rs, const struct ltx_rule_subject *s, int *which)
{
	const char *fam = ltx_family_name(s->family);
	const char *entry = s->entry ? s->entry : "";
	const char *name = s->name ? s->name : "";
	enum ltx_level lvl = ltx_level_of_scale(s->scale, s->nscale, s->family, s->level);
	const char *sym = NULL, *mod = NULL;
	int resolved = 0;
	for (uint32_t i = 0; rs && i < rs->nrules; i++) {
		const struct ltx_rule *r = &rs->rules[i];
		const char *g = ltx_rules_str(rs, r->entry);
		if (g && !ltx_glob(g, entry) && !ltx_glob(g, fam))
			continue;
		if (!ltx_glob(ltx_rules_str(rs, r->name), name))
			continue;
		if (!level_ok(r, lvl))
			continue;
		g = ltx_rules_str(rs, r->caller);
		if (g) {
			if (!resolved)
				resolved = s->resolve && s->resolve(s->ctx, &sym, &mod) == 0 ? 1 : -1;
			if (resolved < 0)
				continue;
			int hit = sym && ltx_glob(g, sym);
			if (!hit && mod)
				hit = ltx_glob(g, strchr(g, '/') ? mod : base_name(mod));
			if (!hit)
				continue;
		}
		if (which)
			*which = (int)i;
		/* A call that does not return (a fatal level) is never dropped. */
		if (r->action != LTX_ACT_KEEP && ltx_level_fatal(s->family, s->level))
			return LTX_ACT_KEEP;
		return r->action;
	}
	if (which)
		*which = -1;
	return LTX_ACT_KEEP;
}
