/* libdlplug-dep.so: loaded with libdlplug.so (its dependency), so with
 * RTLD_DEEPBIND it binds deep too. */
#include "../legacylog.h"

LEGACY_LOG_SOURCE(src_dep, "dlplug.dep");

void dep_run(int n, unsigned long long *count);
void dep_run(int n, unsigned long long *count)
{
	for (int i = 0; i < n; i++) {
		LEGACY_LOG(src_dep, LEGACY_LOG_INFO, "dependency call %d", i); /* SITE dlplug-dep */
		++*count;
	}
}
