/* A system call made by the shim itself. The shim exports a syscall()
 * wrapper (fork.c: a child made by syscall(SYS_fork) needs its fresh
 * start), and inside the shim a plain syscall() would bind to that wrapper
 * too; these go to the kernel directly (on x86-64) or to libc's. */
#ifndef LT_RAWSYS_H
#define LT_RAWSYS_H

#include "symbols.h"

#include <errno.h>

static inline long lt_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
#else
	/* libc's, not ours (lt_find_next skips the shim) */
	long (*sys)(long, ...) = (long (*)(long, ...))lt_find_next("syscall");
	if (!sys) {
		errno = ENOSYS;
		return -1;
	}
	return sys(n, a, b, c, d, e, f);
#endif
}

#define lt_syscall(n, ...) lt_syscall_(n, ##__VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define lt_syscall_(n, a, b, c, d, e, f, ...) \
	lt_syscall6((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

#endif
