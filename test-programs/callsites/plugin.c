/* libltplugin.so: a library callsites-demo loads with dlopen after start,
 * so that its call site is known only from a module that came late. */
#include "../legacylog.h"

LEGACY_LOG_SOURCE(src_plugin, "site.plugin");

volatile int plugin_calls;

void plugin_log(int i);
void plugin_log(int i)
{
	LEGACY_LOG(src_plugin, LEGACY_LOG_ERROR, "plugin call %d", i); /* SITE plugin */
	plugin_calls++;
}
