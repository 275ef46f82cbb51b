/* Entry patching (shim/patch_x86_64.c) on the functions of
 * patch_funcs_x86_64.S: each kind of first instruction is relocated and
 * still computes what it did; the refusals say why; a function spun by 8
 * threads is patched and unpatched 1000 times and every call is counted by
 * the function itself, exactly. */
#include "../../shim/patch.h"

#include <check.h>
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

long tf_plain(long), tf_endbr(long), tf_riprel(long), tf_jcc(long), tf_call(long), tf_tail(long);
long tf_branchin(long), tf_short(long), tf_jrcxz(long), tf_spin(long), tf_wait(long);
extern long tf_data, tf_spin_runs;

typedef long (*fn1)(long);

static struct lt_patch patches[16];
static long hooked[16];

/* One hook per slot: counts, then runs the original through the copy. */
#define HOOK(i)                                                 \
	static long hook##i(long x)                             \
	{                                                       \
		__atomic_add_fetch(&hooked[i], 1, __ATOMIC_RELAXED); \
		return ((fn1)lt_patch_copy(&patches[i]))(x);    \
	}
HOOK(0)
HOOK(1)
HOOK(2)
HOOK(3)
HOOK(4)
HOOK(5)
HOOK(6)
static fn1 const hooks[] = { hook0, hook1, hook2, hook3, hook4, hook5, hook6 };

/* The assembler's sizes (NAME_end - NAME), as a symbol table gives them. */
extern char tf_plain_end[], tf_endbr_end[], tf_riprel_end[], tf_jcc_end[], tf_call_end[], tf_tail_end[],
	tf_spin_end[], tf_branchin_end[], tf_short_end[], tf_jrcxz_end[], tf_wait_end[];
#define SIZE(f) ((size_t)(f##_end - (char *)f))

