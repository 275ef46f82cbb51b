/* libapplog.so, see applog.h. Built without -Bsymbolic: app_work's calls to
 * app_log go through the library's own PLT (or GOT, with -fno-plt), as most
 * libraries' calls to their own exported functions do. */
#include "applog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int app_log(const char *category, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *out = getenv("APPLOG_OUTPUT");
	if (out && !strcmp(out, "stderr"))
		fprintf(stderr, "[%s:%d] %s\n", category, level, msg);
	return n;
}

long app_work(int n)
{
	long sum = 0;
	for (int i = 0; i < n; i++)
		sum += app_log("work", 1, "work item %d of %d (%.3f)", i, n, i / 3.0);
	return sum;
}
