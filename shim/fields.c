/* Names and levels read from a call's fields at a key's first call, for
 * the entry points whose arguments do not hold them: the journal's
 * PRIORITY= and SYSLOG_IDENTIFIER= (sd_journal_send and the like), GLib's
 * GLIB_DOMAIN (g_log_structured_array). The key then stands for its call
 * site. Runs in the slow path only. */
#include "lt.h"
#include "fields.h"
#include "base.h"
#include "desc.h"
#include "symbols.h"
#include "../common/ltx_format.h"

#include <printf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>

/* Copies a field's value (after "KEY=", len bytes, or NUL-terminated when
 * len < 0) into buf. */
static const char *copy_value(const char *v, long len, char *buf, size_t cap)
{
	size_t n = len < 0 ? strnlen(v, cap - 1) : (size_t)len < cap - 1 ? (size_t)len : cap - 1;
	memcpy(buf, v, n);
	buf[n] = 0;
	return buf;
}

/* A journal PRIORITY= value: 0..7; -1 when absent or not a number. */
static int32_t journal_priority(const char *v, size_t len)
{
	if (len == 1 && v[0] >= '0' && v[0] <= '7')
		return v[0] - '0';
	return -1;
}

/* The SysV x86-64 va_list, built over the registers the trampoline saved:
 * the slow path runs with xmm0-7 stored just below the frame. */
struct lt_va_tag {
	unsigned gp_offset, fp_offset;
	void *overflow_arg_area, *reg_save_area;
};
_Static_assert(sizeof(va_list) == sizeof(struct lt_va_tag), "x86-64 va_list");

/* sd_journal_send's arguments: "FIELD=format", its arguments, the next
 * format, ..., NULL. Walks them as libsystemd does (each format's arguments
 * skipped by their printf types), formatting only PRIORITY= and
 * SYSLOG_IDENTIFIER=. Read once per key: a call site is taken to send the
 * same identifier and priority every time (true of literal fields, and of
 * most calls); a call site whose PRIORITY= varies is reported under the
 * first one. */
static const char *journal_send_walk(const struct lt_frame *f, unsigned first, char *buf, size_t cap,
				     int32_t *level)
{
#if defined(__x86_64__)
	char save[176];
	memcpy(save, f->arg, 48);
	memcpy(save + 48, (const char *)f - 128, 128);
	va_list ap;
	struct lt_va_tag *t = (struct lt_va_tag *)(void *)ap;
	t->gp_offset = 8 * (first + 1);
	t->fp_offset = 48;
	t->overflow_arg_area = (void *)f->stack;
	t->reg_save_area = save;
	const char *name = NULL;
	*level = -1;
	const char *fmt = (const char *)f->arg[first];
	for (int n = 0; fmt && n < 256; n++) {
		int types[64];
		size_t nt = parse_printf_format(fmt, 64, types);
		int wants = !strncmp(fmt, "PRIORITY=", 9) || !strncmp(fmt, "SYSLOG_IDENTIFIER=", 18);
		for (size_t i = 0; i < nt && i < 64; i++)
			if (types[i] & PA_FLAG_PTR)
				wants = 0; /* %n: formatting would write */
		if (nt > 64)
			break; /* cannot skip them: stop here */
		if (wants) {
			char v[LTX_MAX_NAME + 32];
			va_list cp;
			va_copy(cp, ap);
			vsnprintf(v, sizeof v, fmt, cp);
			va_end(cp);
			if (v[0] == 'P')
				*level = journal_priority(v + 9, strlen(v + 9));
			else
				name = copy_value(v + 18, -1, buf, cap);
		}
		for (size_t i = 0; i < nt; i++) {
			int ty = types[i];
			if (ty & PA_FLAG_PTR)
				(void)va_arg(ap, void *);
			else
				switch (ty & ~PA_FLAG_MASK) {
				case PA_INT:
				case PA_CHAR:
				case PA_WCHAR:
					if (ty & (PA_FLAG_LONG_LONG | PA_FLAG_LONG))
						(void)va_arg(ap, long long);
					else
						(void)va_arg(ap, int);
					break;
				case PA_STRING:
				case PA_WSTRING:
				case PA_POINTER:
					(void)va_arg(ap, void *);
					break;
				case PA_FLOAT:
				case PA_DOUBLE:
					if (ty & PA_FLAG_LONG_DOUBLE)
						(void)va_arg(ap, long double);
					else
						(void)va_arg(ap, double);
					break;
				default:
					(void)va_arg(ap, void *);
				}
		}
		fmt = va_arg(ap, const char *);
	}
	return name ? name : (const char *)lt_progname;
#else
	(void)f, (void)first, (void)buf, (void)cap;
	*level = -1;
	return (const char *)lt_progname;
#endif
}

