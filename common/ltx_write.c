/* See ltx_write.h. Short writes and EINTR are retried; the first error is
 * kept and later writes become no-ops, so a full disk costs one warning. */
#include "ltx_write.h"
#include "ltx_format.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static void flush(struct ltx_writer *w)
{
	size_t off = 0;
	while (off < w->used && !w->error) {
		ssize_t n = write(w->fd, w->buf + off, w->used - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else
			w->error = n < 0 ? errno : ENOSPC;
	}
	w->used = 0;
}

static void put(struct ltx_writer *w, const void *p, size_t len)
{
	const unsigned char *s = p;
	while (len && !w->error) {
		if (w->used == w->cap)
			flush(w);
		size_t n = w->cap - w->used;
		if (n > len)
			n = len;
		memcpy(w->buf + w->used, s, n);
		w->used += n;
		s += n;
		len -= n;
	}
}

void ltx_w_init(struct ltx_writer *w, int fd, void *buf, size_t cap)
{
	w->fd = fd;
	w->error = 0;
	w->records = 0;
	w->used = 0;
	w->cap = cap;
	w->buf = buf;
}

void ltx_w_header(struct ltx_writer *w, uint32_t flags, uint64_t features)
{
	struct ltx_header h;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, LTX_MAGIC, LTX_MAGIC_LEN);
	h.version_major = LTX_VERSION_MAJOR;
	h.version_minor = LTX_VERSION_MINOR;
	h.header_size = sizeof h;
	h.byte_order = LTX_BYTE_ORDER_MARK;
	h.flags = flags;
	h.features = features;
	put(w, &h, sizeof h);
}

void ltx_w_record(struct ltx_writer *w, uint32_t type, const void *fixed, size_t fixed_len,
		  const void *tail1, size_t len1, const void *tail2, size_t len2)
{
	static const unsigned char zeros[8];
	size_t size = fixed_len + len1 + len2;
	if (size > LTX_MAX_RECORD) {
		w->error = w->error ? w->error : EOVERFLOW;
		return;
	}
	struct ltx_rec r = { type, (uint32_t)size };
	put(w, &r, sizeof r);
	put(w, fixed, fixed_len);
	if (len1)
		put(w, tail1, len1);
	if (len2)
		put(w, tail2, len2);
	put(w, zeros, (8 - size % 8) % 8);
	w->records++;
}

int ltx_w_finish(struct ltx_writer *w, uint64_t total_calls)
{
	struct ltx_end e = { w->records, 0, total_calls };
	ltx_w_record(w, LTX_REC_END, &e, sizeof e, NULL, 0, NULL, 0);
	flush(w);
	return w->error;
}
