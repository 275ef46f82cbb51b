/* fields.c: names and levels read from a call's fields (the journal,
 * GLib's structured calls), at a key's first call. */
#ifndef LT_FIELDS_H
#define LT_FIELDS_H

#include "desc.h"

#include <stddef.h>
#include <stdint.h>

const char *lt_journal_send_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_send_loc_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_sendv_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_sendv_loc_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_perror_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_glib_array_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;

#endif
