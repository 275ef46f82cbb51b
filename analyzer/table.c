/* Text tables that stay in line (table.h). Columns are two blanks apart. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

struct an_table {
	const struct an_col *cols;
	size_t ncols;
	char **cells; /* nrows * ncols, then the row's tail: (ncols + 1) per row */
	size_t nrows, cap;
	int lost;     /* rows left out for want of memory */
};

const char *an_fit(const char *s, size_t width, char *buf, size_t cap)
{
	size_t n = strlen(s);
	if (!cap)
		return "";
	if (width >= cap)
		width = cap - 1;
	if (n <= width) {
		memcpy(buf, s, n + 1);
		return buf;
	}
	if (width < 5) {
		memcpy(buf, s, width);
		buf[width] = 0;
		return buf;
	}
	/* the head gets the odd character: it names the thing */
	size_t keep = width - 3, head = keep - keep / 2, tail = keep / 2;
	memcpy(buf, s, head);
	memcpy(buf + head, "...", 3);
	memcpy(buf + head + 3, s + n - tail, tail);
	buf[width] = 0;
	return buf;
}

struct an_table *an_table_new(const struct an_col *cols, size_t ncols)
{
	struct an_table *t = calloc(1, sizeof *t);
	if (t) {
		t->cols = cols;
		t->ncols = ncols;
	}
	return t;
}

void an_table_add(struct an_table *t, const char *const *cells, const char *tail)
{
	if (!t)
		return;
	size_t w = t->ncols + 1;
	if (t->nrows == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, nc * w * sizeof *c);
		if (!c) {
			t->lost++;
			return;
		}
		t->cells = c;
		t->cap = nc;
	}
	char **row = &t->cells[t->nrows * w];
	int bad = 0;
	for (size_t i = 0; i < t->ncols; i++)
		bad |= !(row[i] = strdup(cells[i] ? cells[i] : "-"));
	row[t->ncols] = tail && *tail ? strdup(tail) : NULL;
	bad |= tail && *tail && !row[t->ncols];
	if (bad) {
		for (size_t i = 0; i < w; i++)
			free(row[i]);
		t->lost++;
		return;
	}
	t->nrows++;
}

static void cell(FILE *o, const char *s, size_t width, int right, int last)
{
	char buf[1024];
	const char *v = an_fit(s, width, buf, sizeof buf);
	size_t pad = width - strlen(v);
	if (right)
		fprintf(o, "%*s%s", (int)pad, "", v);
	else if (last)
		fputs(v, o); /* no trailing blanks */
	else
		fprintf(o, "%s%*s", v, (int)pad, "");
}

void an_table_print(FILE *o, const struct an_table *t, const char *indent)
{
	if (!t)
		return;
	size_t width[32];
	size_t nc = t->ncols < 32 ? t->ncols : 32, w = t->ncols + 1;
	for (size_t c = 0; c < nc; c++) {
		size_t m = strlen(t->cols[c].head);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t l = strlen(t->cells[r * w + c]);
			m = l > m ? l : m;
		}
		if (t->cols[c].max && m > t->cols[c].max)
			m = t->cols[c].max;
		width[c] = m < 1000 ? m : 1000;
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		fputs(indent, o);
		for (size_t c = 0; c < nc; c++) {
			if (c)
				fputs("  ", o);
			cell(o, r ? t->cells[(r - 1) * w + c] : t->cols[c].head, width[c], t->cols[c].right,
			     c + 1 == nc && !(r && t->cells[(r - 1) * w + t->ncols]));
		}
		if (r && t->cells[(r - 1) * w + t->ncols])
			fprintf(o, "  %s", t->cells[(r - 1) * w + t->ncols]);
		fputc('\n', o);
	}
	if (t->lost)
		fprintf(o, "%s(%d rows left out: out of memory)\n", indent, t->lost);
}

void an_table_free(struct an_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (t->ncols + 1); i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
