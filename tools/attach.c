/* logtax-attach [--shim PATH] [--settings TEXT] [--timeout SECS] PID
 * logtax-attach --tls-check PATH
 *
 * Loads the shim into a running process and asks it to attach (`logtax
 * attach` runs this; docs/DESIGN.md, "Attaching to a running process"):
 * stops one thread with PTRACE_SEIZE + PTRACE_INTERRUPT, saves all its
 * registers, makes two calls in it on a stack area below its red zone —
 * the process's own dlopen(SHIM, RTLD_NOW), then the shim's
 * logtax_attach(SETTINGS, MSG, MSGLEN) — restores every register as saved
 * (so a system call it was blocked in restarts or returns as the kernel
 * would have had it) and lets it go. Nothing else of the process stops.
 *
 * Exit status, as `logtax ctl`'s: 0 attached; 2 bad usage; 3 no such
 * process (or it ended meanwhile); 4 refused for a reason of the process
 * (statically linked, no dlopen, 32-bit, traced already, stopped, the shim
 * loaded already by `logtax run`, the shim's TLS too large); 5 not allowed
 * (another user's process, kernel.yama.ptrace_scope); 6 the attach failed
 * (a call did not return in time, crashed, the shim said so). The shim's
 * own answer (a status 2-6 and a line) is passed through.
 *
 * --tls-check PATH: prints the PT_TLS size of the shim file and exits 4
 * when it is larger than what a library loaded late may safely take.
 *
 * LOGTAX_TEST_PTRACE_SCOPE_FILE (tests only): read in place of
 * /proc/sys/kernel/yama/ptrace_scope, so the refusal can be tested on a
 * kernel without Yama. */
#include "../common/ltx_io.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "logtax-attach is for x86-64 Linux only"
#endif

/* Static TLS that glibc keeps for libraries loaded after start
 * (glibc.rtld.optional_static_tls, 512 bytes by default, shared with any
 * other late library using initial-exec TLS): the shim takes at most half. */
#define TLS_BOUND 256
#define RED_ZONE 128
#define MSG_LEN 1024
#define MAX_SIGS 64

static long g_pid;
/* Where the process's memory is seen: /proc/PID, or the directory of a
 * live thread when the leader called pthread_exit (its own files then
 * show no memory). */
static char g_proc[96];

static int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("logtax attach: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}


/* The value of "Name:" in a /proc status text (first number), or -1. */
static long status_num(const char *st, const char *name, int which)
{
	char key[64];
	snprintf(key, sizeof key, "\n%s:", name);
	const char *p = strstr(st, key);
	if (!p)
		return -1;
	p += strlen(key);
	long v = -1;
	for (int i = 0; i <= which; i++) {
		char *end;
		v = strtol(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	return v;
}

static char status_state(const char *st)
{
	const char *p = strstr(st, "\nState:");
	if (!p)
		return '?';
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether we hold CAP_SYS_PTRACE (bit 19 of CapEff). */
static int have_cap_ptrace(void)
{
	char *st = ltx_slurp("/proc/self/status", NULL);
	if (!st)
		return geteuid() == 0;
	const char *p = strstr(st, "\nCapEff:");
	unsigned long long caps = 0;
	if (p)
		caps = strtoull(p + 8, NULL, 16);
	free(st);
	return (caps >> 19) & 1;
}

/* ---- /proc/PID/maps ---- */

struct map {
	uint64_t start, end, off, ino;
	unsigned dmaj, dmin;
	char perms[5];
	char *path; /* NULL for anonymous mappings */
};

struct maps {
	struct map *m;
	size_t n;
};

static void maps_free(struct maps *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		free(ms->m[i].path);
	free(ms->m);
	ms->m = NULL;
	ms->n = 0;
}

static int maps_read(long pid, struct maps *ms)
{
	char path[160];
	(void)pid;
	snprintf(path, sizeof path, "%s/maps", g_proc);
	char *text = ltx_slurp(path, NULL);
	if (!text)
		return -1;
	size_t cap = 0;
	ms->m = NULL;
	ms->n = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		struct map m = { 0 };
		int pos = 0;
		unsigned long long s, e, o, ino;
		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &s, &e, m.perms, &o, &m.dmaj, &m.dmin, &ino,
			   &pos) < 7)
			continue;
		m.start = s;
		m.end = e;
		m.off = o;
		m.ino = ino;
		const char *p = line + pos;
		while (*p == ' ')
			p++;
		m.path = *p ? strdup(p) : NULL;
		if (ms->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct map *nm = realloc(ms->m, cap * sizeof *nm);
			if (!nm) {
				free(text);
				return -1;
			}
			ms->m = nm;
		}
		ms->m[ms->n++] = m;
	}
	free(text);
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* The first mapping (file offset 0) of an object whose file name starts with PREFIX. */
static const struct map *maps_find_prefix(const struct maps *ms, const char *prefix)
{
	for (size_t i = 0; i < ms->n; i++) {
		const struct map *m = &ms->m[i];
		if (m->path && m->path[0] == '/' && m->off == 0 && !strncmp(base_name(m->path), prefix, strlen(prefix)))
			return m;
	}
	return NULL;
}

static const struct map *maps_find_file(const struct maps *ms, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < ms->n; i++) {
		const struct map *m = &ms->m[i];
		if (m->path && m->off == 0 && m->ino == ino && makedev(m->dmaj, m->dmin) == dev)
			return m;
	}
	return NULL;
}

static const struct map *maps_at(const struct maps *ms, uint64_t addr)
{
	for (size_t i = 0; i < ms->n; i++)
		if (addr >= ms->m[i].start && addr < ms->m[i].end)
			return &ms->m[i];
	return NULL;
}

/* ---- ELF files ---- */

struct elf_info {
	int cls;
	uint16_t machine;
	uint64_t first_load; /* p_vaddr - p_offset of the lowest PT_LOAD, page aligned */
	uint64_t tls_memsz;
	int has_tls;
	unsigned char build_id[64];
	size_t build_id_len;
};

static int elf_ready;

static Elf *elf_open_fd(int fd)
{
	if (!elf_ready) {
		if (elf_version(EV_CURRENT) == EV_NONE)
			return NULL;
		elf_ready = 1;
	}
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		return NULL;
	}
	return e;
}

