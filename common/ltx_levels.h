/* Names of families and their levels, shared by the analyzer and the rule
 * parser: each family's own scale mapped onto debug < info < notice <
 * warning < error. */
#ifndef LTX_LEVELS_H
#define LTX_LEVELS_H

#include <stdint.h>

enum ltx_level { LTX_LVL_DEBUG, LTX_LVL_INFO, LTX_LVL_NOTICE, LTX_LVL_WARNING, LTX_LVL_ERROR, LTX_LVL_UNKNOWN };

const char *ltx_family_name(uint32_t family);
/* The common level of a raw level argument of a family. */
enum ltx_level ltx_level_of(uint32_t family, int32_t raw);
const char *ltx_level_name(enum ltx_level l);

#endif