static size_t size_of(fn1 f)
{
	const struct {
		fn1 f;
		size_t n;
	} sizes[] = {
		{ tf_plain, SIZE(tf_plain) }, { tf_endbr, SIZE(tf_endbr) }, { tf_riprel, SIZE(tf_riprel) },
		{ tf_jcc, SIZE(tf_jcc) },     { tf_call, SIZE(tf_call) },   { tf_tail, SIZE(tf_tail) },
		{ tf_spin, SIZE(tf_spin) },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (sizes[i].f == f)
			return sizes[i].n;
	return 0;
}

/* Patches f to hook slot i, checks f(x) == want hooked, unpatches, checks
 * it again unhooked, and that the bytes are back. */
static void round_trip(int i, fn1 f, long x, long want)
{
	struct lt_patch *p = &patches[i];
	uint8_t before[32];
	memcpy(before, (void *)f, sizeof before);
	int r = lt_patch_prepare(p, (void *)f, size_of(f), (void *)hooks[i]);
	ck_assert_msg(r == 0, "prepare: %s: %s", lt_patch_strerror(r), lt_patch_why(p));
	ck_assert_int_eq(f(x), want); /* prepared, not applied */
	ck_assert_int_eq(hooked[i], 0);
	r = lt_patch_apply(p);
	ck_assert_msg(r == 0, "apply: %s: %s", lt_patch_strerror(r), lt_patch_why(p));
	ck_assert_int_ne(memcmp(before, (void *)f, sizeof before), 0);
	ck_assert_int_eq(f(x), want);
	ck_assert_int_eq(hooked[i], 1);
	ck_assert_int_eq(((fn1)lt_patch_copy(p))(x), want);
	ck_assert_int_eq(lt_patch_apply(p), LT_PATCH_ESTATE);
	r = lt_patch_remove(p);
	ck_assert_msg(r == 0, "remove: %s: %s", lt_patch_strerror(r), lt_patch_why(p));
	ck_assert_int_eq(memcmp(before, (void *)f, sizeof before), 0);
	ck_assert_int_eq(f(x), want);
	ck_assert_int_eq(hooked[i], 1);
	/* and once more: a prepared patch applies again */
	ck_assert_int_eq(lt_patch_apply(p), 0);
	ck_assert_int_eq(f(x), want);
	ck_assert_int_eq(hooked[i], 2);
	ck_assert_int_eq(lt_patch_remove(p), 0);
}

START_TEST(plain)
{
	round_trip(0, tf_plain, 41, 42);
	ck_assert_ptr_eq(patches[0].at, (uint8_t *)tf_plain);
	ck_assert_int_eq(patches[0].len, 8); /* push, mov: 4 bytes; lea: 4 more */
}
END_TEST

START_TEST(endbr)
{
	round_trip(0, tf_endbr, 21, 42);
	/* the endbr64 stays; the copy starts with one too */
	ck_assert_ptr_eq(patches[0].at, (uint8_t *)tf_endbr + 4);
	ck_assert_int_eq(memcmp((void *)tf_endbr, "\xf3\x0f\x1e\xfa", 4), 0);
	ck_assert_int_eq(memcmp(patches[0].copy, "\xf3\x0f\x1e\xfa", 4), 0);
}
END_TEST

START_TEST(riprel)
{
	round_trip(0, tf_riprel, 7, 1007);
	tf_data = 2000; /* the copy reads the same variable, not a copy of it */
	ck_assert_int_eq(lt_patch_apply(&patches[0]), 0);
	ck_assert_int_eq(tf_riprel(7), 2007);
	ck_assert_int_eq(lt_patch_remove(&patches[0]), 0);
	tf_data = 1000;
}
END_TEST

START_TEST(jcc)
{
	round_trip(0, tf_jcc, 0, 100);
	ck_assert_int_eq(lt_patch_apply(&patches[0]), 0);
	ck_assert_int_eq(tf_jcc(5), 200);
	ck_assert_int_eq(tf_jcc(0), 100);
	ck_assert_int_eq(lt_patch_remove(&patches[0]), 0);
}
END_TEST

START_TEST(call_and_tail)
{
	round_trip(0, tf_call, 1, 12);
	round_trip(1, tf_tail, 1, 2);
}
END_TEST

/* A target more than 2 GiB away: the jmp goes to a thunk beside the copy. */
START_TEST(far_target)
{
	uint64_t want = ((uint64_t)tf_plain + (64ull << 30)) & ~4095ull;
	uint8_t *far = mmap((void *)want, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | 0x100000, -1, 0);
	ck_assert_ptr_ne(far, MAP_FAILED);
	uint64_t h = (uint64_t)hook2;
	memcpy(far, "\xf3\x0f\x1e\xfa\x48\xb8", 6); /* endbr64; movabs $hook2, %rax; jmp *%rax */
	memcpy(far + 6, &h, 8);
	memcpy(far + 14, "\xff\xe0", 2);
	ck_assert_int_eq(mprotect(far, 4096, PROT_READ | PROT_EXEC), 0);
	struct lt_patch *p = &patches[2];
	ck_assert_int_eq(lt_patch_prepare(p, (void *)tf_plain, SIZE(tf_plain), far), 0);
	ck_assert_ptr_ne(p->jump_to, far);
	ck_assert_int_eq(lt_patch_apply(p), 0);
	ck_assert_int_eq(tf_plain(1), 2);
	ck_assert_int_eq(hooked[2], 1);
	ck_assert_int_eq(lt_patch_remove(p), 0);
}
END_TEST

static void refused(fn1 f, size_t size, int want, const char *why_part)
{
	struct lt_patch p;
	memset(&p, 0, sizeof p);
	int r = lt_patch_prepare(&p, (void *)f, size, (void *)hook0);
	ck_assert_msg(r == want, "got %d (%s: %s), want %d", r, lt_patch_strerror(r), lt_patch_why(&p), want);
	ck_assert_msg(strstr(lt_patch_why(&p), why_part), "why: %s", lt_patch_why(&p));
	char why[160];
	ck_assert_int_eq(lt_patch_check((void *)f, size, NULL, why, sizeof why), want);
	ck_assert_int_eq(lt_patch_apply(&p), LT_PATCH_ESTATE);
}

START_TEST(refusals)
{
	refused(tf_branchin, SIZE(tf_branchin), LT_PATCH_EBRANCHIN, "lands at +0x3");
	refused(tf_short, SIZE(tf_short), LT_PATCH_ESHORT, "3 bytes long");
	refused(tf_short, 16, LT_PATCH_ESHORT, "ret at +0x2"); /* size too large: the ret tells */
	refused(tf_jrcxz, SIZE(tf_jrcxz), LT_PATCH_EUNMOVABLE, "jrcxz");
	refused(tf_plain, 0, LT_PATCH_ENOSIZE, "size is unknown");
	ck_assert_int_eq(tf_branchin(0), 10);
	ck_assert_int_eq(tf_short(5), 5);
}
END_TEST

/* A leaf (calls nothing, or only what it can see) against a function that
 * calls through its PLT: the wiring refuses leaves of an executable. */
START_TEST(calls_out)
{
	char why[160];
	int out = -1;
	ck_assert_int_eq(lt_patch_check((void *)tf_plain, SIZE(tf_plain), &out, why, sizeof why), 0);
	ck_assert_int_eq(out, 0);
	ck_assert_int_eq(lt_patch_check((void *)tf_call, SIZE(tf_call), &out, why, sizeof why), 0);
	ck_assert_int_eq(out, 0); /* its callee is in sight */
	void *f = dlsym(RTLD_DEFAULT, "getaddrinfo");
	const ElfW(Sym) *sym = NULL;
	Dl_info info;
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ne(dladdr1(f, &info, (void **)&sym, RTLD_DL_SYMENT), 0);
	ck_assert_ptr_nonnull(sym);
	ck_assert_int_eq(lt_patch_check(f, sym->st_size, &out, why, sizeof why), 0);
	ck_assert_int_eq(out, 1);
}
END_TEST

/* ---- 8 threads spin on tf_spin while it is patched and unpatched ------- */

#define NTHREADS 8
static int stop;
static long calls[NTHREADS], wrong[NTHREADS];

static void *spinner(void *arg)
{
	long i = (long)arg, n = 0, bad = 0;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		if (tf_spin(i * 1000 + n) != i * 1000 + n + 1)
			bad++;
		n++;
	}
	calls[i] = n;
	wrong[i] = bad;
	return NULL;
}

