/* Entry patching for x86-64: see patch.h for the contract. The pieces:
 * capstone loaded on first use; the analysis (the first whole instructions
 * covering 5 bytes, and a scan of the function's body for branches into
 * them); the relocated copy in a page within rel32 reach; and the write
 * protocol with its two signal handlers. Runs at start-up and after dlopen,
 * never on the hot path; one mutex serializes everything but the handlers,
 * which only read. */
#include "patch.h"
#include "rawsys.h"

#include <capstone/capstone.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096ul
#define REACH ((int64_t)0x7fffffff - 2 * (int64_t)PAGE) /* rel32, with a margin */
#define CHECK_SIG SIGSTKFLT

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* How capstone is loaded: the shim passes its real dlopen (its exported
 * dlopen is a wrapper that patches after each call, under its own lock). */
static void *(*loader)(const char *, int); /* NULL: the next dlopen after this object's */

void lt_patch_set_loader(void *(*open_fn)(const char *, int))
{
	pthread_mutex_lock(&lock);
	loader = open_fn;
	pthread_mutex_unlock(&lock);
}

static struct lt_patch_stats stats;

void lt_patch_stats(struct lt_patch_stats *out)
{
	out->traps = __atomic_load_n(&stats.traps, __ATOMIC_RELAXED);
	out->moved = __atomic_load_n(&stats.moved, __ATOMIC_RELAXED);
	out->signalled = __atomic_load_n(&stats.signalled, __ATOMIC_RELAXED);
}

/* ---- capstone, loaded once ------------------------------------------------ */

static struct {
	int state; /* 0 not tried, 1 loaded, -1 unavailable */
	cs_err (*open)(cs_arch, cs_mode, csh *);
	cs_err (*option)(csh, cs_opt_type, size_t);
	cs_insn *(*alloc)(csh);
	bool (*iter)(csh, const uint8_t **, size_t *, uint64_t *, cs_insn *);
	csh h;
	cs_insn *insn;
} cs;

static int cs_load(void)
{
	if (cs.state)
		return cs.state > 0 ? 0 : -1;
	cs.state = -1;
	if (!loader)
		loader = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	void *lib = loader ? loader("libcapstone.so.4", RTLD_NOW | RTLD_LOCAL) : NULL;
	if (!lib)
		return -1;
	cs.open = (cs_err(*)(cs_arch, cs_mode, csh *))dlsym(lib, "cs_open");
	cs.option = (cs_err(*)(csh, cs_opt_type, size_t))dlsym(lib, "cs_option");
	cs.alloc = (cs_insn * (*)(csh)) dlsym(lib, "cs_malloc");
	cs.iter = (bool (*)(csh, const uint8_t **, size_t *, uint64_t *, cs_insn *))dlsym(lib, "cs_disasm_iter");
	if (!cs.open || !cs.option || !cs.alloc || !cs.iter || cs.open(CS_ARCH_X86, CS_MODE_64, &cs.h) != CS_ERR_OK)
		return -1;
	if (cs.option(cs.h, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK || !(cs.insn = cs.alloc(cs.h)))
		return -1;
	cs.state = 1;
	return 0;
}

/* One instruction at code (avail bytes readable), as if at address addr. */
static int decode(const uint8_t *code, size_t avail, uint64_t addr)
{
	return cs.iter(cs.h, &code, &avail, &addr, cs.insn) ? 0 : -1;
}

/* ---- what an instruction needs to move ------------------------------------ */

enum { K_PLAIN, K_RIPREL, K_JMP, K_JCC, K_CALL };

struct ins {
	uint8_t off, len, kind, cc, disp_off, ends;
	uint64_t ref; /* the absolute address a RIP-relative operand or branch names */
};

static int is_jcc(unsigned id)
{
	switch (id) {
	case X86_INS_JAE: case X86_INS_JA: case X86_INS_JBE: case X86_INS_JB: case X86_INS_JE:
	case X86_INS_JGE: case X86_INS_JG: case X86_INS_JLE: case X86_INS_JL: case X86_INS_JNE:
	case X86_INS_JNO: case X86_INS_JNP: case X86_INS_JNS: case X86_INS_JO: case X86_INS_JP:
	case X86_INS_JS:
		return 1;
	}
	return 0;
}

static int is_short_only(unsigned id)
{
	return id == X86_INS_JRCXZ || id == X86_INS_JECXZ || id == X86_INS_JCXZ || id == X86_INS_LOOP ||
	       id == X86_INS_LOOPE || id == X86_INS_LOOPNE;
}

/* The absolute target of a relative branch, if the decoded one is one. */
static int branch_target(uint64_t *t)
{
	unsigned id = cs.insn->id;
	const cs_x86 *x = &cs.insn->detail->x86;
	if (id != X86_INS_JMP && id != X86_INS_CALL && !is_jcc(id) && !is_short_only(id) && id != X86_INS_XBEGIN)
		return 0;
	if (x->op_count < 1 || x->operands[0].type != X86_OP_IMM)
		return 0;
	*t = (uint64_t)x->operands[0].imm;
	return 1;
}

static int rip_operand(void)
{
	const cs_x86 *x = &cs.insn->detail->x86;
	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM &&
		    (x->operands[i].mem.base == X86_REG_RIP || x->operands[i].mem.base == X86_REG_EIP))
			return x->operands[i].mem.base == X86_REG_RIP ? 1 : -1;
	return 0;
}

