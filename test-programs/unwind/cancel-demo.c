/* Threads cancelled inside a logging call. NT threads each take a lock,
 * push a cleanup handler that releases it, make K calls of block_log that
 * return at once, then one that blocks in read() on an empty pipe. Once
 * every thread is in that read (its /proc/self/task/TID/syscall says so),
 * all are cancelled and joined. Then new threads log again. Built with
 * -fexceptions (cleanup handlers run by the unwinder) and without (glibc's
 * own jump to them): both unwind through the logging call.
 *   -> "cancel-demo: cancelled=N cleanups=N locks_free=N after=M"
 *      "cancel-demo: calls entry=block_log source=... level=... count=N" lines */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int block_log(const char *category, int level, int fd);

#define NT 8
#define NAFTER 4
#define K 100

static pthread_mutex_t locks[NT];
static int cleanups;
static pid_t tids[NT];
static int empty[2], data[2];

static void release(void *arg)
{
	pthread_mutex_unlock(&locks[(intptr_t)arg]);
	__atomic_fetch_add(&cleanups, 1, __ATOMIC_RELAXED);
}

static void *blocked(void *arg)
{
	int i = (int)(intptr_t)arg;
	pthread_mutex_lock(&locks[i]);
	pthread_cleanup_push(release, arg);
	for (int k = 0; k < K; k++)
		if (block_log("ready", 1, data[0]) < 0)
			abort();
	__atomic_store_n(&tids[i], (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	block_log("blocked", 2, empty[0]); /* nothing is ever written */
	pthread_cleanup_pop(1);
	return NULL;
}

static void *after(void *arg)
{
	long got = 0;
	(void)arg;
	for (int k = 0; k < K; k++)
		got += block_log("after", 1, data[0]) >= 0;
	return (void *)got;
}

/* The thread is blocked in read(2): syscall number 0 on x86-64. */
static int in_read(pid_t tid)
{
	char path[64], buf[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int ok = fgets(buf, sizeof buf, f) && strncmp(buf, "0 ", 2) == 0;
	fclose(f);
	return ok;
}

int main(void)
{
	pthread_t t[NT], a[NAFTER];
	if (pipe(empty) || pipe(data))
		return 2;
	static char bytes[NT * K + NAFTER * K];
	memset(bytes, 'x', sizeof bytes);
	if (write(data[1], bytes, sizeof bytes) != (ssize_t)sizeof bytes)
		return 2;
	for (int i = 0; i < NT; i++) {
		pthread_mutex_init(&locks[i], NULL);
		if (pthread_create(&t[i], NULL, blocked, (void *)(intptr_t)i))
			return 2;
	}
	for (int i = 0; i < NT; i++) {
		/* at most 60 s: a thread that never gets there is a failure, not a hang */
		for (int w = 0;; w++) {
			pid_t tid = __atomic_load_n(&tids[i], __ATOMIC_ACQUIRE);
			if (tid && in_read(tid))
				break;
			if (w > 60000) {
				fprintf(stderr, "cancel-demo: thread %d never blocked\n", i);
				return 3;
			}
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
		}
	}
	int cancelled = 0, free_locks = 0;
	for (int i = 0; i < NT; i++)
		pthread_cancel(t[i]);
	for (int i = 0; i < NT; i++) {
		void *r;
		pthread_join(t[i], &r);
		cancelled += r == PTHREAD_CANCELED;
	}
	for (int i = 0; i < NT; i++)
		if (pthread_mutex_trylock(&locks[i]) == 0) {
			free_locks++;
			pthread_mutex_unlock(&locks[i]);
		}
	long got = 0;
	for (int i = 0; i < NAFTER; i++)
		if (pthread_create(&a[i], NULL, after, NULL))
			return 2;
	for (int i = 0; i < NAFTER; i++) {
		void *r;
		pthread_join(a[i], &r);
		got += (long)r;
	}
	printf("cancel-demo: cancelled=%d cleanups=%d locks_free=%d after=%ld\n", cancelled,
	       __atomic_load_n(&cleanups, __ATOMIC_RELAXED), free_locks, got);
	printf("cancel-demo: calls entry=block_log source=ready level=1 level_name=? count=%d\n", NT * K);
	printf("cancel-demo: calls entry=block_log source=blocked level=2 level_name=? count=%d\n", NT);
	printf("cancel-demo: calls entry=block_log source=after level=1 level_name=? count=%d\n", NAFTER * K);
	return 0;
}
