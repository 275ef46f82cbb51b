/* libentrylate.so: late_log, a hooked function in a library loaded with
 * dlopen while entry-threads-demo's threads are calling thr_log. */
#include <stdatomic.h>

static atomic_ulong bodies;

int late_log(const char *src, int level);
int late_log(const char *src, int level)
{
	atomic_fetch_add_explicit(&bodies, 1, memory_order_relaxed);
	return src[0] + level;
}

unsigned long late_bodies(void);
unsigned long late_bodies(void)
{
	return atomic_load(&bodies);
}
