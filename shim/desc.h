/* The trampoline's contract: the frame it passes the hook, each entry
 * point's descriptor, what the hook answers, and a call's key. */
#ifndef LT_DESC_H
#define LT_DESC_H

#include "lt.h"

#include <stddef.h>
#include <stdint.h>

/* What the trampoline does after the hook (struct lt_ret.action). */
enum lt_action {
	LT_PASS = 0, /* jump to the real function (value = its address) */
	LT_DROP = 1, /* return at once (value = what to return) */
	LT_TIME = 2, /* call the real function with the return address swapped
		      * (value = the shadow-stack entry; it holds the target) */
	LT_SLOW = 3, /* save vector registers, run the slow path (value = desc) */
	LT_STACK = 4, /* save vector registers, capture the stack, then act as the
		       * stack path says (value = desc | 1 if the call is to be timed) */
};

/* The hook returns two words in rax:rdx. */
struct lt_ret {
	uint64_t action;
	uint64_t value;
};

/* The caller's registers as the trampoline pushed them, then the return
 * address and the caller's stack arguments. Argument i (0-based) is
 * arg[i] for i < 6, else stack[i - 6]; as frame words, w[i] or w[i + 2]. */
struct lt_frame {
	uint64_t arg[6]; /* rdi rsi rdx rcx r8 r9 */
	uint64_t rax;    /* al: vector registers used by a variadic call */
	uint64_t ret;
	uint64_t stack[];
};
#define LT_FRAME_RET_WORD 7

static inline uint64_t lt_arg(const struct lt_frame *f, unsigned i)
{
	return i < 6 ? f->arg[i] : f->stack[i - 6];
}

static inline uint64_t lt_frame_word(const struct lt_frame *f, unsigned w)
{
	return ((const uint64_t *)f)[w];
}

/* Per-entry-point descriptor. The trampoline passes its address. The
 * declarative fields say where a family keeps its name, level and format;
 * lt_desc_prepare() turns them into the words and masks the hot path uses,
 * so extracting a key takes no branches. Until it has run, the hot path
 * finds no slot (none is made with a half-prepared key) and the slow path
 * prepares the descriptor itself: preparing twice writes the same values. */
#define LT_ARG_NONE 0xff
struct lt_frame;
struct lt_desc {
	void *real;          /* the function we stand in for; NULL until found */
	uint64_t drop_value; /* what a dropped call returns */
	/* derived (lt_desc_prepare) */
	uint64_t name_mask;  /* 0 when the entry has no name argument */
	uint64_t level_mask; /* 0 when it has no level argument */
	uint64_t meta_id;    /* id, placed where LT_META puts it */
	uint8_t name_word;   /* frame word of the name argument */
	uint8_t level_word;  /* frame word of the level argument */
	uint32_t prepared;   /* the derived fields are set */
	/* declarative */
	uint8_t name_arg;    /* argument holding the name pointer, or LT_ARG_NONE */
	uint8_t level_arg;   /* argument holding the level, or LT_ARG_NONE */
	uint8_t fmt_arg;     /* argument holding the format, or LT_ARG_NONE */
	uint8_t name_deref;  /* name is the first member of the struct pointed at */
	uint32_t id;         /* entry id in the data file */
	/* No name argument: the slow path reads the name from here at a key's
	 * first call (the program name); NULL: no name */
	const uint64_t *name_src;
	uint32_t family;     /* enum ltx_family */
	uint32_t flags;      /* LT_DESC_* */
	uint32_t resolved;   /* a failure to find it was reported */
	/* The call site a call names (fields.c, at a key's first call): the
	 * arguments holding its function, file and line, read as site_kind says */
	uint8_t func_arg, file_arg, line_arg; /* LT_ARG_NONE: not given */
	uint8_t site_kind;   /* enum lt_site_kind */
	const char *symbol;
	/* Reads the name and level from the call's fields at a key's first call
	 * (the key then stands for its call site: sd_journal_send's PRIORITY=,
	 * g_log_structured_array's GLIB_DOMAIN). Returns the name (in buf or
	 * not), or NULL; may set *level. */
	const char *(*fields)(const struct lt_frame *f, char *buf, size_t cap, int32_t *level);
	/* A hook's: where its stub jumps, a count path made for where the hook
	 * keeps its name and level (entry_x86_64.S, chosen by got.c), or the
	 * generic trampoline, which reads any argument. (A built-in entry's
	 * stub jumps to its count path directly.) Last, so that a hook
	 * descriptor handed out again can be cleared without it. */
	void *fast;
};
#define LT_DESC_SIZE 104
enum lt_site_kind {
	LT_SITE_NONE = 0,
	LT_SITE_ARGS,     /* function and file strings, an int line (virLogMessage, a hook) */
	LT_SITE_STRLINE,  /* the line a string too ("123", or the journal's "CODE_LINE=123") */
	LT_SITE_GLIB_ARRAY, /* CODE_* fields of a GLogField array (g_log_structured_array) */
	LT_SITE_GLIB_PAIRS, /* CODE_* key-value pairs of g_log_structured's variadic arguments */
};
/* A call made from inside the library that defines the entry point is part
 * of an outer call already counted (libsystemd's sd_journal_print calls
 * sd_journal_printv, which calls sd_journal_sendv, each through its PLT):
 * its key is marked LT_SA_INNER and left out of the data file. */
#define LT_DESC_INNER_SELF 0x1u
/* The name argument is any user pointer (a hook's name=ARG): read it
 * with a copy that cannot fault. */
#define LT_DESC_NAME_UNTRUSTED 0x2u
/* Named by syslog's current ident (openlog), which no argument holds: the
 * ident's number (families.c) is part of meta_id, so the hot path keys on
 * it at no cost, and openlog/closelog update meta_id. */
#define LT_DESC_IDENT 0x4u

#define LT_META(level, entry, gen) \
	((uint64_t)(uint32_t)(level) | (uint64_t)((entry) & 0xff) << 32 | (uint64_t)((gen) & 0xffffff) << 40)
/* The key of a call, the same in the hot and the slow path. */
#define LT_KEY_NAME(f, d) (lt_frame_word(f, (d)->name_word) & (d)->name_mask)
#define LT_KEY_META(f, d, gen_key) \
	((uint32_t)(lt_frame_word(f, (d)->level_word) & (d)->level_mask) | (d)->meta_id | (gen_key))
#define LT_META_LEVEL(m) ((int32_t)(uint32_t)(m))
#define LT_META_ENTRY(m) ((uint32_t)((m) >> 32) & 0xff)
#define LT_META_GEN(m) ((uint32_t)((m) >> 40))

#endif
