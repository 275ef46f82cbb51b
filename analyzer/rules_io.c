#include "rules_io.h"
#include "../common/ltx_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *an_rules_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return NULL;
	}
	if (st.st_size > (off_t)LTX_RULES_MAX_TEXT) {
		close(fd);
		snprintf(err, errlen, "%s: larger than the 256 KiB a rule file may have", path);
		return NULL;
	}
	char *b = malloc((size_t)st.st_size + 1);
	size_t got = b ? ltx_read_full(fd, b, (size_t)st.st_size) : 0;
	close(fd);
	if (!b) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	b[got] = 0;
	*len = got;
	return b;
}

struct ltx_ruleset *an_rules_parse(const char *text, size_t len, const char *origin, int origin_is_file, char *err,
				   size_t errlen)
{
	struct ltx_rules_error e;
	size_t need = ltx_rules_parse(text, len, NULL, 0, &e);
	if (!need) {
		ltx_rules_error_format(err, errlen, origin, origin_is_file, text, len, &e);
		return NULL;
	}
	struct ltx_ruleset *rs = malloc(need);
	if (!rs) {
		snprintf(err, errlen, "%s: out of memory", origin);
		return NULL;
	}
	ltx_rules_parse(text, len, rs, need, &e);
	return rs;
}
