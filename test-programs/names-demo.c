/* names-demo: logs under names given on its command line, so a test can
 * pass any bytes (valid UTF-8 of every length, bytes that are not UTF-8,
 * control bytes, quotes) and check that every JSON logtax writes keeps them.
 * Its format strings hold such bytes too (they are read back as templates).
 *
 *   names-demo ROUNDS THREAD-NAME SOURCE...
 * Round r logs r + k times from the k-th SOURCE (k from 0) through one of
 * three format strings, on a thread named THREAD-NAME (at most 15 bytes)
 * that ends before the program does. At exit it prints what it called, by
 * the SOURCE's position (the names themselves may hold any byte):
 *   names-demo: calls index=K count=N
 * Bad arguments: a usage line on stderr and exit status 2. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "legacylog.h"

#define MAX_SOURCES 16

static struct legacy_log_source sources[MAX_SOURCES];
static unsigned long long counts[MAX_SOURCES];
static int nsources, rounds;
static const char *thread_name;

static void *worker(void *arg)
{
	(void)arg;
	if (pthread_setname_np(pthread_self(), thread_name) != 0)
		return (void *)1;
	for (int r = 1; r <= rounds; r++)
		for (int k = 0; k < nsources; k++)
			for (int i = 0; i < r + k; i++) {
				/* 2-, 3- and 4-byte UTF-8; not UTF-8 (a lone 0xff, an
				 * overlong '/'); control bytes, a quote and a backslash */
				if (i % 3 == 0)
					LEGACY_LOG(sources[k], LEGACY_LOG_DEBUG, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 %d", i);
				else if (i % 3 == 1)
					LEGACY_LOG(sources[k], LEGACY_LOG_INFO, "raw \xff \xc0\xaf %d", i);
				else
					LEGACY_LOG(sources[k], LEGACY_LOG_WARN, "tab\there \x01 \"q\" \\ %d", i);
				counts[k]++;
			}
	return NULL;
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? atoi(argv[1]) : 0;
	nsources = argc - 3;
	if (rounds <= 0 || nsources < 1 || nsources > MAX_SOURCES || strlen(argv[2]) > 15) {
		fprintf(stderr, "usage: names-demo ROUNDS THREAD-NAME SOURCE... (1 to %d sources, a name of at most 15 bytes)\n",
			MAX_SOURCES);
		return 2;
	}
	thread_name = argv[2];
	for (int k = 0; k < nsources; k++)
		sources[k].name = argv[3 + k];
	pthread_t t;
	void *rc = NULL;
	if (pthread_create(&t, NULL, worker, NULL) != 0 || pthread_join(t, &rc) != 0 || rc) {
		fprintf(stderr, "names-demo: the logging thread failed\n");
		return 1;
	}
	for (int k = 0; k < nsources; k++)
		printf("names-demo: calls index=%d count=%llu\n", k, counts[k]);
	return 0;
}
