/* User hooks: LOGTAX_HOOK='fn[:name=ARG][:level=ARG] ...' counts calls of
 * any function by name (the targets naming an object, fn@GLOB and
 * GLOB+0xOFFSET, are entry patched: patch_targets and hooktarget.c), through the same trampoline, key and data path as
 * the built-in entry points. The shim cannot export a symbol whose name it
 * learns at run time, so it rewrites the GOT entries that refer to fn
 * (R_X86_64_JUMP_SLOT: calls through the PLT; R_X86_64_GLOB_DAT: calls
 * built with -fno-plt, and address loads) in every loaded object, to point
 * at one of a pool of stubs (entry_x86_64.S), each with its own descriptor
 * (entry ids 64..255): one per (hook, definition) pair. Pages made read-only
 * by RELRO are opened for the write and closed again. Objects loaded later
 * are patched when dlopen/dlmopen return (see entry_x86_64.S for how the
 * caller's identity is kept). Calls that do not go through a GOT (inside
 * the defining library when it binds to itself, through dlsym'd pointers or
 * pointers stored in data) are not seen that way; `logtax scan` counts such
 * sites. Under LOGTAX_PATCH auto or entry (the default) the definition's
 * entry is patched first (entryhook.c): its jmp reaches the same stub, the
 * stub's real function becomes the relocated copy, and the GOT entries that
 * point at the definition are left alone (a call through one reaches the
 * patched entry: counted once). A refused entry falls back to GOT entries
 * with one warning line. A function the loader's tables do not know (not
 * exported) is looked for in the executable's .symtab and debug file.
 *
 * Runs at start-up and after dlopen, never in the hot path; patch passes
 * are serialised by a mutex. Symbols are looked up in the objects' own hash
 * tables (not dlsym), so the program's dlerror() state is left alone. */
#include "lt.h"
#include "got.h"
#include "gotwrite.h"
#include "lifecycle.h"
#include "base.h"
#include "settings.h"
#include "desc.h"
#include "dlclose.h"
#include "entries.h"
#include "elfsym.h"
#include "entryhook.h"
#include "entry.h"
#include "entrypatch.h"
#include "patch.h"
#include "rebind.h"
#include "hotpath.h"
#include "hooktarget.h"
#include "symbols.h"
#include "../common/ltx_entries.h"
#include "../common/ltx_format.h"
#include "../common/ltx_settings.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <string.h>

static struct ltx_hook_spec specs[LTX_HOOK_MAX];
static unsigned nspecs;
static uint8_t spec_of[LTX_HOOK_STUBS]; /* which spec each descriptor serves */
static uint64_t def_of[LTX_HOOK_STUBS]; /* the definition it serves (its real, unless that is an entry's copy) */
static uint8_t entry_warned[LTX_HOOK_MAX];
static uint32_t spec_seen[LTX_HOOK_MAX]; /* GOT entries found referring to it */
static int hooks_active;
static pthread_mutex_t patch_lock = PTHREAD_MUTEX_INITIALIZER;
static int pool_warned;
static char targets[LTX_HOOK_MAX][2 * LTX_HOOK_NAME_MAX + 24]; /* each hook's target as given */
static const char *labels[LTX_HOOK_MAX]; /* its entry's name: fn, or the target of an address hook */
static uint8_t target_told[LTX_HOOK_MAX]; /* a by-object hook's trouble was reported */

/* ---- patching ------------------------------------------------------------ */

static uint64_t stub_addr(uint32_t i)
{
	return (uint64_t)lt_hook_stubs + (uint64_t)i * LT_HOOK_STUB_SIZE;
}

static int is_stub(uint64_t a)
{
	return a >= stub_addr(0) && a < stub_addr(LTX_HOOK_STUBS);
}

/* Where a hook's stub goes: the count path that reads its name and level
 * from their registers; the generic trampoline for one on the stack. */
static void *count_path(const struct lt_desc *d)
{
	unsigned n = d->name_arg == LT_ARG_NONE ? 6 : d->name_arg;
	unsigned l = d->level_arg == LT_ARG_NONE ? 6 : d->level_arg;
	return n > 6 || l > 6 ? (void *)lt_tramp : lt_count_paths[n * 7 + l];
}

