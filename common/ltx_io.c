/* See ltx_io.h. */
#include "ltx_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

size_t ltx_read_full(int fd, void *buf, size_t cap)
{
	char *p = buf;
	size_t got = 0;
	while (got < cap) {
		ssize_t n = read(fd, p + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

char *ltx_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 8192, n = 0;
	char *b = malloc(cap + 1);
	while (b) {
		errno = 0;
		size_t k = ltx_read_full(fd, b + n, cap - n);
		n += k;
		if (n < cap && errno) { /* a read error, not the end of the file */
			free(b);
			b = NULL;
			break;
		}
		if (n < cap)
			break;
		char *nb = realloc(b, cap * 2 + 1);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	int e = errno;
	close(fd);
	if (b) {
		b[n] = 0;
		if (len)
			*len = n;
	}
	errno = e;
	return b;
}

size_t ltx_stat_starttime(const char *stat, size_t len, const char **at)
{
	/* after the command name, which may hold spaces and parentheses */
	size_t i = len;
	while (i > 0 && stat[i - 1] != ')')
		i--;
	if (!i)
		return 0;
	for (int field = 3; i < len; field++) {
		while (i < len && stat[i] == ' ')
			i++;
		size_t j = i;
		while (j < len && stat[j] != ' ' && stat[j] != '\n')
			j++;
		if (field == 22) {
			*at = stat + i;
			return j - i;
		}
		if (j >= len || stat[j] == '\n')
			return 0;
		i = j;
	}
	return 0;
}
