/* Where each built-in entry point's name and level arrive: the argument
 * numbers (0-5, LT_NO_ARG when it has none) and whether the level is a
 * syslog priority, read as 16 bits (its word's bits 16-23 hold the ident's
 * number, LT_DESC_IDENT). One list for the descriptors (entries.c) and the
 * exported stubs (entry_x86_64.S), each of which jumps straight to the
 * count path made for those registers. Macros only: the assembler includes
 * it. A symbol of common/ltx_entries.h with no line here does not build. */
#ifndef LT_ENTRYARGS_H
#define LT_ENTRYARGS_H

#ifdef __ASSEMBLER__
#define LT_NO_ARG 6 /* the count paths' index for "none" */
#else
#define LT_NO_ARG 0xff /* = LT_ARG_NONE (desc.h) */
#endif

/* name argument, level argument, 16-bit syslog level */
#define LT_ARGS_legacy_log 0, 1, 0
#define LT_ARGS_virLogMessage 0, 1, 0
#define LT_ARGS_g_log 0, 1, 0
#define LT_ARGS_g_logv 0, 1, 0
#define LT_ARGS_g_log_structured 0, 1, 0
#define LT_ARGS_g_log_structured_array LT_NO_ARG, 0, 0
#define LT_ARGS_g_log_structured_standard 0, 1, 0
#define LT_ARGS_syslog LT_NO_ARG, 0, 1
#define LT_ARGS_vsyslog LT_NO_ARG, 0, 1
#define LT_ARGS___syslog_chk LT_NO_ARG, 0, 1
#define LT_ARGS___vsyslog_chk LT_NO_ARG, 0, 1
#define LT_ARGS_sd_journal_print LT_NO_ARG, 0, 0
#define LT_ARGS_sd_journal_printv LT_NO_ARG, 0, 0
#define LT_ARGS_sd_journal_send LT_NO_ARG, LT_NO_ARG, 0
#define LT_ARGS_sd_journal_sendv LT_NO_ARG, LT_NO_ARG, 0
#define LT_ARGS_sd_journal_print_with_location LT_NO_ARG, 0, 0
#define LT_ARGS_sd_journal_printv_with_location LT_NO_ARG, 0, 0
#define LT_ARGS_sd_journal_send_with_location LT_NO_ARG, LT_NO_ARG, 0
#define LT_ARGS_sd_journal_sendv_with_location LT_NO_ARG, LT_NO_ARG, 0
#define LT_ARGS_sd_journal_perror LT_NO_ARG, LT_NO_ARG, 0
#define LT_ARGS_sd_journal_perror_with_location LT_NO_ARG, LT_NO_ARG, 0
/* the calibration's private entry: lt_calib_entry(long mode) */
#define LT_ARGS_calib LT_NO_ARG, 0, 0

/* The three, from LT_ARGS_<symbol> (one more expansion splits them). */
#define LT_NAME_ARG(args) LT_NAME_ARG_(args)
#define LT_NAME_ARG_(n, l, p16) (n)
#define LT_LEVEL_ARG(args) LT_LEVEL_ARG_(args)
#define LT_LEVEL_ARG_(n, l, p16) (l)
#define LT_LEVEL_16(args) LT_LEVEL_16_(args)
#define LT_LEVEL_16_(n, l, p16) (p16)

#endif