/* The descriptor of spec k with this target, made on first use. */
static int stub_for(unsigned k, uint64_t target)
{
	uint32_t used = lt_hook_used;
	for (uint32_t i = 0; i < used; i++)
		if (spec_of[i] == k && def_of[i] == target)
			return (int)i;
	if (used >= LTX_HOOK_STUBS) {
		if (!pool_warned++)
			lt_warn("warning: out of hook stubs (at most 192 hooked definitions); more are not hooked",
				labels[k]);
		return -1;
	}
	struct lt_desc *d = &lt_hook_descs[used];
	memset(d, 0, offsetof(struct lt_desc, fast)); /* a stub may be on its way through it */
	d->name_arg = specs[k].name_arg ? (uint8_t)(specs[k].name_arg - 1) : LT_ARG_NONE;
	d->level_arg = specs[k].level_arg ? (uint8_t)(specs[k].level_arg - 1) : LT_ARG_NONE;
	d->fmt_arg = specs[k].fmt_arg ? (uint8_t)(specs[k].fmt_arg - 1) : LT_ARG_NONE;
	d->func_arg = specs[k].func_arg ? (uint8_t)(specs[k].func_arg - 1) : LT_ARG_NONE;
	d->file_arg = specs[k].file_arg ? (uint8_t)(specs[k].file_arg - 1) : LT_ARG_NONE;
	d->line_arg = specs[k].line_arg ? (uint8_t)(specs[k].line_arg - 1) : LT_ARG_NONE;
	if (specs[k].func_arg || specs[k].file_arg || specs[k].line_arg)
		d->site_kind = LT_SITE_ARGS; /* strings copied without trusting them (fields.c) */
	d->id = LTX_HOOK_ID_FIRST + used;
	d->family = LTX_FAM_HOOK;
	d->flags = LT_DESC_NAME_UNTRUSTED;
	d->resolved = 1;
	d->symbol = labels[k];
	d->real = (void *)target;
	lt_desc_prepare(d);
	__atomic_store_n(&d->fast, count_path(d), __ATOMIC_RELEASE);
	spec_of[used] = (uint8_t)k;
	def_of[used] = target;
	lt_hook_scales[used] = specs[k].nlevels ? specs[k].levels : NULL;
	lt_hook_nscale[used] = specs[k].nlevels;
	lt_hook_keep_from[used] = specs[k].has_keep ? specs[k].keep_from : INT64_MAX;
	__atomic_store_n(&lt_hook_used, used + 1, __ATOMIC_RELEASE);
	return (int)used;
}

/* LOGTAX_PATCH entry or auto: the definition's entry jumps to the hook's
 * stub, so direct calls are reached too; GOT entries that still point at
 * it then need no rewrite (a call through one is counted once, at the
 * entry). 1 if its entry is patched; 0 if GOT entries are to be rewritten
 * instead (GOT mode, or the entry was refused: one warning line). */
static int entry_patch(unsigned k, uint64_t def)
{
	if (lt_entry_mode == LTX_PATCH_GOT || !def)
		return 0;
	int st = stub_for(k, def);
	if (st < 0)
		return 0;
	const char *why = NULL;
	if (lt_entry_hook(specs[k].fn, def, &lt_hook_descs[st].real, (void *)stub_addr((uint32_t)st), &why)) {
		lt_hook_refusal((unsigned)st, NULL, NULL); /* refused at an earlier pass, maybe */
		return 1;
	}
	lt_hook_refusal((unsigned)st, targets[k], why);
	if (!entry_warned[k]++) {
		char msg[320];
		size_t n = 0;
		const char *parts[] = { "warning: hook: ", specs[k].fn, ": its entry cannot be patched (", why,
					"); falling back to its GOT and PLT entries: only calls between objects are "
					"counted" };
		for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++)
			for (const char *c = parts[i]; c && *c && n + 1 < sizeof msg; c++)
				msg[n++] = *c;
		msg[n] = 0;
		lt_warn(msg, NULL);
	}
	return 0;
}

static int main_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	*(uint64_t *)arg = info->dlpi_addr;
	return 1; /* the first object is the executable */
}

/* fn in the executable's .symtab or debug file (not its .dynsym, which
 * the loader's tables answer for), or 0. */
static uint64_t main_symbol(const char *fn)
{
	uint64_t bias = 0, addr = 0, size = 0;
	const char *why = NULL;
	dl_iterate_phdr(main_bias, &bias);
	return lt_sym_find("", bias, fn, &addr, &size, &why) == 0 ? addr : 0;
}

