/* The libraries a binary needs, found as glibc's dynamic loader finds them,
 * without running anything (ldd runs the binary's loader on it, which an
 * untrusted binary can subvert). Breadth first over DT_NEEDED, each name
 * looked for, as in glibc's _dl_map_object:
 *   1. a name with a '/' is a path;
 *   2. an object already loaded under that name or soname is reused;
 *   3. unless the needing object has DT_RUNPATH: the DT_RPATH of the needing
 *      object, then of the object that needed it, and so on up to the file
 *      given;
 *   4. LD_LIBRARY_PATH (as set for this command);
 *   5. the needing object's DT_RUNPATH;
 *   6. /etc/ld.so.cache (its new format; baseline entries);
 *   7. the default directories;
 * with $ORIGIN, $LIB and $PLATFORM expanded, DF_1_NODEFLIB honoured (no 6
 * and 7), and a candidate skipped unless it is a 64-bit x86-64 ELF file.
 * Not modelled: glibc-hwcaps subdirectories, LD_PRELOAD, audit modules. */
#include "scan.h"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", NULL,
};
#define DST_LIB "lib/x86_64-linux-gnu" /* $LIB on Debian's multiarch glibc */

/* A loadable candidate: a regular file, ELF, 64-bit, x86-64. */
static int loadable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_Ehdr h;
	struct stat st;
	int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, &h, sizeof h) == (ssize_t)sizeof h &&
		 !memcmp(h.e_ident, ELFMAG, SELFMAG) && h.e_ident[EI_CLASS] == ELFCLASS64 && h.e_machine == EM_X86_64;
	close(fd);
	return ok;
}

static char *origin_of(const char *path)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		snprintf(real, sizeof real, "%s", path);
	char *slash = strrchr(real, '/');
	if (slash == real)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	else
		snprintf(real, sizeof real, ".");
	return strdup(real);
}

/* dir with its dynamic string tokens expanded; NULL if one is unknown. */
static char *expand(const char *dir, size_t len, const char *origin)
{
	char out[PATH_MAX];
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < sizeof out;) {
		if (dir[i] != '$') {
			out[o++] = dir[i++];
			continue;
		}
		static const char *const names[] = { "ORIGIN", "LIB", "PLATFORM" };
		const char *val = NULL;
		size_t used = 0;
		for (int k = 0; k < 3 && !val; k++) {
			size_t nl = strlen(names[k]);
			if (i + 1 + nl <= len && !strncmp(dir + i + 1, names[k], nl) &&
			    (i + 1 + nl == len || !(dir[i + 1 + nl] == '_' || (dir[i + 1 + nl] >= 'A' && dir[i + 1 + nl] <= 'Z')))) {
				used = 1 + nl;
			} else if (i + 3 + nl <= len && dir[i + 1] == '{' && !strncmp(dir + i + 2, names[k], nl) &&
				   dir[i + 2 + nl] == '}') {
				used = 3 + nl;
			} else {
				continue;
			}
			if (k == 0)
				val = origin;
			else if (k == 1)
				val = DST_LIB;
			else {
				const char *p = (const char *)getauxval(AT_PLATFORM);
				val = p ? p : "x86_64";
			}
		}
		if (!val)
			return NULL;
		for (const char *v = val; *v && o + 1 < sizeof out; v++)
			out[o++] = *v;
		i += used;
	}
	out[o] = 0;
	return strdup(out);
}

/* Looks for name in each directory of a ':' or ';' separated list. */
static char *search_list(const char *list, const char *name, const char *origin)
{
	if (!list)
		return NULL;
	for (const char *p = list;;) {
		size_t n = strcspn(p, ":;");
		char *dir = n ? expand(p, n, origin) : strdup("."); /* an empty entry is the current directory */
		if (dir) {
			char cand[PATH_MAX];
			int w = snprintf(cand, sizeof cand, "%s/%s", dir, name);
			free(dir);
			if (w > 0 && (size_t)w < sizeof cand && loadable(cand))
				return strdup(cand);
		}
		if (!p[n])
			return NULL;
		p += n + 1;
	}
}

/* /etc/ld.so.cache, new format ("glibc-ld.so.cache1.1"), read once. */
struct cache_entry {
	int32_t flags;
	uint32_t key, value;
	uint32_t osversion;
	uint64_t hwcap;
};
static char *cache;
static size_t cache_len;
static int cache_read;

