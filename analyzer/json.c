#include "json.h"
#include "../common/ltx_utf8.h"

#include <math.h>
#include <string.h>

void jw_init(struct jw *w, FILE *o, int pretty)
{
	memset(w, 0, sizeof *w);
	w->o = o;
	w->pretty = pretty;
}

void jw_quote(FILE *o, const char *v)
{
	const unsigned char *s = (const unsigned char *)v, *end = s + strlen(v);
	fputc('"', o);
	while (*s) {
		unsigned c = *s;
		if (c == '"' || c == '\\') {
			fputc('\\', o);
			fputc((int)c, o);
			s++;
		} else if (c == '\n') {
			fputs("\\n", o);
			s++;
		} else if (c == '\t') {
			fputs("\\t", o);
			s++;
		} else if (c == '\r') {
			fputs("\\r", o);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(o, "\\u%04x", c);
			s++;
		} else if (c < 0x80) {
			fputc((int)c, o);
			s++;
		} else {
			size_t n = ltx_utf8_len(s, end);
			if (n) {
				fwrite(s, 1, n, o);
				s += n;
			} else {
				fprintf(o, "\\u%04x", c); /* not UTF-8: taken as Latin-1 */
				s++;
			}
		}
	}
	fputc('"', o);
}

/* Indented here: pretty, and not inside a container written on one line. */
static int indented(const struct jw *w)
{
	return w->pretty && !w->line_from;
}

static void member(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (w->count[w->depth - 1]++)
			fputc(',', w->o);
		if (indented(w)) {
			fputc('\n', w->o);
			for (int i = 0; i < w->depth; i++)
				fputs("  ", w->o);
		}
	}
	if (key) {
		jw_quote(w->o, key);
		fputs(indented(w) ? ": " : ":", w->o);
	}
}

static void open_(struct jw *w, const char *key, char c, int line)
{
	member(w, key);
	fputc(c, w->o);
	if (w->depth < JW_MAX_DEPTH) {
		w->count[w->depth] = 0;
		w->close[w->depth] = c == '{' ? '}' : ']';
		w->depth++;
		if (line && !w->line_from)
			w->line_from = w->depth;
	}
}

void jw_obj(struct jw *w, const char *key)
{
	open_(w, key, '{', 0);
}

void jw_arr(struct jw *w, const char *key)
{
	open_(w, key, '[', 0);
}

void jw_obj_line(struct jw *w, const char *key)
{
	open_(w, key, '{', 1);
}

void jw_arr_line(struct jw *w, const char *key)
{
	open_(w, key, '[', 1);
}

void jw_end(struct jw *w)
{
	if (w->depth <= 0)
		return;
	w->depth--;
	if (indented(w) && w->count[w->depth]) {
		fputc('\n', w->o);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->o);
	}
	fputc(w->close[w->depth], w->o);
	if (w->line_from > w->depth)
		w->line_from = 0;
	if (w->depth == 0)
		fputc('\n', w->o);
}

void jw_str(struct jw *w, const char *key, const char *v)
{
	member(w, key);
	if (v)
		jw_quote(w->o, v);
	else
		fputs("null", w->o);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	member(w, key);
	fprintf(w->o, "%llu", (unsigned long long)v);
}

void jw_i64(struct jw *w, const char *key, int64_t v)
{
	member(w, key);
	fprintf(w->o, "%lld", (long long)v);
}

void jw_num(struct jw *w, const char *key, double v)
{
	member(w, key);
	if (!isfinite(v))
		fputs("null", w->o);
	else if (fabs(v) < 1e15 && v == (double)(long long)v) /* range first: the cast of a larger value is undefined */
		fprintf(w->o, "%lld", (long long)v);
	else
		fprintf(w->o, "%.10g", v);
}

void jw_bool(struct jw *w, const char *key, int v)
{
	member(w, key);
	fputs(v ? "true" : "false", w->o);
}

void jw_null(struct jw *w, const char *key)
{
	member(w, key);
	fputs("null", w->o);
}

void jw_hex(struct jw *w, const char *key, uint64_t v)
{
	member(w, key);
	fprintf(w->o, "\"0x%llx\"", (unsigned long long)v);
}