/* Classifies the decoded instruction at at + off. 0, or -1 with why. */
static int classify(struct ins *in, uint8_t off, char *why, size_t cap)
{
	unsigned id = cs.insn->id;
	const cs_x86 *x = &cs.insn->detail->x86;
	memset(in, 0, sizeof *in);
	in->off = off;
	in->len = (uint8_t)cs.insn->size;
	uint64_t t;
	if (is_short_only(id) || id == X86_INS_XBEGIN) {
		snprintf(why, cap, "%s at +0x%x has no long form to relocate into", cs.insn->mnemonic, off);
		return -1;
	}
	if (id == X86_INS_INT3 || id == X86_INS_INT || id == X86_INS_INTO || id == X86_INS_INT1) {
		snprintf(why, cap, "an %s at +0x%x (a debugger's breakpoint?)", cs.insn->mnemonic, off);
		return -1;
	}
	if (id == X86_INS_RET || id == X86_INS_RETF || id == X86_INS_RETFQ || id == X86_INS_IRET ||
	    id == X86_INS_IRETD || id == X86_INS_IRETQ || id == X86_INS_UD2 || id == X86_INS_HLT)
		in->ends = 1;
	if (branch_target(&t)) {
		in->ref = t;
		if (id == X86_INS_JMP) {
			in->kind = K_JMP;
			in->ends = 1;
		} else if (id == X86_INS_CALL) {
			in->kind = K_CALL;
		} else {
			in->kind = K_JCC;
			in->cc = (uint8_t)((x->opcode[0] == 0x0f ? x->opcode[1] : x->opcode[0]) & 0x0f);
		}
		return 0;
	}
	if (id == X86_INS_JMP || id == X86_INS_LJMP)
		in->ends = 1; /* indirect */
	int r = rip_operand();
	if (r < 0) {
		snprintf(why, cap, "%s at +0x%x addresses memory relative to eip", cs.insn->mnemonic, off);
		return -1;
	}
	if (r > 0) {
		/* capstone 4 leaves disp_offset 0 for some SSE forms; a RIP-relative
		 * operand has no SIB, so its disp32 follows the ModR/M byte */
		unsigned doff = x->encoding.disp_offset;
		if (!doff && x->encoding.modrm_offset)
			doff = x->encoding.modrm_offset + 1u;
		int32_t want = (int32_t)x->disp, have;
		if (doff && doff + 4 <= cs.insn->size)
			memcpy(&have, cs.insn->bytes + doff, 4);
		if (!doff || doff + 4 > cs.insn->size || have != want) {
			snprintf(why, cap, "%s at +0x%x: its displacement cannot be found", cs.insn->mnemonic, off);
			return -1;
		}
		in->kind = K_RIPREL;
		in->disp_off = (uint8_t)doff;
		in->ref = cs.insn->address + cs.insn->size + (uint64_t)x->disp;
	}
	return 0;
}

static int copy_len(const struct ins *in)
{
	return in->kind == K_JMP || in->kind == K_CALL ? 5 : in->kind == K_JCC ? 6 : in->len;
}

/* ---- analysis --------------------------------------------------------------- */

static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

struct plan {
	uint8_t *fn, *at;
	uint8_t len, nins, calls_out;
	struct ins ins[LT_PATCH_MAXINS];
};

static int fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/* Whether the decoded instruction (in a function at [fn, fn + size)) calls
 * or tail-calls code the compiler could not see into: an indirect call, a
 * jump through memory (a GOT entry), or a call or jump to a PLT stub
 * (whose first instruction, after endbr64 and a bnd prefix, is `jmp
 * *disp(%rip)`). Such a function clobbers every call-clobbered register as
 * far as its callers know, and needs an aligned stack. */
static int calls_unseen(uint64_t fn, size_t size)
{
	unsigned id = cs.insn->id;
	const cs_x86 *x = &cs.insn->detail->x86;
	if ((id != X86_INS_CALL && id != X86_INS_JMP) || x->op_count < 1)
		return 0;
	if (x->operands[0].type == X86_OP_MEM)
		return 1;
	if (x->operands[0].type == X86_OP_REG)
		return id == X86_INS_CALL; /* a jmp through a register: a switch, most likely */
	uint64_t t = (uint64_t)x->operands[0].imm;
	if (x->operands[0].type != X86_OP_IMM || (t >= fn && t - fn < size))
		return 0;
	uint8_t b[12];
	struct iovec l = { b, sizeof b }, r = { (void *)t, sizeof b };
	if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)sizeof b)
		return 0; /* unreadable: not a PLT stub we can tell */
	unsigned o = !memcmp(b, endbr64, 4) ? 4 : 0;
	o += b[o] == 0xf2; /* bnd */
	return b[o] == 0xff && b[o + 1] == 0x25;
}

/* Decodes the first instructions and scans the body. Called with the lock
 * held and capstone loaded. */
