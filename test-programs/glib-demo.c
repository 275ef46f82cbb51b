/* glib-demo: logs through every GLib entry point logtax stands in for, in
 * several domains and levels, and prints how many calls it made of each:
 *   glib-demo: calls entry=E source=DOMAIN level=RAW level_name=NAME count=N
 * (RAW is the GLogLevelFlags value, NAME its level on logtax's common scale;
 * source "-" is the NULL domain). Tests compare these lines with logtax's
 * CSV report. Debug and info messages are not printed by GLib's default
 * handler; the few messages and warnings are.
 *
 *   glib-demo [ROUNDS]          (default 3) the calls above
 *   glib-demo relax [ROUNDS]    first makes warnings fatal and then not
 *                               again (g_log_set_always_fatal), then logs:
 *                               warnings must then be kept and never timed
 *   glib-demo warn              one g_warning (run with G_DEBUG=fatal-warnings:
 *                               it aborts, with or without logtax)
 *   glib-demo error             one g_error (always aborts)
 *   glib-demo gtest             g_test_init (which makes warnings fatal from
 *                               inside GLib), then one g_warning: it aborts
 * In the last two, a SIGTRAP/SIGABRT handler first prints whether the
 * stack it aborts on still leads back to main: a call logtax timed would
 * have its return address in logtax's shadow stack, and the unwind would
 * stop there. Then the signal is raised again, as if nothing caught it. */
#include <glib.h>

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#ifndef G_LOG_DOMAIN
#error "build with -DG_LOG_DOMAIN=\"glib-demo\""
#endif

struct count {
	const char *entry, *source, *level_name;
	int level;
	int n;
};
static struct count counts[32];
static int ncounts;

static void note(const char *entry, const char *source, int level, const char *level_name)
{
	for (int i = 0; i < ncounts; i++)
		if (!strcmp(counts[i].entry, entry) && !strcmp(counts[i].source, source) && counts[i].level == level) {
			counts[i].n++;
			return;
		}
	counts[ncounts++] = (struct count){ entry, source, level_name, level, 1 };
}

static void vlog_helper(const char *domain, GLogLevelFlags level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_logv(domain, level, fmt, ap);
	va_end(ap);
}

static void calls(int round)
{
	double x = 0.5 + round;
	g_message("round %d (%.2f)", round, x);
	note("g_log", G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "notice");
	g_debug("debug %d %s %.3f", round, "str", x);
	note("g_log", G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "debug");
	g_debug("another site %d", round);
	note("g_log", G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "debug");
	g_info("info %d", round);
	note("g_log", G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "info");
	g_log("demo.net", G_LOG_LEVEL_DEBUG, "net %d", round);
	note("g_log", "demo.net", G_LOG_LEVEL_DEBUG, "debug");
	g_log("demo.net", G_LOG_LEVEL_INFO, "net %d", round);
	note("g_log", "demo.net", G_LOG_LEVEL_INFO, "info");
	g_log(NULL, G_LOG_LEVEL_DEBUG, "no domain %d", round);
	note("g_log", "-", G_LOG_LEVEL_DEBUG, "debug");
	vlog_helper("demo.vlog", G_LOG_LEVEL_DEBUG, "v %d %.1f", round, x);
	note("g_logv", "demo.vlog", G_LOG_LEVEL_DEBUG, "debug");
	g_log_structured("demo.struct", G_LOG_LEVEL_DEBUG, "CODE_FILE", __FILE__, "MESSAGE", "s %d %.2f", round, x);
	note("g_log_structured", "demo.struct", G_LOG_LEVEL_DEBUG, "debug");
	/* the call site named in full (t-site-args: line and function read back) */
	g_log_structured("demo.code", G_LOG_LEVEL_DEBUG, "CODE_FILE", __FILE__, "CODE_LINE", G_STRINGIFY(__LINE__), "CODE_FUNC", G_STRFUNC, "MESSAGE", "c %d", round); /* SITE code */
	note("g_log_structured", "demo.code", G_LOG_LEVEL_DEBUG, "debug");
	/* values with a length, not NUL-terminated where it ends */
	const GLogField coded[] = {
		{ "MESSAGE", "coded", -1 },
		{ "GLIB_DOMAIN", "demo.coded", -1 },
		{ "CODE_FUNC", "coded_functionXXXX", 14 },
		{ "CODE_FILE", "coded.cXX", 7 },
		{ "CODE_LINE", "4321", -1 },
	};
	g_log_structured_array(G_LOG_LEVEL_DEBUG, coded, G_N_ELEMENTS(coded));
	note("g_log_structured_array", "demo.coded", G_LOG_LEVEL_DEBUG, "debug");
	const GLogField fields[] = {
		{ "MESSAGE", "array message", -1 },
		{ "GLIB_DOMAIN", "demo.array", -1 },
		{ "PRIORITY", "7", -1 },
	};
	g_log_structured_array(G_LOG_LEVEL_DEBUG, fields, G_N_ELEMENTS(fields));
	note("g_log_structured_array", "demo.array", G_LOG_LEVEL_DEBUG, "debug");
	const GLogField nodomain[] = { { "MESSAGE", "no domain", -1 } };
	g_log_structured_array(G_LOG_LEVEL_INFO, nodomain, G_N_ELEMENTS(nodomain));
	note("g_log_structured_array", "-", G_LOG_LEVEL_INFO, "info");
	g_log_structured_standard("demo.std", G_LOG_LEVEL_INFO, __FILE__, G_STRINGIFY(__LINE__), G_STRFUNC, "std %d",
				  round);
	note("g_log_structured_standard", "demo.std", G_LOG_LEVEL_INFO, "info");
	if (round == 0) {
		g_warning("a warning, once");
		note("g_log", G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "warning");
		g_log("demo.net", G_LOG_LEVEL_CRITICAL, "a critical, once");
		note("g_log", "demo.net", G_LOG_LEVEL_CRITICAL, "error");
	}
}

