/* after-syscall.c - what a system call costs the code that runs after it
 * returns, for bench/b-server-split.sh: cycles to read one line in each of
 * P pages (a dependent chain, so nothing overlaps) right after a gettid
 * call, and with no call before. With the kernel's page-table isolation
 * and no PCID every return to user space empties the TLB, so each page
 * touched next costs a page walk that no window ending at the return sees.
 *   after-syscall P...   prints "P cycles_without cycles_after_syscall"
 * TSC reads fenced (lfence) so that the chain is inside its window. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86intrin.h>

#define ROUNDS 100000
#define STRIDE (5 * 4096L) /* pages apart, beyond a small page's neighbours */

static inline unsigned long long tsc(void)
{
	_mm_lfence();
	unsigned long long t = __rdtsc();
	_mm_lfence();
	return t;
}

/* Mean cycles of walking the chain, after a gettid call or not. */
static double walk(char *m, int sys)
{
	unsigned long long sum = 0;
	volatile long sink = 0;
	for (int i = 0; i < ROUNDS; i++) {
		if (sys)
			syscall(SYS_gettid);
		unsigned long long a = tsc();
		long n = 0;
		for (char *q = m; q; q = *(char **)q)
			n++;
		sink += n;
		sum += tsc() - a;
	}
	return (double)sum / ROUNDS;
}

int main(int argc, char **argv)
{
	for (int k = 1; k < argc; k++) {
		int p = atoi(argv[k]);
		if (p < 1 || p > 100) {
			fprintf(stderr, "after-syscall: page count %s: not 1..100\n", argv[k]);
			return 2;
		}
		char *m = mmap(NULL, (size_t)(STRIDE * p), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return 1;
		madvise(m, (size_t)(STRIDE * p), MADV_NOHUGEPAGE);
		/* one line per page, at a different offset in each */
		for (int i = 0; i < p; i++)
			*(char **)(m + i * STRIDE + 64 * (i % 60)) = i + 1 < p ? m + (i + 1) * STRIDE + 64 * ((i + 1) % 60) : NULL;
		double without = walk(m, 0), after = walk(m, 1);
		printf("%d %.0f %.0f\n", p, without, after);
		munmap(m, (size_t)(STRIDE * p));
	}
	return 0;
}