/* int sd_journal_send(const char *format, ...) */
const char *lt_journal_send_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level)
{
	return journal_send_walk(f, 0, buf, cap, level);
}

/* int sd_journal_send_with_location(const char *file, const char *line, const char *func,
 *                                   const char *format, ...) */
const char *lt_journal_send_loc_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level)
{
	return journal_send_walk(f, 3, buf, cap, level);
}

static const char *journal_iov(const struct iovec *iov, long n, char *buf, size_t cap, int32_t *level)
{
	const char *name = NULL;
	*level = -1;
	for (long i = 0; iov && i < n && i < 1024; i++) {
		const char *b = iov[i].iov_base;
		size_t len = iov[i].iov_len;
		if (!b)
			continue;
		if (len >= 9 && !memcmp(b, "PRIORITY=", 9))
			*level = journal_priority(b + 9, len - 9);
		else if (len >= 18 && !memcmp(b, "SYSLOG_IDENTIFIER=", 18))
			name = copy_value(b + 18, (long)(len - 18), buf, cap);
	}
	return name ? name : (const char *)lt_progname;
}

/* int sd_journal_sendv(const struct iovec *iov, int n) */
const char *lt_journal_sendv_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level)
{
	return journal_iov((const struct iovec *)f->arg[0], (int)f->arg[1], buf, cap, level);
}

/* int sd_journal_sendv_with_location(file, line, func, const struct iovec *iov, int n) */
const char *lt_journal_sendv_loc_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level)
{
	return journal_iov((const struct iovec *)f->arg[3], (int)f->arg[4], buf, cap, level);
}

/* int sd_journal_perror(const char *message): always LOG_ERR */
const char *lt_journal_perror_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level)
{
	(void)f, (void)buf, (void)cap;
	*level = LOG_ERR;
	return (const char *)lt_progname;
}

/* void g_log_structured_array(GLogLevelFlags level, const GLogField *fields, gsize n):
 * the domain is the GLIB_DOMAIN field, read at a key's first call (a call
 * site is taken to log one domain; GLib's own callers pass G_LOG_DOMAIN). */
struct lt_glog_field {
	const char *key;
	const void *value;
	long length; /* -1: NUL-terminated */
};

const char *lt_glib_array_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level)
{
	const struct lt_glog_field *fl = (const struct lt_glog_field *)f->arg[1];
	size_t n = (size_t)f->arg[2];
	*level = (int32_t)f->arg[0];
	for (size_t i = 0; fl && i < n && i < 1024; i++)
		if (fl[i].key && fl[i].value && !strcmp(fl[i].key, "GLIB_DOMAIN"))
			return copy_value(fl[i].value, fl[i].length, buf, cap);
	return NULL;
}

/* ---- the call site a call names ---------------------------------------- */

/* A string argument copied without trusting it; "CODE_FILE=" and the like
 * taken off the front (the journal's macros pass them so). NULL when not
 * given or unreadable (*flags says which). */
static const char *site_str(uint64_t p, char *buf, size_t cap, uint32_t *flags)
{
	if (!p)
		return NULL;
	if (!lt_safe_copy(buf, (const char *)p, cap)) {
		*flags |= LTX_SITE_UNREADABLE;
		return NULL;
	}
	static const char *const prefixes[] = { "CODE_FILE=", "CODE_LINE=", "CODE_FUNC=" };
	for (unsigned i = 0; i < 3; i++)
		if (!strncmp(buf, prefixes[i], 10)) {
			memmove(buf, buf + 10, strlen(buf + 10) + 1);
			break;
		}
	return buf[0] ? buf : NULL;
}