static void note_build_id(const unsigned char *p, size_t n, unsigned char *out, size_t *outlen)
{
	size_t at = 0;
	while (at + 12 <= n) {
		uint32_t namesz, descsz, type;
		memcpy(&namesz, p + at, 4);
		memcpy(&descsz, p + at + 4, 4);
		memcpy(&type, p + at + 8, 4);
		size_t name_at = at + 12, desc_at = name_at + ((namesz + 3) & ~3u);
		size_t next = desc_at + ((descsz + 3) & ~3u);
		if (next > n || next <= at)
			return;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(p + name_at, "GNU", 4) && descsz <= 64) {
			memcpy(out, p + desc_at, descsz);
			*outlen = descsz;
			return;
		}
		at = next;
	}
}

static int elf_read_info(Elf *e, struct elf_info *inf)
{
	memset(inf, 0, sizeof *inf);
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh))
		return -1;
	inf->cls = eh.e_ident[EI_CLASS];
	inf->machine = eh.e_machine;
	size_t nph;
	if (elf_getphdrnum(e, &nph) < 0)
		return -1;
	int have_load = 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			continue;
		if (ph.p_type == PT_LOAD && !have_load) {
			inf->first_load = (ph.p_vaddr - ph.p_offset) & ~(uint64_t)4095;
			have_load = 1;
		} else if (ph.p_type == PT_TLS) {
			inf->has_tls = 1;
			inf->tls_memsz = ph.p_memsz;
		}
	}
	/* the build-id, from the note sections */
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn)) && !inf->build_id_len) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (d && d->d_buf)
			note_build_id(d->d_buf, d->d_size, inf->build_id, &inf->build_id_len);
	}
	return 0;
}

/* st_value of a defined function NAME in .dynsym, or 0. */
static uint64_t elf_dynsym(Elf *e, const char *name)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			if (GELF_ST_TYPE(s.st_info) != STT_FUNC && GELF_ST_TYPE(s.st_info) != STT_GNU_IFUNC)
				continue;
			const char *nm = elf_strptr(e, sh.sh_link, s.st_name);
			if (nm && !strcmp(nm, name))
				return s.st_value;
		}
	}
	return 0;
}

/* ---- the target's memory ---- */

static int mem_read(pid_t pid, uint64_t addr, void *buf, size_t n)
{
	struct iovec l = { buf, n }, r = { (void *)(uintptr_t)addr, n };
	return process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -1;
}

/* Writes with process_vm_writev, or word by word through ptrace (a
 * kernel or a mapping that refuses the former). */
static int mem_write(pid_t tid, uint64_t addr, const void *buf, size_t n)
{
	struct iovec l = { (void *)buf, n }, r = { (void *)(uintptr_t)addr, n };
	if (process_vm_writev(tid, &l, 1, &r, 1, 0) == (ssize_t)n)
		return 0;
	const unsigned char *b = buf;
	for (size_t at = 0; at < n; at += 8) {
		uint64_t w;
		size_t k = n - at < 8 ? n - at : 8;
		if (k < 8) {
			errno = 0;
			long old = ptrace(PTRACE_PEEKDATA, tid, (void *)(uintptr_t)(addr + at), NULL);
			if (errno)
				return -1;
			memcpy(&w, &old, 8);
		}
		memcpy(&w, b + at, k);
		if (ptrace(PTRACE_POKEDATA, tid, (void *)(uintptr_t)(addr + at), (void *)(uintptr_t)w) < 0)
			return -1;
	}
	return 0;
}

/* The build-id of the object loaded at BASE (its ELF header mapped there). */
static size_t mem_build_id(pid_t pid, uint64_t base, uint64_t bias, unsigned char *out)
{
	Elf64_Ehdr eh;
	if (mem_read(pid, base, &eh, sizeof eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phnum > 64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr))
		return 0;
	Elf64_Phdr ph[64];
	if (mem_read(pid, base + eh.e_phoff, ph, eh.e_phnum * sizeof *ph))
		return 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz > 4096)
			continue;
		unsigned char buf[4096];
		size_t len = 0;
		if (mem_read(pid, bias + ph[i].p_vaddr, buf, ph[i].p_filesz))
			continue;
		note_build_id(buf, ph[i].p_filesz, out, &len);
		if (len)
			return len;
	}
	return 0;
}

/* Opens the file that is mapped at M: the mapping itself through
 * map_files when we may, else the path as the process sees it. Says
 * (in WHY) when the file on disk is not the one the process runs. */
