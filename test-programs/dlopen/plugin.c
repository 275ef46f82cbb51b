/* libdlplug.so: a plugin dlopen-demo loads after start (with or without
 * RTLD_DEEPBIND) and unloads again. It logs three ways: legacy_log (its
 * library, liblegacylog.so, comes with it: dlopen-demo does not link it),
 * syslog (libc), and its own logging function dlplug_hooked, which
 * `logtax run --hook` can count (it calls it through its own PLT); and its
 * dependency libdlplug-dep.so logs too. Counts go to the caller's array:
 * the plugin's own memory goes away with it. */
#include "../legacylog.h"

#include <syslog.h>

LEGACY_LOG_SOURCE(src_plugin, "dlplug.plugin");

void dlplug_hooked(const char *name, int level, const char *fmt, ...);
void dlplug_run(int n, unsigned long long *counts);
void dep_run(int n, unsigned long long *count);

__attribute__((noinline)) void dlplug_hooked(const char *name, int level, const char *fmt, ...)
{
	__asm__ volatile("" ::"r"(name), "r"(level), "r"(fmt));
}

/* counts: [0] legacy_log, [1] syslog, [2] dlplug_hooked, [3] the dependency's legacy_log */
void dlplug_run(int n, unsigned long long *counts)
{
	for (int i = 0; i < n; i++) {
		LEGACY_LOG(src_plugin, LEGACY_LOG_DEBUG + i % 4, "plugin call %d", i); /* SITE dlplug */
		counts[0]++;
		syslog(LOG_DEBUG, "plugin syslog %d", i);
		counts[1]++;
		dlplug_hooked("dlplug.hook", 3, "hooked %d", i);
		counts[2]++;
	}
	dep_run(n, &counts[3]);
}