static void patch_targets(int first);

struct patch_ctx {
	uint64_t defs[LTX_HOOK_MAX];
	int entry[LTX_HOOK_MAX]; /* entry_patch()'s answer for defs[k] */
	unsigned failed;
};

static int patch_slot(const struct lt_obj *o, const struct lt_fn_slot *s, void *arg)
{
	struct patch_ctx *c = arg;
	for (unsigned k = 0; k < nspecs; k++) {
		if (s->name[0] != specs[k].fn[0] || strcmp(s->name, specs[k].fn))
			continue;
		uint64_t cur = __atomic_load_n(s->slot, __ATOMIC_ACQUIRE);
		spec_seen[k]++;
		if (is_stub(cur) || cur == 0)
			break; /* patched already, or an unresolved weak reference */
		uint64_t target = cur;
		if (lt_slot_lazy(o, s, cur))
			/* a lazy PLT slot not bound yet: it would bind to the global definition */
			target = c->defs[k] ? c->defs[k] : s->own;
		if (!target)
			break;
		if (specs[k].obj[0] && !lt_hook_obj_match(specs[k].obj, target))
			continue; /* fn@GLOB: a definition in another object */
		if (lt_patch_entry_of((void *)target) != (void *)target)
			break; /* its entry is patched: a call through here is counted there, once */
		/* a plain fn: its definition's entry patched if it can be */
		if (!specs[k].obj[0] && (target == c->defs[k] ? c->entry[k] : entry_patch(k, target)))
			break;
		int st = stub_for(k, target);
		if (st < 0 || lt_got_write(o, s->slot, stub_addr((uint32_t)st)) < 0)
			c->failed++;
		break;
	}
	return 0;
}

static void patch_all(int first)
{
	pthread_mutex_lock(&patch_lock);
	struct patch_ctx c;
	memset(&c, 0, sizeof c);
	for (unsigned k = 0; k < nspecs; k++) {
		c.defs[k] = specs[k].fn[0] ? (uint64_t)lt_find_symbol(specs[k].fn, 0) : 0;
		if (!specs[k].fn[0] || specs[k].obj[0])
			continue; /* fn@GLOB and GLOB+0xN: patch_targets */
		/* not exported: the executable's own symbol table (or its debug
		 * file) may name it, for its entry to be patched */
		if (!c.defs[k] && lt_entry_mode != LTX_PATCH_GOT)
			c.defs[k] = main_symbol(specs[k].fn);
		c.entry[k] = entry_patch(k, c.defs[k]);
	}
	memset(spec_seen, 0, sizeof spec_seen);
	patch_targets(first);
	lt_all_fn_slots(patch_slot, &c);
	if (c.failed)
		lt_warn("warning: some GOT entries of hooked functions could not be rewritten", NULL);
	if (first) {
		for (unsigned k = 0; k < nspecs; k++) {
			if (specs[k].obj[0])
				continue; /* told by patch_targets */
			if (!c.defs[k] && !spec_seen[k])
				lt_warn("warning: hook: no loaded object defines or calls this function (looked for again "
					"after each dlopen)",
					specs[k].fn);
			else if (!spec_seen[k] && c.entry[k] != 1)
				lt_warn("warning: hook: nothing calls this function through a GOT or PLT entry, so no call "
					"can be counted (see logtax scan)",
					specs[k].fn);
		}
	}
	pthread_mutex_unlock(&patch_lock);
}

/* ---- hooks naming an object: fn@GLOB, GLOB+0xOFFSET ---------------------- */

/* "logtax: TARGET: WHAT WHY AFTER", once per hook */
static void target_warn(unsigned k, const char *what, const char *why, const char *after)
{
	if (target_told[k]++)
		return;
	char msg[400];
	size_t n = 0;
	const char *parts[] = { what, why, after };
	for (unsigned i = 0; i < 3; i++)
		for (const char *s = parts[i]; *s && n + 1 < sizeof msg; s++)
			msg[n++] = *s;
	msg[n] = 0;
	lt_warn(targets[k], msg);
}

/* Entry patches the definitions of the hooks that name an object (under
 * patch_lock). An address hook is reached no other way; a fn@GLOB hook
 * whose entry is refused keeps its GOT entries (patch_slot). */
