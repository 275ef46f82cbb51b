/* The entry points logtax stands in for, one descriptor each. A family
 * differs from another only in which arguments hold the name, the level and
 * the format, where a name comes from when no argument holds it, and what a
 * dropped call returns. The list of names and ids is common/ltx_entries.h;
 * entry_x86_64.S makes one exported trampoline per name from the same list. */
#include "lt.h"
#include "entries.h"
#include "base.h"
#include "desc.h"
#include "entryargs.h"
#include "fields.h"
#include "../common/ltx_entries.h"
#include "../common/ltx_format.h"

_Static_assert(sizeof(struct lt_desc) == LT_DESC_SIZE, "the assembly indexes hook descriptors by this size");

/* .real: lt_calib_prepare (calib.c) */
struct lt_desc lt_desc_calib = {
	.name_arg = LT_NAME_ARG(LT_ARGS_calib), .level_arg = LT_LEVEL_ARG(LT_ARGS_calib), .fmt_arg = LT_ARG_NONE,
	.id = 0, .family = LTX_FAM_CALIB, .resolved = 1, .symbol = "(calibration)",
};
_Static_assert(LT_NO_ARG == LT_ARG_NONE, "entryargs.h's none");

#define N LT_ARG_NONE
/* Which arguments hold the name and the level: entryargs.h, which the
 * exported stubs read too (syslog's 16-bit level is LT_DESC_IDENT). */
