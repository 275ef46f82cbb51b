/* process.c: exec, posix_spawn, _exit, _Fork: whose file, whose
 * environment. */
#ifndef LT_PROCESS_H
#define LT_PROCESS_H

#include "lt.h"

#include <stdint.h>

/* at init: who we are, what children get; again: an attach after a detach */
void lt_process_init(int again) LT_HIDDEN;
/* The file at the end of the process (_exit, a fatal signal): through the
 * control thread when it runs (bounded wait), else here if safe. */
void lt_write_final(uint32_t reason, uint32_t sig) LT_HIDDEN;

#endif
