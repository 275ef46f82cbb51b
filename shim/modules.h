/* modules.c: MODULE records, of the objects loaded and of those a dlclose
 * unloaded (dlclose.c notes them), and what both read objects with. */
#ifndef LT_MODULES_H
#define LT_MODULES_H

#include "lt.h"

#include <link.h>
#include <stddef.h>
#include <stdint.h>

struct ltx_writer;
/* from_maps: list the loaded objects from /proc/self/maps, not with
 * dl_iterate_phdr (whose lock a signal handler may have interrupted) */
void lt_write_modules(struct ltx_writer *w, int from_maps) LT_HIDDEN;
extern uint32_t lt_unloads LT_HIDDEN; /* dlclose calls that unloaded something */

/* An object's range, bias and build-id. */
#define LT_BID_MAX 64
struct lt_modinfo {
	uint64_t bias, lo, hi;
	uint32_t bid_len;
	uint32_t name_at; /* snapshot: offset of its name in the name area */
	unsigned char bid[LT_BID_MAX];
};
/* Range, bias and build-id; 0 if the object has no loadable segment. */
int lt_mod_info(const struct dl_phdr_info *info, struct lt_modinfo *m) LT_HIDDEN;
/* One more unloaded object, gone at the unloads-th unloading dlclose. */
void lt_note_unloaded(const struct lt_modinfo *m, const char *path, size_t path_len, uint32_t unloads) LT_HIDDEN;

/* /proc/self/maps, read whole: the path of the file mapped at an address. */
struct lt_maps {
	char *buf;
	size_t len, cap;
};
int lt_maps_read(struct lt_maps *mp) LT_HIDDEN;
void lt_maps_free(struct lt_maps *mp) LT_HIDDEN;
size_t lt_maps_path(const struct lt_maps *mp, uint64_t addr, const char **path) LT_HIDDEN;

#endif
