/* What each family needs beyond the descriptors: names kept in globals
 * (syslog's ident, set by openlog and closelog), and what the rules may do
 * with a key (a fatal GLib message aborts the program: it
 * is never dropped, and never timed, so the stack it aborts with is the
 * program's own). All of it runs in the slow path or in plain wrappers,
 * never in the hot path. */
#include "lt.h"
#include "families.h"
#include "base.h"
#include "desc.h"
#include "entries.h"
#include "state.h"
#include "symbols.h"
#include "patch.h"
#include "threads.h"
#include "../common/ltx_format.h"

#include <dlfcn.h>
#include <errno.h>
#include <printf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>

uint64_t lt_syslog_ident;

/* ---- syslog: the current ident ---------------------------------------- */

/* Idents seen, numbered from 1 in the order seen: a syslog key holds the
 * number of the ident current at its call, so one call site logging under
 * two idents makes two keys, and a program that switches back and forth
 * makes no new ones. Past 255 idents, number 0 stands for all the others
 * (each such key is named by the ident current at its first call). */
#define IDENTS_MAX 255
static uint64_t idents[IDENTS_MAX + 1];
static uint32_t nidents;
static pthread_mutex_t ident_lock = PTHREAD_MUTEX_INITIALIZER;

static void set_ident(uint64_t p)
{
	pthread_mutex_lock(&ident_lock);
	uint32_t idx = 0;
	for (uint32_t i = 1; i <= nidents && !idx; i++)
		if (__atomic_load_n(&idents[i], __ATOMIC_RELAXED) == p)
			idx = i;
	if (!idx && nidents < IDENTS_MAX) {
		idx = nidents + 1;
		__atomic_store_n(&idents[idx], p, __ATOMIC_RELEASE);
		__atomic_store_n(&nidents, idx, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&lt_syslog_ident, p, __ATOMIC_RELAXED);
	__atomic_store_n(&lt_syslog_ident_idx, idx, __ATOMIC_RELAXED);
	/* The hot path reads meta_id once per call: a call racing with openlog
	 * is keyed under the old ident or the new one. */
	for (unsigned i = 0; i < lt_ndescs; i++) {
		struct lt_desc *d = lt_descs[i];
		if ((d->flags & LT_DESC_IDENT) && __atomic_load_n(&d->prepared, __ATOMIC_ACQUIRE))
			__atomic_store_n(&d->meta_id, (uint64_t)(d->id & 0xff) << 32 | (uint64_t)idx << 16,
					 __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&ident_lock);
}

const char *lt_syslog_ident_name(uint64_t meta)
{
	uint32_t idx = (uint32_t)(meta >> 16) & 0xff;
	uint64_t p = idx && idx <= __atomic_load_n(&nidents, __ATOMIC_ACQUIRE) ?
			     __atomic_load_n(&idents[idx], __ATOMIC_ACQUIRE) :
			     __atomic_load_n(&lt_syslog_ident, __ATOMIC_RELAXED);
	return (const char *)(p ? p : lt_progname);
}

void lt_families_init(void)
{
	extern char *program_invocation_short_name;
	lt_progname = (uint64_t)program_invocation_short_name;
	/* openlog may have run before us (another library's constructor). */
	if (!__atomic_load_n(&lt_syslog_ident, __ATOMIC_RELAXED))
		set_ident(lt_progname);
}

/* glibc keeps openlog's pointer (not a copy) and ignores a NULL ident;
 * closelog forgets it, and later messages carry the program name again. */
LT_EXPORT void openlog(const char *ident, int option, int facility)
{
	static void (*real)(const char *, int, int);
	if (!real)
		real = (void (*)(const char *, int, int))lt_find_next("openlog");
	if (ident && (uint64_t)ident != __atomic_load_n(&lt_syslog_ident, __ATOMIC_RELAXED))
		set_ident((uint64_t)ident);
	if (real)
		real(ident, option, facility);
}

LT_EXPORT void closelog(void)
{
	static void (*real)(void);
	if (!real)
		real = (void (*)(void))lt_find_next("closelog");
	if (lt_progname && lt_progname != __atomic_load_n(&lt_syslog_ident, __ATOMIC_RELAXED))
		set_ident(lt_progname);
	if (real)
		real();
}

/* ---- GLib: which levels may be fatal ----------------------------------- */

#define G_LOG_FLAG_FATAL (1 << 1)
#define G_LOG_LEVEL_ERROR (1 << 2)
#define G_LOG_LEVEL_CRITICAL (1 << 3)
#define G_LOG_LEVEL_WARNING (1 << 4)
#define G_LOG_LEVEL_MASK (~3)

/* Levels some fatal mask has included: the union of every mask the program
 * set through g_log_set_always_fatal and g_log_set_fatal_mask (any domain).
 * A level once fatal stays "may be fatal": a key decided under one mask must
 * not be dropped when the mask changes later. */
static uint32_t glib_set_fatal;
static int glib_env_done;
static uint32_t glib_env_fatal;

static int debug_key_is(const char *key, const char *p, size_t n)
{
	/* GLib's rule: case-insensitive, '-' and '_' alike */
	if (strlen(key) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char a = key[i], b = p[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a == '_')
			a = '-';
		if (b == '_')
			b = '-';
		if (a != b)
			return 0;
	}
	return 1;
}

/* G_DEBUG as GLib reads it (g_parse_debug_string): fatal-warnings makes
 * warnings and criticals fatal, fatal-criticals criticals; "all" inverts
 * the list (all keys but those named). */
static uint32_t glib_debug_fatal(const char *s)
{
	enum { GC = 1, WARN = 2, CRIT = 4 };
	unsigned keys = 0;
	int invert = 0;
	if (!s)
		return 0;
	while (*s) {
		size_t n = strcspn(s, ":;, \t");
		if (debug_key_is("all", s, n))
			invert = 1;
		else if (debug_key_is("fatal-warnings", s, n))
			keys |= WARN;
		else if (debug_key_is("fatal-criticals", s, n))
			keys |= CRIT;
		else if (debug_key_is("gc-friendly", s, n))
			keys |= GC;
		s += n;
		if (*s)
			s++;
	}
	if (invert)
		keys = (GC | WARN | CRIT) & ~keys;
	uint32_t m = 0;
	if (keys & WARN)
		m |= G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL;
	if (keys & CRIT)
		m |= G_LOG_LEVEL_CRITICAL;
	return m;
}

/* After a level became fatal: keys already decided in any thread that the
 * rules would drop or time are kept instead. A store into another thread's
 * slot: the owner reads `action` once per call, so a call sees the old or
 * the new decision; a slot the owner copies while growing its table at that
 * moment may keep the old one (documented). */
static void glib_recheck_keys(uint32_t fatal)
{
	sigset_t sigs;
	lt_threads_lock(&sigs); /* no thread exits (is folded) meanwhile */
	for (struct lt_thread *th = __atomic_load_n(&lt_threads, __ATOMIC_ACQUIRE); th; th = th->next) {
		struct lt_table *t = __atomic_load_n(&th->table, __ATOMIC_ACQUIRE);
		for (uint64_t i = 0; t && i <= t->mask; i++) {
			struct lt_slot *s = &t->slots[i];
			if (!__atomic_load_n(&s->ret, __ATOMIC_ACQUIRE))
				continue;
			const struct lt_desc *d = lt_desc_by_id(LT_META_ENTRY(s->meta));
			uint32_t a = __atomic_load_n(&s->action, __ATOMIC_RELAXED);
			/* (a limit or sample key is KEEP | RULED: it may drop, so it is rechecked) */
			if (!d || d->family != LTX_FAM_GLIB || (a & LT_SA_INNER) ||
			    ((a & LT_SA_BASE) == LT_SA_KEEP && !(a & LT_SA_RULED)))
				continue;
			const char *names = __atomic_load_n(&th->names, __ATOMIC_ACQUIRE);
			struct lt_name *ln = s->name_at ? (struct lt_name *)(names + s->name_at - 1) : NULL;
			if (!ln || !((uint32_t)ln->level & fatal))
				continue;
			/* with the stack and trace flags a kept key has in the modes on */
			__atomic_store_n(&s->action, lt_sa_with_modes(LT_SA_KEEP), __ATOMIC_RELAXED);
			if (a & LT_SA_RULED) /* its fmt back in place of the rule's state */
				__atomic_store_n(&s->fmt, t->ext[i].rl_fmt, __ATOMIC_RELAXED);
			__atomic_or_fetch(&ln->flags, LTX_KEY_FATAL, __ATOMIC_RELAXED);
		}
	}
	lt_threads_unlock(&sigs);
}

static void glib_note_fatal(uint32_t mask)
{
	mask &= G_LOG_LEVEL_MASK & ~G_LOG_LEVEL_ERROR;
	uint32_t old = __atomic_fetch_or(&glib_set_fatal, mask, __ATOMIC_RELAXED);
	if (mask & ~old)
		glib_recheck_keys(mask & ~old);
}

int g_log_set_always_fatal(int mask);
int g_log_set_fatal_mask(const char *domain, int mask);

/* GLogLevelFlags g_log_set_always_fatal(GLogLevelFlags mask) */
LT_EXPORT int g_log_set_always_fatal(int mask)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))lt_find_next("g_log_set_always_fatal");
	glib_note_fatal((uint32_t)mask);
	return real ? real(mask) : 0;
}

