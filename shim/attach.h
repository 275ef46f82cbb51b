/* attach.c: the shim loaded late into a running process (logtax attach),
 * and detach. */
#ifndef LT_ATTACH_H
#define LT_ATTACH_H

#include "lt.h"

#include <stddef.h>
#include <stdint.h>

/* How the shim came to be in this process. PRELOAD: LD_PRELOAD (or linked
 * before libc), its symbols interpose; DORMANT: loaded some other way
 * (dlopen) and not attached: it does nothing; ATTACHED: logtax_attach ran;
 * DETACHED: detach ran: inert until the next logtax_attach. */
enum { LT_MODE_UNKNOWN = 0, LT_MODE_PRELOAD, LT_MODE_DORMANT, LT_MODE_ATTACHED, LT_MODE_DETACHED };
extern volatile int lt_mode LT_HIDDEN;
/* Which attach the state belongs to: 0 preloaded, then 1, 2, ... Threads
 * keep theirs in lt_tls.epoch (a thread state of an older one is stale). */
extern volatile uint32_t lt_epoch LT_HIDDEN;

/* Decides PRELOAD or DORMANT once (from the loaded objects' order) and
 * returns the mode. */
int lt_mode_decide(void) LT_HIDDEN;
/* Whether the wrappers and the slow path do their work: preloaded or
 * attached (UNKNOWN: a preloaded shim before its initialisation). */
static inline int lt_live(void)
{
	int m = lt_mode;
	return m == LT_MODE_PRELOAD || m == LT_MODE_ATTACHED || m == LT_MODE_UNKNOWN;
}

/* Whether a call is counted: live, and attached only once logtax_attach
 * has set the state up (a call that comes through a pointer kept from an
 * earlier attach meanwhile is passed on). */
extern volatile int lt_state LT_HIDDEN;
static inline int lt_counting(void)
{
	return lt_live() && (lt_mode != LT_MODE_ATTACHED || lt_state == 2);
}

/* The settings given to logtax_attach ("NAME=VALUE" entries separated by
 * NUL, then an empty one), or NULL when the shim was never attached. */
char *lt_attach_block(void) LT_HIDDEN;
const char *lt_attach_lookup(const char *name) LT_HIDDEN;

/* A GOT entry about to be rewritten by the shim while attached (got.c):
 * kept to be restored at detach. */
void lt_got_saved(uint64_t *slot, uint64_t old, uint64_t now) LT_HIDDEN;
/* Objects unloaded at [lo, hi): their saved GOT entries are forgotten. */
void lt_got_forget(uint64_t lo, uint64_t hi) LT_HIDDEN;
/* After a dlopen while attached: the new objects' GOT entries. */
void lt_attach_dlopened(void) LT_HIDDEN;

/* `logtax ctl PID detach`: 0 and a summary in msg, or -1 and why. */
int lt_detach(char *msg, size_t cap) LT_HIDDEN;

struct ltx_writer;
/* The ATTACH record, when the shim was attached (output.c). */
void lt_attach_write(struct ltx_writer *w) LT_HIDDEN;

/* The base rule generation of this attach (0 when preloaded): what
 * output.c writes as the "no rules" generation. */
extern uint32_t lt_gen_base LT_HIDDEN;

#endif
