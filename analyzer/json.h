/* A small streaming JSON writer for the json, chrome and diff outputs.
 *
 * Why not json-c: the reports are written once, in order, and can be large
 * (one object per key); a streaming writer needs no tree in memory. And the
 * strings come from the traced program (source names, paths, format
 * strings), so they may hold any bytes: this writer always produces valid
 * JSON, escaping control characters and reading bytes that are not valid
 * UTF-8 as Latin-1 (\u00XX), where json-c passes such bytes through and
 * yields a document that strict parsers refuse. */
#ifndef AN_JSON_H
#define AN_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32

struct jw {
	FILE *o;
	int depth;
	int pretty;
	int count[JW_MAX_DEPTH]; /* members written at each level */
	char close[JW_MAX_DEPTH]; /* the bracket that closes each level */
};

void jw_init(struct jw *w, FILE *o, int pretty);
/* key is the member name inside an object, NULL inside an array or at the top. */
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
void jw_end(struct jw *w); /* closes the innermost object or array */
void jw_str(struct jw *w, const char *key, const char *v); /* NULL: null */
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_num(struct jw *w, const char *key, double v); /* not finite: null */
void jw_bool(struct jw *w, const char *key, int v);
void jw_null(struct jw *w, const char *key);
void jw_hex(struct jw *w, const char *key, uint64_t v); /* "0x1f": addresses exceed 2^53 */
/* v as a JSON string (quotes included), for writers that build lines themselves. */
void jw_quote(FILE *o, const char *v);

#endif
