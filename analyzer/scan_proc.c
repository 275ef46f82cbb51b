/* `logtax scan PID`: the objects a running process has loaded, from
 * /proc/PID/maps, each scanned as `logtax scan BINARY` scans a file
 * (scan_elf.c): the program first, then every other ELF object mapped, in
 * the order of their addresses (libraries loaded with dlopen included).
 * A file replaced on disk since it was loaded (a package upgrade) is read
 * through /proc/PID/map_files, which holds the mapped file itself, where
 * we may; else it is noted. */
#include "scan.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int is_elf(const char *path)
{
	unsigned char id[SELFMAG];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, id, sizeof id);
	close(fd);
	return n == SELFMAG && !memcmp(id, ELFMAG, SELFMAG);
}

static int add_obj(struct scan_obj **objs, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct scan_obj *no = realloc(*objs, nc * sizeof *no);
		if (!no)
			return -1;
		memset(no + *cap, 0, (nc - *cap) * sizeof *no);
		*objs = no;
		*cap = nc;
	}
	(*n)++;
	return 0;
}

int scan_proc(long pid, struct scan_obj **out, size_t *nout, char *err, size_t errlen)
{
	char path[4400];
	snprintf(path, sizeof path, "/proc/%ld/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT || errno == ESRCH)
			snprintf(err, errlen, "no process %ld", pid);
		else
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	char exe[4096] = "";
	snprintf(path, sizeof path, "/proc/%ld/exe", pid);
	ssize_t el = readlink(path, exe, sizeof exe - 1);
	exe[el > 0 ? el : 0] = 0;
	struct scan_obj *objs = NULL;
	size_t n = 0, cap = 0, exe_at = (size_t)-1;
	char line[4600];
	struct seen {
		unsigned long long ino;
		unsigned maj, min;
	} *seen = NULL;
	size_t nseen = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long long s, e, off, ino;
		unsigned maj, min;
		char perms[5];
		int pos = 0;
		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &s, &e, perms, &off, &maj, &min, &ino, &pos) < 7 ||
		    !ino)
			continue;
		char *name = line + pos;
		name[strcspn(name, "\n")] = 0;
		if (name[0] != '/')
			continue;
		int dup = 0;
		for (size_t i = 0; i < nseen && !dup; i++)
			dup = seen[i].ino == ino && seen[i].maj == maj && seen[i].min == min;
		if (dup)
			continue;
		struct seen *ns = realloc(seen, (nseen + 1) * sizeof *ns);
		if (!ns)
			break;
		seen = ns;
		seen[nseen++] = (struct seen){ ino, maj, min };
		/* The file itself where we may; else its path, if it is still the one mapped. */
		char file[4400];
		snprintf(file, sizeof file, "/proc/%ld/map_files/%llx-%llx", pid, s, e);
		int exact = access(file, R_OK) == 0;
		char clean[4200];
		snprintf(clean, sizeof clean, "%s", name);
		char *del = strstr(clean, " (deleted)");
		if (del && !del[10])
			*del = 0;
		struct stat sb;
		int same = !stat(clean, &sb) && sb.st_ino == ino && sb.st_dev == makedev(maj, min);
		if (!exact)
			snprintf(file, sizeof file, "%s", clean);
		if (!is_elf(exact ? file : clean))
			continue;
		if (add_obj(&objs, &n, &cap) < 0)
			break;
		struct scan_obj *o = &objs[n - 1];
		o->name = strdup(clean);
		o->path = strdup(same ? clean : file);
		o->needed_by = -1;
		if (!same && !exact)
			o->error = strdup("replaced on disk since it was loaded (not readable through map_files): not scanned");
		else
			scan_elf(o->path, o); /* (a replaced file: its map_files path shows it was read there) */
		if (!strcmp(clean, exe))
			exe_at = n - 1;
	}
	fclose(f);
	free(seen);
	if (!n) {
		free(objs);
		snprintf(err, errlen, "process %ld has no ELF object mapped (a kernel thread?)", pid);
		return -1;
	}
	/* the program first, as the file is in `scan BINARY` */
	if (exe_at != (size_t)-1 && exe_at) {
		struct scan_obj t = objs[exe_at];
		memmove(objs + 1, objs, exe_at * sizeof *objs);
		objs[0] = t;
	}
	*out = objs;
	*nout = n;
	return 0;
}
