/* Entry patching for hooked functions (LOGTAX_PATCH): the definition's
 * entry jumps to the hook's stub, and the stub's descriptor passes kept
 * calls on to the relocated copy of the entry. Then every call reaches the
 * stub once: direct calls inside the defining object, and calls through a
 * GOT or PLT entry, which still point at the definition. Called from the
 * GOT patcher at start-up and after dlopen, under its lock; never on the
 * hot path. */
#include "entryhook.h"
#include "elfsym.h"
#include "patch.h"
#include "../common/ltx_settings.h"

#include <link.h>
#include <string.h>

uint32_t lt_entry_mode = LTX_PATCH_AUTO;

#define MAX_ENTRIES 256

#ifndef __x86_64__
/* Entry patching is written for x86-64 only: GOT entries elsewhere. */
int lt_entry_hook(const char *fn, uint64_t def, void **real, void *stub, const char **why)
{
	(void)fn, (void)def, (void)real, (void)stub;
	*why = "entry patching is written for x86-64 only";
	return 0;
}
struct lt_patch *lt_entry_find(uint64_t def)
{
	(void)def;
	return NULL;
}
void lt_entry_set_loader(void *(*open_fn)(const char *, int))
{
	(void)open_fn;
}
#else

/* Kept forever: the trap handler may read a patch long after its object
 * is gone. */
static struct lt_patch pool[MAX_ENTRIES];
static unsigned used;
static char why_buf[200];

void lt_entry_set_loader(void *(*open_fn)(const char *, int))
{
	lt_patch_set_loader(open_fn);
}

struct owner {
	uint64_t addr;
	const char *name;
	uint64_t bias;
};

static int find_owner(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct owner *o = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && o->addr >= a && o->addr - a < ph->p_memsz) {
			o->name = info->dlpi_name;
			o->bias = info->dlpi_addr;
			return 1;
		}
	}
	return 0;
}

static void say(const char *a, const char *b)
{
	size_t n = 0;
	for (const char *s = a; *s && n + 1 < sizeof why_buf; s++)
		why_buf[n++] = *s;
	for (const char *s = b ? b : ""; *s && n + 1 < sizeof why_buf; s++)
		why_buf[n++] = *s;
	why_buf[n] = 0;
}

struct lt_patch *lt_entry_find(uint64_t def)
{
	for (unsigned i = used; i-- > 0;) {
		struct lt_patch *p = &pool[i];
		if ((uint64_t)p->fn == def && p->state == LT_PATCH_APPLIED && !memcmp(p->at, p->jmp, p->len))
			return p;
	}
	return NULL;
}

int lt_entry_hook(const char *fn, uint64_t def, void **real, void *stub, const char **why)
{
	*why = why_buf;
	struct lt_patch *p = lt_entry_find(def);
	if (p) {
		/* patched before (this pass or an earlier one): the same stub? */
		if (p->target == stub)
			return 1;
		say("its entry is patched already for another hook", NULL);
		return 0;
	}
	/* the object's file tells the function's size */
	struct owner o = { def, NULL, 0 };
	if (!dl_iterate_phdr(find_owner, &o)) {
		say("no loaded object holds its definition", NULL);
		return 0;
	}
	/* prepared before (patched under an earlier attach and removed at its
	 * detach, or refused): used again, not a new slot per attach or pass */
	p = lt_patch_unused_at((void *)def, stub);
	if (!p) {
		if (used == MAX_ENTRIES) {
			say("too many patched entries (256)", NULL);
			return 0;
		}
		uint64_t addr = 0, size = 0;
		const char *w = NULL;
		if (lt_sym_find(o.name, o.bias, fn, &addr, &size, &w) < 0 || addr != def) {
			if (lt_sym_number(o.name, o.bias, def - o.bias, &addr, &size, &w) < 0 || addr != def) {
				say("its size cannot be read from its object: ", w);
				return 0;
			}
		}
		p = &pool[used];
		int r = lt_patch_prepare(p, (void *)def, size, stub);
		if (r) {
			say("", lt_patch_why(p));
			if (p->state != LT_PATCH_NONE)
				used++;
			return 0;
		}
		used++;
	}
	/* A leaf of the executable: its callers in the same unit may keep
	 * values in registers across the call, or skip aligning the stack,
	 * knowing it needs neither (GCC's IPA); the trampoline keeps only what
	 * the ABI asks. An exported function of a library is compiled as one
	 * another object may replace, so its callers cannot know. */
	if (!p->calls_out && !o.name[0]) {
		say("it calls nothing the compiler could not see into (a leaf of the executable): its callers may rely "
		    "on registers the hook does not keep",
		    NULL);
		return 0;
	}
	/* the copy is the real function from now on: stored before the jmp
	 * can send a call to the stub */
	__atomic_store_n(real, lt_patch_copy(p), __ATOMIC_RELEASE);
	if (lt_patch_apply(p)) {
		__atomic_store_n(real, (void *)def, __ATOMIC_RELEASE);
		say("", lt_patch_why(p));
		return 0;
	}
	return 1;
}
#endif
