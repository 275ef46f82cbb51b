/* librecurselog.so: a logging library whose entry points do what real ones
 * do and a profiler must survive. It defines legacy_log and virLogMessage
 * (the names logtax intercepts) and each call:
 *   - formats its message into a buffer from malloc, then frees it;
 *   - legacy_log on source "recurse.top" also calls virLogMessage (another
 *     intercepted entry point), which calls legacy_log back once (source
 *     "recurse.back");
 *   - legacy_log on "recurse.top" or "recurse.deep" at priority P > 1 calls
 *     legacy_log again at P - 1 on "recurse.deep": the program's priority is
 *     the depth of the recursion.
 * Its own calls go through its PLT, so logtax sees each of them (a
 * function calling itself directly would bind locally: GCC does that even
 * for an interposable function, hence the helper). They are counted here,
 * where they are made (recurselog_calls). */
#include "../legacylog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *name;
} virLogSource;

void virLogMessage(virLogSource *source, int priority, const char *filename, int linenr, const char *funcname,
		   void *metadata, const char *fmt, ...);

LEGACY_LOG_SOURCE(src_deep, "recurse.deep");
LEGACY_LOG_SOURCE(src_back, "recurse.back");
static virLogSource src_nested = { "recurse.nested" };
/* [0] recurse.deep, [1] recurse.nested (virLogMessage), [2] recurse.back */
unsigned long long recurselog_calls[3];
size_t recurselog_bytes; /* formatted, so the work is not optimised away */

static void format(const char *fmt, va_list ap)
{
	char *buf = malloc(256);
	if (!buf)
		abort();
	int n = vsnprintf(buf, 256, fmt, ap);
	__atomic_fetch_add(&recurselog_bytes, n > 0 ? (size_t)n : 0, __ATOMIC_RELAXED);
	free(buf);
}

/* The recursive call, from another function: through the PLT. */
__attribute__((noinline)) static void again(int priority)
{
	legacy_log(&src_deep, priority, __FILE__, __LINE__, __func__, "depth %d", priority);
	__asm__ volatile("");
}

void legacy_log(const struct legacy_log_source *src, int priority, const char *file, int line, const char *func,
		const char *fmt, ...)
{
	(void)file;
	(void)line;
	(void)func;
	va_list ap;
	va_start(ap, fmt);
	format(fmt, ap);
	va_end(ap);
	int top = !strcmp(src->name, "recurse.top");
	if (top) {
		virLogMessage(&src_nested, priority, __FILE__, __LINE__, __func__, NULL, "nested from %s", src->name);
		__atomic_fetch_add(&recurselog_calls[1], 1, __ATOMIC_RELAXED);
	}
	if ((top || src == &src_deep) && priority > 1) {
		again(priority - 1);
		__atomic_fetch_add(&recurselog_calls[0], 1, __ATOMIC_RELAXED);
	}
}

void virLogMessage(virLogSource *source, int priority, const char *filename, int linenr, const char *funcname,
		   void *metadata, const char *fmt, ...)
{
	(void)source;
	(void)filename;
	(void)linenr;
	(void)funcname;
	(void)metadata;
	va_list ap;
	va_start(ap, fmt);
	format(fmt, ap);
	va_end(ap);
	legacy_log(&src_back, priority > 4 ? 4 : priority, __FILE__, __LINE__, __func__, "back from %s", source->name);
	__atomic_fetch_add(&recurselog_calls[2], 1, __ATOMIC_RELAXED);
}
