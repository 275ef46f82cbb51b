/* elfsym-demo: functions for the symbol finder's test (tests/unit/
 * test_elfsym.c), built without PIE so addresses and file offsets differ,
 * then stripped with its symbols kept in a separate debug file. */
#include <stdio.h>
#include <string.h>

int dup_fn_other(int x);

static int counter;

/* a static function: only .symtab (or the debug file) names it */
__attribute__((noinline)) static void quiet_logger(int level, const char *msg)
{
	if (level > 3)
		counter += (int)strlen(msg);
	__asm__ volatile("" ::: "memory");
}

/* exported: .dynsym names it even when stripped */
__attribute__((noinline)) void visible_logger(int level, const char *msg)
{
	quiet_logger(level, msg);
	counter++;
}

/* a static function whose name another file uses too */
__attribute__((noinline)) static int dup_fn(int x)
{
	return x * 3 + counter;
}

/* A function whose symbol has no size: only its .eh_frame entry tells. */
__asm__(".text\n"
	".globl nosize_fn\n"
	".type nosize_fn, @function\n"
	".p2align 4\n"
	"nosize_fn:\n"
	".cfi_startproc\n"
	"	leal 7(%rdi), %eax\n"
	"	addl %esi, %eax\n"
	"	ret\n"
	".cfi_endproc\n"
	".globl nosize_fn_end\n"
	"nosize_fn_end:\n");
int nosize_fn(int, int);

int main(int argc, char **argv)
{
	(void)argv;
	visible_logger(argc + 3, "hello");
	printf("%d %d %d\n", dup_fn(argc), dup_fn_other(argc), nosize_fn(argc, 1));
	return 0;
}
