/* UTF-8 validation shared by the analyzer's writers (JSON, OpenMetrics)
 * and the shim's live metrics: header-only, no library call, so the shim
 * may use it anywhere. */
#ifndef LTX_UTF8_H
#define LTX_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (p < end): 1 to 4, or 0 where
 * there is none (a stray byte, a cut sequence, an overlong form, a
 * surrogate, a code point above U+10FFFF). */
static inline size_t ltx_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], cp, min;
	size_t n;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	cp = c & (0x3fu >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

#endif