START_TEST(threads)
{
	struct lt_patch *p = &patches[3];
	ck_assert_int_eq(lt_patch_prepare(p, (void *)tf_spin, size_of(tf_spin), (void *)hook3), 0);
	ck_assert_int_eq(p->len, 7); /* mov + add: a thread may stop between them */
	pthread_t t[NTHREADS];
	for (long i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, spinner, (void *)i), 0);
	for (int k = 0; k < 1000; k++) {
		int r = lt_patch_apply(p);
		ck_assert_msg(r == 0, "apply %d: %s", k, lt_patch_why(p));
		r = lt_patch_remove(p);
		ck_assert_msg(r == 0, "remove %d: %s", k, lt_patch_why(p));
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	long total = 0;
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		total += calls[i];
		ck_assert_int_eq(wrong[i], 0);
	}
	/* every call ran the body once: hooked ones through the copy */
	ck_assert_int_eq(tf_spin_runs, total);
	ck_assert_int_le(hooked[3], total);
	long before = hooked[3];
	ck_assert_int_eq(lt_patch_apply(p), 0);
	ck_assert_int_eq(tf_spin(1), 2);
	ck_assert_int_eq(hooked[3], before + 1);
	ck_assert_int_eq(tf_spin_runs, total + 1);
	ck_assert_int_eq(lt_patch_remove(p), 0);
	struct lt_patch_stats st;
	lt_patch_stats(&st);
	printf("threads: %ld calls, %ld hooked; %lu int3 traps, %lu threads moved, %lu check signals\n", total,
	       hooked[3], st.traps, st.moved, st.signalled);
}
END_TEST

/* ---- the two handlers, each made to act for sure --------------------- */

static pid_t waiter_tid;
static long waiter_ret;

