/* longnames-demo: call sites in functions with very long names, one of them
 * inlined into main, and a logging function of its own with a long name
 * (the --hook target), so a test can check that the text report's tables
 * stay in line and that a stripped build's call sites are named by what
 * the calls pass.
 *
 *   longnames-demo ROUNDS
 * Round r makes r calls from each site. At exit it prints, per call site,
 * its line and how many calls it made:
 *   longnames-demo: site line=N calls=M func=NAME
 * The hook target takes (source, level, func, file, line, format, ...). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "legacylog.h"

static struct legacy_log_source src_short = { .name = "demo" };
static struct legacy_log_source src_long = {
	.name = "demo.a.source.whose.name.goes.on.and.on.well.past.any.column.width"
};

#define NSITES 5
static struct {
	int line;
	const char *func;
	unsigned long long calls;
} sites[NSITES];

#define SITE(i) (sites[i].line = __LINE__, sites[i].func = __func__, sites[i].calls++)

volatile unsigned long long sink;

/* The program's own logger: the hook target (exported, never inlined). */
__attribute__((noinline, visibility("default"))) int
app_log_function_whose_name_is_long_enough_to_push_every_column_out_of_line(const char *src, int level,
									   const char *func, const char *file,
									   int line, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	sink += (unsigned long long)n + (unsigned long long)level + (unsigned long long)line + (src ? 1 : 0) +
		(func ? 1 : 0) + (file ? 1 : 0);
	return n;
}

#define APP_LOG(src, level, ...)                                                                                 \
	app_log_function_whose_name_is_long_enough_to_push_every_column_out_of_line(src, level, __func__, __FILE__, \
										   __LINE__, __VA_ARGS__)

__attribute__((noinline)) static void
event_dispatch_handles_for_every_registered_descriptor_in_the_main_loop_of_this_daemon(int i)
{
	LEGACY_LOG(src_long, LEGACY_LOG_DEBUG, "dispatch %d", i), SITE(0);
}

__attribute__((noinline)) static void tick(int i)
{
	LEGACY_LOG(src_short, LEGACY_LOG_INFO, "tick %d", i), SITE(1);
}

__attribute__((always_inline)) static inline void event_dispatch_handles(int i)
{
	LEGACY_LOG(src_short, LEGACY_LOG_DEBUG, "inlined %d", i), SITE(2);
}

__attribute__((noinline)) static void
update_the_watch_of_a_handle_after_its_callback_asked_for_a_different_set_of_events(int i)
{
	APP_LOG("app.watch.updates.for.handles.of.the.main.event.loop", 7, "update %d", i), SITE(3);
}

__attribute__((noinline)) static void w(int i)
{
	APP_LOG("app", 6, "w %d", i), SITE(4);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 0;
	if (rounds <= 0) {
		fprintf(stderr, "usage: longnames-demo ROUNDS\n");
		return 2;
	}
	for (int r = 1; r <= rounds; r++)
		for (int i = 0; i < r; i++) {
			event_dispatch_handles_for_every_registered_descriptor_in_the_main_loop_of_this_daemon(i);
			tick(i);
			event_dispatch_handles(i);
			update_the_watch_of_a_handle_after_its_callback_asked_for_a_different_set_of_events(i);
			w(i);
		}
	for (int i = 0; i < NSITES; i++)
		printf("longnames-demo: site line=%d calls=%llu func=%s\n", sites[i].line, sites[i].calls, sites[i].func);
	return 0;
}
