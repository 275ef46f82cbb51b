/* refuse-demo: calls librefuse.so's ref_branchin and ref_short, whose
 * entries cannot be patched (see refuse.S), and ref_after, which sits right
 * after the 3-byte ref_short and must keep working. Calls go through the
 * PLT, so GOT patching counts them when entry patching refuses. Printed:
 *   refuse-demo: calls entry=F source=- level=0 level_name=? count=C
 *   refuse-demo: body entry=ref_branchin count=C         (its body ran)
 *   refuse-demo: returned entry=ref_short sum=N          (n per kept call, 0 per dropped one)
 *   refuse-demo: returned entry=ref_after sum=N
 *   refuse-demo [ROUNDS [UNTIL]]   (default 10; with UNTIL, a path, it waits
 *                                   after its calls until UNTIL exists) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int ref_branchin(int n);
int ref_short(int n);
int ref_after(int n);
unsigned long ref_branchin_bodies(void);

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	if (rounds <= 0) {
		fprintf(stderr, "usage: refuse-demo [ROUNDS]\n");
		return 2;
	}
	long loops = 0, shorts = 0, after = 0;
	for (int i = 1; i <= rounds; i++) {
		loops += ref_branchin(i);
		shorts += ref_short(i);
		after += ref_after(i);
	}
	while (argc > 2 && access(argv[2], F_OK) != 0) {
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	printf("refuse-demo: calls entry=ref_branchin source=- level=0 level_name=? count=%d\n", rounds);
	printf("refuse-demo: calls entry=ref_short source=- level=0 level_name=? count=%d\n", rounds);
	printf("refuse-demo: body entry=ref_branchin count=%lu\n", ref_branchin_bodies());
	printf("refuse-demo: returned entry=ref_branchin sum=%ld\n", loops);
	printf("refuse-demo: returned entry=ref_short sum=%ld\n", shorts);
	printf("refuse-demo: returned entry=ref_after sum=%ld\n", after);
	return 0;
}
