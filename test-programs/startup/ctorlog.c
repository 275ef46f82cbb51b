/* libctorlog-early.so and libctorlog-late.so (this file, built twice with
 * CTORLOG_NAME "early" or "late"): libraries whose constructor and
 * destructor log. startup-demo links the first before liblegacylog.so and
 * the second after it. Their constructors run before liblogtax's (the
 * dynamic linker initialises a program's libraries before the preloaded
 * one), so the shim starts from inside their first logging call; their
 * destructors run after liblogtax's own. Counts are kept here and read by
 * the program (at exit, after these destructors ran: see startup-demo). */
#include "../legacylog.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

LEGACY_LOG_SOURCE(src_ctor, "ctor." CTORLOG_NAME);
LEGACY_LOG_SOURCE(src_dtor, "dtor." CTORLOG_NAME);
unsigned long long CAT(ctorlog_calls_, CTORLOG_ID)[2]; /* constructor, destructor */

__attribute__((constructor)) static void ctorlog_init(void)
{
	for (int i = 0; i < 5; i++) {
		LEGACY_LOG(src_ctor, LEGACY_LOG_DEBUG + i % 4, "constructor call %d", i);
		CAT(ctorlog_calls_, CTORLOG_ID)[0]++;
	}
}

__attribute__((destructor)) static void ctorlog_fini(void)
{
	for (int i = 0; i < 7; i++) {
		LEGACY_LOG(src_dtor, LEGACY_LOG_INFO, "destructor call %d", i);
		CAT(ctorlog_calls_, CTORLOG_ID)[1]++;
	}
}
