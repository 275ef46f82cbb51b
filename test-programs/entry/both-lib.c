/* libentryboth.so, see both.h. */
#include "both.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static unsigned long bodies[2];

int both_log(const char *src, int level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	bodies[strcmp(src, "exe") != 0]++;
	(void)level;
	return n;
}

long both_work(int n)
{
	long sum = 0;
	for (int i = 0; i < n; i++)
		sum += both_log("lib", 7, "lib item %d of %d", i, n);
	return sum;
}

unsigned long both_bodies(int which)
{
	return bodies[which & 1];
}
