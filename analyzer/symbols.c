/* See symbols.h. Each module's dynamic symbols are read once with libelf. */
#include "symbols.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sym {
	uint64_t lo, size;
	char *name;
};

struct module {
	char *path;
	struct sym *syms;
	size_t nsyms;
};

static struct module *mods;
static size_t nmods;

static void load(struct module *m)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return;
	int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_size / sh.sh_entsize;
		m->syms = calloc(n + 1, sizeof *m->syms);
		for (size_t i = 0; d && m->syms && i < n; i++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)i, &s))
				continue;
			/* As glibc's dladdr: defined, not TLS, not absolute. */
			if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS || GELF_ST_TYPE(s.st_info) == STT_TLS)
				continue;
			const char *nm = elf_strptr(e, sh.sh_link, s.st_name);
			if (!nm || !*nm)
				continue;
			struct sym *o = &m->syms[m->nsyms++];
			o->lo = s.st_value;
			o->size = s.st_size;
			o->name = strdup(nm);
		}
		break;
	}
	if (e)
		elf_end(e);
	close(fd);
}

const char *an_dynsym_at(const char *path, uint64_t off)
{
	struct module *m = NULL;
	for (size_t i = 0; i < nmods && !m; i++)
		if (!strcmp(mods[i].path, path))
			m = &mods[i];
	if (!m) {
		struct module *nm = realloc(mods, (nmods + 1) * sizeof *mods);
		if (!nm)
			return NULL;
		mods = nm;
		m = &mods[nmods++];
		memset(m, 0, sizeof *m);
		m->path = strdup(path);
		if (m->path)
			load(m);
	}
	/* The closest symbol at or below off that covers it (size 0: exact only). */
	const struct sym *best = NULL;
	for (size_t i = 0; i < m->nsyms; i++) {
		const struct sym *s = &m->syms[i];
		if (s->lo > off || (best && best->lo >= s->lo))
			continue;
		if (s->size ? off < s->lo + s->size : off == s->lo)
			best = s;
	}
	return best ? best->name : NULL;
}

void an_symbols_free(void)
{
	for (size_t i = 0; i < nmods; i++) {
		for (size_t j = 0; j < mods[i].nsyms; j++)
			free(mods[i].syms[j].name);
		free(mods[i].syms);
		free(mods[i].path);
	}
	free(mods);
	mods = NULL;
	nmods = 0;
}
