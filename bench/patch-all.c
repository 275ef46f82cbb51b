/* libpatch-all.so: a stress tool for the entry-patching engine, not part
 * of logtax. Preloaded with LT_PATCH_ALL=SUBSTRING, it patches every
 * exported function (.dynsym FUNC) of the first loaded object whose name
 * contains SUBSTRING, each to a stub that counts the call and goes on to
 * the function's relocated copy, while the program runs as usual; at exit
 * it prints how many it patched, refused (by reason) and how many calls
 * went through them, with the busiest functions. The program behaving as
 * without it is the test of every relocation. LT_PATCH_ALL_SKIP=a,b,c
 * leaves those names alone. */
#include "../shim/patch.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAXF 8192
#define STUB 16

struct area {
	uint8_t stubs[MAXF * STUB];
	unsigned long counts[MAXF];
	void *copies[MAXF];
};

static struct area *area;
static struct lt_patch *patches;
static const char *names[MAXF];
static unsigned nf, refused[16];

struct find {
	const char *want;
	char path[4096];
	uint64_t bias;
};

static int find_obj(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct find *f = arg;
	if (!info->dlpi_name[0] || !strstr(info->dlpi_name, f->want))
		return 0;
	snprintf(f->path, sizeof f->path, "%s", info->dlpi_name);
	f->bias = info->dlpi_addr;
	return 1;
}

static int skipped(const char *name)
{
	const char *s = getenv("LT_PATCH_ALL_SKIP");
	size_t n = strlen(name);
	for (; s && *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
		if (!strncmp(s, name, n) && (s[n] == ',' || !s[n]))
			return 1;
	return 0;
}

__attribute__((constructor)) static void patch_all(void)
{
	struct find f = { getenv("LT_PATCH_ALL"), "", 0 };
	if (!f.want || !dl_iterate_phdr(find_obj, &f))
		return;
	area = mmap(NULL, sizeof *area, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	patches = calloc(MAXF, sizeof *patches);
	int fd = open(f.path, O_RDONLY);
	elf_version(EV_CURRENT);
	Elf *e = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t k = 0; k < n && nf < MAXF; k++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)k, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF ||
			    !s.st_size)
				continue;
			const char *name = elf_strptr(e, sh.sh_link, s.st_name);
			uint8_t *fn = (uint8_t *)(f.bias + s.st_value);
			int dup = 0;
			for (unsigned j = 0; j < nf && !dup; j++)
				dup = patches[j].fn == fn;
			if (dup || !name || skipped(name))
				continue;
			/* stub: lock incq counts[i](%rip); jmp *copies[i](%rip) */
			uint8_t *st = area->stubs + nf * STUB;
			int32_t d1 = (int32_t)((uint8_t *)&area->counts[nf] - (st + 8));
			int32_t d2 = (int32_t)((uint8_t *)&area->copies[nf] - (st + 14));
			memcpy(st, "\xf0\x48\xff\x05", 4);
			memcpy(st + 4, &d1, 4);
			memcpy(st + 8, "\xff\x25", 2);
			memcpy(st + 10, &d2, 4);
			memcpy(st + 14, "\xcc\xcc", 2);
			int r = lt_patch_prepare(&patches[nf], fn, s.st_size, st);
			if (r) {
				refused[r < 16 ? r : 15]++;
				memset(&patches[nf], 0, sizeof patches[nf]);
				continue;
			}
			area->copies[nf] = lt_patch_copy(&patches[nf]);
			names[nf] = strdup(name);
			nf++;
		}
	}
	mprotect(area->stubs, sizeof area->stubs, PROT_READ | PROT_EXEC);
	unsigned applied = 0;
	for (unsigned i = 0; i < nf; i++) {
		int r = lt_patch_apply(&patches[i]);
		if (r)
			fprintf(stderr, "patch-all: apply %s: %s\n", names[i], lt_patch_why(&patches[i]));
		else
			applied++;
	}
	fprintf(stderr, "patch-all: %s: %u functions patched, %u applied; refused:", f.path, nf, applied);
	for (int r = 1; r < 16; r++)
		if (refused[r])
			fprintf(stderr, " %s %u;", lt_patch_strerror(r), refused[r]);
	fprintf(stderr, "\n");
}

__attribute__((destructor)) static void report(void)
{
	if (!area)
		return;
	unsigned long total = 0;
	unsigned called = 0;
	for (unsigned i = 0; i < nf; i++)
		if (area->counts[i])
			total += area->counts[i], called++;
	fprintf(stderr, "patch-all: %lu calls through %u of the %u patched functions; busiest:", total, called, nf);
	for (int top = 0; top < 5; top++) {
		unsigned best = nf;
		for (unsigned i = 0; i < nf; i++)
			if (area->counts[i] && (best == nf || area->counts[i] > area->counts[best]))
				best = i;
		if (best == nf)
			break;
		fprintf(stderr, " %s %lu", names[best], area->counts[best]);
		area->counts[best] = 0;
	}
	fprintf(stderr, "\n");
}
