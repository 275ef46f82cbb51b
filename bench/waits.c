/* bench/b-waits.sh: N waits that never block, of one kind: poll (timeout 0)
 * or cond (pthread_cond_timedwait with a deadline already past). What the
 * shim adds to one wait is the difference of two runs' instruction counts. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	if (argc != 3 || (argv[1][0] != 'p' && argv[1][0] != 'c')) {
		fprintf(stderr, "usage: waits poll|cond N\n");
		return 2;
	}
	long n = atol(argv[2]);
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec past = { 0, 0 };
	pthread_mutex_lock(&m);
	for (long i = 0; i < n; i++) {
		if (argv[1][0] == 'p')
			poll(NULL, 0, 0);
		else
			pthread_cond_timedwait(&c, &m, &past);
	}
	pthread_mutex_unlock(&m);
	return 0;
}
