/* The entry points logtax stands in for, one descriptor each. A family
 * differs from another only in which arguments hold the name, the level and
 * the format, and in what a dropped call returns. Keep in step with the
 * LT_ENTRY lines of entry_x86_64.S. */
#include "lt.h"
#include "../common/ltx_format.h"

struct lt_desc lt_desc_calib = {
	.real = (void *)lt_calib_target,
	.name_arg = LT_ARG_NONE, .level_arg = 0, .fmt_arg = LT_ARG_NONE,
	.id = 0, .family = LTX_FAM_CALIB, .resolved = 1, .symbol = "(calibration)",
};

/* void legacy_log(const struct legacy_log_source *src, int priority,
 *                 const char *file, int line, const char *func, const char *fmt, ...) */
struct lt_desc lt_desc_legacy_log = {
	.name_arg = 0, .name_deref = 1, .level_arg = 1, .fmt_arg = 5,
	.id = 1, .family = LTX_FAM_LEGACY, .symbol = "legacy_log",
};

/* void virLogMessage(virLogSource *source, virLogPriority priority,
 *                    const char *filename, int linenr, const char *funcname,
 *                    struct _virLogMetadata *metadata, const char *fmt, ...)
 * (libvirt >= 1.2.3: source->name is the first member). */
struct lt_desc lt_desc_virLogMessage = {
	.name_arg = 0, .name_deref = 1, .level_arg = 1, .fmt_arg = 6,
	.id = 2, .family = LTX_FAM_LIBVIRT, .symbol = "virLogMessage",
};

struct lt_desc *const lt_descs[] = {
	&lt_desc_legacy_log,
	&lt_desc_virLogMessage,
};
const unsigned lt_ndescs = sizeof lt_descs / sizeof lt_descs[0];
