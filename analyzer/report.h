/* The report writers, one file each; each reads the model only. */
#ifndef AN_REPORT_H
#define AN_REPORT_H

#include "model.h"

#include <stdio.h>

int an_report_text(FILE *o, const struct an_model *m);
int an_report_csv(FILE *o, const struct an_model *m);

#endif
