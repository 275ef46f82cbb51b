/* Entry patching (x86-64): a function's first instructions are replaced
 * by a `jmp rel32` to a target, and a relocated copy of them, followed by a
 * jump back, stands in for the original entry (the target reaches the
 * function's body through it).
 *
 *   struct lt_patch p;                       caller-owned, never freed
 *   lt_patch_prepare(&p, fn, size, target)   decode, check, build the copy
 *   lt_patch_copy(&p)                        the original function, callable
 *   lt_patch_apply(&p) / lt_patch_remove(&p) while other threads run
 *
 * Every function returns 0 or an LT_PATCH_E* code; lt_patch_why(&p) then
 * names what and where ("a jump at +0x2a lands at +0x3, inside the 5
 * bytes to be replaced"), lt_patch_strerror(code) the class.
 *
 * Rules: not from a signal handler (one mutex); not on the hot path
 * (reads /proc, maps memory, calls capstone, which allocates). capstone is
 * loaded with dlopen on first use (libcapstone.so.4): the shim has no link
 * dependency on it; without it every prepare fails with LT_PATCH_ENODECODER.
 *
 * Memory: the copy (and, when the target is out of rel32 reach of the
 * function, an absolute jump to it) lives in a page mapped within +-2 GiB
 * of the function and of everything its first instructions refer to. It
 * is written while read-write and then made read-execute, never both, and
 * never unmapped: a thread may be inside it long after lt_patch_remove.
 * The struct is linked into a list the trap handler reads, so it must stay
 * alive (static storage, or mapped and never unmapped) once prepared.
 *
 * Threads: lt_patch_apply writes int3 over the first byte, serializes every
 * core (membarrier SYNC_CORE; an mprotect-triggered TLB shootdown where
 * that is unavailable), moves any thread stopped between the first and last
 * replaced instruction into the copy (a SIGSTKFLT sent to each thread; a
 * thread that blocks it must be asleep in a system call, which
 * /proc/self/task/TID/syscall tells, or the patch is abandoned with
 * LT_PATCH_EBUSY), writes the other bytes, serializes, writes the first
 * byte, serializes. A thread that hits the int3 meanwhile is sent to the
 * copy by a SIGTRAP handler that chains to the previous one for every other
 * trap. With one thread in the process the bytes are written directly
 * (signals blocked). The text page is made writable (its execute bit kept,
 * since other code on that page may be running) only for the few
 * microseconds of the write, then given back its exact protection. Known
 * limit: a thread with SIGTRAP blocked that enters the function during
 * those microseconds is killed by the kernel (a blocked synchronous trap
 * is fatal); in a fresh process there is only one thread.
 *
 * fork: the lock is taken around fork (pthread_atfork), so a child never
 * inherits a half-written entry; the child keeps the patched code and the
 * copies as they are and may apply and remove as the parent did. */
#ifndef LT_PATCH_H
#define LT_PATCH_H

#include <stddef.h>
#include <stdint.h>

enum {
	LT_PATCH_OK = 0,
	LT_PATCH_ENODECODER = 1, /* capstone could not be loaded */
	LT_PATCH_ESHORT = 2,     /* fewer than 5 bytes before the function ends */
	LT_PATCH_EBRANCHIN = 3,  /* a branch lands inside the bytes to be replaced */
	LT_PATCH_EUNMOVABLE = 4, /* a first instruction cannot run elsewhere */
	LT_PATCH_ENOSIZE = 5,    /* the function's size is unknown */
	LT_PATCH_ENOMEM = 6,     /* no page within reach for the copy */
	LT_PATCH_EPROT = 7,      /* the kernel refused to make the text writable */
	LT_PATCH_EBUSY = 8,      /* a thread could not be checked */
	LT_PATCH_ESTATE = 9,     /* not prepared, or applied twice */
	LT_PATCH_EDECODE = 10,   /* the bytes do not decode */
	LT_PATCH_ECHANGED = 11,  /* the entry's bytes changed since prepare */
};

/* GONE: its object was unloaded (the memory may hold another object now). */
enum { LT_PATCH_NONE = 0, LT_PATCH_PREPARED = 1, LT_PATCH_APPLIED = 2, LT_PATCH_GONE = 3 };