static void patch_targets(int first)
{
	uint32_t mode = lt_cfg.patch_mode;
	for (unsigned k = 0; k < nspecs; k++) {
		const struct ltx_hook_spec *h = &specs[k];
		if (!h->obj[0])
			continue;
		uint64_t addr[8], size[8];
		const char *why = NULL;
		if (mode == LTX_PATCH_GOT) {
			if (!h->fn[0] && first)
				target_warn(k, "hook: ", "an address has no GOT entry: nothing is counted with --patch got", "");
			else if (first && !lt_hook_resolve(h, addr, size, 8, &why))
				target_warn(k, "hook: ", why, "");
			continue;
		}
		unsigned n = lt_hook_resolve(h, addr, size, 8, &why);
		if (!n) {
			/* a dlopen may bring the object later: said once, at start-up */
			if (first)
				target_warn(k, "hook: ", why, "");
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			if (lt_patch_entry_of((void *)addr[i]) != (void *)addr[i])
				continue; /* patched already */
			int st = stub_for(k, addr[i]);
			if (st < 0)
				break;
			if (lt_hook_entry_patch(&lt_hook_descs[st], (void *)addr[i], size[i], (void *)stub_addr((uint32_t)st),
						&why) < 0) {
				lt_hook_refusal((unsigned)st, targets[k], why);
				target_warn(k, "entry not patched: ", why,
					    h->fn[0] ? "; only calls through a PLT or GOT entry are counted (GOT patching)"
						     : "; nothing is counted");
			} else {
				lt_hook_refusal((unsigned)st, NULL, NULL);
			}
		}
	}
}

void lt_hooks_init(void)
{
	const char *v = lt_setting("LOGTAX_HOOK"), *why = NULL;
	unsigned pos = 0, n = 0;
	/* again at an attach after a detach: the last attach's hooks are not
	 * followed into later dlopens unless given again */
	__atomic_store_n(&hooks_active, 0, __ATOMIC_RELEASE);
	/* the last attach's refusals are not this one's (ctl status) */
	pthread_mutex_lock(&patch_lock);
	lt_hook_refusals_clear();
	pthread_mutex_unlock(&patch_lock);
	nspecs = 0;
	if (!v || !*v)
		return;
	if (ltx_parse_hooks(v, specs, LTX_HOOK_MAX, &n, &why, &pos) < 0) {
		char expect[400], num[24];
		size_t k = 0;
		lt_utoa((uint64_t)pos + 1, num);
		const char *parts[] = { "at character ", num, ": ", why };
		for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++)
			for (const char *s = parts[i]; *s && k + 1 < sizeof expect; s++)
				expect[k++] = *s;
		expect[k] = 0;
		lt_bad_setting("LOGTAX_HOOK", v, expect);
		return;
	}
	nspecs = n;
	for (unsigned k = 0; k < n; k++) {
		/* fn, fn@GLOB, or GLOB+0xOFFSET as given (the entry's name in
		 * reports: fn, or the target of an address hook) */
		char *l = targets[k];
		size_t m = 0;
		const char *parts[] = { specs[k].fn, specs[k].fn[0] && specs[k].obj[0] ? "@" : "", specs[k].obj };
		for (unsigned i = 0; i < 3; i++)
			for (const char *s = parts[i]; *s && m + 1 < sizeof targets[k]; s++)
				l[m++] = *s;
		if (!specs[k].fn[0]) {
			char hex[20];
			int d = 0;
			for (uint64_t x = specs[k].offset;; x >>= 4) {
				hex[d++] = "0123456789abcdef"[x & 15];
				if (x < 16)
					break;
			}
			const char *px = "+0x";
			while (*px && m + 1 < sizeof targets[k])
				l[m++] = *px++;
			while (d && m + 1 < sizeof targets[k])
				l[m++] = hex[--d];
		}
		l[m] = 0;
		labels[k] = specs[k].fn[0] ? specs[k].fn : targets[k];
	}
	if (!LT_HAVE_TRAMPOLINES || !nspecs)
		return;
	lt_entry_mode = lt_cfg.patch_mode; /* read (and a bad value reported) by settings.c */
	lt_entry_set_loader(lt_real_dlopen);
	patch_all(1);
	__atomic_store_n(&hooks_active, 1, __ATOMIC_RELEASE);
}

/* ---- dlopen and dlmopen --------------------------------------------------- */

struct gadget_ctx {
	uint64_t caller;
	uint64_t found;
	int main_done;
};

