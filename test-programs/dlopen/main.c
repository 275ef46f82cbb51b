/*
 * dlopen-demo: a program that loads a logging plugin after start, uses it
 * and unloads it again, ROUNDS times, then changes directory to "/" as a
 * daemon does. It does not link liblegacylog.so: the plugin brings it, and
 * takes it away again at each dlclose. Round 0 runs with another library
 * (libdlpad.so) loaded, which is unloaded after it, so later rounds load
 * the plugin and liblegacylog at other addresses. The plugin is opened by
 * a relative path ("./libdlplug.so", from the program's directory).
 *
 *   dlopen-demo ROUNDS CALLS [deepbind]
 *
 * It also checks that what the program sees of dlerror() is its own:
 * an error left by a failed dlopen survives the plugin's logging calls and
 * the first poll() (both make logtax look functions up), and a call of an
 * entry point no loaded library defines (g_log, found with dlsym) leaves
 * no error behind. It prints "dlopen-demo: dlerror ok" or exits 1.
 *
 * At exit, counted at the call sites:
 *   dlopen-demo: calls source=dlplug.plugin count=N    (legacy_log, in the plugin)
 *   dlopen-demo: calls source=dlplug.dep count=N       (legacy_log, in its dependency)
 *   dlopen-demo: calls source=dlopen-demo count=N      (syslog: named by the program)
 *   dlopen-demo: calls source=dlplug.hook count=N      (dlplug_hooked)
 */
#include <dlfcn.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static void fail(const char *what)
{
	fprintf(stderr, "dlopen-demo: %s\n", what);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4 || atoi(argv[1]) <= 0 || atoi(argv[2]) <= 0 || (argc == 4 && strcmp(argv[3], "deepbind"))) {
		fprintf(stderr, "usage: dlopen-demo ROUNDS CALLS [deepbind]\n");
		return 2;
	}
	int rounds = atoi(argv[1]), calls = atoi(argv[2]);
	int mode = RTLD_NOW | RTLD_LOCAL | (argc == 4 ? RTLD_DEEPBIND : 0);
	char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	dir[n > 0 ? n : 0] = 0;
	char *slash = strrchr(dir, '/');
	if (!slash || chdir((*slash = 0, dir)) != 0)
		fail("cannot go to the program's directory");
	/* syslog: counted by logtax, filtered out by libc before it sends anything */
	setlogmask(LOG_UPTO(LOG_ERR));

	/* An error the program has not read yet: it must still be there after
	 * the plugin's calls and the first poll(). */
	if (dlopen("/nonexistent/libnothing.so", RTLD_NOW))
		fail("a library that does not exist was opened");
	unsigned long long counts[4] = { 0, 0, 0, 0 };
	void *pad = dlopen("./libdlpad.so", RTLD_NOW | RTLD_LOCAL);
	if (!pad)
		fail("cannot open libdlpad.so");
	for (int r = 0; r < rounds; r++) {
		void *h = dlopen("./libdlplug.so", mode);
		if (!h) {
			fprintf(stderr, "dlopen-demo: %s\n", dlerror());
			return 1;
		}
		void (*run)(int, unsigned long long *) = (void (*)(int, unsigned long long *))dlsym(h, "dlplug_run");
		if (!run)
			fail("libdlplug.so has no dlplug_run");
		if (r == 0) {
			/* (dlsym succeeded: that cleared the error; make a new one) */
			if (dlopen("/nonexistent/libnothing.so", RTLD_NOW))
				fail("a library that does not exist was opened");
			run(calls, counts);
			poll(NULL, 0, 0);
			const char *e = dlerror();
			if (!e || !strstr(e, "libnothing.so"))
				fail("the program's dlerror() lost its error");
		} else {
			run(calls, counts);
		}
		if (dlclose(h) != 0)
			fail("dlclose failed");
		if (pad && dlclose(pad) != 0)
			fail("dlclose of libdlpad.so failed");
		pad = NULL;
	}
	/* g_log: no loaded library defines it (logtax's own stands in, which
	 * finds no real one): calling it must not leave a dlerror() behind. */
	void (*g)(const char *, int, const char *, ...) = (void (*)(const char *, int, const char *, ...))dlsym(RTLD_DEFAULT, "g_log");
	if (g)
		g("dlopen-demo", 1 << 7, "no GLib here");
	else
		dlerror(); /* (without logtax nothing defines it: that error is ours) */
	if (dlerror())
		fail("a call left a dlerror() behind");
	printf("dlopen-demo: dlerror ok\n");
	if (chdir("/") != 0)
		fail("cannot go to /");
	printf("dlopen-demo: calls source=dlplug.plugin count=%llu\n", counts[0]);
	printf("dlopen-demo: calls source=dlplug.dep count=%llu\n", counts[3]);
	printf("dlopen-demo: calls source=dlopen-demo count=%llu\n", counts[1]);
	printf("dlopen-demo: calls source=dlplug.hook count=%llu\n", counts[2]);
	return 0;
}
