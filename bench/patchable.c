/* patchable FILE...: how many exported functions (.dynsym FUNC, defined,
 * global or weak) of each object entry patching would take, and why it
 * refuses the others. The function bytes are read from the file (the
 * executable PT_LOAD, placed at its linked addresses inside a buffer), so
 * executables that cannot be dlopen'ed are analysed the same way.
 *   -v       every refusal: name and why
 *   -n NAME  only NAME, with its result
 *   -p       prepare each one (build its relocated copy and read it back)
 *            rather than only check it
 * Prints, per file: total, patchable, then each refusal class. */
#include "../shim/patch.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int verbose;
static const char *only;
static int prepare;

static long hook(long x)
{
	return x;
}

static int one_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t nph;
	if (!e || elf_getphdrnum(e, &nph) < 0) {
		fprintf(stderr, "%s: not ELF\n", path);
		return 1;
	}
	/* the executable segment(s), bytes at their addresses within one buffer */
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			lo = ph.p_vaddr < lo ? ph.p_vaddr : lo;
			hi = ph.p_vaddr + ph.p_filesz > hi ? ph.p_vaddr + ph.p_filesz : hi;
		}
	}
	if (lo >= hi)
		return 1;
	uint8_t *buf = calloc(1, hi - lo + 64);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X) &&
		    pread(fd, buf + (ph.p_vaddr - lo), ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz) {
			perror("pread");
			return 1;
		}
	}
	unsigned total = 0, counts[16] = { 0 }, leaf = 0;
	uint64_t *seen = NULL;
	size_t nseen = 0;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		seen = calloc(n, sizeof *seen);
		for (size_t k = 0; k < n; k++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)k, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF ||
			    (GELF_ST_BIND(s.st_info) != STB_GLOBAL && GELF_ST_BIND(s.st_info) != STB_WEAK))
				continue;
			const char *name = elf_strptr(e, sh.sh_link, s.st_name);
			if (only && (!name || strcmp(name, only)))
				continue;
			if (s.st_value < lo || s.st_value >= hi)
				continue;
			int dup = 0;
			for (size_t j = 0; j < nseen && !dup; j++)
				dup = seen[j] == s.st_value;
			if (dup)
				continue; /* aliases: one function */
			seen[nseen++] = s.st_value;
			uint64_t size = s.st_size;
			if (s.st_value + size > hi)
				size = hi - s.st_value;
			char why[160] = "";
			int r, out = 0;
			if (prepare) {
				/* kept: prepared patches are never freed */
				struct lt_patch *p = calloc(1, sizeof *p);
				r = lt_patch_prepare(p, buf + (s.st_value - lo), size, (void *)hook);
				snprintf(why, sizeof why, "%s", lt_patch_why(p));
				out = p->calls_out;
			} else {
				r = lt_patch_check(buf + (s.st_value - lo), size, &out, why, sizeof why);
			}
			total++;
			counts[r < 16 ? r : 15]++;
			leaf += !r && !out;
			if (only || (verbose && r))
				printf("%s: %s: %s%s%s%s\n", path, name, lt_patch_strerror(r), r ? ": " : "", why,
				       !r && !out ? " (a leaf: calls nothing unseen)" : "");
		}
	}
	printf("%s: %u exported functions, %u patchable (%.1f%%), %u of them leaves", path, total, counts[0],
	       total ? 100.0 * counts[0] / total : 0.0, leaf);
	for (int r = 1; r < 16; r++)
		if (counts[r])
			printf("; %s %u", lt_patch_strerror(r), counts[r]);
	printf("\n");
	free(seen);
	free(buf);
	elf_end(e);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int opt, rc = 0;
	while ((opt = getopt(argc, argv, "vpn:")) != -1) {
		if (opt == 'v')
			verbose = 1;
		else if (opt == 'p')
			prepare = 1;
		else if (opt == 'n')
			only = optarg;
		else
			return 2;
	}
	elf_version(EV_CURRENT);
	for (int i = optind; i < argc; i++)
		rc |= one_file(argv[i]);
	return rc;
}
