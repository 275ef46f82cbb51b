/*
 * README: callers.c - libcallers.so, a second module that logs.
 *
 * What it models: a daemon's logging calls that come from one of its
 * libraries rather than from the program itself, so that rules can select
 * calls by the calling module (drop:*<libcallers.so*).
 *
 * How it is run: not by itself; rules-demo links against it.
 * callers_work(n) makes n calls from source "lib.worker", alternating
 * debug and error, and returns how many it made.
 */
#include "legacylog.h"

LEGACY_LOG_SOURCE(log_worker, "lib.worker");

long
callers_work(long n)
{
    long i;

    for (i = 0; i < n; i++)
        LEGACY_LOG(log_worker, i % 2 ? LEGACY_LOG_ERROR : LEGACY_LOG_DEBUG,
                   "worker step %ld", i);
    return n;
}