static void print_counts(void)
{
	for (int i = 0; i < ncounts; i++)
		printf("glib-demo: calls entry=%s source=%s level=%d level_name=%s count=%d\n", counts[i].entry,
		       counts[i].source, counts[i].level, counts[i].level_name, counts[i].n);
}

int main(int argc, char **argv);

static void on_abort(int sig)
{
	void *frames[64];
	int n = backtrace(frames, 64), found = 0;
	for (int i = 0; i < n; i++) {
		Dl_info di;
		if (dladdr(frames[i], &di) && di.dli_saddr == (void *)main)
			found = 1;
	}
	const char *msg = found ? "glib-demo: the stack leads back to main\n" : "glib-demo: the stack is cut short\n";
	ssize_t w = write(1, msg, strlen(msg));
	(void)w;
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 && (argv[1][0] < '0' || argv[1][0] > '9') ? argv[1] : "calls";
	int rounds = atoi(argc > 1 && strcmp(mode, "calls") ? (argc > 2 ? argv[2] : "3") : (argc > 1 ? argv[1] : "3"));
	if (!strcmp(mode, "warn") || !strcmp(mode, "error") || !strcmp(mode, "gtest")) {
		void *warm[4];
		backtrace(warm, 4); /* loads the unwinder now, not in the handler */
		signal(SIGTRAP, on_abort);
		signal(SIGABRT, on_abort);
	}
	if (!strcmp(mode, "gtest")) {
		int one = 1;
		char *args[] = { argv[0], NULL }, **a = args;
		g_test_init(&one, &a, NULL);
		g_warning("fatal under g_test_init");
		printf("glib-demo: survived the warning\n");
		return 0;
	}
	if (!strcmp(mode, "warn")) {
		g_warning("fatal when G_DEBUG=fatal-warnings");
		printf("glib-demo: survived the warning\n");
		return 0;
	}
	if (!strcmp(mode, "error")) {
		g_error("always fatal");
		return 0;
	}
	if (rounds <= 0 || (strcmp(mode, "calls") && strcmp(mode, "relax"))) {
		fprintf(stderr, "usage: glib-demo [relax|warn|error] [ROUNDS]\n");
		return 2;
	}
	if (!strcmp(mode, "relax")) {
		GLogLevelFlags old = g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING);
		g_log_set_always_fatal(old);
		for (int i = 0; i < rounds; i++) {
			g_warning("not fatal any more %d", i);
			note("g_log", G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "warning");
			g_debug("debug %d", i);
			note("g_log", G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "debug");
		}
		print_counts();
		return 0;
	}
	for (int i = 0; i < rounds; i++)
		calls(i);
	print_counts();
	return 0;
}