static int open_mapped(long pid, const struct map *m, uint64_t *bias, Elf **ep, struct elf_info *inf, char *why,
		       size_t whylen)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/map_files/%" PRIx64 "-%" PRIx64, g_proc, m->start, m->end);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int exact = fd >= 0;
	const char *name = m->path;
	char clean[4200];
	snprintf(clean, sizeof clean, "%s", name);
	char *del = strstr(clean, " (deleted)");
	if (del && !del[10])
		*del = 0;
	if (fd < 0) {
		snprintf(path, sizeof path, "%s/root%s", g_proc, clean);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(why, whylen, "cannot open %s as process %ld sees it: %s", clean, pid, strerror(errno));
			return -1;
		}
	}
	Elf *e = elf_open_fd(fd);
	if (!e || elf_read_info(e, inf)) {
		if (e)
			elf_end(e);
		close(fd);
		snprintf(why, whylen, "%s is not a readable ELF file", clean);
		return -1;
	}
	*bias = m->start - inf->first_load;
	if (!exact) {
		/* The path may name another file now (a package upgrade): the
		 * build-id in memory decides, else the inode. */
		struct stat sb;
		unsigned char mem_id[64];
		size_t mem_len = mem_build_id((pid_t)pid, m->start, *bias, mem_id);
		int same;
		if (mem_len && inf->build_id_len)
			same = mem_len == inf->build_id_len && !memcmp(mem_id, inf->build_id, mem_len);
		else
			same = !fstat(fd, &sb) && sb.st_ino == m->ino && sb.st_dev == makedev(m->dmaj, m->dmin);
		if (!same) {
			snprintf(why, whylen,
				 "%s on disk is not the file process %ld has loaded (%s: replaced since the process "
				 "started, e.g. by a package upgrade); restart the process to attach",
				 clean, pid, mem_len ? "its build-id differs" : "its inode differs");
			elf_end(e);
			close(fd);
			return -2;
		}
	}
	*ep = e;
	return fd;
}

/* ---- checks before touching the process ---- */

/* Reads the Yama setting; -1 where there is none. */
static int yama_scope(char *file, size_t cap)
{
	const char *f = getenv("LOGTAX_TEST_PTRACE_SCOPE_FILE");
	if (!f || !*f)
		f = "/proc/sys/kernel/yama/ptrace_scope";
	snprintf(file, cap, "%s", f);
	char *t = ltx_slurp(f, NULL);
	if (!t)
		return -1;
	int v = atoi(t);
	free(t);
	return v;
}

/* Whether PID descends from this process (Yama scope 1 allows that). */
static int is_descendant(long pid)
{
	long me = getpid();
	for (int depth = 0; pid > 1 && depth < 4096; depth++) {
		if (pid == me)
			return 1;
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/status", pid);
		char *st = ltx_slurp(path, NULL);
		if (!st)
			return 0;
		pid = status_num(st, "PPid", 0);
		free(st);
	}
	return 0;
}

static void comm_of(long pid, char *out, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	char *c = ltx_slurp(path, NULL);
	snprintf(out, cap, "%s", c ? c : "?");
	out[strcspn(out, "\n")] = 0;
	free(c);
}

/* Syscalls after which a stop makes the kernel return EINTR whatever the
 * program's handlers say (signal(7), "interrupted by a stop signal"). */
static int eintr_on_stop(long nr)
{
	switch (nr) {
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
#ifdef SYS_epoll_pwait2
	case SYS_epoll_pwait2:
#endif
	case SYS_semop:
	case SYS_semtimedop:
	case SYS_rt_sigtimedwait:
	case SYS_io_getevents:
		return 1;
	}
	return 0;
}

/* Picks the thread to stop: one blocked in a system call other than
 * futex (it is between calls of its own: it holds none of libc's or the
 * loader's locks that dlopen takes), the main thread first; else one in
 * futex; else the main thread. */
static long choose_thread(long pid, long *nr_out)
{
	char path[128];
	snprintf(path, sizeof path, "/proc/%ld/task", pid);
	DIR *d = opendir(path);
	long best = pid, best_score = -1, best_nr = -2;
	if (!d)
		return pid;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);
		if (*end || tid <= 0)
			continue;
		/* (a leader that called pthread_exit stays as a zombie while the others run) */
		snprintf(path, sizeof path, "/proc/%ld/task/%ld/stat", pid, tid);
		char *stt = ltx_slurp(path, NULL);
		const char *rp = stt ? strrchr(stt, ')') : NULL;
		int gone = !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X';
		free(stt);
		if (gone)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/task/%ld/syscall", pid, tid);
		char *sc = ltx_slurp(path, NULL);
		long nr = -2, score = 0;
		if (sc && strncmp(sc, "running", 7)) {
			nr = strtol(sc, NULL, 10);
			if (nr >= 0 && nr != SYS_futex)
				score = eintr_on_stop(nr) ? 2 : 3;
			else if (nr == SYS_futex)
				score = 1;
		}
		free(sc);
		if (score > best_score || (score == best_score && tid == pid) ||
		    (score == best_score && best != pid && tid < best)) {
			best = tid;
			best_score = score;
			best_nr = nr;
		}
	}
	closedir(d);
	*nr_out = best_nr;
	return best;
}

/* ---- the stop and the calls ---- */

struct siginfo_q {
	siginfo_t si[MAX_SIGS];
	int n;
	int lost;
};

struct target {
	pid_t pid, tid;
	struct user_regs_struct saved;
	unsigned char xsave[16384];
	size_t xsave_len; /* 0: saved with GETFPREGS */
	struct user_fpregs_struct fp;
	struct siginfo_q sigs;
	sigset_t chld;
	uint64_t frame; /* rsp for the calls (return address 0 there) */
	double timeout;
	uint64_t fault_rip; /* where a call crashed */
	int fault_sig;
	int in_sigstop; /* stopped for a signal (not the interrupt's stop): a detach can inject one */
};

enum { W_STOP, W_DIED, W_TIMEOUT, W_ERR };

/* Waits for the thread to change state, up to DEADLINE (ns). */
static int wait_thread(struct target *t, int *status, uint64_t deadline)
{
	for (;;) {
		pid_t r = waitpid(t->tid, status, __WALL | WNOHANG);
		if (r == t->tid)
			return WIFSTOPPED(*status) ? W_STOP : W_DIED;
		if (r < 0 && errno != EINTR)
			return errno == ECHILD ? W_DIED : W_ERR;
		uint64_t now = now_ns();
		if (now >= deadline)
			return W_TIMEOUT;
		uint64_t left = deadline - now;
		if (left > 50000000)
			left = 50000000; /* a missed SIGCHLD costs at most 50 ms */
		struct timespec ts = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
		sigtimedwait(&t->chld, NULL, &ts);
	}
}

