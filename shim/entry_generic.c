/* Architectures without entry trampolines: the logging entry points are not
 * interposed (their calls reach the real functions directly), the waits are
 * still measured. Says so once at start-up. */
#include "lt.h"
#include "base.h"
#include "entry.h"

void lt_calib_entry(long mode)
{
	(void)mode;
}

void lt_calib_target(long mode)
{
	(void)mode;
}

__attribute__((constructor)) static void lt_generic_note(void)
{
	lt_warn("note: no entry trampolines for this architecture; logging calls are not intercepted", NULL);
}

/* Nothing jumps to a stand-in here (see entry_x86_64.S); only its address is taken. */
char lt_gone_stubs[64 * LT_HOOK_STUB_SIZE];
