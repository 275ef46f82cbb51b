/* signals.c: terminating signals: the file is written, then the process
 * dies of the signal. */
#ifndef LT_SIGNALS_H
#define LT_SIGNALS_H

#include "lt.h"

void lt_signals_init(void) LT_HIDDEN;

#endif
