/* Backtraces taken inside a logging function (bt_log, libblocklog.so) with
 * glibc's backtrace(), libunwind's unw_backtrace() and an unw_step() loop:
 * each must reach bt_caller and then main, in that order (names from the
 * dynamic symbol table: built with -rdynamic).
 *   -> "bt-demo: METHOD reaches main: yes|no" per method and round
 *      "bt-demo: calls entry=bt_log source=bt level=1 level_name=? count=N" */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <execinfo.h>
#include <libunwind.h>
#include <stdio.h>
#include <string.h>

int bt_log(const char *category, int level, int (*take)(void **frames, int cap), void **frames, int cap);

static int take_glibc(void **f, int cap)
{
	return backtrace(f, cap);
}

static int take_unw(void **f, int cap)
{
	return unw_backtrace(f, cap);
}

static int take_step(void **f, int cap)
{
	unw_context_t uc;
	unw_cursor_t c;
	unw_getcontext(&uc);
	if (unw_init_local(&c, &uc) < 0)
		return 0;
	int n = 0;
	do {
		unw_word_t ip;
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0)
			break;
		f[n++] = (void *)ip;
	} while (n < cap && unw_step(&c) > 0);
	return n;
}

__attribute__((noinline)) int bt_caller(int (*take)(void **, int), void **frames, int cap);
__attribute__((noinline)) int bt_caller(int (*take)(void **, int), void **frames, int cap)
{
	int n = bt_log("bt", 1, take, frames, cap);
	__asm__ volatile("" ::: "memory"); /* no tail call: this frame stays */
	return n;
}

static int reaches_main(void **f, int n)
{
	int seen_caller = 0;
	for (int i = 0; i < n; i++) {
		Dl_info di;
		/* a return address points after its call: look up the byte before */
		if (!dladdr((char *)f[i] - 1, &di) || !di.dli_sname)
			continue;
		if (strcmp(di.dli_sname, "bt_caller") == 0)
			seen_caller = 1;
		else if (strcmp(di.dli_sname, "main") == 0)
			return seen_caller;
	}
	return 0;
}

int main(void)
{
	static const struct {
		const char *name;
		int (*take)(void **, int);
	} m[] = { { "backtrace", take_glibc }, { "unw_backtrace", take_unw }, { "unw_step", take_step } };
	int calls = 0;
	for (int round = 0; round < 3; round++)
		for (unsigned i = 0; i < sizeof m / sizeof m[0]; i++) {
			void *frames[64];
			int n = bt_caller(m[i].take, frames, 64);
			calls++;
			printf("bt-demo: %s reaches main: %s\n", m[i].name, reaches_main(frames, n) ? "yes" : "no");
		}
	printf("bt-demo: calls entry=bt_log source=bt level=1 level_name=? count=%d\n", calls);
	return 0;
}
