/* direct-demo: a program whose logger lives in its own executable and is
 * only ever called directly (call rel32, or jmp rel32 from a tail call),
 * as nginx's ngx_log_error_core is: no PLT or GOT entry refers to it, so
 * only entry patching can reach it. Built -O2 three ways (see the
 * Makefile): plain (ent_log in .symtab only, not exported), -fno-plt, and
 * with ent_log static in a stripped executable (no symbol at all: hooked by
 * the address nm printed before stripping).
 *
 * ent_log(source, level, fmt, ...) takes syslog-style levels (7 debug,
 * 6 info, 4 warning, 3 error). Each caller counts the call it makes before
 * making it; ent_log's body counts the calls it ran. Printed at the end:
 *   direct-demo: calls entry=ent_log source=S level=L level_name=N count=C   (calls made)
 *   direct-demo: body source=S level=L count=C                               (bodies run)
 *   direct-demo: returned sum=N   (ent_log returns the message's length; a dropped call 0)
 * so a test compares logtax's counts with the first, and sees from the
 * second which calls a rule kept from running.
 *   direct-demo [ROUNDS]   (default 10)
 * ENT_OUTPUT=stderr writes each message to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef ENT_STATIC
#define ENT_LINKAGE static
#else
#define ENT_LINKAGE
#endif

enum { SRC_MAIN, SRC_WORKER, SRC_TAIL, NSRC, NLVL = 8 };
static const char *const src_names[NSRC] = { "main", "worker", "tail" };
static const char *const lvl_names[NLVL] = { "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug" };
static unsigned long made[NSRC][NLVL];
static unsigned long body[NSRC][NLVL];
static int to_stderr;

static int src_index(const char *s)
{
	for (int i = 0; i < NSRC; i++)
		if (!strcmp(s, src_names[i]))
			return i;
	abort();
}

/* noinline and noclone keep one real function with the C calling
 * convention; not noipa: the callers may still assume what GCC's
 * -fipa-ra knows about the registers ent_log leaves alone, as callers of a
 * daemon's logger in the same file do, and a patched entry must keep them. */
ENT_LINKAGE int ent_log(const char *src, int level, const char *fmt, ...)
	__attribute__((noinline, noclone, format(printf, 3, 4)));
ENT_LINKAGE int ent_log(const char *src, int level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	body[src_index(src)][level & 7]++;
	if (to_stderr)
		fprintf(stderr, "[%s:%d] %s\n", src, level, msg);
	return n;
}

#define LOG(src, level, ...) (made[src][level]++, ent_log(src_names[src], level, __VA_ARGS__))

/* A call in tail position: GCC makes it `jmp ent_log` (the test checks the
 * disassembly), so ent_log returns straight to this function's caller. */
__attribute__((noinline)) int tail_error(int i);
__attribute__((noinline)) int tail_error(int i)
{
	made[SRC_TAIL][3]++;
	return ent_log(src_names[SRC_TAIL], 3, "tail error %d", i);
}

/* Keeps values live across the calls (in registers the caller may assume
 * ent_log does not touch) and passes a double (%al = 1, %xmm0). */
__attribute__((noinline)) long worker(int n);
__attribute__((noinline)) long worker(int n)
{
	long sum = 0;
	unsigned long a = (unsigned long)n, b = 3ul * (unsigned long)n + 1; /* wrap, not overflow */
	for (int i = 0; i < n; i++) {
		sum += LOG(SRC_WORKER, 4, "worker %d of %d (%.3f)", i, n, i / 3.0);
		a = a * 7 + (unsigned long)i;
		b ^= a;
	}
	if (a == 0 && b == 0)
		puts("");
	return sum + (long)((a ^ b) & 1) - (long)((a ^ b) & 1);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	if (rounds <= 0) {
		fprintf(stderr, "usage: direct-demo [ROUNDS]\n");
		return 2;
	}
	const char *o = getenv("ENT_OUTPUT");
	to_stderr = o && !strcmp(o, "stderr");
	long sum = 0;
	for (int i = 0; i < rounds; i++) {
		sum += LOG(SRC_MAIN, 7, "tick %d", i);
		sum += LOG(SRC_MAIN, 6, "info %d %s %.2f", i, "text", i * 1.25);
		sum += tail_error(i);
	}
	sum += worker(2 * rounds);
	printf("direct-demo: returned sum=%ld\n", sum);
	for (int s = 0; s < NSRC; s++)
		for (int l = 0; l < NLVL; l++)
			if (made[s][l])
				printf("direct-demo: calls entry=ent_log source=%s level=%d level_name=%s count=%lu\n",
				       src_names[s], l, lvl_names[l], made[s][l]);
	for (int s = 0; s < NSRC; s++)
		for (int l = 0; l < NLVL; l++)
			if (made[s][l])
				printf("direct-demo: body source=%s level=%d count=%lu\n", src_names[s], l, body[s][l]);
	return 0;
}
