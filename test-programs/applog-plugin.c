/* libapplog-plugin.so: loaded by applog-demo with dlopen, after start-up;
 * logs through libapplog.so. */
#include "applog.h"

long plugin_run(int n);

long plugin_run(int n)
{
	long sum = 0;
	for (int i = 0; i < n; i++)
		sum += app_log("plugin", 3, "plugin %d %s %.1f %d %d %d %d", i, "args", 0.5 * i, 1, 2, 3, 4);
	return sum;
}
