/* `logtax scan`: which logging calls of a binary logtax can see, read from
 * the files alone (nothing is run).
 *   scan_elf.c   one ELF object: its logging functions and their call sites
 *   scan_deps.c  the libraries it needs, found as the dynamic loader would
 *   scan.c       the command and its table and JSON output */
#ifndef AN_SCAN_H
#define AN_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* Call sites of one function in one object. */
struct scan_sites {
	uint32_t calls, jumps; /* call and tail-jump instructions */
};

/* What a function's call sites put in its six argument registers, read
 * back from each call over the straight-line code before it (scan_elf.c):
 * what a --hook's name=, level=, fmt=, file=, func= and line= would be. */
#define SCAN_ARGS 6
#define SCAN_VALS 16
struct scan_args {
	uint32_t sites;               /* calls read */
	uint32_t str[SCAN_ARGS];      /* a string literal */
	uint32_t fmt[SCAN_ARGS];      /* one holding '%' (a printf format) */
	uint32_t path[SCAN_ARGS];     /* one naming a source file (*.c, *.cc, ...) */
	uint32_t ident[SCAN_ARGS];    /* one that is a C identifier (__func__) */
	uint32_t imm[SCAN_ARGS];      /* a constant */
	int64_t vals[SCAN_ARGS][SCAN_VALS]; /* the constants' distinct values, sorted */
	uint8_t nvals[SCAN_ARGS];
	uint8_t many[SCAN_ARGS];      /* more distinct values than SCAN_VALS */
};

struct scan_fn {
	char *name;
	int family;   /* enum ltx_family of a known entry point; -1 for a --hook candidate */
	int entry_id; /* its entry id, 0 for a candidate */
	int defined;  /* exported by this object */
	int imported; /* referenced by this object, defined elsewhere */
	struct scan_sites via_got; /* through a PLT stub or a GOT entry: LD_PRELOAD and --hook see them */
	struct scan_sites direct;  /* to the object's own definition: nothing preloaded sees them */
	uint64_t addr;             /* its address in the object, when defined */
	uint64_t size;             /* its symbol's size, when defined */
	int exported;              /* defined in .dynsym (else in .symtab only) */
	int ifunc;                 /* an IFUNC: addr is its resolver's */
	/* Entry patching, as the shim's engine judges the file's bytes
	 * (scan_patch.c): checked, the engine's code (0 patchable), whether
	 * the body calls code its compiler could not see into (0: a leaf),
	 * the class of a refusal and its sentence. */
	int patch_checked, patch_rc, calls_out;
	char *patch_class, *patch_why;
	struct scan_args *args; /* a --hook candidate called here; NULL if none */
};

struct scan_obj {
	char *path;      /* as found; NULL if not found */
	char *name;      /* the DT_NEEDED name, or the path given */
	char *soname;
	int needed_by;   /* index of the object that needs it first; -1 for the file given */
	char *error;     /* why it could not be read (or found) */
	int counted;     /* call sites were counted (it has section headers) */
	int is_exec;     /* the program itself (an executable, not a library) */
	char *patch_error; /* why entries could not be checked, if so */
	char **needed;
	size_t nneeded;
	char *rpath, *runpath; /* as written, $ORIGIN not expanded */
	int nodeflib;
	struct scan_fn *fns;
	size_t nfns;
};

/* Reads one object. 0, or -1 with a one-line reason in o->error. */
int scan_elf(const char *path, struct scan_obj *o);
/* Functions to list besides the known entry points and *log* names (the
 * names --hook would take), looked up in .dynsym and .symtab. */
void scan_set_names(char **names, size_t n);
/* Checks the entries of o's defined functions with the patching engine's
 * helper program (logtax-patchcheck, next to this program). */
void scan_patch_check(struct scan_obj *o);
void scan_obj_free(struct scan_obj *o);

/* The file and every library it needs, breadth first as ld.so loads them.
 * objs[0] is the file given; 0, or -1 with the reason in objs[0].error. */
int scan_deps(const char *path, struct scan_obj **objs, size_t *n);

/* The objects process PID has mapped (scan_proc.c), the program first.
 * 0, or -1 with a one-line reason in ERR. */
int scan_proc(long pid, struct scan_obj **objs, size_t *n, char *err, size_t errlen);

#endif
