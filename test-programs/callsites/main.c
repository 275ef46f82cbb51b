/*
 * callsites-demo: logging calls at known places, for the symbolizer's tests.
 *
 * Every logging call sits on a line that ends with a marker comment
 * "SITE name": tests find the expected file and line with grep, never with
 * hard-coded numbers. Each site has its own source "site.NAME" and its own
 * format string, so a report can be checked site by site:
 *   alpha    main.c, function site_alpha
 *   beta     more.c, function more_beta (a template with quotes, a tab, a newline)
 *   chain    more.c, function chain_inner, called main -> chain_outer ->
 *            chain_middle -> chain_inner (a three-deep chain for stacks)
 *   gamma    main.c, function gamma_inlined, inlined into site_gamma
 *   runtime  main.c, function site_runtime, its format built on the stack
 *   plugin   plugin.c, function plugin_log, in libltplugin.so, loaded with
 *            dlopen after start
 *   odd      main.c, function site_odd: a source name and a template full of
 *            what each output format must escape (quotes, <, &, commas, a
 *            tab, a control byte, a byte that is not UTF-8)
 * Each call is followed by a counter increment so the compiler cannot turn
 * it into a tail call (the return address would then be in the caller's
 * caller).
 *
 *   callsites-demo [ROUNDS [PLUGIN]]   (defaults: 3, libltplugin.so next to
 *                                       the program; "none" skips it)
 * At exit it prints "callsites-demo: calls source=site.NAME count=N" per
 * site, counted at the call sites.
 */
#include "callsites.h"
#include "../legacylog.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

LEGACY_LOG_SOURCE(src_alpha, "site.alpha");
LEGACY_LOG_SOURCE(src_gamma, "site.gamma");
LEGACY_LOG_SOURCE(src_runtime, "site.runtime");
LEGACY_LOG_SOURCE(src_odd, "site.odd\"<b>&amp;,x");

volatile int calls_alpha, calls_gamma, calls_runtime, calls_odd;
extern volatile int calls_beta, calls_chain;

__attribute__((noinline)) static void site_alpha(int i)
{
	LEGACY_LOG(src_alpha, LEGACY_LOG_DEBUG, "alpha round %d", i); /* SITE alpha */
	calls_alpha++;
}

static inline __attribute__((always_inline)) void gamma_inlined(int i)
{
	LEGACY_LOG(src_gamma, LEGACY_LOG_INFO, "gamma %d%%", i); /* SITE gamma */
	calls_gamma++;
}

__attribute__((noinline)) static void site_gamma(int i)
{
	gamma_inlined(i);
	calls_gamma += 0;
}

__attribute__((noinline)) static void site_runtime(int i)
{
	char fmt[16];
	snprintf(fmt, sizeof fmt, "%s %%d", "runtime");
	LEGACY_LOG(src_runtime, LEGACY_LOG_WARN, fmt, i); /* SITE runtime */
	calls_runtime++;
}

__attribute__((noinline)) static void site_odd(int i)
{
	LEGACY_LOG(src_odd, LEGACY_LOG_DEBUG, "<script>alert(\"x\")</script>,\t%d \xff\x01;end", i); /* SITE odd */
	calls_odd++;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	if (rounds <= 0 || argc > 3) {
		fprintf(stderr, "usage: callsites-demo [ROUNDS [PLUGIN]]\n");
		return 2;
	}
	char plugin[PATH_MAX];
	if (argc > 2) {
		snprintf(plugin, sizeof plugin, "%s", argv[2]);
	} else {
		ssize_t n = readlink("/proc/self/exe", plugin, sizeof plugin - 32);
		plugin[n > 0 ? n : 0] = 0;
		char *slash = strrchr(plugin, '/');
		strcpy(slash ? slash + 1 : plugin, "libltplugin.so");
	}
	void (*plugin_log)(int) = NULL;
	volatile int *plugin_calls = NULL;
	if (strcmp(plugin, "none")) {
		void *h = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "callsites-demo: %s\n", dlerror());
			return 1;
		}
		plugin_log = (void (*)(int))dlsym(h, "plugin_log");
		plugin_calls = (volatile int *)dlsym(h, "plugin_calls");
		if (!plugin_log || !plugin_calls) {
			fprintf(stderr, "callsites-demo: %s has no plugin_log\n", plugin);
			return 1;
		}
	}
	for (int i = 0; i < rounds; i++) {
		site_alpha(i);
		for (int j = 0; j <= i; j++)
			more_beta(j);
		chain_outer(i);
		chain_outer(i + 1);
		site_gamma(i);
		site_runtime(i);
		site_odd(i);
		if (plugin_log)
			plugin_log(i);
	}
	printf("callsites-demo: calls source=site.alpha count=%d\n", calls_alpha);
	printf("callsites-demo: calls source=site.beta count=%d\n", calls_beta);
	printf("callsites-demo: calls source=site.chain count=%d\n", calls_chain);
	printf("callsites-demo: calls source=site.gamma count=%d\n", calls_gamma);
	printf("callsites-demo: calls source=site.runtime count=%d\n", calls_runtime);
	printf("callsites-demo: calls source=%s count=%d\n", src_odd.name, calls_odd);
	if (plugin_calls)
		printf("callsites-demo: calls source=site.plugin count=%d\n", *plugin_calls);
	return 0;
}
