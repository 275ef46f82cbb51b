/* What every file of liblogtax.so shares: visibility and TLS attributes,
 * branch hints, the clock the hot path reads and the increment it counts
 * with. Each part of the shim has a header of its own (X.c: X.h); a file
 * includes the ones it uses. The rooms, and what each may use, are listed
 * in docs/DESIGN.md ("The shim's rooms").
 *
 * Everything is hidden: the only exported symbols are the entry points,
 * the wait wrappers, dlopen/dlmopen/dlclose, the calls whose effect the
 * shim follows (openlog, closelog, g_log_set_*), and the process calls it
 * must see: the exec family, posix_spawn, _exit, _Fork, clone, syscall, and the calls that
 * set a signal's disposition. */
#ifndef LT_H
#define LT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LT_HIDDEN __attribute__((visibility("hidden")))
#define LT_EXPORT __attribute__((visibility("default")))
#define LT_TLS __attribute__((tls_model("initial-exec")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#if defined(__x86_64__)
#define LT_HAVE_TRAMPOLINES 1
static inline uint64_t lt_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* An increment that a signal handler on the same thread cannot tear (one
 * instruction) and that takes no lock prefix (no other thread writes it). */
static inline void lt_inc(uint64_t *p, uint64_t v)
{
	__asm__ volatile("addq %1, %0" : "+m"(*p) : "er"(v));
}
#else
#define LT_HAVE_TRAMPOLINES 0
#include <time.h>
static inline uint64_t lt_rdtsc(void) /* ticks are nanoseconds here */
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void lt_inc(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
#endif

#define lt_barrier() __asm__ volatile("" ::: "memory")

#endif