static int analyze(struct plan *pl, uint8_t *fn, size_t size, char *why, size_t cap)
{
	memset(pl, 0, sizeof *pl);
	pl->fn = pl->at = fn;
	if (!size) {
		snprintf(why, cap, "its size is unknown (no symbol size, no .eh_frame entry): its body cannot be "
				   "checked for branches into its first bytes");
		return LT_PATCH_ENOSIZE;
	}
	if (size >= 4 && !memcmp(fn, endbr64, 4))
		pl->at += 4;
	size_t body = size - (size_t)(pl->at - fn);
	if (body < 5) {
		snprintf(why, cap, "it is %zu bytes long%s: a jmp needs 5", body, pl->at != fn ? " after its endbr64" : "");
		return LT_PATCH_ESHORT;
	}
	unsigned off = 0;
	while (off < 5) {
		if (pl->nins == LT_PATCH_MAXINS)
			return snprintf(why, cap, "too many instructions"), LT_PATCH_EUNMOVABLE;
		size_t avail = body - off < 16 ? body - off : 16;
		if (decode(pl->at + off, avail, (uint64_t)(pl->at + off)) < 0) {
			snprintf(why, cap, "the bytes at +0x%x do not decode as an instruction",
				 (unsigned)(pl->at + off - fn));
			return LT_PATCH_EDECODE;
		}
		struct ins *in = &pl->ins[pl->nins];
		if (classify(in, (uint8_t)off, why, cap) < 0)
			return LT_PATCH_EUNMOVABLE;
		pl->nins++;
		off += in->len;
		if (in->ends && off < 5) {
			snprintf(why, cap, "a %s at +0x%x ends it %u bytes in%s: a jmp needs 5", cs.insn->mnemonic,
				 (unsigned)(pl->at + in->off - fn), off, pl->at != fn ? " after its endbr64" : "");
			return LT_PATCH_ESHORT;
		}
	}
	if (off > LT_PATCH_MAXLEN)
		return snprintf(why, cap, "its first instructions are too long"), LT_PATCH_EUNMOVABLE;
	pl->len = (uint8_t)off;
	/* The body: a relative branch anywhere in it that lands strictly inside
	 * the replaced bytes would land in the middle of our jmp. (A branch to
	 * their first byte lands on the jmp itself, as a call would.) Bytes that
	 * do not decode (data, padding) are stepped over one at a time. */
	uint64_t lo = (uint64_t)pl->at, hi = lo + pl->len;
	for (size_t o = 0; o < size;) {
		size_t avail = size - o < 16 ? size - o : 16;
		if (decode(fn + o, avail, (uint64_t)(fn + o)) < 0) {
			o++;
			continue;
		}
		uint64_t t;
		if (!pl->calls_out && calls_unseen((uint64_t)fn, size))
			pl->calls_out = 1;
		if (branch_target(&t) && t > lo && t < hi) {
			snprintf(why, cap, "a branch (%s at +0x%zx) lands at +0x%x, inside the %u bytes to be replaced",
				 cs.insn->mnemonic, o, (unsigned)(t - (uint64_t)fn), pl->len);
			return LT_PATCH_EBRANCHIN;
		}
		o += cs.insn->size;
	}
	return 0;
}

int lt_patch_check(void *fn, size_t size, int *calls_out, char *why, size_t cap)
{
	struct plan pl;
	pthread_mutex_lock(&lock);
	int r = cs_load() < 0 ? (snprintf(why, cap, "the disassembler (libcapstone.so.4) could not be loaded"),
				 LT_PATCH_ENODECODER)
			      : analyze(&pl, fn, size, why, cap);
	if (calls_out)
		*calls_out = !r && pl.calls_out;
	pthread_mutex_unlock(&lock);
	return r;
}

/* ---- /proc/self/maps ---------------------------------------------------------- */

/* Calls each(lo, hi, perms) for every mapping, in address order, until it
 * returns nonzero; that value, 0 at the end, -1 if maps cannot be read. */
static int maps_each(int (*each)(uint64_t, uint64_t, const char *, void *), void *arg)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[8192];
	size_t have = 0;
	int r = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			*nl = 0;
			char *end;
			uint64_t a = strtoull(line, &end, 16), b = *end == '-' ? strtoull(end + 1, &end, 16) : 0;
			if (*end == ' ' && strlen(end) > 4 && (r = each(a, b, end + 1, arg)))
				goto done;
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof buf - 1)
			have = 0; /* a line longer than the buffer: dropped */
	}
done:
	close(fd);
	return r;
}

struct gap_ctx {
	uint64_t lo, hi, want; /* the window for the page's start, and where we would like it */
	uint64_t prev_end, best, best_d;
};

static void gap_consider(struct gap_ctx *c, uint64_t a, uint64_t b)
{
	/* a free range [a, b): page starts from a to b - PAGE */
	if (b < a + PAGE)
		return;
	uint64_t s_lo = a > c->lo ? a : c->lo, s_hi = b - PAGE < c->hi ? b - PAGE : c->hi;
	if (s_lo > s_hi)
		return;
	uint64_t s = c->want < s_lo ? s_lo : c->want > s_hi ? s_hi : c->want;
	s &= ~(PAGE - 1);
	if (s < s_lo)
		s += PAGE;
	if (s > s_hi)
		return;
	/* Below the function if at all possible: just above an executable
	 * lies the room its brk heap grows into. */
	uint64_t d = s > c->want ? (s - c->want) + (1ull << 40) : c->want - s;
	if (d < c->best_d)
		c->best = s, c->best_d = d;
}

static int gap_each(uint64_t a, uint64_t b, const char *perms, void *arg)
{
	(void)perms;
	struct gap_ctx *c = arg;
	if (a > c->prev_end)
		gap_consider(c, c->prev_end, a);
	if (b > c->prev_end)
		c->prev_end = b;
	return 0;
}

/* A read-write page whose every byte is in [lo, hi + PAGE), as near to
 * want as the free ranges allow. */
