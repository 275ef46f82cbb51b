/* The report writers, one file each; each reads the model only. */
#ifndef AN_REPORT_H
#define AN_REPORT_H

#include "view.h"

#include <stdio.h>

int an_report_text(FILE *o, const struct an_model *m);
int an_report_csv(FILE *o, const struct an_model *m);
int an_report_json(FILE *o, const struct an_model *m);
int an_report_folded(FILE *o, const struct an_model *m);
int an_report_chrome(FILE *o, const struct an_model *m);
int an_report_html(FILE *o, const struct an_model *m);
int an_report_openmetrics(FILE *o, const struct an_model *m);
int an_report_prometheus(FILE *o, const struct an_model *m);
/* A gzipped profile.proto (binary: o is a file opened for it). */
int an_report_pprof(FILE *o, const struct an_model *m);

/* --diff A B */
int an_diff_text(FILE *o, const struct an_diff *d);
int an_diff_csv(FILE *o, const struct an_diff *d);
int an_diff_json(FILE *o, const struct an_diff *d);

#endif
