/* entry-both-demo: one function, both_log of libentryboth.so, reached two
 * ways: from the program through its PLT (source "exe") and from inside
 * the library by a direct call (source "lib"). GOT patching sees only the
 * first; entry patching sees both, and a PLT call into a patched entry must
 * be counted once, not twice. Printed:
 *   entry-both-demo: calls entry=both_log source=S level=L level_name=N count=C
 *   entry-both-demo: body source=S count=C
 *   entry-both-demo: returned sum=N
 *   entry-both-demo [ROUNDS]   (default 10) */
#include "both.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	if (rounds <= 0) {
		fprintf(stderr, "usage: entry-both-demo [ROUNDS]\n");
		return 2;
	}
	long sum = 0;
	for (int i = 0; i < rounds; i++)
		sum += both_log("exe", 6, "exe %d %.1f", i, i / 2.0);
	sum += both_work(3 * rounds);
	printf("entry-both-demo: returned sum=%ld\n", sum);
	printf("entry-both-demo: calls entry=both_log source=exe level=6 level_name=info count=%d\n", rounds);
	printf("entry-both-demo: calls entry=both_log source=lib level=7 level_name=debug count=%d\n", 3 * rounds);
	printf("entry-both-demo: body source=exe count=%lu\n", both_bodies(0));
	printf("entry-both-demo: body source=lib count=%lu\n", both_bodies(1));
	return 0;
}