static uint8_t *map_near(uint64_t lo, uint64_t hi, uint64_t want)
{
	for (int tries = 0; tries < 8; tries++) {
		struct gap_ctx c = { lo, hi, want, 0x10000, 0, UINT64_MAX };
		if (maps_each(gap_each, &c) < 0)
			return NULL;
		gap_consider(&c, c.prev_end, 0x7ffffffff000ull);
		if (c.best_d == UINT64_MAX)
			return NULL;
		void *m = mmap((void *)c.best, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			       -1, 0);
		if (m == (void *)c.best)
			return m;
		if (m != MAP_FAILED)
			munmap(m, PAGE); /* an old kernel took it as a hint */
		else if (errno != EEXIST)
			return NULL;
		/* someone mapped it between our read and our mmap: look again */
	}
	return NULL;
}

/* ---- prepare ------------------------------------------------------------------ */

static struct lt_patch *list; /* every prepared patch, read by the trap handler */

static void put32(uint8_t *p, int64_t v)
{
	int32_t w = (int32_t)v;
	memcpy(p, &w, 4);
}

int lt_patch_prepare(struct lt_patch *p, void *fn, size_t size, void *target)
{
	struct plan pl;
	int r;
	pthread_mutex_lock(&lock);
	if (p->state != LT_PATCH_NONE) {
		/* prepared before: its copy stands; only the struct's place in the list matters */
		snprintf(p->why, sizeof p->why, "prepared already");
		pthread_mutex_unlock(&lock);
		return LT_PATCH_ESTATE;
	}
	memset(p, 0, sizeof *p);
	if (cs_load() < 0) {
		snprintf(p->why, sizeof p->why, "the disassembler (libcapstone.so.4) could not be loaded");
		r = LT_PATCH_ENODECODER;
		goto out;
	}
	if ((r = analyze(&pl, fn, size, p->why, sizeof p->why)))
		goto out;
	/* The window: every address the copy's rel32 fields name, and the jmp
	 * back, must be within reach of every byte of the copy's page. */
	uint64_t at = (uint64_t)pl.at, refs_lo = at + pl.len, refs_hi = at + pl.len;
	for (unsigned k = 0; k < pl.nins; k++)
		if (pl.ins[k].kind != K_PLAIN) {
			uint64_t t = pl.ins[k].ref;
			refs_lo = t < refs_lo ? t : refs_lo;
			refs_hi = t > refs_hi ? t : refs_hi;
		}
	int direct = fits32((int64_t)((uint64_t)target - (at + 5)));
	if (!direct) {
		/* the jmp at the entry then goes to a thunk in the copy's page */
		refs_lo = at < refs_lo ? at : refs_lo;
		refs_hi = at + 5 > refs_hi ? at + 5 : refs_hi;
	}
	uint64_t lo = refs_hi > (uint64_t)REACH ? refs_hi - (uint64_t)REACH : 0;
	uint64_t hi = refs_lo + (uint64_t)REACH - PAGE;
	uint8_t *c = lo <= hi ? map_near(lo, hi, at) : NULL;
	if (!c) {
		snprintf(p->why, sizeof p->why, "no free page within 2 GiB of its entry for the relocated copy");
		r = LT_PATCH_ENOMEM;
		goto out;
	}
	/* The copy: endbr64 (a valid indirect-branch target under IBT), the
	 * instructions relocated, a jmp back behind the replaced bytes. */
	unsigned pos = 4;
	memcpy(c, endbr64, 4);
	int ended = 0;
	for (unsigned k = 0; k < pl.nins; k++) {
		const struct ins *in = &pl.ins[k];
		p->ins_at[k] = in->off;
		p->ins_copy[k] = (uint8_t)pos;
		uint8_t *d = c + pos;
		int n = copy_len(in);
		switch (in->kind) {
		case K_PLAIN:
			memcpy(d, pl.at + in->off, in->len);
			break;
		case K_RIPREL:
			memcpy(d, pl.at + in->off, in->len);
			put32(d + in->disp_off, (int64_t)(in->ref - (uint64_t)(d + in->len)));
			break;
		case K_JMP:
			d[0] = 0xe9;
			put32(d + 1, (int64_t)(in->ref - (uint64_t)(d + 5)));
			break;
		case K_CALL:
			d[0] = 0xe8;
			put32(d + 1, (int64_t)(in->ref - (uint64_t)(d + 5)));
			break;
		case K_JCC:
			d[0] = 0x0f;
			d[1] = (uint8_t)(0x80 | in->cc);
			put32(d + 2, (int64_t)(in->ref - (uint64_t)(d + 6)));
			break;
		}
		pos += (unsigned)n;
		ended = in->ends;
	}
	if (!ended) {
		c[pos] = 0xe9;
		put32(c + pos + 1, (int64_t)(at + pl.len - (uint64_t)(c + pos + 5)));
		pos += 5;
	}
	uint8_t *jump_to = target;
	if (!direct) {
		pos = (pos + 7) & ~7u;
		static const uint8_t abs_jmp[6] = { 0xff, 0x25, 0, 0, 0, 0 }; /* jmp *0(%rip) */
		memcpy(c + pos, abs_jmp, 6);
		uint64_t t = (uint64_t)target;
		memcpy(c + pos + 6, &t, 8);
		jump_to = c + pos;
		pos += 14;
	}
	/* Read the copy back: each moved instruction must name what the
	 * original named (a wrong displacement offset would not). */
	for (unsigned k = 0; k < pl.nins; k++) {
		const struct ins *in = &pl.ins[k];
		uint8_t *d = c + p->ins_copy[k];
		uint64_t t = 0;
		int ok = 1;
		if (in->kind == K_PLAIN)
			continue;
		if (decode(d, (size_t)copy_len(in), (uint64_t)d) < 0)
			ok = 0;
		else if (in->kind == K_RIPREL)
			ok = rip_operand() > 0 && cs.insn->size == in->len &&
			     (uint64_t)d + in->len + (uint64_t)cs.insn->detail->x86.disp == in->ref;
		else
			ok = branch_target(&t) && t == in->ref;
		if (!ok) {
			munmap(c, PAGE);
			snprintf(p->why, sizeof p->why, "the instruction at +0x%x did not survive relocation",
				 (unsigned)(pl.at + in->off - pl.fn));
			r = LT_PATCH_EUNMOVABLE;
			goto out;
		}
	}
	if (mprotect(c, PAGE, PROT_READ | PROT_EXEC) < 0) {
		munmap(c, PAGE);
		snprintf(p->why, sizeof p->why, "the kernel refused to make the copy's page executable (%s)",
			 strerror(errno));
		r = LT_PATCH_EPROT;
		goto out;
	}
	p->fn = fn;
	p->at = pl.at;
	p->target = target;
	p->copy = c;
	p->jump_to = jump_to;
	p->size = size;
	p->len = pl.len;
	p->nins = pl.nins;
	p->calls_out = pl.calls_out;
	memcpy(p->orig, pl.at, pl.len);
	p->jmp[0] = 0xe9;
	put32(p->jmp + 1, (int64_t)((uint64_t)jump_to - (at + 5)));
	memset(p->jmp + 5, 0xcc, pl.len - 5u);
	p->state = LT_PATCH_PREPARED;
	p->next = list;
	__atomic_store_n(&list, p, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&lock);
	return r;
}

