/* libvirt-evloop: libvirt's own default event loop over many ready pipes,
 * the workload of the 2014 libvirt cover letter, on the real libvirt.so.0.
 *
 * NFDS pipes each hold one unread byte and are watched for readability
 * with virEventAddHandle; the callback does nothing, so every handle is
 * ready on every iteration and virEventRunDefaultImpl never blocks. Every
 * logging call is libvirt's (virLogMessage, from sources util.eventglib and
 * util.event): this program cannot count them itself, so tests compare
 * logtax's count with libvirt's own log output
 * (LIBVIRT_LOG_FILTERS=1:* LIBVIRT_LOG_OUTPUTS=1:file:PATH).
 *
 *   libvirt-evloop [ITERATIONS] [NFDS]     (defaults: 5120 500)
 * Prints "libvirt-evloop: iterations=N handles=M dispatched=D" on stdout.
 * Bad arguments: usage on stderr, exit 2; a libvirt failure: exit 1. */
#include <libvirt/libvirt.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static unsigned long long dispatched;

static void on_readable(int watch, int fd, int events, void *opaque)
{
	(void)watch, (void)fd, (void)events, (void)opaque;
	dispatched++; /* the byte stays: the handle is ready again next time */
}

static long arg_or(const char *s, long def, long max)
{
	if (!s)
		return def;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > max)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	long iters = arg_or(argc > 1 ? argv[1] : NULL, 5120, 100000000);
	long nfds = arg_or(argc > 2 ? argv[2] : NULL, 500, 100000);
	if (argc > 3 || iters < 0 || nfds < 0) {
		fprintf(stderr, "usage: libvirt-evloop [ITERATIONS] [NFDS]\n");
		return 2;
	}
	/* Two descriptors per pipe, and libvirt's own: raise the soft limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)(2 * nfds + 64)) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)(2 * nfds + 64) ? rl.rlim_max : (rlim_t)(2 * nfds + 64);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (virEventRegisterDefaultImpl() < 0) {
		fprintf(stderr, "libvirt-evloop: virEventRegisterDefaultImpl failed\n");
		return 1;
	}
	for (long i = 0; i < nfds; i++) {
		int p[2];
		if (pipe(p) < 0) {
			fprintf(stderr, "libvirt-evloop: pipe %ld: %s\n", i, strerror(errno));
			return 1;
		}
		if (write(p[1], "x", 1) != 1) {
			fprintf(stderr, "libvirt-evloop: write: %s\n", strerror(errno));
			return 1;
		}
		if (virEventAddHandle(p[0], VIR_EVENT_HANDLE_READABLE, on_readable, NULL, NULL) < 0) {
			fprintf(stderr, "libvirt-evloop: virEventAddHandle failed on pipe %ld\n", i);
			return 1;
		}
	}
	for (long i = 0; i < iters; i++) {
		if (virEventRunDefaultImpl() < 0) {
			fprintf(stderr, "libvirt-evloop: virEventRunDefaultImpl failed at iteration %ld\n", i);
			return 1;
		}
	}
	printf("libvirt-evloop: iterations=%ld handles=%ld dispatched=%llu\n", iters, nfds, dispatched);
	return 0;
}
