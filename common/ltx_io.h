/* Whole reads, shared by the shim and the analyzer. No allocation and no
 * stdio: the shim calls it from its control path and its signal-time
 * writer. */
#ifndef LTX_IO_H
#define LTX_IO_H

#include <stddef.h>

/* Reads from fd until cap bytes, end of file or an error, retrying after
 * EINTR and short reads. Returns the bytes read; errno tells an error from
 * end of file where the caller needs to know. */
size_t ltx_read_full(int fd, void *buf, size_t cap);

/* A whole file of unknown size (a /proc file says 0) in a malloc'ed,
 * NUL-terminated buffer, its length in *len (if len); NULL with errno set
 * if it cannot be opened or read. Not for the shim (it allocates). */
char *ltx_slurp(const char *path, size_t *len);

/* The start time of a process (field 22 of /proc/PID/stat, clock ticks
 * since boot) in the text of that file: a pid's number is reused, its
 * start time tells this process from an earlier one with the same pid.
 * Returns its length (digits at *at), 0 if the text has none. */
size_t ltx_stat_starttime(const char *stat, size_t len, const char **at);

#endif
