/* A stand-in for the shim's logtax_attach (the contract in
 * docs/DESIGN.md, "Attaching to a running process"), so that the
 * injector's tests do not depend on the shim. What it does is read from
 * its settings block (NAME=VALUE lines):
 *   STUB_DIR=DIR       (else LOGTAX_OUTPUT) write DIR/stub.called: "pid=P tid=T calls=N" and the
 *                      block; DIR/stub.spinning when it starts to wait
 *   STUB_WAIT=PATH     spin until PATH exists (no sleeping system call)
 *   STUB_HANG=1        never return
 *   STUB_CRASH=1       write through a null pointer
 *   STUB_RC=N          return N with the message "stub refused"
 * It keeps a little initial-exec TLS, as the shim does. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static __thread long stub_tls __attribute__((tls_model("initial-exec")));
static int calls;

static int get(const char *settings, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	for (const char *p = settings; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, name, n) && p[n] == '=') {
			size_t len = strcspn(p + n + 1, "\n");
			if (len >= cap)
				len = cap - 1;
			memcpy(out, p + n + 1, len);
			out[len] = 0;
			return 1;
		}
	}
	return 0;
}

static void put_file(const char *dir, const char *name, const char *a, const char *b)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, a, strlen(a)) < 0 || write(fd, b, strlen(b)) < 0)
		(void)0;
	close(fd);
}

__attribute__((visibility("default"))) int logtax_attach(const char *settings, char *msg, unsigned msglen)
{
	char dir[4096] = "", v[4096];
	calls++;
	stub_tls++;
	if (get(settings, "STUB_DIR", dir, sizeof dir) || get(settings, "LOGTAX_OUTPUT", dir, sizeof dir)) {
		char head[128];
		snprintf(head, sizeof head, "pid=%d tid=%ld calls=%d\n", (int)getpid(), (long)syscall(SYS_gettid), calls);
		put_file(dir, "stub.called", head, settings);
	}
	if (get(settings, "STUB_CRASH", v, sizeof v))
		*(volatile int *)(long)(calls - calls) = 1;
	if (get(settings, "STUB_WAIT", v, sizeof v)) {
		struct stat sb;
		if (dir[0])
			put_file(dir, "stub.spinning", "", "");
		while (stat(v, &sb) < 0)
			;
	}
	if (get(settings, "STUB_HANG", v, sizeof v)) {
		if (dir[0])
			put_file(dir, "stub.spinning", "", "");
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	if (get(settings, "STUB_RC", v, sizeof v)) {
		snprintf(msg, msglen, "stub refused");
		return atoi(v);
	}
	snprintf(msg, msglen, "stub attached (call %d)", calls);
	return 0;
}