/* GLogLevelFlags g_log_set_fatal_mask(const gchar *domain, GLogLevelFlags mask) */
LT_EXPORT int g_log_set_fatal_mask(const char *domain, int mask)
{
	static int (*real)(const char *, int);
	if (!real)
		real = (int (*)(const char *, int))lt_find_next("g_log_set_fatal_mask");
	glib_note_fatal((uint32_t)mask);
	return real ? real(domain, mask) : 0;
}

/* Levels that may abort now. g_test_init makes warnings and criticals fatal
 * from inside GLib, where no wrapper sees it: g_test_initialized() says so,
 * a macro reading the first member (gboolean test_initialized) of the
 * GTestConfig that GLib's exported g_test_config_vars points at. */
static uint32_t glib_fatal_levels(void)
{
	if (!__atomic_load_n(&glib_env_done, __ATOMIC_ACQUIRE)) {
		glib_env_fatal = glib_debug_fatal(getenv("G_DEBUG"));
		__atomic_store_n(&glib_env_done, 1, __ATOMIC_RELEASE);
	}
	uint32_t m = G_LOG_LEVEL_ERROR | glib_env_fatal | __atomic_load_n(&glib_set_fatal, __ATOMIC_RELAXED);
	static const int *const *config;
	if (!config)
		config = (const int *const *)lt_find_symbol("g_test_config_vars", 1);
	if (config && *config && **config)
		m |= G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL;
	return m;
}

/* ---- what the rules may do with a key ---------------------------------- */

static int same_object(const void *a, const void *b)
{
	Dl_info x, y;
	return a && b && dladdr(a, &x) && dladdr(b, &y) && x.dli_fbase == y.dli_fbase;
}

uint32_t lt_key_allows(const struct lt_desc *d, uint64_t ret, int32_t level)
{
	void *home = d->real;
#if LT_HAVE_TRAMPOLINES
	home = lt_patch_home_of(home); /* its copy lies outside the object */
#endif
	if ((d->flags & LT_DESC_INNER_SELF) && same_object((const void *)ret, home))
		return LT_KEY_INNER;
	if (d->family == LTX_FAM_GLIB &&
	    ((uint32_t)level & G_LOG_FLAG_FATAL || ((uint32_t)level & glib_fatal_levels() & G_LOG_LEVEL_MASK)))
		return LT_KEY_FATAL;
	return LT_ALLOW_DROP | LT_ALLOW_TIME;
}