static void *waiter(void *arg)
{
	(void)arg;
	__atomic_store_n(&waiter_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	register long rax __asm__("rax") = SYS_pause;
	/* below the red zone, then into tf_wait's syscall */
	__asm__ volatile("sub $128, %%rsp\n\tcall tf_wait\n\tadd $128, %%rsp"
			 : "+r"(rax)
			 :
			 : "rcx", "r11", "memory", "cc");
	waiter_ret = rax;
	return NULL;
}

/* A thread asleep inside the bytes to be replaced (its rip at +2, after
 * the syscall) is moved to the same place in the copy by the check
 * signal; left there it would resume inside the jmp's displacement. */
START_TEST(thread_inside)
{
	struct lt_patch *p = &patches[4];
	ck_assert_int_eq(lt_patch_prepare(p, (void *)tf_wait, SIZE(tf_wait), (void *)hook4), 0);
	ck_assert_int_eq(p->len, 5);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, waiter, NULL), 0);
	char path[64], buf[256] = "";
	while (!__atomic_load_n(&waiter_tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)waiter_tid);
	char want[32];
	snprintf(want, sizeof want, "%d ", SYS_pause);
	for (int i = 0; i < 10000 && strncmp(buf, want, strlen(want)); i++) {
		usleep(1000);
		FILE *f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		if (!fgets(buf, sizeof buf, f))
			buf[0] = 0;
		fclose(f);
	}
	ck_assert_msg(!strncmp(buf, want, strlen(want)), "the waiter never slept in pause: %s", buf);
	struct lt_patch_stats s0, s1;
	lt_patch_stats(&s0);
	ck_assert_int_eq(lt_patch_apply(p), 0);
	pthread_join(t, NULL);
	lt_patch_stats(&s1);
	ck_assert_int_eq(s1.moved, s0.moved + 1);
	ck_assert_int_eq(waiter_ret, 7);
	ck_assert_int_eq(lt_patch_remove(p), 0);
}
END_TEST

/* A thread that meets the int3 is sent to the copy: the first byte is
 * written by hand here, as apply writes it first. */
START_TEST(trap)
{
	struct lt_patch *p = &patches[5];
	ck_assert_int_eq(lt_patch_prepare(p, (void *)tf_jcc, SIZE(tf_jcc), (void *)hook5), 0);
	ck_assert_int_eq(lt_patch_apply(p), 0); /* installs the handler */
	ck_assert_int_eq(lt_patch_remove(p), 0);
	uintptr_t page = (uintptr_t)p->at & ~(uintptr_t)4095;
	ck_assert_uint_eq(page, ((uintptr_t)p->at + p->len - 1) & ~(uintptr_t)4095);
	ck_assert_int_eq(mprotect((void *)page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
	uint8_t first = p->at[0];
	p->at[0] = 0xcc;
	struct lt_patch_stats s0, s1;
	lt_patch_stats(&s0);
	ck_assert_int_eq(tf_jcc(0), 100);
	ck_assert_int_eq(tf_jcc(3), 200);
	lt_patch_stats(&s1);
	p->at[0] = first;
	ck_assert_int_eq(mprotect((void *)page, 4096, PROT_READ | PROT_EXEC), 0);
	ck_assert_int_eq(s1.traps, s0.traps + 2);
	ck_assert_int_eq(hooked[5], 0); /* the int3 leads to the copy, not to the target */
}
END_TEST

/* A fork child keeps the patch and may remove and apply it again (its
 * memory is registered for membarrier anew) while a thread of its own runs. */
static void *child_spinner(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		if (tf_riprel(1) != 1001)
			_exit(3);
	return NULL;
}

START_TEST(fork_child)
{
	struct lt_patch *p = &patches[6];
	ck_assert_int_eq(lt_patch_prepare(p, (void *)tf_riprel, SIZE(tf_riprel), (void *)hook6), 0);
	ck_assert_int_eq(lt_patch_apply(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pthread_t t;
		if (tf_riprel(1) != 1001 || hooked[6] != 1 || pthread_create(&t, NULL, child_spinner, NULL))
			_exit(1);
		for (int k = 0; k < 20; k++)
			if (lt_patch_remove(p) || lt_patch_apply(p))
				_exit(2);
		__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
		pthread_join(t, NULL);
		_exit(lt_patch_remove(p) || memcmp(p->at, p->orig, p->len) ? 4 : 0);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: status %d", st);
	ck_assert_int_eq(tf_riprel(1), 1001); /* the parent's patch stands */
	ck_assert_int_eq(hooked[6], 1);
	ck_assert_int_eq(lt_patch_remove(p), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("patch");
	TCase *tc = tcase_create("entry");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, plain);
	tcase_add_test(tc, endbr);
	tcase_add_test(tc, riprel);
	tcase_add_test(tc, jcc);
	tcase_add_test(tc, call_and_tail);
	tcase_add_test(tc, far_target);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, calls_out);
	tcase_add_test(tc, threads);
	tcase_add_test(tc, thread_inside);
	tcase_add_test(tc, trap);
	tcase_add_test(tc, fork_child);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
