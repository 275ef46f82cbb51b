/* settings.c: the LOGTAX_* settings, read into lt_cfg at start-up. */
#ifndef LT_SETTINGS_H
#define LT_SETTINGS_H

#include "lt.h"

#include <stddef.h>
#include <stdint.h>

/* logtax_attach's settings ("NAME=VALUE\n" lines), copied: from here on
 * every setting is read from them, not from the environment. 0, or -1
 * with the reason in msg. */
int lt_settings_take(const char *in, char *msg, size_t cap) LT_HIDDEN;
/* A LOGTAX_ setting's value, or NULL: the attach block when attached, else
 * the environment. Every setting the shim reads goes through here. */
const char *lt_setting(const char *name) LT_HIDDEN;
void lt_settings_unknown(void) LT_HIDDEN; /* warns of LOGTAX_ variables no one reads */
void lt_settings_read(void) LT_HIDDEN;
/* LOGTAX_STACKS: applied after calibration (which must not take stacks). */
void lt_settings_stacks(uint32_t *depth, uint32_t *every) LT_HIDDEN;
extern int lt_outdir_bad LT_HIDDEN; /* the output directory was found unusable (warned once) */

#endif
