/* Addresses from a data file turned into names, offline, with elfutils
 * (libdwfl). The file's MODULE records say where each ELF object was loaded
 * (path, build-id, bias, range); each object on disk is checked against its
 * recorded build-id and, if it matches, reported to libdwfl at that bias.
 * Debug information is found next to the file or, by build-id or by name,
 * under the debuginfo path (/usr/lib/debug by default).
 *
 * Nothing here fails hard: a module whose file is gone or has changed, or
 * an address in no module, still gets a label ("libfoo.so+0x1234" or
 * "0x7f..."), with a status saying why it has no better one. Results are
 * cached per address and live as long as the symbolizer. */
#ifndef AN_SYMBOLIZE_H
#define AN_SYMBOLIZE_H

struct ltx_file;

#include <stddef.h>
#include <stdint.h>

/* What is known about the object an address belongs to. */
enum an_mod_status {
	AN_MOD_OK = 0,     /* file present, build-id matches */
	AN_MOD_UNVERIFIED, /* file present, but the run recorded no build-id to check */
	AN_MOD_NONE,       /* the address is in no recorded module */
	AN_MOD_NO_FILE,    /* a module with no file (the vDSO) */
	AN_MOD_GONE,       /* the file is no longer there */
	AN_MOD_CHANGED,    /* the file's build-id differs from the run's */
	AN_MOD_BAD,        /* the file is there but is not a usable ELF object */
};

/* Where a call site's name came from. */
enum an_named {
	AN_NAMED_NONE = 0,  /* nowhere: the label is an address */
	AN_NAMED_SYMTAB,    /* the module's symbol table (function+offset) */
	AN_NAMED_DEBUGINFO, /* its debug information (function, file:line) */
	AN_NAMED_ARGS,      /* the logging call's own arguments (KEY_SITE): the
			     * module had no debug line for it */
};

struct an_sym {
	uint64_t addr;        /* as recorded (absolute) */
	const char *module;   /* the module's path; NULL in no module */
	const char *mod_base; /* its last path component; NULL in no module */
	uint64_t offset;      /* addr in the module file's own terms (addr - bias) */
	const char *function; /* innermost function, inlined ones included; NULL unknown */
	const char *inlined_into; /* the function it was inlined into, else NULL */
	uint64_t func_off;    /* addr - the function symbol's start, when from the symbol table */
	const char *file;     /* source file (full path as in the debug info); NULL unknown */
	int line;             /* 0 unknown */
	enum an_mod_status status;
	enum an_named named_by;
	/* Never empty: "func (file.c:12)", "func+0x1f (libfoo.so)",
	 * "libfoo.so+0x1234" or "0x7f0012345678". Independent of where the
	 * module was loaded, so equal call sites of two runs have equal labels. */
	const char *label;
};

/* A message template: the format string, read from the module file. */
enum an_tmpl_status {
	AN_TMPL_OK = 0,
	AN_TMPL_NONE,       /* the entry point has no format argument (or it was NULL) */
	AN_TMPL_WRITABLE,   /* read from a writable section: the program may have changed it */
	AN_TMPL_RUNTIME,    /* in no recorded module (heap, stack): built at run time */
	AN_TMPL_NO_SECTION, /* in a module, but in no section with file contents */
	AN_TMPL_MODULE,     /* the module's file cannot be used (see sym status) */
};

struct an_tmpl {
	uint64_t addr;
	const char *text; /* the raw bytes up to the NUL; NULL when unknown */
	int cut;          /* longer than AN_TMPL_MAX: text holds the start */
	enum an_tmpl_status status;
	enum an_mod_status mod_status; /* for AN_TMPL_MODULE */
};
#define AN_TMPL_MAX 4096

struct an_symbolizer;

/* debuginfo_path: extra directories to search for separate debug files (by
 * build-id: DIR/.build-id/xx/yyyy.debug, or by name), colon-separated and
 * absolute, searched before the standard ones; may be NULL. Returns NULL only
 * when out of memory. */
struct an_symbolizer *an_sym_open(const struct ltx_file *f, const char *debuginfo_path);
void an_sym_close(struct an_symbolizer *s);

/* is_return: addr is a return address; it is moved back one byte before the
 * lookup so that it falls in the call instruction, not the one after it. */
const struct an_sym *an_sym_lookup(struct an_symbolizer *s, uint64_t addr, int is_return);
const struct an_tmpl *an_sym_template(struct an_symbolizer *s, uint64_t addr);
/* The same for a key's addresses: `unloads` (the key's) tells which of the
 * libraries unloaded over the same addresses the key's call came from. */
const struct an_sym *an_sym_lookup_at(struct an_symbolizer *s, uint64_t addr, int is_return, uint32_t unloads);
const struct an_tmpl *an_sym_template_at(struct an_symbolizer *s, uint64_t addr, uint32_t unloads);

/* A key's call site, named by what its calls said (func, file, line: a
 * KEY_SITE record; any may be NULL/0) where the module's debug information
 * has no line for it; else the same as an_sym_lookup_at (a return address). */
const struct an_sym *an_sym_lookup_site(struct an_symbolizer *s, uint64_t addr, uint32_t unloads, const char *func,
					const char *file, uint32_t line);
/* "symbol table", "debuginfo", "call's arguments", "none" */
const char *an_named_name(enum an_named n);

/* The status of the n-th MODULE record of the file. */
enum an_mod_status an_sym_module_status(const struct an_symbolizer *s, size_t n);
/* "ok", "unverified", "no module", "no file", "file gone", "file changed", "not ELF" */
const char *an_mod_status_name(enum an_mod_status st);
/* "ok", "none", "writable", "runtime", "no section", "module" */
const char *an_tmpl_status_name(enum an_tmpl_status st);

#endif