static uint64_t ret_byte_in(const struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || (ph->p_flags & (PF_X | PF_R)) != (PF_X | PF_R))
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		for (uint64_t j = 0; j < ph->p_filesz; j++)
			if (p[j] == 0xc3)
				return (uint64_t)(p + j);
	}
	return 0;
}

static int find_gadget(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct gadget_ctx *c = arg;
	if (!c->main_done) {
		/* glibc treats a caller outside every object as the main program */
		c->main_done = 1;
		c->found = ret_byte_in(info);
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && c->caller >= a && c->caller < a + ph->p_memsz) {
			c->found = ret_byte_in(info);
			return 1;
		}
	}
	return 0;
}

struct lt_dl_ret {
	uint64_t gadget; /* a `ret` byte in the caller's object, or 0: enter directly */
	uint64_t real;
};

static void *dl_missing(void)
{
	return NULL;
}

/* ---- RTLD_DEEPBIND ---------------------------------------------------------
 * An object opened with RTLD_DEEPBIND (and the dependencies loaded with
 * it) looks symbols up in its own scope before the global one, so its
 * references to legacy_log, syslog, g_log... bind to their libraries
 * directly, past liblogtax. After such a dlopen, the GOT entries of those
 * objects that refer to an entry point logtax stands in for are pointed at
 * liblogtax's entry point, as the global scope would have bound them; an
 * entry bound to a definition other than the one liblogtax passes calls
 * on to (a private copy of the library) is left alone, with a warning. */

static uint64_t self_entry[64]; /* our exported entry point of lt_descs[i] */
static unsigned deep_patched, deep_skipped; /* GOT entries rewritten; left alone */

static int self_obj(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct lt_obj o;
	if (!lt_obj_is_self(info) || lt_obj_read(info, &o) < 0)
		return 0;
	for (unsigned i = 0; i < lt_ndescs && i < 64; i++)
		self_entry[i] = lt_obj_lookup(&o, lt_descs[i]->symbol, 0);
	*(int *)arg = 1;
	return 1;
}

struct deep_ctx {
	struct link_map *start;
	uint64_t bias[256]; /* load biases of the objects to patch */
	unsigned n;
};

/* The handle's object and those after it in its namespace, walked while
 * dl_iterate_phdr holds the loader's lock (no dlclose can free one). */
static int deep_chain(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)info;
	(void)size;
	struct deep_ctx *c = arg;
	for (struct link_map *lm = c->start; lm && c->n < 256; lm = lm->l_next)
		c->bias[c->n++] = lm->l_addr;
	return 1;
}

static int deep_slot(const struct lt_obj *o, const struct lt_fn_slot *s, void *arg)
{
	(void)arg;
	for (unsigned d = 0; d < lt_ndescs && d < 64; d++) {
		struct lt_desc *desc = lt_descs[d];
		if (s->name[0] != desc->symbol[0] || strcmp(s->name, desc->symbol))
			continue;
		uint64_t cur = __atomic_load_n(s->slot, __ATOMIC_ACQUIRE);
		if (!cur || !self_entry[d] || cur == self_entry[d])
			break;
		void *real = __atomic_load_n(&desc->real, __ATOMIC_ACQUIRE);
		/* not found yet, or its library was unloaded (a stand-in) */
		if ((!real || lt_is_gone_stub(real)) && (real = lt_find_real(desc->symbol)))
			__atomic_store_n(&desc->real, real, __ATOMIC_RELEASE);
#if LT_HAVE_TRAMPOLINES
		/* an entry we patched: its GOT entries hold the function, we its copy */
		real = lt_patch_home_of(real);
#endif
		/* a lazy slot not bound yet (it points into its own PLT) would
		 * bind in the object's own scope: the real function */
		if (!lt_slot_lazy(o, s, cur) && cur != (uint64_t)real) {
			if (!deep_skipped++)
				lt_warn("warning: a library opened with RTLD_DEEPBIND binds this entry point to "
					"another copy of it; its calls are not counted",
					desc->symbol);
			break;
		}
		if (lt_got_write(o, s->slot, self_entry[d]) == 0)
			deep_patched++;
		break;
	}
	return 0;
}

