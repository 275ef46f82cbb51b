/* fields.c: names and levels read from a call's fields (the journal,
 * GLib's structured calls), at a key's first call. */
#ifndef LT_FIELDS_H
#define LT_FIELDS_H

#include "desc.h"
#include "state.h"
#include "../common/ltx_format.h"

#include <stddef.h>
#include <stdint.h>

const char *lt_journal_send_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_send_loc_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_sendv_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_sendv_loc_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_journal_perror_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;
const char *lt_glib_array_fields(const struct lt_frame *f, char *buf, size_t cap, int32_t *level) LT_HIDDEN;


/* The call site a call names (d->site_kind), read at a key's first call
 * without trusting any pointer: out->ref points into out. */
struct lt_site_buf {
	struct lt_site_ref ref;
	char func[LTX_MAX_SITE + 2]; /* one over: lt_keep_name sees a cut */
	char file[LTX_MAX_SITE + 2];
};
void lt_site_read(const struct lt_frame *f, const struct lt_desc *d, struct lt_site_buf *out) LT_HIDDEN;

#endif
