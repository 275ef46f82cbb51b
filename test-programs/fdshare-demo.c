/* fdshare-demo: logtax's control thread must not hold the program's files.
 *
 * The program logs once (logtax starts its control thread then), waits for
 * that thread to settle, closes the write end of a pipe it made before, and
 * reads the read end: the read must see end-of-file at once. A thread that
 * kept a copy of the descriptor table (unshare without closing the copies)
 * would hold the write end open and the read would block (alarm: exit 3).
 * It also prints how many descriptors each of its threads has open.
 *   fdshare-demo */
#include "legacylog.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

LEGACY_LOG_SOURCE(src, "fdshare");

static void too_late(int sig)
{
	(void)sig;
	static const char msg[] = "fdshare-demo: read did not see end-of-file\n";
	ssize_t w = write(2, msg, sizeof msg - 1);
	(void)w;
	_exit(3);
}

static int count_fds(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n; /* the calling thread's count includes the directory's own */
}

int main(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 1;
	LEGACY_LOG(src, LEGACY_LOG_INFO, "first call");
	struct timespec ts = { 0, 500 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	close(p[1]);
	signal(SIGALRM, too_late);
	alarm(5);
	char c;
	ssize_t r = read(p[0], &c, 1);
	alarm(0);
	if (r != 0) {
		fprintf(stderr, "fdshare-demo: read returned %zd\n", r);
		return 1;
	}
	printf("fdshare-demo: end-of-file seen\n");
	DIR *d = opendir("/proc/self/task");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], comm[32] = "";
		snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof comm, f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		snprintf(path, sizeof path, "/proc/self/task/%s/fd", e->d_name);
		printf("fdshare-demo: thread %s comm=%s fds=%d\n", e->d_name, comm, count_fds(path));
	}
	if (d)
		closedir(d);
	printf("fdshare-demo: calls source=fdshare count=1\n");
	return 0;
}