static int deep_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct deep_ctx *c = arg;
	struct lt_obj o;
	unsigned k;
	for (k = 0; k < c->n && c->bias[k] != info->dlpi_addr; k++)
		;
	if (k == c->n || !info->dlpi_addr || lt_obj_is_self(info) || lt_obj_read(info, &o) < 0)
		return 0;
	lt_obj_fn_slots(&o, deep_slot, NULL);
	return 0;
}

/* After a dlopen with RTLD_DEEPBIND: the object and every one after it in
 * its namespace's link map (the dependencies it brought, and anything
 * loaded since; an object bound the usual way already points at us and is
 * left as it is). */
static void deep_patch(void *handle)
{
	struct link_map *lm = NULL;
	/* after a successful dlopen there is no dlerror() state to lose */
	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm)
		return;
	pthread_mutex_lock(&patch_lock);
	int found = self_entry[0] != 0;
	if (!found)
		dl_iterate_phdr(self_obj, &found);
	struct deep_ctx c;
	c.start = lm;
	c.n = 0;
	dl_iterate_phdr(deep_chain, &c);
	dl_iterate_phdr(deep_object, &c);
	pthread_mutex_unlock(&patch_lock);
}

/* Whether each pending dlopen on this thread was RTLD_DEEPBIND (entered
 * and left in LIFO order; lt_dl_after pops what lt_dl_enter pushed). */
static __thread uint32_t dl_deep LT_TLS, dl_depth LT_TLS;

struct lt_dl_ret lt_dl_enter(uint64_t caller, uint64_t which, uint64_t mode_open, uint64_t mode_mopen) LT_HIDDEN;
struct lt_dl_ret lt_dl_enter(uint64_t caller, uint64_t which, uint64_t mode_open, uint64_t mode_mopen)
{
	int e = errno;
	struct lt_dl_ret r = { 0, (uint64_t)lt_real_dl_fn(which & 1) };
	int deep = (((which & 1) ? mode_mopen : mode_open) & RTLD_DEEPBIND) && LT_HAVE_TRAMPOLINES;
	/* attached: what the dlopen loads gets its GOT entries pointed at us;
	 * dormant or detached: passed on as it is */
	int live = lt_live(), attached = lt_mode == LT_MODE_ATTACHED;
	deep = deep && live;
	if (!r.real) {
		r.real = (uint64_t)dl_missing;
	} else if (!live) {
		/* nothing to follow */
	} else if ((which & 2) && (deep || attached || __atomic_load_n(&hooks_active, __ATOMIC_ACQUIRE) ||
				   __atomic_load_n(&lt_entrypatch_active, __ATOMIC_ACQUIRE))) {
		/* A CET shadow stack is active (the trampoline checked): the real
		 * function is entered directly, so glibc still sees its caller, and
		 * what this dlopen loads is not patched. */
		static int told;
		if (!__atomic_exchange_n(&told, 1, __ATOMIC_RELAXED))
			lt_warn("warning: a shadow stack is active: hooks and RTLD_DEEPBIND objects loaded later with "
				"dlopen are not followed",
				NULL);
	} else if (deep || attached || __atomic_load_n(&hooks_active, __ATOMIC_ACQUIRE) ||
		   __atomic_load_n(&lt_entrypatch_active, __ATOMIC_ACQUIRE)) {
		struct gadget_ctx c = { caller, 0, 0 };
		dl_iterate_phdr(find_gadget, &c);
		r.gadget = c.found;
	}
	if (r.gadget) {
		if (dl_depth < 32)
			dl_deep = (dl_deep & ~(1u << dl_depth)) | (uint32_t)deep << dl_depth;
		dl_depth++;
	}
	errno = e;
	return r;
}

void lt_dl_after(void *handle) LT_HIDDEN;
void lt_dl_after(void *handle)
{
	uint32_t depth = dl_depth ? --dl_depth : 0;
	int deep = depth >= 32 || (dl_deep >> depth & 1);
	if (!handle || !lt_live())
		return; /* nothing new was loaded; dlerror() must still tell why */
	int e = errno;
	uint32_t busy = lt_tls.busy;
	lt_tls.busy = 1;
	if (__atomic_load_n(&lt_entrypatch_active, __ATOMIC_ACQUIRE))
		lt_entrypatch_builtins(0);
	if (__atomic_load_n(&hooks_active, __ATOMIC_ACQUIRE))
		patch_all(0);
	if (deep)
		deep_patch(handle);
	lt_rebind_dlopened();
	lt_tls.busy = busy;
	errno = e;
}