#define IDENT(sym) (LT_LEVEL_16(LT_ARGS_##sym) ? LT_DESC_IDENT : 0u)
#define DESC(sym, ...)                                                                            \
	struct lt_desc lt_desc_##sym = { .id = LTX_ID_##sym, .family = LTX_FAMILY_##sym, .symbol = #sym, \
					 .name_arg = LT_NAME_ARG(LT_ARGS_##sym),                \
					 .level_arg = LT_LEVEL_ARG(LT_ARGS_##sym), __VA_ARGS__ }

/* Where a call names its own call site: which arguments hold the function,
 * file and line, read as the kind says (LT_SITE_*, desc.h). The journal's
 * macros pass "CODE_FILE=f.c" and "CODE_LINE=12"; GLib's, "12". */
#define SITE(kind, func, file, line) \
	.site_kind = LT_SITE_##kind, .func_arg = (func), .file_arg = (file), .line_arg = (line)

/* ids and families from the common list */
#define ID_ENUM(id, fam, sym) LTX_ID_##sym = id, LTX_FAMILY_##sym = fam,
enum { LTX_ENTRIES(ID_ENUM) };

/* void legacy_log(const struct legacy_log_source *src, int priority,
 *                 const char *file, int line, const char *func, const char *fmt, ...) */
DESC(legacy_log, .name_deref = 1, .fmt_arg = 5, SITE(ARGS, 4, 2, 3));

/* void virLogMessage(virLogSource *source, virLogPriority priority,
 *                    const char *filename, int linenr, const char *funcname,
 *                    struct _virLogMetadata *metadata, const char *fmt, ...)
 * (libvirt >= 1.2.3: source->name is the first member). */
DESC(virLogMessage, .name_deref = 1, .fmt_arg = 6, SITE(ARGS, 4, 2, 3));

/* GLib: named by log domain; the level is a GLogLevelFlags mask.
 * void g_log(const gchar *domain, GLogLevelFlags level, const gchar *format, ...)
 * void g_logv(const gchar *domain, GLogLevelFlags level, const gchar *format, va_list)
 * void g_log_structured(const gchar *domain, GLogLevelFlags level, ...)
 * void g_log_structured_array(GLogLevelFlags level, const GLogField *fields, gsize n)
 * void g_log_structured_standard(const gchar *domain, GLogLevelFlags level, const gchar *file,
 *                                const gchar *line, const gchar *func, const gchar *format, ...)
 * g_logv and g_log_structured_array are what the others call inside GLib. */
DESC(g_log, .fmt_arg = 2);
DESC(g_logv, .fmt_arg = 2, .flags = LT_DESC_INNER_SELF);
DESC(g_log_structured, .fmt_arg = N, SITE(GLIB_PAIRS, N, N, N));
DESC(g_log_structured_array, .fmt_arg = N, .flags = LT_DESC_INNER_SELF,
     .fields = lt_glib_array_fields, SITE(GLIB_ARRAY, N, N, N));
DESC(g_log_structured_standard, .fmt_arg = 5, SITE(STRLINE, 4, 2, 3));

/* syslog: named by openlog's ident (else the program name), which the
 * openlog/closelog wrappers keep (LT_DESC_IDENT); the level is the whole
 * priority, facility included.
 * void syslog(int pri, const char *fmt, ...), vsyslog(int, const char *, va_list),
 * __syslog_chk(int pri, int flag, const char *fmt, ...), __vsyslog_chk(..., va_list) */
DESC(syslog, .fmt_arg = 1, .flags = IDENT(syslog));
DESC(vsyslog, .fmt_arg = 1, .flags = IDENT(vsyslog) | LT_DESC_INNER_SELF);
DESC(__syslog_chk, .fmt_arg = 2, .flags = IDENT(__syslog_chk));
DESC(__vsyslog_chk, .fmt_arg = 2, .flags = IDENT(__vsyslog_chk) | LT_DESC_INNER_SELF);

/* The systemd journal: int-returning, a dropped call returns 0 (success).
 * sd_journal_print(int pri, const char *fmt, ...) and printv: named by the
 * program. sd_journal_send(const char *fmt, ...) (a NULL-terminated list of
 * "FIELD=value" formats, each followed by its arguments) and
 * sd_journal_sendv(const struct iovec *, int): name and level read from
 * SYSLOG_IDENTIFIER= and PRIORITY= at a key's first call. sd-journal.h turns
 * each call into its *_with_location form (file, line and function first)
 * unless SD_JOURNAL_SUPPRESS_LOCATION is defined. Inside libsystemd each
 * calls the next through the PLT (print -> printv -> sendv). */
DESC(sd_journal_print, .name_src = &lt_progname, .fmt_arg = 1);
DESC(sd_journal_printv, .name_src = &lt_progname, .fmt_arg = 1,
     .flags = LT_DESC_INNER_SELF);
DESC(sd_journal_send, .fmt_arg = 0, .fields = lt_journal_send_fields);
DESC(sd_journal_sendv, .fmt_arg = N, .flags = LT_DESC_INNER_SELF,
     .fields = lt_journal_sendv_fields);
DESC(sd_journal_print_with_location, .name_src = &lt_progname, .fmt_arg = 4,
     SITE(STRLINE, 3, 1, 2));
DESC(sd_journal_printv_with_location, .name_src = &lt_progname, .fmt_arg = 4,
     .flags = LT_DESC_INNER_SELF, SITE(STRLINE, 3, 1, 2));
DESC(sd_journal_send_with_location, .fmt_arg = 3,
     .fields = lt_journal_send_loc_fields, SITE(STRLINE, 2, 0, 1));
DESC(sd_journal_sendv_with_location, .fmt_arg = N, .flags = LT_DESC_INNER_SELF,
     .fields = lt_journal_sendv_loc_fields, SITE(STRLINE, 2, 0, 1));
/* int sd_journal_perror(const char *message): LOG_ERR, named by the program */
DESC(sd_journal_perror, .fmt_arg = N, .fields = lt_journal_perror_fields);
DESC(sd_journal_perror_with_location, .fmt_arg = N,
     .fields = lt_journal_perror_fields, SITE(STRLINE, 2, 0, 1));

#define DESC_PTR(id, fam, sym) &lt_desc_##sym,
struct lt_desc *const lt_descs[] = { LTX_ENTRIES(DESC_PTR) };
const unsigned lt_ndescs = sizeof lt_descs / sizeof lt_descs[0];

/* User hooks (LOGTAX_HOOK): the descriptors of the stub pool
 * (entry_x86_64.S), handed out by got.c, one per hooked definition. */
struct lt_desc lt_hook_descs[LTX_HOOK_STUBS] __attribute__((aligned(64)));
uint32_t lt_hook_used;

/* The number of syslog's current ident (families.c keeps the idents), part
 * of the syslog entries' meta_id. */
uint32_t lt_syslog_ident_idx;

/* A built-in entry point or a hook stub handed out; NULL otherwise. */
struct lt_desc *lt_desc_by_id(uint32_t id)
{
	if (id == 0)
		return &lt_desc_calib;
	if (id >= LTX_HOOK_ID_FIRST && id <= LTX_HOOK_ID_LAST) {
		uint32_t i = id - LTX_HOOK_ID_FIRST;
		return i < __atomic_load_n(&lt_hook_used, __ATOMIC_ACQUIRE) ? &lt_hook_descs[i] : NULL;
	}
	for (unsigned i = 0; i < lt_ndescs; i++)
		if (lt_descs[i]->id == id)
			return lt_descs[i];
	return NULL;
}

/* Frame word of argument i: registers first, then (past rax and the return
 * address) the stack. */
static uint8_t arg_word(uint8_t i)
{
	return i < 6 ? i : (uint8_t)(i + 2);
}


void lt_desc_prepare(struct lt_desc *d)
{
	d->name_word = d->name_arg == LT_ARG_NONE ? LT_FRAME_RET_WORD : arg_word(d->name_arg);
	d->name_mask = d->name_arg == LT_ARG_NONE ? 0 : ~0ull;
	d->level_word = d->level_arg == LT_ARG_NONE ? LT_FRAME_RET_WORD : arg_word(d->level_arg);
	d->level_mask = d->level_arg == LT_ARG_NONE ? 0 : 0xffffffffull;
	d->meta_id = (uint64_t)(d->id & 0xff) << 32;
	if (d->flags & LT_DESC_IDENT) {
		/* syslog: a priority fits in 10 bits; bits 16-23 hold the ident's number */
		d->level_mask = 0xffff;
		d->meta_id |= (uint64_t)(__atomic_load_n(&lt_syslog_ident_idx, __ATOMIC_RELAXED) & 0xff) << 16;
	}
	__atomic_store_n(&d->prepared, 1, __ATOMIC_RELEASE);
}

const struct ltx_level_pair *lt_hook_scales[LTX_HOOK_STUBS];
uint8_t lt_hook_nscale[LTX_HOOK_STUBS];

int64_t lt_hook_keep_from[LTX_HOOK_STUBS];

int lt_hook_keeps(const struct lt_desc *d, int32_t level)
{
	if (d->family != LTX_FAM_HOOK || d->id < LTX_HOOK_ID_FIRST)
		return 0;
	uint32_t i = d->id - LTX_HOOK_ID_FIRST;
	if (i >= __atomic_load_n(&lt_hook_used, __ATOMIC_ACQUIRE))
		return 0;
	return (int64_t)level >= lt_hook_keep_from[i];
}

const struct ltx_level_pair *lt_hook_scale(const struct lt_desc *d, unsigned *n)
{
	*n = 0;
	if (d->family != LTX_FAM_HOOK || d->id < LTX_HOOK_ID_FIRST)
		return NULL;
	uint32_t i = d->id - LTX_HOOK_ID_FIRST;
	if (i >= __atomic_load_n(&lt_hook_used, __ATOMIC_ACQUIRE))
		return NULL;
	*n = lt_hook_nscale[i];
	return lt_hook_scales[i];
}
