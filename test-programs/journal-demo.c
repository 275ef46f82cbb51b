/* journal-demo: logs through the systemd journal's client calls:
 * sd_journal_print, printv, send, sendv and perror (as sd-journal.h turns
 * them into their *_with_location forms, unless built with
 * -DSD_JOURNAL_SUPPRESS_LOCATION). Without a running journald each call
 * fails to send and returns an error: the program prints the return values
 * so tests can check they are the same with and without logtax. Then the
 * count of calls it made per entry point, name and priority:
 *   journal-demo: calls entry=E source=NAME level=PRIORITY level_name=NAME count=N
 * (PRIORITY -1: the call sent no PRIORITY= field).
 *   journal-demo [ROUNDS]      (default 3) */
#include <systemd/sd-journal.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>

#ifdef SD_JOURNAL_SUPPRESS_LOCATION
#define E(name) #name
#else
#define E(name) #name "_with_location"
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

static int results[16];
static void result(int which, int r)
{
	results[which] = r; /* the last value of each kind of call */
}

static int vprint(int pri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = sd_journal_printv(pri, fmt, ap);
	va_end(ap);
	return r;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	if (rounds <= 0) {
		fprintf(stderr, "usage: journal-demo [ROUNDS]\n");
		return 2;
	}
	extern char *program_invocation_short_name;
	const char *prog = program_invocation_short_name;
	for (int i = 0; i < rounds; i++) {
		result(0, sd_journal_print(LOG_INFO, "print %d %.2f", i, i * 0.5));
		note(E(sd_journal_print), prog, LOG_INFO, "info");
		result(1, vprint(LOG_DEBUG, "printv %d %s", i, "x"));
		note(E(sd_journal_printv), prog, LOG_DEBUG, "debug");
		result(2, sd_journal_send("MESSAGE=send %d", i, "PRIORITY=%i", LOG_WARNING, "SYSLOG_IDENTIFIER=jdemo",
					  "COUNT=%d", i, NULL));
		note(E(sd_journal_send), "jdemo", LOG_WARNING, "warning");
		/* doubles and a long long before the fields logtax reads */
		result(3, sd_journal_send("MESSAGE=%s %.2f %lld %.1f", "mixed", 1.5, 123456789012LL, -2.5,
					  "SYSLOG_IDENTIFIER=%s", "jmixed", "PRIORITY=3", NULL));
		note(E(sd_journal_send), "jmixed", LOG_ERR, "error");
		result(4, sd_journal_send("MESSAGE=no priority, no identifier", NULL));
		note(E(sd_journal_send), prog, -1, "?");
		struct iovec iov[] = {
			{ "MESSAGE=vector", 14 },
			{ "PRIORITY=5", 10 },
			{ "SYSLOG_IDENTIFIER=jiov", 22 },
		};
		result(5, sd_journal_sendv(iov, 3));
		note(E(sd_journal_sendv), "jiov", LOG_NOTICE, "notice");
		if (i == 0) {
			result(6, sd_journal_perror("perror"));
			note(E(sd_journal_perror), prog, LOG_ERR, "error");
			/* refused by libsystemd (-EINVAL); a call logtax drops returns 0 */
			result(7, sd_journal_print(99, "a priority out of range"));
			note(E(sd_journal_print), prog, 99, "?");
		}
	}
	printf("journal-demo: returns print=%d printv=%d send=%d send2=%d send3=%d sendv=%d perror=%d bad=%d\n",
	       results[0], results[1], results[2], results[3], results[4], results[5], results[6], results[7]);
	for (int i = 0; i < ncounts; i++)
		printf("journal-demo: calls entry=%s source=%s level=%d level_name=%s count=%d\n", counts[i].entry,
		       counts[i].source, counts[i].level, counts[i].level_name, counts[i].n);
	return 0;
}
