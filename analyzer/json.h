/* The one JSON writer of the analyzer: report --format json, --diff
 * --format json, --format chrome, ab --json and scan --json all write
 * through it, so every JSON output escapes alike.
 *
 * Strings come from the traced program and the file system (source names,
 * format strings, thread names, paths, command lines), so they may hold any
 * bytes. Valid UTF-8 passes through unchanged; a byte that does not start a
 * valid sequence (a lone continuation byte, an overlong form, a surrogate,
 * a code point past U+10FFFF, a cut sequence) is written as \u00XX, its
 * Latin-1 reading, so the document stays valid and no byte is lost;
 * control bytes and DEL are escaped. A number that is not finite (NaN,
 * infinity) is written as null: JSON has no word for it.
 *
 * Why our own and not libjansson or json-c: both build the whole document
 * as a tree in memory before writing it, and a report holds one object per
 * key, thread and trace event (millions with --trace); this writer streams
 * in order with no allocation. json-c also passes invalid UTF-8 through
 * raw, and jansson refuses such a string (the member would be lost), where
 * we want the bytes kept. */
#ifndef AN_JSON_H
#define AN_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32 /* the documents nest 6 deep at most; deeper is not tracked */

struct jw {
	FILE *o;
	int depth;
	int pretty; /* indent by depth; report_json.c and report_chrome.c still turn it off and on
		     * around one-line records, which jw_obj_line/jw_arr_line now do */
	int line_from; /* depth of the outermost container being written on one line, 0 none */
	int count[JW_MAX_DEPTH]; /* members written at each level */
	char close[JW_MAX_DEPTH]; /* the bracket that closes each level */
};

void jw_init(struct jw *w, FILE *o, int pretty);
/* key is the member name inside an object, NULL inside an array or at the top. */
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
/* The same, written on one line (no indentation inside, whatever pretty
 * says): for long lists of small records, one per line. */
void jw_obj_line(struct jw *w, const char *key);
void jw_arr_line(struct jw *w, const char *key);
void jw_end(struct jw *w); /* closes the innermost object or array */
void jw_str(struct jw *w, const char *key, const char *v); /* NULL: null */
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_num(struct jw *w, const char *key, double v); /* not finite: null */
void jw_bool(struct jw *w, const char *key, int v);
void jw_null(struct jw *w, const char *key);
void jw_hex(struct jw *w, const char *key, uint64_t v); /* "0x1f": addresses exceed 2^53 */
/* v as a JSON string (quotes included), escaped as above. */
void jw_quote(FILE *o, const char *v);

#endif