static const char *cache_lookup(const char *name)
{
	if (!cache_read) {
		cache_read = 1;
		FILE *f = fopen("/etc/ld.so.cache", "rb");
		if (f) {
			struct stat st;
			if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size < (1 << 26)) {
				cache = malloc((size_t)st.st_size);
				if (cache && fread(cache, 1, (size_t)st.st_size, f) == (size_t)st.st_size)
					cache_len = (size_t)st.st_size;
			}
			fclose(f);
		}
	}
	static const char magic[] = "glibc-ld.so.cache1.1";
	const size_t mlen = sizeof magic - 1, hdr = 48;
	if (!cache_len)
		return NULL;
	const char *base = memmem(cache, cache_len, magic, mlen);
	if (!base || (size_t)(base - cache) + hdr > cache_len)
		return NULL;
	size_t room = cache_len - (size_t)(base - cache);
	uint32_t nlibs;
	memcpy(&nlibs, base + 20, 4);
	if (nlibs > (room - hdr) / sizeof(struct cache_entry))
		return NULL;
	for (uint32_t i = 0; i < nlibs; i++) {
		struct cache_entry ce;
		memcpy(&ce, base + hdr + i * sizeof ce, sizeof ce);
		/* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64; baseline, not a glibc-hwcaps entry */
		if (ce.flags != 0x0303 || ce.hwcap || ce.key >= room || ce.value >= room)
			continue;
		if (strnlen(base + ce.key, room - ce.key) < room - ce.key && !strcmp(base + ce.key, name) &&
		    strnlen(base + ce.value, room - ce.value) < room - ce.value)
			return base + ce.value;
	}
	return NULL;
}

static char *find_lib(const char *name, struct scan_obj *objs, int loader)
{
	if (strchr(name, '/'))
		return loadable(name) ? strdup(name) : NULL;
	struct scan_obj *ld = &objs[loader];
	char *found = NULL, *origin;
	if (!ld->runpath)
		for (int l = loader; l >= 0 && !found; l = objs[l].needed_by) {
			if (objs[l].runpath || !objs[l].rpath)
				continue;
			origin = origin_of(objs[l].path);
			found = search_list(objs[l].rpath, name, origin);
			free(origin);
		}
	if (!found) {
		const char *llp = getenv("LD_LIBRARY_PATH");
		if (llp && *llp)
			found = search_list(llp, name, "");
	}
	if (!found && ld->runpath) {
		origin = origin_of(ld->path);
		found = search_list(ld->runpath, name, origin);
		free(origin);
	}
	if (found || ld->nodeflib)
		return found;
	const char *c = cache_lookup(name);
	if (c && loadable(c))
		return strdup(c);
	for (const char *const *d = default_dirs; *d; d++) {
		char cand[PATH_MAX];
		snprintf(cand, sizeof cand, "%s/%s", *d, name);
		if (loadable(cand))
			return strdup(cand);
	}
	return NULL;
}

static int same_file(const char *a, const char *b)
{
	struct stat x, y;
	return a && b && stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int scan_deps(const char *path, struct scan_obj **out, size_t *nout)
{
	size_t n = 0, cap = 16;
	struct scan_obj *objs = calloc(cap, sizeof *objs);
	if (!objs)
		return -1;
	objs[0].name = strdup(path);
	objs[0].path = strdup(path);
	objs[0].needed_by = -1;
	n = 1;
	*out = objs;
	*nout = n;
	if (!objs[0].name || !objs[0].path) {
		objs[0].error = strdup("out of memory");
		return -1;
	}
	if (scan_elf(path, &objs[0]) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < objs[i].nneeded; k++) {
			const char *need = objs[i].needed[k];
			int have = 0;
			for (size_t j = 0; j < n && !have; j++)
				have = !strcmp(objs[j].name, need) || (objs[j].soname && !strcmp(objs[j].soname, need));
			if (have)
				continue;
			char *p = find_lib(need, objs, (int)i);
			for (size_t j = 0; p && j < n && !have; j++)
				have = same_file(objs[j].path, p);
			if (have) {
				free(p);
				continue;
			}
			if (n == cap) {
				struct scan_obj *no = realloc(objs, 2 * cap * sizeof *no);
				if (!no) {
					free(p);
					return 0;
				}
				objs = no;
				*out = objs;
				memset(objs + cap, 0, cap * sizeof *objs);
				cap *= 2;
			}
			struct scan_obj *o = &objs[n++];
			*nout = n;
			o->name = strdup(need);
			o->needed_by = (int)i;
			o->path = p;
			if (!p)
				o->error = strdup("not found");
			else
				scan_elf(p, o);
		}
	}
	return 0;
}