static void queue_signal(struct target *t)
{
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si) < 0)
		return;
	if (t->sigs.n < MAX_SIGS)
		t->sigs.si[t->sigs.n++] = si;
	else
		t->sigs.lost++;
}

static int regs_set(struct target *t, struct user_regs_struct *r)
{
	return ptrace(PTRACE_SETREGS, t->tid, NULL, r);
}

static int restore_all(struct target *t)
{
	int rc = regs_set(t, &t->saved);
	if (t->xsave_len) {
		struct iovec iov = { t->xsave, t->xsave_len };
		if (ptrace(PTRACE_SETREGSET, t->tid, (void *)NT_X86_XSTATE, &iov) < 0)
			rc = -1;
	} else if (ptrace(PTRACE_SETFPREGS, t->tid, NULL, &t->fp) < 0) {
		rc = -1;
	}
	return rc;
}

enum { C_OK, C_DIED, C_TIMEOUT, C_CRASH, C_ERR };

/* Calls FN(A1, A2, A3) in the stopped thread; its return value in *RET.
 * Signals that reach the thread meanwhile are held back (their siginfo
 * kept, delivered after the restore); the SIGSEGV of the return to 0
 * ends the call and is not delivered. */
static int remote_call(struct target *t, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t *ret)
{
	struct user_regs_struct r = t->saved;
	r.rip = fn;
	r.rdi = a1;
	r.rsi = a2;
	r.rdx = a3;
	r.rax = 0;
	r.rsp = t->frame;
	r.orig_rax = (uint64_t)-1; /* not in a system call: no restart on resume */
	r.eflags &= ~0x400ull; /* DF clear at a call, as the ABI wants */
	if (regs_set(t, &r) < 0 || ptrace(PTRACE_CONT, t->tid, NULL, NULL) < 0)
		return errno == ESRCH ? C_DIED : C_ERR;
	uint64_t deadline = now_ns() + (uint64_t)(t->timeout * 1e9);
	for (;;) {
		int st;
		int w = wait_thread(t, &st, deadline);
		if (w == W_DIED)
			return C_DIED;
		if (w == W_ERR)
			return C_ERR;
		if (w == W_TIMEOUT) {
			/* Stop it where it is; the caller restores the registers. */
			if (ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL) < 0)
				return C_DIED;
			for (;;) {
				/* (as long as it takes: a thread left in our call dies at
				 * address 0; a loaded machine may not run it for seconds) */
				w = wait_thread(t, &st, now_ns() + 600000000000ull);
				if (w != W_STOP)
					return w == W_DIED ? C_DIED : C_ERR;
				if ((st >> 16) == PTRACE_EVENT_STOP) {
					t->in_sigstop = 0;
					return C_TIMEOUT;
				}
				queue_signal(t);
				if (ptrace(PTRACE_CONT, t->tid, NULL, NULL) < 0)
					return C_DIED;
			}
		}
		int sig = WSTOPSIG(st);
		if ((st >> 16) == PTRACE_EVENT_STOP) {
			/* a group stop or a stale interrupt: go on */
			if (ptrace(PTRACE_CONT, t->tid, NULL, NULL) < 0)
				return C_DIED;
			continue;
		}
		siginfo_t si;
		if (ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si) < 0)
			return C_DIED;
		/* a fault of the call's own (the kernel's si_code > 0), or an
		 * abort() in it; the same signals sent from outside are kept */
		int fault = (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP) &&
			    si.si_code > 0;
		int aborted = sig == SIGABRT && si.si_code == SI_TKILL && si.si_pid == t->pid;
		if (fault || aborted) {
			struct user_regs_struct now;
			if (ptrace(PTRACE_GETREGS, t->tid, NULL, &now) < 0)
				return C_DIED;
			t->in_sigstop = 1;
			if (sig == SIGSEGV && now.rip == 0) {
				*ret = now.rax;
				return C_OK;
			}
			t->fault_rip = now.rip;
			t->fault_sig = sig;
			return C_CRASH;
		}
		queue_signal(t);
		if (ptrace(PTRACE_CONT, t->tid, NULL, NULL) < 0)
			return C_DIED;
	}
}

/* Delivers the held-back signals: the first with the detach (its siginfo
 * intact, at the restored registers: a handler without SA_RESTART then
 * interrupts the system call, as it would have), the others queued to the
 * thread again. A detach from the interrupt's stop would drop a signal:
 * then all are queued again. */
static int detach(struct target *t)
{
	int sig = 0;
	if (t->sigs.n && t->in_sigstop) {
		if (ptrace(PTRACE_SETSIGINFO, t->tid, NULL, &t->sigs.si[0]) == 0)
			sig = t->sigs.si[0].si_signo;
	}
	int rc = ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(uintptr_t)sig);
	int from = sig ? 1 : 0;
	for (int i = from; i < t->sigs.n; i++) {
		siginfo_t *si = &t->sigs.si[i];
		/* the kernel takes a siginfo from another process only with a
		 * negative si_code other than SI_TKILL */
		if (si->si_code < 0 && si->si_code != SI_TKILL &&
		    syscall(SYS_rt_tgsigqueueinfo, t->pid, t->tid, si->si_signo, si) == 0)
			continue;
		syscall(SYS_tgkill, t->pid, t->tid, si->si_signo);
	}
	return rc;
}

static int write_string(struct target *t, uint64_t *at, const char *s)
{
	size_t n = strlen(s) + 1;
	*at = (*at - n) & ~(uint64_t)15;
	return mem_write(t->tid, *at, s, n);
}