/* ---- the handlers ------------------------------------------------------------ */

static struct sigaction prev_trap, prev_check;

/* How handlers are installed: the shim passes libc's sigaction (its own
 * exported one is a wrapper of the program's view). */
typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
static sigaction_fn sa_fn; /* NULL: the next sigaction after this object's */

static sigaction_fn real_sa(void)
{
	if (!sa_fn)
		sa_fn = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
	return sa_fn;
}

void lt_patch_set_sigaction(int (*fn)(int, const struct sigaction *, struct sigaction *))
{
	pthread_mutex_lock(&lock);
	sa_fn = fn;
	pthread_mutex_unlock(&lock);
}
static struct lt_patch *checking; /* the patch whose window the check signal looks at */
static char check_magic;          /* its address tags our check signals */
#define MAX_TIDS 4096
static pid_t tids[MAX_TIDS];
static int acked[MAX_TIDS];
static unsigned ntids;

static void chain(const struct sigaction *prev, int sig, siginfo_t *si, void *uc)
{
	if (prev->sa_flags & SA_SIGINFO || (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN)) {
		/* with the signals blocked its own sigaction would have blocked
		 * (ours may block fewer: on_trap's is SA_NODEFER) */
		sigset_t m = prev->sa_mask, old;
		if (!(prev->sa_flags & SA_NODEFER))
			sigaddset(&m, sig);
		pthread_sigmask(SIG_BLOCK, &m, &old);
		if (!(prev->sa_flags & SA_SIGINFO))
			prev->sa_handler(sig);
		else if (prev->sa_sigaction)
			prev->sa_sigaction(sig, si, uc);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	} else if (prev->sa_handler == SIG_DFL) {
		/* what would have happened without us: the default action, once
		 * this handler returns and unblocks the signal */
		struct sigaction dfl;
		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		real_sa()(sig, &dfl, NULL);
		{
			long tid = lt_syscall(SYS_gettid);
			lt_syscall(SYS_tgkill, getpid(), tid, sig);
		}
	}
}

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	if (si->si_code == SI_KERNEL)
		for (struct lt_patch *p = __atomic_load_n(&list, __ATOMIC_ACQUIRE); p; p = p->next)
			if (rip == (uint64_t)p->at + 1 && p->state != LT_PATCH_GONE) {
				/* our int3: the copy does what the original bytes did */
				uc->uc_mcontext.gregs[REG_RIP] = (greg_t)p->copy;
				__atomic_add_fetch(&stats.traps, 1, __ATOMIC_RELAXED);
				return;
			}
	chain(&prev_trap, sig, si, ucv);
}

static void on_check(int sig, siginfo_t *si, void *ucv)
{
	if (si->si_code != SI_QUEUE || si->si_value.sival_ptr != &check_magic || si->si_pid != getpid()) {
		chain(&prev_check, sig, si, ucv);
		return;
	}
	int e = errno;
	ucontext_t *uc = ucv;
	struct lt_patch *p = __atomic_load_n(&checking, __ATOMIC_ACQUIRE);
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	if (p && rip > (uint64_t)p->at && rip < (uint64_t)p->at + p->len)
		for (unsigned k = 0; k < p->nins; k++)
			if ((uint64_t)p->at + p->ins_at[k] == rip) {
				uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(p->copy + p->ins_copy[k]);
				__atomic_add_fetch(&stats.moved, 1, __ATOMIC_RELAXED);
				break;
			}
	pid_t me = (pid_t)lt_syscall(SYS_gettid);
	unsigned n = __atomic_load_n(&ntids, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < n; i++)
		if (tids[i] == me)
			__atomic_store_n(&acked[i], 1, __ATOMIC_RELEASE);
	errno = e;
}

/* Ours installed (again, if the program replaced it since: we then chain
 * to what it installed). extra: more sa_flags. */
static int own_handler(int sig, void (*fn)(int, siginfo_t *, void *), struct sigaction *prev, int extra)
{
	struct sigaction cur, sa;
	if (real_sa()(sig, NULL, &cur) < 0)
		return -1;
	if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == fn)
		return 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK | extra;
	sigemptyset(&sa.sa_mask);
	*prev = cur;
	return real_sa()(sig, &sa, NULL);
}

