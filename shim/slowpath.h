/* slowpath.c: the first call of a key in a thread (or of a thread). */
#ifndef LT_SLOWPATH_H
#define LT_SLOWPATH_H

#include "desc.h"

struct lt_ret lt_slow_path(struct lt_frame *f, struct lt_desc *d) LT_HIDDEN;

#endif
