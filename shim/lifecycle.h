/* lifecycle.c: how the shim came to be in this process (preloaded,
 * dormant, attached, detached), how far its set-up went, and which attach
 * the state belongs to. Read by every room; written by init.c and attach.c. */
#ifndef LT_LIFECYCLE_H
#define LT_LIFECYCLE_H

#include "lt.h"

#include <stdint.h>

/* How the shim came to be in this process. PRELOAD: LD_PRELOAD (or linked
 * before libc), its symbols interpose; DORMANT: loaded some other way
 * (dlopen) and not attached: it does nothing; ATTACHED: logtax_attach ran;
 * DETACHED: detach ran: inert until the next logtax_attach. */
enum { LT_MODE_UNKNOWN = 0, LT_MODE_PRELOAD, LT_MODE_DORMANT, LT_MODE_ATTACHED, LT_MODE_DETACHED };
extern volatile int lt_mode LT_HIDDEN;
/* The set-up: 0 none, 1 initialising, 2 ready, 3 stopped (detached). */
extern volatile int lt_state LT_HIDDEN;
/* Which attach the state belongs to: 0 preloaded, then 1, 2, ... Threads
 * keep theirs in lt_tls.epoch (a thread state of an older one is stale). */
extern volatile uint32_t lt_epoch LT_HIDDEN;
/* The rule generation this attach started at (0 when preloaded): what
 * output.c writes as the "no rules" generation. */
extern uint32_t lt_gen_base LT_HIDDEN;

/* This attach (attach.c): when it began and ended (0: not yet), the GOT
 * entries it pointed at the shim (rebind.c, dlopens included) and the
 * function entries it patched. Written into the ATTACH record (output.c). */
struct lt_attached {
	uint64_t attach_real, attach_mono, detach_real, detach_mono;
	uint32_t got_entries, patched_entries;
};
extern struct lt_attached lt_attached LT_HIDDEN;

/* Decides PRELOAD or DORMANT once (from the loaded objects' order) and
 * returns the mode. */
int lt_mode_decide(void) LT_HIDDEN;

/* Whether the wrappers and the slow path do their work: preloaded or
 * attached (UNKNOWN: a preloaded shim before its initialisation). */
int lt_live(void) LT_HIDDEN;
/* Whether a call is counted: live, and attached only once logtax_attach
 * has set the state up (a call that comes through a pointer kept from an
 * earlier attach meanwhile is passed on). */
int lt_counting(void) LT_HIDDEN;

#endif