/* "123" (or "CODE_LINE=123"): the number; 0 when it is not one. */
static uint32_t site_line_str(uint64_t p, uint32_t *flags)
{
	char b[32];
	const char *s = site_str(p, b, sizeof b, flags);
	uint64_t v = 0;
	for (unsigned i = 0; s && s[i] >= '0' && s[i] <= '9' && i < 10; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v <= 0xffffffffu ? (uint32_t)v : 0;
}

/* One CODE_* field by name into out (func, file, line), copied straight
 * into its place (the slow path's stack is the caller's). */
static void site_field(struct lt_site_buf *out, const char *key, uint64_t value, long len)
{
	int func = !strcmp(key, "CODE_FUNC"), file = !strcmp(key, "CODE_FILE"), line = !strcmp(key, "CODE_LINE");
	if (!(func || file || line) || !value)
		return;
	char lb[16];
	char *dst = func ? out->func : file ? out->file : lb;
	size_t cap = func ? sizeof out->func : file ? sizeof out->file : sizeof lb;
	const char *v;
	if (len < 0) {
		v = site_str(value, dst, cap, &out->ref.flags);
	} else {
		size_t n = (size_t)len < cap - 1 ? (size_t)len : cap - 1;
		size_t got = n ? lt_safe_read(dst, (const void *)value, n) : 0;
		if (!got && n)
			out->ref.flags |= LTX_SITE_UNREADABLE;
		dst[got] = 0;
		v = got ? dst : NULL;
	}
	if (!v)
		return;
	if (func) {
		out->ref.func = v;
	} else if (file) {
		out->ref.file = v;
	} else {
		uint64_t n = 0;
		for (unsigned i = 0; v[i] >= '0' && v[i] <= '9' && i < 10; i++)
			n = n * 10 + (uint64_t)(v[i] - '0');
		out->ref.line = n <= 0xffffffffu ? (uint32_t)n : 0;
	}
}

/* g_log_structured(domain, level, KEY, VALUE, ..., "MESSAGE", format, ...):
 * the pairs up to MESSAGE; every value but MESSAGE's is a string. */
static void site_glib_pairs(const struct lt_frame *f, struct lt_site_buf *out)
{
#if defined(__x86_64__)
	va_list ap;
	struct lt_va_tag *t = (struct lt_va_tag *)(void *)ap;
	t->gp_offset = 8 * 2; /* the pairs start at the third argument */
	t->fp_offset = 48;    /* none of them is a double */
	t->overflow_arg_area = (void *)f->stack;
	t->reg_save_area = (void *)f->arg;
	for (int i = 0; i < 64; i++) {
		const char *k = va_arg(ap, const char *);
		char key[16];
		if (!k || !lt_safe_copy(key, k, sizeof key) || !strcmp(key, "MESSAGE"))
			break;
		uint64_t v = (uint64_t)va_arg(ap, const char *);
		site_field(out, key, v, -1);
	}
#else
	(void)f, (void)out;
#endif
}

/* g_log_structured_array(level, const GLogField *fields, gsize n) */
static void site_glib_array(const struct lt_frame *f, struct lt_site_buf *out)
{
	const struct lt_glog_field *fl = (const struct lt_glog_field *)f->arg[1];
	size_t n = (size_t)f->arg[2];
	struct lt_glog_field part[8];
	for (size_t i = 0; fl && i < n && i < 256; i += 8) {
		size_t want = (n - i < 8 ? n - i : 8) * sizeof part[0];
		size_t got = lt_safe_read(part, fl + i, want) / sizeof part[0];
		for (size_t j = 0; j < got; j++) {
			char key[16];
			if (part[j].key && lt_safe_copy(key, part[j].key, sizeof key))
				site_field(out, key, (uint64_t)part[j].value, part[j].length);
		}
		if (got * sizeof part[0] < want)
			break;
	}
}

void lt_site_read(const struct lt_frame *f, const struct lt_desc *d, struct lt_site_buf *out)
{
	memset(&out->ref, 0, sizeof out->ref);
	out->func[0] = out->file[0] = 0;
	switch (d->site_kind) {
	case LT_SITE_ARGS:
	case LT_SITE_STRLINE:
		if (d->func_arg != LT_ARG_NONE)
			out->ref.func = site_str(lt_arg(f, d->func_arg), out->func, sizeof out->func, &out->ref.flags);
		if (d->file_arg != LT_ARG_NONE)
			out->ref.file = site_str(lt_arg(f, d->file_arg), out->file, sizeof out->file, &out->ref.flags);
		if (d->line_arg != LT_ARG_NONE) {
			uint64_t l = lt_arg(f, d->line_arg);
			if (d->site_kind == LT_SITE_STRLINE)
				out->ref.line = site_line_str(l, &out->ref.flags);
			else
				out->ref.line = (int32_t)l > 0 ? (uint32_t)l : 0;
		}
		break;
	case LT_SITE_GLIB_ARRAY:
		site_glib_array(f, out);
		break;
	case LT_SITE_GLIB_PAIRS:
		site_glib_pairs(f, out);
		break;
	default:
		break;
	}
}