/* ---- serializing the cores ------------------------------------------------- */

static int mb_state; /* 0 not tried, 1 membarrier, -1 the mprotect way */
static uint8_t *shoot_page;

static void sync_cores(void)
{
	if (!mb_state) {
		long q = lt_syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
		mb_state = q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) &&
				   lt_syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0
			   ? 1
			   : -1;
	}
	if (mb_state > 0 && lt_syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0)
		return;
	/* a fork child's memory is not registered: register it, once */
	if (mb_state > 0 && errno == EPERM &&
	    lt_syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0 &&
	    lt_syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0)
		return;
	/* Taking write access away from a page every core may have cached
	 * makes the kernel interrupt each core running our threads (a TLB
	 * shootdown); the return from that interrupt serializes it. */
	if (!shoot_page) {
		void *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return;
		shoot_page = m;
	}
	__atomic_store_n(shoot_page, 1, __ATOMIC_SEQ_CST);
	mprotect(shoot_page, PAGE, PROT_READ);
	mprotect(shoot_page, PAGE, PROT_READ | PROT_WRITE);
}

/* ---- the other threads ------------------------------------------------------- */

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* The process's threads but the caller, into tids[]; their count, or -1. */
static int list_threads(void)
{
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	pid_t me = (pid_t)lt_syscall(SYS_gettid);
	unsigned n = 0;
	char buf[4096] __attribute__((aligned(8)));
	long got;
	while ((got = lt_syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long o = 0; o < got;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + o);
			o += d->d_reclen;
			pid_t t = (pid_t)atoi(d->d_name);
			if (t <= 0 || t == me)
				continue;
			if (n == MAX_TIDS) {
				close(fd);
				return -1;
			}
			tids[n] = t;
			acked[n] = 0;
			n++;
		}
	}
	close(fd);
	if (got < 0)
		return -1;
	__atomic_store_n(&ntids, n, __ATOMIC_RELEASE);
	return (int)n;
}

/* Where a thread is, from /proc/self/task/TID/syscall: 1 asleep in the
 * kernel with its user rip outside [lo, hi); 0 unknown (running, or inside);
 * 2 gone. */
static int thread_outside(pid_t tid, uint64_t lo, uint64_t hi)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 2 : 0;
	ssize_t n;
	do
		n = read(fd, buf, sizeof buf - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return n == 0 ? 2 : 0;
	buf[n] = 0;
	if (!strncmp(buf, "running", 7))
		return 0;
	/* "NR ARG... SP PC" or "-1 SP PC": the last field is the user rip */
	char *last = strrchr(buf, ' ');
	if (!last)
		return 0;
	uint64_t pc = strtoull(last + 1, NULL, 16);
	return pc >= lo && pc < hi ? 0 : 1;
}

/* A thread that blocks SIGTRAP and runs: the int3 written first would kill
 * the process if it reached it (the kernel delivers a blocked SIGTRAP from
 * a trap with the default action). GLib starts its threads with every
 * signal blocked (libvirtd's gmain, say). Such a thread asleep in the
 * kernel is let be: it would have to wake and enter this very function in
 * the few milliseconds the int3 stands. Its tid, or 0. */
static pid_t trap_blocked_running_now(int n)
{
	for (int i = 0; i < n; i++) {
		char path[64], buf[8192]; /* (status is about 1.5 kB; SigBlk is in its middle) */
		snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)tids[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone */
		ssize_t got;
		do
			got = read(fd, buf, sizeof buf - 1);
		while (got < 0 && errno == EINTR);
		close(fd);
		if (got <= 0)
			continue;
		buf[got] = 0;
		const char *st = strstr(buf, "\nState:\t"), *blk = strstr(buf, "\nSigBlk:\t");
		if (!st || !blk)
			return tids[i]; /* unknown: as if it did */
		uint64_t mask = strtoull(blk + 9, NULL, 16);
		if ((mask >> (SIGTRAP - 1) & 1) && st[8] == 'R') /* running or runnable; not asleep, stopped or a zombie */
			return tids[i];
	}
	return 0;
}

/* Such a thread usually runs for a moment (GLib's gmain wakes for a timer
 * and sleeps again): asked again every 2 ms for up to 200 ms. */
