/* logtax-patchcheck FILE ADDR:SIZE...: whether entry patching would take
 * each function of FILE (an ELF object, x86-64), decided by the shim's own
 * engine (shim/patch_x86_64.c, lt_patch_check) on the file's bytes: nothing
 * is loaded or run. `logtax scan` runs it (the analyzer never links shim
 * code); ADDR and SIZE are hex, as the symbol table has them.
 *
 * One line per function, in order, fields separated by tabs:
 *   ADDR RC CALLS_OUT CLASS WHY
 * RC the engine's code (0 patchable, -1 not in the file's code), CALLS_OUT 1
 * if the body calls code its compiler could not see into (0: a leaf),
 * CLASS lt_patch_strerror's few words, WHY the engine's sentence ("-" if
 * none). Exit status 0, or 2 with one line on stderr when FILE cannot be
 * read.
 *
 * The executable segments are laid out at their linked addresses in one
 * reserved range, so that a call's target (a PLT stub) is where the body
 * says it is. */
#include "../shim/patch.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SPAN (4ull << 30) /* executable segments spread over more: refused */
#define MAX_PH 4096

static int bad(const char *path, const char *what)
{
	fprintf(stderr, "logtax-patchcheck: %s: %s\n", path, what);
	return 2;
}

static void clean(char *s)
{
	for (; *s; s++)
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: logtax-patchcheck FILE ADDR:SIZE...\n");
		return 2;
	}
	const char *path = argv[1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bad(path, strerror(errno));
	struct stat st;
	Elf64_Ehdr eh;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return bad(path, "not a regular file");
	uint64_t flen = (uint64_t)st.st_size;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
		return bad(path, "not a 64-bit x86-64 ELF file");
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > MAX_PH || eh.e_phoff > flen ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > flen - eh.e_phoff)
		return bad(path, "bad program headers");
	Elf64_Phdr ph[MAX_PH];
	size_t phsz = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (pread(fd, ph, phsz, (off_t)eh.e_phoff) != (ssize_t)phsz)
		return bad(path, "program headers cannot be read");
	uint64_t lo = UINT64_MAX, hi = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X) || !ph[i].p_filesz)
			continue;
		if (ph[i].p_offset > flen || ph[i].p_filesz > flen - ph[i].p_offset ||
		    ph[i].p_vaddr > UINT64_MAX - ph[i].p_filesz)
			return bad(path, "an executable segment ends past the file");
		lo = ph[i].p_vaddr < lo ? ph[i].p_vaddr : lo;
		hi = ph[i].p_vaddr + ph[i].p_filesz > hi ? ph[i].p_vaddr + ph[i].p_filesz : hi;
	}
	uint8_t *buf = NULL;
	if (lo < hi) {
		if (hi - lo > MAX_SPAN)
			return bad(path, "its executable segments span more than 4 GiB");
		/* untouched pages cost nothing */
		void *m = mmap(NULL, hi - lo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED)
			return bad(path, "no memory for its code");
		buf = m;
		for (unsigned i = 0; i < eh.e_phnum; i++)
			if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && ph[i].p_filesz &&
			    pread(fd, buf + (ph[i].p_vaddr - lo), ph[i].p_filesz, (off_t)ph[i].p_offset) !=
				    (ssize_t)ph[i].p_filesz)
				return bad(path, "its code cannot be read");
	}
	close(fd);
	for (int i = 2; i < argc; i++) {
		char *end;
		uint64_t addr = strtoull(argv[i], &end, 16), size = *end == ':' ? strtoull(end + 1, &end, 16) : 0;
		char why[200] = "-";
		int rc = -1, out = 0;
		if (!buf || addr < lo || addr >= hi) {
			printf("%" PRIx64 "\t-1\t0\tnot in its code\tthe address is in none of its executable segments\n", addr);
			continue;
		}
		if (size > hi - addr)
			size = hi - addr;
		rc = lt_patch_check(buf + (addr - lo), size, &out, why, sizeof why);
		if (!rc || !why[0])
			snprintf(why, sizeof why, "-");
		clean(why);
		printf("%" PRIx64 "\t%d\t%d\t%s\t%s\n", addr, rc, out, lt_patch_strerror(rc), why);
	}
	return fflush(stdout) ? 1 : 0;
}
