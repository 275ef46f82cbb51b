/* glib-internal-demo: GLib's own criticals, raised inside libglib. Each
 * g_return_if_fail / g_return_val_if_fail failure calls
 * g_return_if_fail_warning, which calls g_log (domain "GLib", level
 * critical) directly: Debian's libglib is linked -Bsymbolic-functions, so
 * no PLT or GOT entry is crossed and only entry patching reaches the call.
 * The program makes ROUNDS x 4 such failures (with four GLib functions)
 * and one g_warning of its own per round (through its PLT, for comparison).
 * A log handler counts what reached GLib's handlers: a call dropped before
 * g_log ran never does. Printed:
 *   glib-internal-demo: calls entry=g_log source=D level=L level_name=N count=C   (calls made)
 *   glib-internal-demo: body source=D level=L count=C                             (messages handled)
 * It exits 1 if a message it did not expect reached the handler.
 *   glib-internal-demo [ROUNDS]   (default 10; G_DEBUG must not make criticals fatal) */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long made_glib, made_own, handled_glib, handled_own, unexpected;

static void count_message(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)data;
	GLogLevelFlags l = level & G_LOG_LEVEL_MASK;
	if (domain && !strcmp(domain, "GLib") && l == G_LOG_LEVEL_CRITICAL && strstr(msg, "assertion"))
		handled_glib++;
	else if (domain && !strcmp(domain, G_LOG_DOMAIN) && l == G_LOG_LEVEL_WARNING)
		handled_own++;
	else {
		unexpected++;
		fprintf(stderr, "glib-internal-demo: unexpected message [%s] %d: %s\n", domain ? domain : "-", (int)l, msg);
	}
}

/* The bad calls, each failing one check inside libglib. The results are
 * used so that nothing is optimised away. */
static void bad_calls(int i)
{
	volatile guint sink = 0;
	sink += g_hash_table_size(NULL);         /* g_return_val_if_fail (hash_table != NULL, 0) */
	made_glib++;
	sink += g_string_append(NULL, "x") != NULL; /* g_return_val_if_fail (string != NULL, NULL) */
	made_glib++;
	sink += g_strv_length(NULL);             /* g_return_val_if_fail (str_array != NULL, 0) */
	made_glib++;
	g_ptr_array_add(NULL, GINT_TO_POINTER(i)); /* g_return_if_fail (rarray) */
	made_glib++;
	(void)sink;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	if (rounds <= 0) {
		fprintf(stderr, "usage: glib-internal-demo [ROUNDS]\n");
		return 2;
	}
	g_log_set_default_handler(count_message, NULL);
	g_log_set_always_fatal(G_LOG_FATAL_MASK);
	for (int i = 0; i < rounds; i++) {
		bad_calls(i);
		made_own++;
		g_warning("own warning %d", i);
	}
	printf("glib-internal-demo: calls entry=g_log source=GLib level=%d level_name=error count=%lu\n",
	       G_LOG_LEVEL_CRITICAL, made_glib);
	printf("glib-internal-demo: calls entry=g_log source=%s level=%d level_name=warning count=%lu\n", G_LOG_DOMAIN,
	       G_LOG_LEVEL_WARNING, made_own);
	printf("glib-internal-demo: body source=GLib level=%d count=%lu\n", G_LOG_LEVEL_CRITICAL, handled_glib);
	printf("glib-internal-demo: body source=%s level=%d count=%lu\n", G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, handled_own);
	return unexpected ? 1 : 0;
}
