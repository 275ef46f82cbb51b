/* What ab.c shares with the server runs (ab_server.c) and the live
 * alternation on a running process (ab_live.c). */
#ifndef AN_AB_IMPL_H
#define AN_AB_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MAX_ARMS 3
#define BOOT_ITERS 10000
#define BOOT_SEED 0x6c6f67746178ull /* "logtax" */

struct ltx_ruleset;

struct arm {
	char name;
	const char *filter;      /* text, or NULL */
	const char *filter_file; /* absolute path, or NULL */
	char *text;              /* the rules as parsed (file contents or filter) */
	struct ltx_ruleset *rs;
	char **env;
	size_t nenv;
	int used;
};

/* One run. Command mode: wall, user, sys and max RSS of the command.
 * Server mode: wall is the load's, user, sys and max RSS the daemon's over
 * its whole life (wait4), cpu_load the daemon's CPU during the load. */
struct run {
	int arm, index; /* index from 0; warm-up runs are not kept */
	double wall, user, sys, maxrss_kib;
	double cpu_load;    /* server mode: seconds (struct ab_cpu) */
	int cpu_clock;      /* cpu_load came from the daemon's CPU clock, not /proc/PID/stat */
	double cpu_res;     /* its resolution, seconds */
	char cpu_why[200];  /* why not the clock, if not */
	int killed;         /* server mode: the daemon ignored SIGTERM for the grace period */
	uint64_t kept, dropped;
	int files;
	double pred_ns[MAX_ARMS]; /* A runs: what each arm's rules would save on it */
	uint64_t pred_calls[MAX_ARMS], pred_uncosted[MAX_ARMS];
	char dir[4200];
};

struct ab {
	struct arm arms[MAX_ARMS];
	int narms;
	int runs, warmup;
	const char *outdir, *json, *time, *shim;
	char **cmd;  /* the command; in server mode the daemon */
	char **load; /* server mode: the load command, else NULL */
	const char *ready;      /* server mode: unix:PATH, tcp:HOST:PORT, file:PATH or delay:SECS */
	double ready_timeout;   /* seconds */
	double grace;           /* seconds between SIGTERM and SIGKILL */
	char preload[8192];
};

/* In a child after fork: the arm's environment (LD_PRELOAD, LOGTAX_*). */
void ab_child_env(const struct ab *ab, const struct arm *a, const char *dir);

/* fork and exec argv with /dev/null, out and err as its standard files,
 * under logtax with arm a's settings (a NULL: as ab itself runs), in a
 * process group of its own if asked: the child's pid, or -1. */
#include <sys/types.h>
pid_t ab_spawn(char **argv, const char *out, const char *err, const struct ab *ab, const struct arm *a,
	       const char *dir, int own_group);

/* Checks --ready's syntax: 0, or -1 with a reason in err. */
int ab_server_check_ready(const char *spec, char *err, size_t errlen);

/* One server run: start the daemon under logtax with the arm's rules, wait
 * until it is ready, run the load, stop the daemon. 0 when all went well;
 * otherwise 1 with the reason on stderr, and nothing left running. */
int ab_server_run(const struct ab *ab, const struct arm *a, const char *dir, struct run *r);

/* Where a process's user + system time, all its threads (ended ones too),
 * is read: its CPU clock (clock_getcpuclockid: the threads' scheduler
 * runtime, in ns), or /proc/PID/stat (clock ticks, 10 ms at USER_HZ 100)
 * when the clock cannot be used, with the reason in why. */
struct ab_cpu {
	int pid;
	int clock_ok;
	clockid_t clock;
	double res; /* seconds */
	char why[200];
};

/* Picks the source for pid. own_child: pid is ab's own child, so a
 * pid in ab's namespace, whatever /proc shows. */
void ab_cpu_open(struct ab_cpu *c, int pid, int own_child);

/* The process's CPU time so far, seconds; -1 if it cannot be read (it has
 * been reaped; a zombie still reads its final time). */
double ab_cpu_read(const struct ab_cpu *c);

/* "clock" or "proc_stat", as the JSON says it. */
const char *ab_cpu_source(const struct ab_cpu *c);

/* Set by SIGINT/SIGTERM while runs go on: stop cleanly. */
extern volatile int ab_interrupted;
void ab_catch_signals(void);

/* logtax ab --pid PID: alternating the arms' rules on a running process. */
int ab_live(const struct ab *ab, long pid, double period, const char *rate_from);

#endif
