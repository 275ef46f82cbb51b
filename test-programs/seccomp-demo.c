/* seccomp-demo: a program that puts itself under a seccomp filter which
 * kills it at the first process_vm_readv (as systemd's SystemCallFilter=
 * without SystemCallErrorNumber= would), then logs from new call sites:
 * one naming itself with string literals, one with a function name built
 * at run time (on the heap). The shim must read the first, leave the second
 * unread, and never make the call that kills.
 *   seccomp-demo N
 * Logs N calls from each site, before and after the filter; prints
 *   seccomp-demo: calls source=S count=N
 * and "seccomp-demo: done". Exit 0; 77 when the filter cannot be set. */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "legacylog.h"

static struct legacy_log_source before = { .name = "sec.before" }, literal = { .name = "sec.literal" },
				heap = { .name = "sec.heap" };

static int filter_on(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof f / sizeof f[0]), f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: seccomp-demo N\n");
		return 2;
	}
	for (int i = 0; i < n; i++)
		LEGACY_LOG(before, LEGACY_LOG_DEBUG, "before %d", i);
	if (filter_on() != 0) {
		perror("seccomp-demo: seccomp");
		return 77;
	}
	char *fn = strdup("built_at_run_time");
	for (int i = 0; i < n; i++) {
		LEGACY_LOG(literal, LEGACY_LOG_DEBUG, "literal %d", i);
		legacy_log(&heap, LEGACY_LOG_DEBUG, __FILE__, __LINE__, fn, "heap %d", i);
	}
	free(fn);
	printf("seccomp-demo: calls source=sec.before count=%d\n", n);
	printf("seccomp-demo: calls source=sec.literal count=%d\n", n);
	printf("seccomp-demo: calls source=sec.heap count=%d\n", n);
	printf("seccomp-demo: done\n");
	return 0;
}
