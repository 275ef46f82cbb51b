/* logtax-analyze dump: a data file's records as plain lines. */
#ifndef AN_DUMP_H
#define AN_DUMP_H

#include "../common/ltx_read.h"

#include <stdio.h>

int an_dump(FILE *o, const struct ltx_file *f);

#endif
