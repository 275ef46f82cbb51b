/* The attach's rebinding. Loaded late, the shim's exported wrappers
 * interpose nothing: the loader bound every call long before. So every
 * GOT entry, in every loaded object, that refers by name to a function the
 * shim defines (the logging entry points, the waits, dlopen/dlclose,
 * exec, _exit, clone, openlog...) is pointed at the shim's definition,
 * unless it is bound to a definition other than the one the shim would
 * pass the call on to. Done once by logtax_attach and again after each
 * dlopen while attached (got.c's dlopen wrapper). The signal calls are
 * left out: lt_rebind_uncovered names them for the ATTACH record. */
#include "lt.h"
#include "rebind.h"
#include "base.h"
#include "gotwrite.h"
#include "lifecycle.h"
#include "patch.h"
#include "symbols.h"

#include <link.h>
#include <string.h>

/* Not pointed at the shim when attached: the shim does not take over the
 * signals a late process already handles (see attach.c). */
static const char *const not_covered[] = { "sigaction", "__sigaction", "signal",      "bsd_signal",
					   "ssignal",   "sysv_signal", "__sysv_signal", "sigset",
					   "sigignore", "siginterrupt", NULL };
const char lt_rebind_uncovered[] =
	"sigaction __sigaction signal bsd_signal ssignal sysv_signal __sysv_signal sigset sigignore siginterrupt";

static int excluded(const char *name)
{
	if (!strcmp(name, "logtax_attach"))
		return 1;
	for (const char *const *n = not_covered; *n; n++)
		if (!strcmp(*n, name))
			return 1;
	return 0;
}

/* Our definition of each name seen, and the one a call would reach
 * without us (looked up once per name). */
#define NAMES_MAX 128
struct byname {
	uint64_t ours, real;
};
struct walk {
	struct lt_obj self;
	struct byname names[NAMES_MAX];
	uint32_t nnames;
	uint32_t patched, elsewhere, failed;
};

static struct byname *name_of(struct walk *w, const char *name)
{
	uint64_t ours = lt_obj_lookup(&w->self, name, 0);
	if (!ours)
		return NULL;
	for (uint32_t i = 0; i < w->nnames; i++)
		if (w->names[i].ours == ours)
			return &w->names[i];
	if (w->nnames == NAMES_MAX)
		return NULL;
	struct byname *b = &w->names[w->nnames++];
	b->ours = ours;
	b->real = (uint64_t)lt_find_next(name);
	return b;
}

static int self_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	if (!lt_obj_is_self(info))
		return 0;
	return lt_obj_read(info, arg) == 0;
}

static int patch_slot(const struct lt_obj *o, const struct lt_fn_slot *s, void *arg)
{
	struct walk *w = arg;
	if (!s->name[0] || excluded(s->name))
		return 0;
	struct byname *b = name_of(w, s->name);
	if (!b)
		return 0;
	uint64_t cur = __atomic_load_n(s->slot, __ATOMIC_ACQUIRE);
	if (cur == b->ours || !cur)
		return 0; /* ours already, or an unresolved weak reference */
#if LT_HAVE_TRAMPOLINES
	uint64_t home = (uint64_t)lt_patch_home_of((void *)cur);
#else
	uint64_t home = cur;
#endif
	if (!lt_slot_lazy(o, s, cur) && cur != b->real && home != b->real) {
		w->elsewhere++; /* bound to another definition: left as it is */
		return 0;
	}
	if (lt_got_write(o, s->slot, b->ours) == 0)
		w->patched++;
	else
		w->failed++;
	return 0;
}

uint32_t lt_rebind_gots(void)
{
	struct walk *w = lt_map(sizeof *w);
	if (!w)
		return 0;
	uint32_t n = 0;
	if (dl_iterate_phdr(self_of, &w->self)) {
		lt_all_fn_slots(patch_slot, w);
		n = w->patched;
		if (w->failed)
			lt_warn("warning: attach: some GOT entries could not be rewritten", NULL);
	}
	lt_unmap(w, sizeof *w);
	return n;
}

void lt_rebind_dlopened(void)
{
	if (__atomic_load_n(&lt_mode, __ATOMIC_ACQUIRE) != LT_MODE_ATTACHED)
		return;
	uint32_t n = lt_rebind_gots();
	__atomic_fetch_add(&lt_attached.got_entries, n, __ATOMIC_RELAXED);
}