static int read_string(pid_t pid, uint64_t addr, char *out, size_t cap)
{
	out[0] = 0;
	if (!addr)
		return -1;
	for (size_t at = 0; at + 1 < cap; at += 64) {
		size_t n = cap - 1 - at < 64 ? cap - 1 - at : 64;
		if (mem_read(pid, addr + at, out + at, n)) {
			/* a string at the end of a mapping: byte by byte */
			for (size_t i = 0; i < n; i++)
				if (mem_read(pid, addr + at + i, out + at + i, 1) || !out[at + i]) {
					out[at + i] = 0;
					return 0;
				}
		}
		out[at + n] = 0;
		if (memchr(out + at, 0, n))
			return 0;
	}
	out[cap - 1] = 0;
	return 0;
}

static const char *usage =
	"usage: logtax-attach [--shim PATH] [--settings TEXT] [--timeout SECS] PID\n"
	"       logtax-attach --tls-check PATH\n"
	"Loads the logtax shim into running process PID (ptrace) and attaches it\n"
	"with SETTINGS (NAME=VALUE lines, as logtax run's environment). Run by\n"
	"'logtax attach'.\n";

static int tls_check(const char *path, int quiet)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return die(6, "the shim %s: %s", path, strerror(errno));
	Elf *e = elf_open_fd(fd);
	struct elf_info inf;
	if (!e || elf_read_info(e, &inf)) {
		close(fd);
		return die(6, "the shim %s is not an ELF file", path);
	}
	elf_end(e);
	close(fd);
	if (inf.cls != ELFCLASS64 || inf.machine != EM_X86_64)
		return die(6, "the shim %s is not an x86-64 library", path);
	if (inf.tls_memsz > TLS_BOUND)
		return die(4,
			   "the shim %s has %" PRIu64 " bytes of thread-local storage, more than the %d bytes a "
			   "library loaded into a running process may take of glibc's static TLS surplus "
			   "(glibc.rtld.optional_static_tls, 512 by default)",
			   path, inf.tls_memsz, TLS_BOUND);
	if (!quiet)
		printf("%s: PT_TLS %" PRIu64 " bytes (bound %d)\n", path, inf.tls_memsz, TLS_BOUND);
	return 0;
}

