/* calib.c: the shim's own cost per call, measured at start-up. */
#ifndef LT_CALIB_H
#define LT_CALIB_H

#include "lt.h"

void lt_calib_prepare(void) LT_HIDDEN;
void lt_calibrate(void) LT_HIDDEN;

#endif
