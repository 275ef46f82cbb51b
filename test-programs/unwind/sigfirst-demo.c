/* A multi-threaded program whose first logging call is made in a signal
 * handler that interrupted malloc: a second thread sends the main thread
 * SIGUSR1 while it allocates and frees (sizes past the per-thread cache,
 * so the arena's lock is taken), and the handler logs once (sig.first)
 * with block_log (libblocklog.so: it reads one byte from a pipe, which a
 * handler may do; run with --hook 'block_log:name=1:level=2').
 * Then the main thread logs M times (sig.main).
 *   sigfirst-demo quick M           then ends
 *   sigfirst-demo wait M READY STOP then creates READY and waits, as an idle
 *                                   event loop does (poll, 20 ms), until STOP
 *                                   exists
 * Prints
 *   sigfirst-demo: calls source=S count=N
 * A run that never sees its handler within 60 s exits 3. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int block_log(const char *category, int level, int fd);

static int bytes[2]; /* a pipe holding a byte for every call */

static volatile sig_atomic_t handled;
static int spinning;
static pthread_t main_thread;
static const char *stop_path;

static void on_usr1(int sig)
{
	(void)sig;
	block_log("sig.first", 1, bytes[0]);
	handled = 1;
}

static void *sender(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&spinning, __ATOMIC_ACQUIRE))
		;
	/* let the allocation loop run a little, at a point that varies */
	struct timespec ts = { 0, (long)(getpid() % 7) * 100000 };
	nanosleep(&ts, NULL);
	pthread_kill(main_thread, SIGUSR1);
	/* the process stays multi-threaded while the handler runs */
	while (!handled)
		poll(NULL, 0, 1);
	/* wait mode: stay, so that the process stays multi-threaded */
	while (stop_path && access(stop_path, F_OK) != 0)
		poll(NULL, 0, 20);
	return NULL;
}

int main(int argc, char **argv)
{
	int wait = argc == 5 && strcmp(argv[1], "wait") == 0;
	if (!(argc == 3 && strcmp(argv[1], "quick") == 0) && !wait) {
		fprintf(stderr, "usage: sigfirst-demo quick M | wait M READY STOP\n");
		return 2;
	}
	int m = atoi(argv[2]);
	if (m < 0 || m > 4000 || pipe(bytes))
		return 2;
	char fill[4001];
	memset(fill, 'x', sizeof fill);
	if (write(bytes[1], fill, (size_t)m + 1) != m + 1)
		return 2;
	if (wait)
		stop_path = argv[4];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	main_thread = pthread_self();
	pthread_t t;
	if (pthread_create(&t, NULL, sender, NULL))
		return 2;
	__atomic_store_n(&spinning, 1, __ATOMIC_RELEASE);
	time_t start = time(NULL);
	for (unsigned i = 0; !handled; i++) {
		char *p = malloc(4096 + (i % 7) * 512);
		if (p)
			p[0] = (char)i;
		free(p);
		if ((i & 0xffff) == 0 && time(NULL) - start > 60)
			return 3;
	}
	for (int i = 0; i < m; i++)
		block_log("sig.main", 1, bytes[0]);
	if (wait) {
		int fd = open(argv[3], O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			close(fd);
		while (access(stop_path, F_OK) != 0)
			poll(NULL, 0, 20);
	}
	pthread_join(t, NULL);
	printf("sigfirst-demo: calls entry=block_log source=sig.first level=1 level_name=? count=1\n");
	printf("sigfirst-demo: calls entry=block_log source=sig.main level=1 level_name=? count=%d\n", m);
	return 0;
}
