#include "util.h"

#include <string.h>

const char *an_count(uint64_t v, char *buf, size_t cap)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < cap; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
	return buf;
}

const char *an_dur(double ns, char *buf, size_t cap)
{
	if (ns < 0)
		snprintf(buf, cap, "-");
	else if (ns < 1e3)
		snprintf(buf, cap, "%.1f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, cap, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, cap, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, cap, "%.2f s", ns / 1e9);
	return buf;
}

const char *an_pct(double share, char *buf, size_t cap)
{
	if (share < 0)
		snprintf(buf, cap, "-");
	else
		snprintf(buf, cap, "%.1f%%", share * 100);
	return buf;
}

const char *an_safe(const char *s, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (; s && *s && o + 5 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = 0;
	return buf;
}

const char *an_cstr(const char *s, char *buf, size_t cap, size_t width)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, limit = width && width + 1 < cap ? width + 1 : cap;
	int cut = 0;
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[5];
		size_t n = 0;
		if (c == '"' || c == '\\') {
			e[n++] = '\\';
			e[n++] = (char)c;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			e[n++] = '\\';
			e[n++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c >= 0x20 && c < 0x7f) {
			e[n++] = (char)c;
		} else {
			e[n++] = '\\';
			e[n++] = 'x';
			e[n++] = hex[c >> 4];
			e[n++] = hex[c & 15];
		}
		if (o + n + 4 > limit) {
			cut = 1;
			break;
		}
		memcpy(buf + o, e, n);
		o += n;
	}
	if (cut && o + 4 <= cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

const char *an_basename(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s && s[1] ? s + 1 : path ? path : "";
}

const char *an_site_note(const struct an_sym *y)
{
	switch (y->status) {
	case AN_MOD_OK:
	case AN_MOD_UNVERIFIED: return NULL;
	case AN_MOD_NONE: return "in no module";
	case AN_MOD_NO_FILE: return "module has no file";
	case AN_MOD_GONE: return "module file gone";
	case AN_MOD_CHANGED: return "module file changed";
	case AN_MOD_BAD: return "module file unreadable";
	}
	return "?";
}

const char *an_tmpl_note(const struct an_tmpl *t)
{
	switch (t->status) {
	case AN_TMPL_OK: return NULL;
	case AN_TMPL_NONE: return "no format argument";
	case AN_TMPL_WRITABLE: return "read from writable data: may have changed at run time";
	case AN_TMPL_RUNTIME: return "in no module: built at run time";
	case AN_TMPL_NO_SECTION: return "not in the module's file contents";
	case AN_TMPL_MODULE:
		switch (t->mod_status) {
		case AN_MOD_GONE: return "module file gone";
		case AN_MOD_CHANGED: return "module file changed";
		case AN_MOD_NO_FILE: return "module has no file";
		default: return "module file unreadable";
		}
	}
	return "?";
}

void an_csv_field(FILE *o, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, o);
		return;
	}
	fputc('"', o);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', o);
		fputc(*s, o);
	}
	fputc('"', o);
}
