/* applog-demo: calls libapplog.so's app_log from the program, from inside
 * the library (app_work), and from a plugin it loads with dlopen by bare
 * name (found through the program's RUNPATH, which only works when dlopen
 * knows its real caller). Built in three ways (see the Makefile): lazy
 * binding, -z now (the GOT read-only after start-up), and -fno-plt (calls
 * through GOT entries, no PLT). It prints the sum of app_log's return
 * values (the same with and without logtax) and the calls it made:
 *   applog-demo: calls entry=app_log source=CATEGORY level=LEVEL level_name=? count=N
 *   applog-demo [ROUNDS]      (default 3) */
#include "applog.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	if (rounds <= 0) {
		fprintf(stderr, "usage: applog-demo [ROUNDS]\n");
		return 2;
	}
	long sum = 0;
	for (int i = 0; i < rounds; i++) {
		sum += app_log("main", 2, "main %d %.2f %s", i, i * 1.25, "text");
		sum += app_log("main", 4, "main error %d", i);
	}
	sum += app_work(2 * rounds);
	void *h = dlopen("libapplog-plugin.so", RTLD_NOW);
	if (!h) {
		fprintf(stderr, "applog-demo: dlopen: %s\n", dlerror());
		return 1;
	}
	long (*run)(int) = (long (*)(int))dlsym(h, "plugin_run");
	if (!run) {
		fprintf(stderr, "applog-demo: dlsym: %s\n", dlerror());
		return 1;
	}
	sum += run(3 * rounds);
	printf("applog-demo: returned sum=%ld\n", sum);
	printf("applog-demo: calls entry=app_log source=main level=2 level_name=? count=%d\n", rounds);
	printf("applog-demo: calls entry=app_log source=main level=4 level_name=? count=%d\n", rounds);
	printf("applog-demo: calls entry=app_log source=work level=1 level_name=? count=%d\n", 2 * rounds);
	printf("applog-demo: calls entry=app_log source=plugin level=3 level_name=? count=%d\n", 3 * rounds);
	return 0;
}
