/* Unwinding through a timed call (a C++ exception, a thread's
 * cancellation). While the real function runs, the trampoline's frame holds
 * the call's shadow entry in rbx; its unwind rules read the caller's return
 * address and rbx from that entry, so an unwinder walks on to the caller as
 * if nothing stood in between. The frame is then discarded without the
 * trampoline's return path: this personality routine, named by that
 * region's CFI, frees the entry (and any above it, left by longjmp) as the
 * unwind passes, so the thread's later timed calls start from a consistent
 * shadow stack. It never stops an unwind, and in the search phase (and for
 * any other place in the region) it does nothing.
 *
 * The unwinder that calls it lives in libgcc_s, which a C program loads only
 * when a thread is first cancelled: its accessors are weak references,
 * looked up when the weak ones were not bound at start-up. Without them the
 * entry is freed later, by the next timed call of an outer frame. */
#include "lt.h"
#include "hotpath.h"
#include "state.h"
#include "symbols.h"

#include <unwind.h>

#pragma weak _Unwind_GetGR
#pragma weak _Unwind_GetIP

extern char lt_tramp_timed_ret[] LT_HIDDEN; /* entry_x86_64.S: where the real function returns */

typedef _Unwind_Word (*get_gr_fn)(struct _Unwind_Context *, int);
typedef _Unwind_Ptr (*get_ip_fn)(struct _Unwind_Context *);
static get_gr_fn get_gr;
static get_ip_fn get_ip;

static int accessors(void)
{
	if (__atomic_load_n(&get_gr, __ATOMIC_ACQUIRE))
		return 1;
	get_ip_fn ip = _Unwind_GetIP ? _Unwind_GetIP : (get_ip_fn)lt_find_symbol("_Unwind_GetIP", 0);
	get_gr_fn gr = _Unwind_GetGR ? _Unwind_GetGR : (get_gr_fn)lt_find_symbol("_Unwind_GetGR", 0);
	if (!ip || !gr)
		return 0;
	__atomic_store_n(&get_ip, ip, __ATOMIC_RELAXED);
	__atomic_store_n(&get_gr, gr, __ATOMIC_RELEASE);
	return 1;
}

_Unwind_Reason_Code lt_unwind_personality(int version, _Unwind_Action actions, _Unwind_Exception_Class cls,
					  struct _Unwind_Exception *ue, struct _Unwind_Context *ctx) LT_HIDDEN;
_Unwind_Reason_Code lt_unwind_personality(int version, _Unwind_Action actions, _Unwind_Exception_Class cls,
					  struct _Unwind_Exception *ue, struct _Unwind_Context *ctx)
{
	(void)cls;
	(void)ue;
	if (version != 1 || !(actions & _UA_CLEANUP_PHASE) || !accessors())
		return _URC_CONTINUE_UNWIND;
	if (get_ip(ctx) != (_Unwind_Ptr)lt_tramp_timed_ret)
		return _URC_CONTINUE_UNWIND;
	struct lt_thread *th = lt_tls.thr;
	struct lt_shadow *e = (struct lt_shadow *)(uintptr_t)get_gr(ctx, 3 /* rbx */);
	if (!th || e < th->shadow || e >= th->shadow + LT_SHADOW_DEPTH)
		return _URC_CONTINUE_UNWIND;
	uint32_t n = (uint32_t)(e - th->shadow);
	if (n < th->sdepth)
		th->sdepth = n;
	return _URC_CONTINUE_UNWIND;
}
