/* Fixed-width text tables whose columns stay in line whatever the length
 * of the names in them: each column is as wide as its widest cell (and its
 * heading), up to the column's limit; a longer cell is cut in the middle,
 * "ab...yz", so both its ends stay readable. Numbers are never cut (their
 * columns have no limit). Cells are copied: pass stack buffers. */
#ifndef AN_TABLE_H
#define AN_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct an_col {
	const char *head;
	int right;    /* right-aligned (numbers) */
	size_t max;   /* widest it may grow; 0: no limit */
};

struct an_table;

struct an_table *an_table_new(const struct an_col *cols, size_t ncols);
/* One row of ncols cells (NULL prints "-"); tail, when not NULL, follows the
 * last column as it is (a note: nothing comes after it). Out of memory: the
 * row is left out and an_table_print says so. */
void an_table_add(struct an_table *t, const char *const *cells, const char *tail);
/* The heading and the rows, each line starting with indent. */
void an_table_print(FILE *o, const struct an_table *t, const char *indent);
void an_table_free(struct an_table *t);

/* s cut to at most width characters, in the middle with "..." (width < 5:
 * its start); buf holds cap bytes. */
const char *an_fit(const char *s, size_t width, char *buf, size_t cap);

#endif
