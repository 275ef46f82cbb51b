/* The logging entry points logtax knows by name: one list, shared by the
 * shim (which stands in for each: shim/entries.c, shim/entry_x86_64.S) and
 * the analyzer (`logtax scan` looks for them in binaries). Only macros, so
 * the assembler can include it too.
 *
 * LTX_ENTRIES(X) calls X(id, family, symbol) once per entry point. Ids are
 * the entry ids of the data file: 1..63 built in (never reused), 64..255
 * for the user's hooks (LOGTAX_HOOK), 0 the shim's calibration. */
#ifndef LTX_ENTRIES_H
#define LTX_ENTRIES_H

#define LTX_ENTRIES(X)                                          \
	X(1, LTX_FAM_LEGACY, legacy_log)                        \
	X(2, LTX_FAM_LIBVIRT, virLogMessage)                    \
	X(3, LTX_FAM_GLIB, g_log)                               \
	X(4, LTX_FAM_GLIB, g_logv)                              \
	X(5, LTX_FAM_GLIB, g_log_structured)                    \
	X(6, LTX_FAM_GLIB, g_log_structured_array)              \
	X(7, LTX_FAM_GLIB, g_log_structured_standard)           \
	X(8, LTX_FAM_SYSLOG, syslog)                            \
	X(9, LTX_FAM_SYSLOG, vsyslog)                           \
	X(10, LTX_FAM_SYSLOG, __syslog_chk)                     \
	X(11, LTX_FAM_SYSLOG, __vsyslog_chk)                    \
	X(12, LTX_FAM_JOURNAL, sd_journal_print)                \
	X(13, LTX_FAM_JOURNAL, sd_journal_printv)               \
	X(14, LTX_FAM_JOURNAL, sd_journal_send)                 \
	X(15, LTX_FAM_JOURNAL, sd_journal_sendv)                \
	X(16, LTX_FAM_JOURNAL, sd_journal_print_with_location)  \
	X(17, LTX_FAM_JOURNAL, sd_journal_printv_with_location) \
	X(18, LTX_FAM_JOURNAL, sd_journal_send_with_location)   \
	X(19, LTX_FAM_JOURNAL, sd_journal_sendv_with_location)  \
	X(20, LTX_FAM_JOURNAL, sd_journal_perror)               \
	X(21, LTX_FAM_JOURNAL, sd_journal_perror_with_location)

#define LTX_HOOK_ID_FIRST 64
#define LTX_HOOK_ID_LAST 255
#define LTX_HOOK_STUBS (LTX_HOOK_ID_LAST - LTX_HOOK_ID_FIRST + 1)

#endif