static pid_t trap_blocked_running(int n)
{
	pid_t t = 0;
	for (int attempt = 0; attempt < 100 && (t = trap_blocked_running_now(n)) != 0; attempt++) {
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	return t;
}

/* Every other thread either asleep outside the replaced bytes or, told by
 * the check signal, moved out of them. 0, or -1 with why. */
static int check_threads(struct lt_patch *p, int n, char *why, size_t cap)
{
	uint64_t lo = (uint64_t)p->at + 1, hi = (uint64_t)p->at + p->len;
	int pending = 0;
	union sigval v = { .sival_ptr = &check_magic };
	__atomic_store_n(&checking, p, __ATOMIC_RELEASE);
	/* A thread may block signals for a moment (glibc and the sanitizers
	 * do around thread creation): asked again, up to 5 times 200 ms. */
	for (int attempt = 0; attempt < 5; attempt++) {
		pending = 0;
		for (int i = 0; i < n; i++) {
			if (__atomic_load_n(&acked[i], __ATOMIC_ACQUIRE))
				continue;
			if (thread_outside(tids[i], lo, hi)) {
				acked[i] = 1;
				continue;
			}
			siginfo_t si;
			memset(&si, 0, sizeof si);
			si.si_signo = CHECK_SIG;
			si.si_code = SI_QUEUE;
			si.si_pid = getpid();
			si.si_uid = getuid();
			si.si_value = v;
			if (lt_syscall(SYS_rt_tgsigqueueinfo, getpid(), tids[i], CHECK_SIG, &si) < 0)
				acked[i] = 1; /* gone */
			else
				pending++;
		}
		stats.signalled += (unsigned long)pending;
		/* up to ~200 ms: a thread that blocks the signal may fall asleep */
		for (int round = 0; pending && round < 2000; round++) {
			pending = 0;
			for (int i = 0; i < n; i++) {
				if (__atomic_load_n(&acked[i], __ATOMIC_ACQUIRE))
					continue;
				if (round % 50 == 49 && thread_outside(tids[i], lo, hi)) {
					acked[i] = 1;
					continue;
				}
				pending++;
			}
			if (pending) {
				struct timespec ts = { 0, 100000 };
				nanosleep(&ts, NULL);
			}
		}
		if (!pending)
			break;
	}
	__atomic_store_n(&checking, NULL, __ATOMIC_RELEASE);
	if (pending) {
		for (int i = 0; i < n; i++)
			if (!acked[i]) {
				snprintf(why, cap, "thread %d runs with the check signal (%d) blocked: it may be inside the "
						   "bytes to be replaced",
					 (int)tids[i], CHECK_SIG);
				break;
			}
		return -1;
	}
	return 0;
}

/* ---- writing the entry ----------------------------------------------------- */

struct prot_ctx {
	uint64_t addr;
	int prot;
};

static int prot_each(uint64_t a, uint64_t b, const char *perms, void *arg)
{
	struct prot_ctx *c = arg;
	if (c->addr < a || c->addr >= b)
		return 0;
	c->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	return 1;
}

int lt_page_prot(uint64_t addr)
{
	struct prot_ctx c = { addr, -1 };
	maps_each(prot_each, &c);
	return c.prot;
}

static void store_bytes(uint8_t *dst, const uint8_t *src, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
	/* a full fence before the cores are serialized (an instruction, not
	 * __atomic_thread_fence, which ThreadSanitizer builds refuse) */
	__asm__ volatile("mfence" ::: "memory");
}

/* Writes want over p->at (p->len bytes), with the other threads running. */
static int write_entry(struct lt_patch *p, const uint8_t *want, int check)
{
	uint64_t a = (uint64_t)p->at, first = a & ~(PAGE - 1), last = (a + p->len - 1) & ~(PAGE - 1);
	int prot[2] = { lt_page_prot(first), 0 };
	prot[1] = last == first ? prot[0] : lt_page_prot(last);
	if (prot[0] < 0 || prot[1] < 0) {
		snprintf(p->why, sizeof p->why, "its page is not in /proc/self/maps (or /proc cannot be read)");
		return LT_PATCH_EPROT;
	}
	for (int i = 0; i <= (last != first); i++)
		if (!(prot[i] & PROT_WRITE) &&
		    mprotect((void *)(i ? last : first), PAGE, prot[i] | PROT_READ | PROT_WRITE) < 0) {
			snprintf(p->why, sizeof p->why, "the kernel refused to make its text writable (%s)",
				 strerror(errno));
			if (i)
				mprotect((void *)first, PAGE, prot[0]);
			return LT_PATCH_EPROT;
		}
	int r = 0;
	pid_t blocker;
	int n = list_threads();
	if (n == 0) {
		/* alone: only a signal handler of ours could run it meanwhile */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		store_bytes(p->at, want, p->len);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	} else if (n < 0) {
		snprintf(p->why, sizeof p->why, "its threads cannot be listed (/proc/self/task)");
		r = LT_PATCH_EBUSY;
	} else if ((blocker = trap_blocked_running(n)) != 0) {
		snprintf(p->why, sizeof p->why,
			 "thread %d blocks SIGTRAP and is running: the int3 that guards the change could kill the "
			 "process",
			 (int)blocker);
		r = LT_PATCH_EBUSY;
	} else {
		uint8_t int3 = 0xcc;
		store_bytes(p->at, &int3, 1);
		sync_cores();
		/* one instruction replaced: no thread can be stopped inside it */
		if (check && p->nins > 1 && check_threads(p, n, p->why, sizeof p->why) < 0) {
			store_bytes(p->at, p->state == LT_PATCH_APPLIED ? p->jmp : p->orig, 1);
			sync_cores();
			r = LT_PATCH_EBUSY;
		} else {
			store_bytes(p->at + 1, want + 1, p->len - 1u);
			sync_cores();
			store_bytes(p->at, want, 1);
			sync_cores();
		}
	}
	for (int i = 0; i <= (last != first); i++)
		if (!(prot[i] & PROT_WRITE) && mprotect((void *)(i ? last : first), PAGE, prot[i]) < 0 && !r) {
			/* never leave it writable and executable: say so loudly */
			snprintf(p->why, sizeof p->why, "its text page could not be made read-only again (%s)",
				 strerror(errno));
			r = LT_PATCH_EPROT;
		}
	return r;
}

static void at_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void at_parent(void)
{
	pthread_mutex_unlock(&lock);
}

static void at_child(void)
{
	pthread_mutex_unlock(&lock);
}

/* Never uninstalled, not even at detach: a thread preempted between our
 * int3 and the delivery of its SIGTRAP, or one that blocked a check signal
 * queued to it, gets that signal later, and its default action would end
 * the process (docs/DESIGN.md, "Detach"). */
static int handlers_ready(struct lt_patch *p)
{
	/* on_trap leaves SIGTRAP unblocked while it runs: a thread that met the
	 * last change's int3 and waits to be scheduled inside it would
	 * otherwise show SIGTRAP blocked and hold up the next change
	 * (trap_blocked_running). */
	if (own_handler(SIGTRAP, on_trap, &prev_trap, SA_NODEFER) < 0 ||
	    own_handler(CHECK_SIG, on_check, &prev_check, 0) < 0) {
		snprintf(p->why, sizeof p->why, "the SIGTRAP and check-signal handlers could not be installed");
		return -1;
	}
	return 0;
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* pthread_atfork's object in libc_nonshared.a has no CET note (it would
 * take the shim's off): glibc's registration with this object's handle. */
extern int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso);
extern void *__dso_handle __attribute__((visibility("hidden")));

static void atfork_register(void)
{
	__register_atfork(at_prepare, at_parent, at_child, &__dso_handle);
}

int lt_patch_apply(struct lt_patch *p)
{
	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&lock);
	int r = 0;
	if (p->state != LT_PATCH_PREPARED) {
		snprintf(p->why, sizeof p->why, p->state == LT_PATCH_APPLIED ? "applied already" : "not prepared");
		r = LT_PATCH_ESTATE;
	} else if (memcmp(p->at, p->orig, p->len)) {
		snprintf(p->why, sizeof p->why, "its first bytes changed since it was prepared");
		r = LT_PATCH_ECHANGED;
	} else if (handlers_ready(p) < 0) {
		r = LT_PATCH_EPROT;
	} else if (!(r = write_entry(p, p->jmp, 1))) {
		__atomic_store_n(&p->state, LT_PATCH_APPLIED, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&lock);
	return r;
}

int lt_patch_remove(struct lt_patch *p)
{
	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&lock);
	int r = 0;
	if (p->state != LT_PATCH_APPLIED) {
		snprintf(p->why, sizeof p->why, "not applied");
		r = LT_PATCH_ESTATE;
	} else if (memcmp(p->at, p->jmp, p->len)) {
		snprintf(p->why, sizeof p->why, "its patched bytes changed since they were written");
		r = LT_PATCH_ECHANGED;
	} else if (handlers_ready(p) < 0) {
		r = LT_PATCH_EPROT;
	} else if (!(r = write_entry(p, p->orig, 0))) {
		/* no thread can be inside a single jmp: no check needed */
		p->state = LT_PATCH_PREPARED;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

void lt_patch_remove_all(unsigned *ok, unsigned *bad)
{
	for (struct lt_patch *p = __atomic_load_n(&list, __ATOMIC_ACQUIRE); p; p = p->next) {
		if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != LT_PATCH_APPLIED)
			continue;
		if (lt_patch_remove(p) == 0 && !memcmp(p->at, p->orig, p->len))
			(*ok)++;
		else
			(*bad)++;
	}
}

unsigned lt_patch_applied(void)
{
	unsigned n = 0;
	for (struct lt_patch *p = __atomic_load_n(&list, __ATOMIC_ACQUIRE); p; p = p->next)
		n += __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == LT_PATCH_APPLIED;
	return n;
}

struct lt_patch *lt_patch_unused_at(void *fn, void *target)
{
	for (struct lt_patch *p = __atomic_load_n(&list, __ATOMIC_ACQUIRE); p; p = p->next)
		if (p->fn == fn && p->target == target &&
		    __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == LT_PATCH_PREPARED &&
		    !memcmp(p->at, p->orig, p->len))
			return p;
	return NULL;
}

void *lt_patch_entry_of(void *fn)
{
	for (struct lt_patch *p = __atomic_load_n(&list, __ATOMIC_ACQUIRE); p; p = p->next)
		if (p->fn == fn && __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == LT_PATCH_APPLIED)
			return p->copy;
	return fn;
}

void *lt_patch_home_of(void *addr)
{
	for (struct lt_patch *p = __atomic_load_n(&list, __ATOMIC_ACQUIRE); p; p = p->next)
		if (p->copy == addr && p->state != LT_PATCH_GONE)
			return p->fn;
	return addr;
}

void lt_patch_unloaded(uint64_t lo, uint64_t hi)
{
	pthread_mutex_lock(&lock);
	for (struct lt_patch *p = list; p; p = p->next)
		if ((uint64_t)p->fn >= lo && (uint64_t)p->fn < hi)
			__atomic_store_n(&p->state, LT_PATCH_GONE, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
}

const char *lt_patch_why(const struct lt_patch *p)
{
	return p->why;
}

const char *lt_patch_strerror(int err)
{
	static const char *const s[] = {
		[LT_PATCH_OK] = "patched",
		[LT_PATCH_ENODECODER] = "no disassembler",
		[LT_PATCH_ESHORT] = "function too short",
		[LT_PATCH_EBRANCHIN] = "a branch into its first bytes",
		[LT_PATCH_EUNMOVABLE] = "a first instruction cannot be moved",
		[LT_PATCH_ENOSIZE] = "function size unknown",
		[LT_PATCH_ENOMEM] = "no memory within reach",
		[LT_PATCH_EPROT] = "page protection refused",
		[LT_PATCH_EBUSY] = "threads could not be checked",
		[LT_PATCH_ESTATE] = "wrong state",
		[LT_PATCH_EDECODE] = "bytes do not decode",
		[LT_PATCH_ECHANGED] = "bytes changed underneath",
	};
	return err >= 0 && (size_t)err < sizeof s / sizeof s[0] && s[err] ? s[err] : "unknown error";
}
