/* libblocklog.so: logging functions of a program's own, for the unwinding
 * tests (nothing in logtax knows them; --hook 'block_log:name=1:level=2'
 * and 'bt_log:name=1:level=2'). */
#include <unistd.h>

int block_log(const char *category, int level, int fd);
int bt_log(const char *category, int level, int (*take)(void **frames, int cap), void **frames, int cap);

/* "Writes" a message: waits for one byte from fd (read is a cancellation
 * point, as the socket write of syslog or sd_journal_send is). Returns the
 * byte, or -1. */
int block_log(const char *category, int level, int fd)
{
	unsigned char c;
	(void)category;
	(void)level;
	return read(fd, &c, 1) == 1 ? c : -1;
}

/* Takes a backtrace from inside the logging function, with the method given. */
int bt_log(const char *category, int level, int (*take)(void **frames, int cap), void **frames, int cap)
{
	(void)category;
	(void)level;
	return take(frames, cap);
}
