/* patch-bench: what entry patching costs at start-up and after dlopen.
 *   prepare: the first (loads capstone), then others (small functions of
 *            patch_funcs_x86_64.S, and large libc functions: the body scan
 *            decodes the whole function);
 *   apply + remove: alone in the process (direct write), with one thread
 *            asleep (the int3 protocol, no signal needed), and with 8
 *            threads spinning on the patched function (each is sent the
 *            check signal and must run its handler).
 * Prints medians in microseconds. */
#include "../shim/patch.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

long tf_plain(long), tf_endbr(long), tf_riprel(long), tf_jcc(long), tf_call(long), tf_spin(long);
extern char tf_plain_end[], tf_endbr_end[], tf_riprel_end[], tf_jcc_end[], tf_call_end[], tf_spin_end[];

static struct lt_patch patches[64];

static long hook(long x)
{
	return x;
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

static int stop;
static void *spinner(void *arg)
{
	long n = 0;
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		n += tf_spin(n) & 1;
	return (void *)n;
}

static void *sleeper(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		usleep(100000);
	return NULL;
}

static void apply_rounds(const char *what, struct lt_patch *p, int n)
{
	double *a = calloc((size_t)n, sizeof *a), *r = calloc((size_t)n, sizeof *r);
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		if (lt_patch_apply(p)) {
			printf("apply: %s\n", lt_patch_why(p));
			exit(1);
		}
		double t1 = now_us();
		if (lt_patch_remove(p)) {
			printf("remove: %s\n", lt_patch_why(p));
			exit(1);
		}
		a[i] = t1 - t0;
		r[i] = now_us() - t1;
	}
	printf("apply %-34s median %8.1f us   remove median %8.1f us   (%d rounds)\n", what, median(a, n), median(r, n),
	       n);
	free(a);
	free(r);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	double t0 = now_us();
	int e = lt_patch_prepare(&patches[0], (void *)tf_plain, (size_t)(tf_plain_end - (char *)tf_plain), (void *)hook);
	double first = now_us() - t0;
	if (e) {
		printf("prepare: %s\n", lt_patch_why(&patches[0]));
		return 1;
	}
	printf("prepare, first (loads capstone)              %8.1f us\n", first);
	struct {
		void *f;
		size_t n;
	} small[] = {
		{ (void *)tf_endbr, (size_t)(tf_endbr_end - (char *)tf_endbr) },
		{ (void *)tf_riprel, (size_t)(tf_riprel_end - (char *)tf_riprel) },
		{ (void *)tf_jcc, (size_t)(tf_jcc_end - (char *)tf_jcc) },
		{ (void *)tf_call, (size_t)(tf_call_end - (char *)tf_call) },
	};
	double v[8];
	for (int i = 0; i < 4; i++) {
		t0 = now_us();
		e = lt_patch_prepare(&patches[1 + i], small[i].f, small[i].n, (void *)hook);
		v[i] = now_us() - t0;
	}
	printf("prepare, later (functions of 10-20 bytes)    %8.1f us median of 4\n", median(v, 4));
	/* libc's: large bodies to scan */
	const char *big[] = { "getaddrinfo", "qsort", "fnmatch", "strftime", "regcomp", "syslog" };
	int k = 5;
	for (unsigned i = 0; i < sizeof big / sizeof big[0]; i++) {
		void *f = dlsym(RTLD_DEFAULT, big[i]);
		const ElfW(Sym) *sym = NULL;
		Dl_info info;
		if (!f || !dladdr1(f, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym)
			continue;
		t0 = now_us();
		e = lt_patch_prepare(&patches[k++], f, sym->st_size, (void *)hook);
		double dt = now_us() - t0;
		printf("prepare, libc %-12s (%6zu bytes)       %8.1f us  %s\n", big[i], (size_t)sym->st_size, dt,
		       e ? lt_patch_why(&patches[k - 1]) : "");
	}
	struct lt_patch *p = &patches[k];
	if (lt_patch_prepare(p, (void *)tf_spin, (size_t)(tf_spin_end - (char *)tf_spin), (void *)hook)) {
		printf("prepare tf_spin: %s\n", lt_patch_why(p));
		return 1;
	}
	apply_rounds("alone", p, rounds);
	pthread_t t[8];
	pthread_create(&t[0], NULL, sleeper, NULL);
	apply_rounds("with 1 thread asleep", p, rounds);
	for (int i = 1; i < 8; i++)
		pthread_create(&t[i], NULL, spinner, NULL);
	apply_rounds("with 7 spinning + 1 asleep", p, rounds / 4 ? rounds / 4 : 1);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	return 0;
}
