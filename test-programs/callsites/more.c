/* callsites-demo's second source file: see main.c. */
#include "callsites.h"
#include "../legacylog.h"

LEGACY_LOG_SOURCE(src_beta, "site.beta");
LEGACY_LOG_SOURCE(src_chain, "site.chain");

volatile int calls_beta, calls_chain;

void more_beta(int i)
{
	LEGACY_LOG(src_beta, LEGACY_LOG_INFO, "beta said \"%s\"\tto %d\n", "hello", i); /* SITE beta */
	calls_beta++;
}

__attribute__((noinline)) static void chain_inner(int i)
{
	LEGACY_LOG(src_chain, LEGACY_LOG_DEBUG, "chain depth 3, round %d", i); /* SITE chain */
	calls_chain++;
}

__attribute__((noinline)) static void chain_middle(int i)
{
	chain_inner(i);
	calls_chain += 0;
}

__attribute__((noinline)) void chain_outer(int i)
{
	chain_middle(i);
	calls_chain += 0;
}