#define LT_PATCH_MAXLEN 32 /* bytes replaced at most (the jmp is 5) */
#define LT_PATCH_MAXINS 16

struct lt_patch {
	uint8_t *fn;     /* the function */
	uint8_t *at;     /* where the jmp goes: fn, or fn + 4 after an endbr64 */
	uint8_t *target; /* where the jmp sends callers */
	uint8_t *copy;   /* endbr64, the relocated instructions, jmp back */
	uint8_t *jump_to; /* the jmp's destination: target, or a near thunk to it */
	size_t size;
	uint8_t len;     /* bytes replaced (whole instructions, >= 5) */
	uint8_t nins;
	uint8_t state;
	/* Its body calls code the compiler could not see into (an indirect
	 * call, a GOT or PLT entry): its callers then keep nothing in
	 * call-clobbered registers across a call to it and align the stack.
	 * Callers of a leaf in the same unit may do neither (GCC's -fipa-ra
	 * and -fipa-stack-alignment), which a target that does not keep every
	 * register must refuse. */
	uint8_t calls_out;
	uint8_t orig[LT_PATCH_MAXLEN]; /* what the replaced bytes held */
	uint8_t jmp[LT_PATCH_MAXLEN];  /* jmp rel32, then int3 filling len */
	uint8_t ins_at[LT_PATCH_MAXINS];   /* instruction k starts at at + ins_at[k] */
	uint8_t ins_copy[LT_PATCH_MAXINS]; /* ... and at copy + ins_copy[k] */
	struct lt_patch *next; /* the list the handlers read */
	char why[160];
};

int lt_patch_prepare(struct lt_patch *p, void *fn, size_t size, void *target);
/* The checks of prepare only: nothing is mapped (for scans and reports).
 * Writes the reason into why (cap bytes) on refusal; *calls_out (if not
 * NULL) as struct lt_patch's. */
int lt_patch_check(void *fn, size_t size, int *calls_out, char *why, size_t cap);
int lt_patch_apply(struct lt_patch *p);
int lt_patch_remove(struct lt_patch *p);
/* The protection (PROT_*) of the mapping holding addr, from
 * /proc/self/maps; -1 if unknown. (Also the GOT writer's.) */
int lt_page_prot(uint64_t addr);
const char *lt_patch_why(const struct lt_patch *p);
/* The dlopen used to load capstone (default: dlopen). */
void lt_patch_set_loader(void *(*open_fn)(const char *, int));
/* The sigaction used for the SIGTRAP and check-signal handlers (default:
 * the next one after this object, dlsym(RTLD_NEXT)). */
struct sigaction;
void lt_patch_set_sigaction(int (*fn)(int, const struct sigaction *, struct sigaction *));

/* What the protocol did so far, process-wide: threads that hit an int3
 * and were sent to a copy, threads moved out of replaced bytes, check
 * signals sent. */
struct lt_patch_stats {
	unsigned long traps, moved, signalled;
};
void lt_patch_stats(struct lt_patch_stats *out);
const char *lt_patch_strerror(int err);

/* Every applied patch removed (a detach): *ok counts those whose bytes
 * read back as the original, *bad the others. */
void lt_patch_remove_all(unsigned *ok, unsigned *bad);
/* Patches applied now. */
unsigned lt_patch_applied(void);
/* A patch of fn to target prepared before and not applied now (removed at
 * a detach, or refused by its caller or by apply), its bytes the original
 * still: to use again rather than prepare another (an attach after a
 * detach, a later dlopen's pass), or NULL. The caller checks it as it
 * checks a new one (calls_out). */
struct lt_patch *lt_patch_unused_at(void *fn, void *target);

/* A function whose entry is patched must be entered through its copy
 * (entering it would jump to the target again): fn's copy if an applied
 * patch replaced fn's entry, else fn. Lock-free; safe on any thread. */
void *lt_patch_entry_of(void *fn);
/* The reverse: the function whose copy addr is, else addr. */
void *lt_patch_home_of(void *addr);
/* An object at [lo, hi) was unloaded: its patches are forgotten (their
 * copies stay mapped: a thread may still be inside one). */
void lt_patch_unloaded(uint64_t lo, uint64_t hi);

/* The original function (its relocated entry), for the target to call. */
static inline void *lt_patch_copy(const struct lt_patch *p)
{
	return p->copy;
}

#endif