int main(int argc, char **argv)
{
	const char *shim = NULL, *settings = "";
	double timeout = 10;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--shim") && i + 1 < argc) {
			shim = argv[++i];
		} else if (!strcmp(argv[i], "--settings") && i + 1 < argc) {
			settings = argv[++i];
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			char *end;
			timeout = strtod(argv[++i], &end);
			if (*end || !(timeout > 0 && timeout <= 3600))
				return die(2, "--timeout '%s': expected seconds from 0 to 3600", argv[i]);
		} else if (!strcmp(argv[i], "--tls-check") && i + 1 < argc) {
			return tls_check(argv[i + 1], 0);
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			return die(2, "unknown option '%s'", argv[i]);
		}
	}
	if (argc - i != 1)
		return die(2, "expected one process id (see --help)");
	char *end;
	long pid = strtol(argv[i], &end, 10);
	if (*end || pid <= 0 || pid > 0x3fffffff)
		return die(2, "'%s' is not a process id", argv[i]);
	g_pid = pid;
	if (!shim)
		return die(2, "no --shim given");
	char shim_real[4096];
	if (!realpath(shim, shim_real))
		return die(6, "the shim %s: %s (run make)", shim, strerror(errno));

	/* The process: there, a user we may trace, not traced, not stopped. */
	char path[4500];
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return die(3, "no process %ld", pid);
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	char *st = ltx_slurp(path, NULL);
	if (!st)
		return die(3, "no process %ld", pid);
	snprintf(g_proc, sizeof g_proc, "/proc/%ld", pid);
	if ((status_state(st) == 'Z' && status_num(st, "Threads", 0) <= 1) || status_state(st) == 'X') {
		free(st);
		return die(3, "process %ld has ended (a zombie)", pid);
	}
	if (status_state(st) == 'Z') {
		long nr0;
		long live = choose_thread(pid, &nr0);
		if (live != pid)
			snprintf(g_proc, sizeof g_proc, "/proc/%ld/task/%ld", pid, live);
	}
	if (status_num(st, "Tgid", 0) != pid) {
		long tg = status_num(st, "Tgid", 0);
		free(st);
		return die(2, "%ld is a thread of process %ld: give the process id", pid, tg);
	}
	int cap = have_cap_ptrace();
	uid_t me = geteuid();
	if (!cap) {
		for (int k = 0; k < 3; k++) {
			long u = status_num(st, "Uid", k);
			if (u != (long)me) {
				long eu = status_num(st, "Uid", 1);
				free(st);
				return die(5,
					   "process %ld belongs to uid %ld, not to you (uid %u): only its user, or root "
					   "(CAP_SYS_PTRACE), may attach to it",
					   pid, eu, (unsigned)me);
			}
		}
	}
	char scope_file[4096];
	int scope = yama_scope(scope_file, sizeof scope_file);
	if (scope == 3) {
		free(st);
		return die(5,
			   "kernel.yama.ptrace_scope is 3 (%s): no process may attach to another, root included, "
			   "until the next boot",
			   scope_file);
	}
	if (scope == 2 && !cap) {
		free(st);
		return die(5,
			   "kernel.yama.ptrace_scope is 2 (%s): only root (CAP_SYS_PTRACE) may attach; run as root, "
			   "or set 'sysctl kernel.yama.ptrace_scope=0' (or 1 to let a process trace its descendants)",
			   scope_file);
	}
	if (scope == 1 && !cap && !is_descendant(pid)) {
		free(st);
		return die(5,
			   "kernel.yama.ptrace_scope is 1 (%s): a process may only be attached to by its ancestors; "
			   "run as root (CAP_SYS_PTRACE), or set 'sysctl kernel.yama.ptrace_scope=0'",
			   scope_file);
	}
	long tracer = status_num(st, "TracerPid", 0);
	char state = status_state(st);
	/* a user shadow stack: the return to address 0 would fail its check */
	int shstk = 0;
	const char *feat = strstr(st, "\nx86_Thread_features:");
	if (feat) {
		const char *eol = strchr(feat + 1, '\n');
		const char *s = strstr(feat, "shstk");
		shstk = s && (!eol || s < eol);
	}
	free(st);
	/* TracerPid of every thread: a debugger may trace some only */
	snprintf(path, sizeof path, "/proc/%ld/task", pid);
	DIR *d = opendir(path);
	struct dirent *de;
	while (!tracer && d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char tp[4600];
		snprintf(tp, sizeof tp, "/proc/%ld/task/%s/status", pid, de->d_name);
		char *ts = ltx_slurp(tp, NULL);
		if (ts)
			tracer = status_num(ts, "TracerPid", 0);
		free(ts);
	}
	if (d)
		closedir(d);
	if (tracer > 0) {
		char c[64];
		comm_of(tracer, c, sizeof c);
		return die(4, "process %ld is already traced by process %ld (%s), a debugger or tracer: detach it first",
			   pid, tracer, c);
	}
	if (state == 'T' || state == 't')
		return die(4, "process %ld is stopped (State %c): continue it first (kill -CONT %ld)", pid, state, pid);
	if (shstk)
		return die(4, "process %ld runs with a shadow stack (x86_Thread_features: shstk), which attaching does "
			      "not support", pid);

	/* Its program: 64-bit x86-64. */
	snprintf(path, sizeof path, "%s/exe", g_proc);
	int xfd = open(path, O_RDONLY | O_CLOEXEC);
	if (xfd < 0) {
		if (errno == EACCES || errno == EPERM)
			return die(5, "not allowed to read process %ld's program (%s): %s", pid, path, strerror(errno));
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			return die(3, "no process %ld", pid);
		return die(4, "process %ld has no program file to read (%s: %s): a kernel thread?", pid, path,
			   strerror(errno));
	}
	unsigned char ident[EI_NIDENT + 4];
	ssize_t got = read(xfd, ident, sizeof ident);
	close(xfd);
	if (got < (ssize_t)sizeof ident || memcmp(ident, ELFMAG, SELFMAG))
		return die(4, "process %ld's program is not an ELF file", pid);
	uint16_t mach;
	memcpy(&mach, ident + 18, 2);
	if (ident[EI_CLASS] == ELFCLASS32)
		return die(4, "process %ld is a 32-bit program: logtax attaches to 64-bit x86-64 processes only", pid);
	if (mach != EM_X86_64)
		return die(4, "process %ld is not an x86-64 program (ELF machine %u)", pid, mach);

	/* Its objects: a libc with dlopen, and not our shim preloaded. */
	struct maps ms;
	if (maps_read(pid, &ms) < 0) {
		if (errno == EACCES || errno == EPERM)
			return die(5, "not allowed to read process %ld's memory map: %s", pid, strerror(errno));
		return die(3, "no process %ld", pid);
	}
	struct stat shim_sb;
	if (stat(shim_real, &shim_sb) < 0)
		return die(6, "the shim %s: %s", shim_real, strerror(errno));
	int rc = tls_check(shim_real, 1);
	if (rc)
		return rc;
	int preloaded = 0, mapped = maps_find_file(&ms, shim_sb.st_dev, shim_sb.st_ino) != NULL;
	for (size_t k = 0; k < ms.n; k++)
		if (ms.m[k].path && !strcmp(base_name(ms.m[k].path), "liblogtax.so"))
			mapped = 1;
	if (mapped) {
		snprintf(path, sizeof path, "%s/environ", g_proc);
		size_t elen = 0;
		char *env = ltx_slurp(path, &elen);
		for (size_t at = 0; env && at < elen; at += strlen(env + at) + 1)
			if (!strncmp(env + at, "LD_PRELOAD=", 11) &&
			    (strstr(env + at, "liblogtax.so") || strstr(env + at, base_name(shim_real))))
				preloaded = 1;
		free(env);
	}
	if (preloaded) {
		maps_free(&ms);
		return die(4, "process %ld is already traced by logtax (started under 'logtax run': liblogtax.so is "
			      "preloaded); use 'logtax ctl %ld ...'",
			   pid, pid);
	}
	const struct map *libc = maps_find_prefix(&ms, "libc.so");
	if (!libc)
		libc = maps_find_prefix(&ms, "libc-");
	if (!libc)
		libc = maps_find_prefix(&ms, "ld-musl-");
	if (!libc) {
		int dyn = maps_find_prefix(&ms, "ld-linux") != NULL || maps_find_prefix(&ms, "ld-") != NULL;
		maps_free(&ms);
		if (!dyn)
			return die(4, "process %ld is statically linked (no dynamic loader or libc in its memory): "
				      "no library can be loaded into it",
				   pid);
		return die(4, "process %ld has no libc.so loaded: no dlopen to load the shim with", pid);
	}
	char why[8600];
	uint64_t libc_bias = 0;
	Elf *le = NULL;
	struct elf_info linf;
	int lfd = open_mapped(pid, libc, &libc_bias, &le, &linf, why, sizeof why);
	if (lfd < 0) {
		maps_free(&ms);
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			return die(3, "process %ld ended", pid);
		return die(4, "process %ld: %s", pid, why);
	}
	uint64_t dlopen_addr = elf_dynsym(le, "dlopen");
	int dlopen_mode = RTLD_NOW;
	const char *dlopen_name = "dlopen";
	char libc_name[4200];
	snprintf(libc_name, sizeof libc_name, "%s", libc->path);
	if (dlopen_addr) {
		dlopen_addr += libc_bias;
	} else {
		/* glibc before 2.34: libdl's dlopen when loaded, else libc's own */
		const struct map *dl = maps_find_prefix(&ms, "libdl.so");
		Elf *de2 = NULL;
		struct elf_info dinf;
		uint64_t dbias;
		int dfd = dl ? open_mapped(pid, dl, &dbias, &de2, &dinf, why, sizeof why) : -1;
		uint64_t a = dfd >= 0 ? elf_dynsym(de2, "dlopen") : 0;
		if (a) {
			dlopen_addr = dbias + a;
		} else if ((a = elf_dynsym(le, "__libc_dlopen_mode"))) {
			dlopen_addr = libc_bias + a;
			dlopen_mode |= (int)0x80000000; /* __RTLD_DLOPEN: counted as a dlopen */
			dlopen_name = "__libc_dlopen_mode";
		}
		if (de2)
			elf_end(de2);
		if (dfd >= 0)
			close(dfd);
	}
	uint64_t dlerror_addr = elf_dynsym(le, "dlerror");
	if (dlerror_addr)
		dlerror_addr += libc_bias;
	elf_end(le);
	close(lfd);
	if (!dlopen_addr) {
		maps_free(&ms);
		return die(4, "process %ld's libc (%s) exports no dlopen: the shim cannot be loaded", pid, libc_name);
	}
	/* The shim: the same file in the process's mount namespace. */
	struct stat there;
	snprintf(path, sizeof path, "%s/root%s", g_proc, shim_real);
	if (stat(path, &there) == 0 ? (there.st_ino != shim_sb.st_ino || there.st_dev != shim_sb.st_dev)
				    : errno == ENOENT) {
		maps_free(&ms);
		return die(4, "the shim %s is not the same file in process %ld's mount namespace (a container?): "
			      "it cannot load it",
			   shim_real, pid);
	}
	int sfd = open(shim_real, O_RDONLY | O_CLOEXEC);
	Elf *se = sfd >= 0 ? elf_open_fd(sfd) : NULL;
	struct elf_info sinf;
	uint64_t attach_off = se && !elf_read_info(se, &sinf) ? elf_dynsym(se, "logtax_attach") : 0;
	if (se)
		elf_end(se);
	if (sfd >= 0)
		close(sfd);
	if (!attach_off) {
		maps_free(&ms);
		return die(6, "the shim %s exports no logtax_attach: is it built from this version?", shim_real);
	}

	/* Stop one thread. */
	struct target *t = calloc(1, sizeof *t);
	if (!t)
		return die(6, "out of memory");
	t->pid = (pid_t)pid;
	t->timeout = timeout;
	sigemptyset(&t->chld);
	sigaddset(&t->chld, SIGCHLD);
	/* Ended while the thread runs one of our calls, we would leave it to
	 * return to address 0 and die: ^C and the like wait (at most the
	 * timeout) until it is restored; they are then dropped at exit. */
	sigset_t hold = t->chld;
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGQUIT);
	sigaddset(&hold, SIGPIPE);
	sigaddset(&hold, SIGTSTP);
	sigprocmask(SIG_BLOCK, &hold, NULL);
	long nr = -2;
	int seized = -1, e = 0;
	/* (the thread chosen may end before it is seized: choose again) */
	for (int tries = 0; tries < 5 && seized < 0; tries++) {
		t->tid = (pid_t)choose_thread(pid, &nr);
		seized = (int)ptrace(PTRACE_SEIZE, t->tid, NULL, NULL);
		e = errno;
		if (seized < 0 && (e != ESRCH || (kill((pid_t)pid, 0) < 0 && errno == ESRCH)))
			break;
	}
	if (seized < 0) {
		maps_free(&ms);
		if (e == ESRCH)
			return die(3, "process %ld ended", pid);
		if (e == EPERM)
			return die(5,
				   "not allowed to trace process %ld (%s)%s",
				   pid, strerror(e),
				   scope >= 1 ? ": kernel.yama.ptrace_scope is set; root (CAP_SYS_PTRACE) or 'sysctl "
						"kernel.yama.ptrace_scope=0' allows it"
					      : ": it may have made itself undumpable, or run a set-user-ID program");
		return die(6, "PTRACE_SEIZE of thread %d failed: %s", t->tid, strerror(e));
	}
	uint64_t t0 = now_ns(); /* the thread stops from here on */
	if (ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL) < 0) {
		maps_free(&ms);
		return die(3, "process %ld ended", pid);
	}
	/* Signals before the stop go through untouched. */
	for (;;) {
		int status;
		int w = wait_thread(t, &status, now_ns() + 10000000000ull);
		if (w == W_DIED) {
			maps_free(&ms);
			return die(3, "process %ld ended while being stopped", pid);
		}
		if (w != W_STOP) {
			ptrace(PTRACE_DETACH, t->tid, NULL, NULL);
			maps_free(&ms);
			return die(6, "thread %d of process %ld did not stop within 10 s", t->tid, pid);
		}
		if ((status >> 16) == PTRACE_EVENT_STOP)
			break;
		if (ptrace(PTRACE_CONT, t->tid, NULL, (void *)(uintptr_t)WSTOPSIG(status)) < 0) {
			maps_free(&ms);
			return die(3, "process %ld ended while being stopped", pid);
		}
	}
	uint64_t t_seen = now_ns();
	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &t->saved) < 0) {
		maps_free(&ms);
		return die(3, "process %ld ended while being stopped", pid);
	}
	struct iovec xiov = { t->xsave, sizeof t->xsave };
	if (ptrace(PTRACE_GETREGSET, t->tid, (void *)NT_X86_XSTATE, &xiov) == 0)
		t->xsave_len = xiov.iov_len;
	else if (ptrace(PTRACE_GETFPREGS, t->tid, NULL, &t->fp) < 0) {
		ptrace(PTRACE_DETACH, t->tid, NULL, NULL);
		maps_free(&ms);
		return die(6, "cannot read the floating-point registers of thread %d: %s", t->tid, strerror(errno));
	}
	/* An epoll_wait without a timeout that the stop interrupted returns
	 * EINTR, whatever the program's handlers: restarted instead, the stop
	 * is invisible. (With a timeout it returns EINTR, as after any stop:
	 * restarting would wait the whole timeout again.) */
	long sc = (long)t->saved.orig_rax;
	if ((long)t->saved.rax == -EINTR &&
	    (((sc == SYS_epoll_wait || sc == SYS_epoll_pwait) && (int)t->saved.r10 == -1)
#ifdef SYS_epoll_pwait2
	     || (sc == SYS_epoll_pwait2 && t->saved.r10 == 0)
#endif
		     ))
		t->saved.rax = (uint64_t)-514; /* -ERESTARTNOHAND */

	/* The stack area: below the red zone, data first, then the frame. */
	uint64_t sp = t->saved.rsp;
	uint64_t at = (sp - RED_ZONE - 256) & ~(uint64_t)15;
	uint64_t a_path, a_settings, a_msg;
	int werr = write_string(t, &at, shim_real);
	a_path = at;
	werr |= write_string(t, &at, settings);
	a_settings = at;
	at = (at - MSG_LEN) & ~(uint64_t)15;
	a_msg = at;
	static const char none[8];
	werr |= mem_write(t->tid, a_msg, none, 1);
	t->frame = ((at - 64) & ~(uint64_t)15) - 8;
	uint64_t zero = 0;
	werr |= mem_write(t->tid, t->frame, &zero, 8);
	const struct map *stk = maps_at(&ms, sp);
	if (werr) {
		restore_all(t);
		detach(t);
		maps_free(&ms);
		return die(6, "cannot write below the stack pointer of thread %d (%#" PRIx64 ", in %s): %s", t->tid, sp,
			   stk && stk->path ? stk->path : "an anonymous mapping", strerror(errno));
	}

	/* Call 1: dlopen. Call 2: logtax_attach. */
	char msg[MSG_LEN + 1] = "";
	uint64_t handle = 0, ret = 0;
	int crc = remote_call(t, dlopen_addr, a_path, (uint64_t)dlopen_mode, 0, &handle);
	int exit_code = 0;
	char failure[9000] = "";
	if (crc == C_OK && !handle) {
		char err[600] = "";
		uint64_t ep = 0;
		if (dlerror_addr && remote_call(t, dlerror_addr, 0, 0, 0, &ep) == C_OK)
			read_string(t->pid, ep, err, sizeof err);
		exit_code = strstr(err, "static TLS") ? 4 : 6;
		snprintf(failure, sizeof failure, "%s(\"%s\") failed in process %ld: %s", dlopen_name, shim_real, pid,
			 err[0] ? err : "no reason given");
	}
	uint64_t shim_fn = 0;
	if (crc == C_OK && handle) {
		struct maps now;
		if (maps_read(pid, &now) == 0) {
			const struct map *m = maps_find_file(&now, shim_sb.st_dev, shim_sb.st_ino);
			if (m)
				shim_fn = m->start - sinf.first_load + attach_off;
			maps_free(&now);
		}
		if (!shim_fn) {
			exit_code = 6;
			snprintf(failure, sizeof failure, "the shim %s is not in process %ld's memory map after dlopen",
				 shim_real, pid);
		} else {
			crc = remote_call(t, shim_fn, a_settings, a_msg, MSG_LEN, &ret);
			if (crc == C_OK) {
				read_string(t->pid, a_msg, msg, sizeof msg);
				msg[strcspn(msg, "\n")] = 0;
			}
		}
	}
	const char *what = shim_fn ? "logtax_attach" : dlopen_name;
	if (crc == C_DIED) {
		maps_free(&ms);
		return die(3, "process %ld ended during the attach (in %s)", pid, what);
	}
	int restored = restore_all(t) == 0;
	int detached = detach(t) == 0;
	uint64_t t1 = now_ns();
	maps_free(&ms);
	if (crc == C_TIMEOUT)
		return die(6,
			   "%s did not return within %g s in thread %d of process %ld; %s. It may hold a lock "
			   "it took (the loader's, malloc's): if the process hangs, it needs a restart",
			   what, timeout, t->tid, pid,
			   restored && detached ? "its registers were restored and it runs on"
						: "its registers could not be restored");
	if (crc == C_CRASH)
		return die(6, "%s crashed in thread %d of process %ld (signal %d at %#" PRIx64 "); %s", what, t->tid,
			   pid, t->fault_sig, t->fault_rip,
			   restored && detached ? "the signal was held back, its registers restored, and it runs on"
						: "its registers could not be restored");
	if (crc == C_ERR)
		return die(6, "ptrace failed on thread %d of process %ld: %s", t->tid, pid, strerror(errno));
	if (!restored || !detached)
		return die(6, "could not restore thread %d of process %ld: %s", t->tid, pid, strerror(errno));
	if (exit_code)
		return die(exit_code, "%s", failure);
	int r = (int)(uint32_t)ret;
	double ms_stopped = (double)(t1 - t0) / 1e6;
	char where[64];
	if (nr >= 0)
		snprintf(where, sizeof where, "in system call %ld", nr);
	else
		snprintf(where, sizeof where, "running");
	if (r != 0) {
		if (r < 2 || r > 6)
			r = 6;
		return die(r, "process %ld: %s", pid, msg[0] ? msg : "the shim refused, without a reason");
	}
	printf("logtax attach: process %ld: %s\n", pid, msg[0] ? msg : "attached");
	/* what the stop cost, for the curious and for bench/attach-stop.sh */
	/* (the thread stops when it is next scheduled after the interrupt:
	 * somewhere between the two figures) */
	fprintf(stderr, "logtax attach: thread %d (%s) stopped %.3f ms (%.3f ms after the stop was seen)\n", t->tid,
		where, ms_stopped, (double)(t1 - t_seen) / 1e6);
	(void)g_pid;
	free(t);
	return 0;
}
