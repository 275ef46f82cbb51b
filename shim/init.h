/* init.c: the shim's start (once per process) and its end at exit. */
#ifndef LT_INIT_H
#define LT_INIT_H

#include "lt.h"

void lt_init(void) LT_HIDDEN;

#endif
