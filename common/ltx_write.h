/* Writer of .ltx records into a caller-supplied buffer, flushed with write(2).
 * Used by the shim: no malloc, no stdio, no locks; safe to call at exit. */
#ifndef LTX_WRITE_H
#define LTX_WRITE_H

#include <stddef.h>
#include <stdint.h>

struct ltx_writer {
	int fd;
	int error;        /* errno of the first failed write, 0 if none */
	uint32_t records; /* records written after the header */
	size_t used;
	size_t cap;
	unsigned char *buf;
};

void ltx_w_init(struct ltx_writer *w, int fd, void *buf, size_t cap);
void ltx_w_header(struct ltx_writer *w, uint32_t flags, uint64_t features);
/* One record: a fixed part and up to two variable tails, padded to 8. */
void ltx_w_record(struct ltx_writer *w, uint32_t type, const void *fixed, size_t fixed_len,
		  const void *tail1, size_t len1, const void *tail2, size_t len2);
/* Writes the END record and flushes; returns 0 or the first errno. */
int ltx_w_finish(struct ltx_writer *w, uint64_t total_calls);

#endif
