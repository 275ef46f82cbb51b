/* syslog-demo: logs through syslog and vsyslog (or, built with
 * -O2 -D_FORTIFY_SOURCE=2, __syslog_chk and __vsyslog_chk, as most distro
 * daemons are), under three names: the program name before openlog, the
 * ident given to openlog (kept by openlog(NULL, ...)), the program name
 * again after closelog, and a second ident. Priorities carry facilities.
 * It prints how many calls it made of each:
 *   syslog-demo: calls entry=E source=NAME level=PRIORITY level_name=NAME count=N
 * One call site logs under two idents in turn (each call is named by the
 * ident of its moment). Nothing reaches a syslog daemon: every priority it uses is masked out
 * with setlogmask first (the calls still run).
 *   syslog-demo [ROUNDS]     (default 3) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#if defined(__USE_FORTIFY_LEVEL) && __USE_FORTIFY_LEVEL > 0
#define E_SYSLOG "__syslog_chk"
#define E_VSYSLOG "__vsyslog_chk"
#else
#define E_SYSLOG "syslog"
#define E_VSYSLOG "vsyslog"
#endif

struct count {
	const char *entry, *source, *level_name;
	int level, n;
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

static void vlog(int pri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

/* One call site, whatever the ident. */
static __attribute__((noinline)) void shared_site(const char *ident, int i)
{
	syslog(LOG_USER | LOG_INFO, "shared %d", i);
	note(E_SYSLOG, ident, LOG_USER | LOG_INFO, "info");
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	if (rounds <= 0) {
		fprintf(stderr, "usage: syslog-demo [ROUNDS]\n");
		return 2;
	}
	extern char *program_invocation_short_name;
	const char *prog = program_invocation_short_name;
	setlogmask(LOG_MASK(LOG_EMERG)); /* emerg is never used below */
	for (int i = 0; i < rounds; i++) {
		syslog(LOG_INFO, "before openlog %d", i);
		note(E_SYSLOG, prog, LOG_INFO, "info");
		syslog(LOG_DAEMON | LOG_WARNING, "daemon warning %d %.2f", i, i * 1.5);
		note(E_SYSLOG, prog, LOG_DAEMON | LOG_WARNING, "warning");
	}
	openlog("sysdemo", LOG_PID | LOG_NDELAY, LOG_LOCAL0);
	for (int i = 0; i < rounds; i++) {
		syslog(LOG_DEBUG, "debug %d", i);
		note(E_SYSLOG, "sysdemo", LOG_DEBUG, "debug");
		syslog(LOG_LOCAL3 | LOG_ERR, "error %d %s", i, strerror(ERANGE));
		note(E_SYSLOG, "sysdemo", LOG_LOCAL3 | LOG_ERR, "error");
		vlog(LOG_NOTICE, "v %d %.1f", i, 2.5);
		note(E_VSYSLOG, "sysdemo", LOG_NOTICE, "notice");
	}
	openlog(NULL, 0, LOG_USER); /* glibc keeps the ident */
	syslog(LOG_ALERT, "still sysdemo");
	note(E_SYSLOG, "sysdemo", LOG_ALERT, "error");
	closelog();
	for (int i = 0; i < rounds; i++) {
		syslog(LOG_CRIT, "after closelog %d", i);
		note(E_SYSLOG, prog, LOG_CRIT, "error");
	}
	static char ident[] = "second";
	openlog(ident, 0, LOG_AUTH);
	vlog(LOG_AUTH | LOG_INFO, "second ident");
	note(E_VSYSLOG, "second", LOG_AUTH | LOG_INFO, "info");
	shared_site("second", 0);
	closelog();
	shared_site(prog, 0);
	static char id_a[] = "ident-a", id_b[] = "ident-b";
	for (int i = 0; i < rounds; i++) {
		openlog(id_a, 0, LOG_USER);
		shared_site(id_a, i);
		shared_site(id_a, i);
		openlog(id_b, 0, LOG_USER);
		shared_site(id_b, i);
	}
	closelog();
	for (int i = 0; i < ncounts; i++)
		printf("syslog-demo: calls entry=%s source=%s level=%d level_name=%s count=%d\n", counts[i].entry,
		       counts[i].source, counts[i].level, counts[i].level_name, counts[i].n);
	return 0;
}
