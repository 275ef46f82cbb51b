/* metrics.c: LOGTAX_METRICS, the process's counts as a Prometheus text file. */
#ifndef LT_METRICS_H
#define LT_METRICS_H

#include "lt.h"

/* Writes DIR/logtax_PID.prom (ended: the process is exiting or exec'ing);
 * the caller holds the writer's lock (output.c). 0, or -1 (warned once). */
int lt_metrics_write(int ended) LT_HIDDEN;
void lt_metrics_forked(void) LT_HIDDEN;

#endif
