/* Processes made past fork(): a clone() child without CLONE_VM (its
 * function returns, or it calls exit), a child of syscall(SYS_fork), and
 * a process that ends with quick_exit (an at_quick_exit handler logs too).
 *   newproc-demo clone-return N | clone-exit N | sysfork N | quick N
 * The parent logs N calls (np.parent); a child logs N (np.child) and ends;
 * the parent waits for it. Each process prints
 *   newproc-demo[PID]: calls source=S count=N
 * Run with LEGACYLOG_MODE=fast. */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "legacylog.h"

LEGACY_LOG_SOURCE(log_parent, "np.parent");
LEGACY_LOG_SOURCE(log_child, "np.child");
LEGACY_LOG_SOURCE(log_quick, "np.quick");

static int n;

static void child_logs(void)
{
	for (int i = 0; i < n; i++)
		LEGACY_LOG(log_child, LEGACY_LOG_DEBUG, "child %d", i);
	printf("newproc-demo[%d]: calls source=np.child count=%d\n", (int)getpid(), n);
	fflush(stdout);
}

static int child_return(void *arg)
{
	(void)arg;
	child_logs();
	return 0;
}

static int child_exit(void *arg)
{
	(void)arg;
	child_logs();
	exit(0);
}

static void on_quick_exit(void)
{
	LEGACY_LOG(log_quick, LEGACY_LOG_DEBUG, "in an at_quick_exit handler");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: newproc-demo clone-return|clone-exit|sysfork|quick N\n");
		return 2;
	}
	n = atoi(argv[2]);
	for (int i = 0; i < n; i++)
		LEGACY_LOG(log_parent, LEGACY_LOG_DEBUG, "parent %d", i);
	printf("newproc-demo[%d]: calls source=np.parent count=%d\n", (int)getpid(), n);
	fflush(stdout);
	const char *mode = argv[1];
	if (strcmp(mode, "quick") == 0) {
		at_quick_exit(on_quick_exit);
		printf("newproc-demo[%d]: calls source=np.quick count=1\n", (int)getpid());
		fflush(stdout);
		quick_exit(0);
	}
	pid_t pid;
	static char stack[256 * 1024] __attribute__((aligned(16)));
	if (strcmp(mode, "clone-return") == 0)
		pid = clone(child_return, stack + sizeof stack, SIGCHLD, NULL);
	else if (strcmp(mode, "clone-exit") == 0)
		pid = clone(child_exit, stack + sizeof stack, SIGCHLD, NULL);
	else if (strcmp(mode, "sysfork") == 0) {
		pid = (pid_t)syscall(SYS_fork);
		if (pid == 0) {
			child_logs();
			exit(0);
		}
	} else {
		return 2;
	}
	if (pid < 0)
		return 3;
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 4;
	return 0;
}
