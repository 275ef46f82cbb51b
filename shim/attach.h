/* attach.c: the shim loaded late into a running process (logtax attach),
 * and detach. Nothing else in the shim calls it: the injector calls
 * logtax_attach, and detach reaches it through the control channel. */
#ifndef LT_ATTACH_H
#define LT_ATTACH_H

#include "lt.h"

/* Called by the injector (tools/attach.c) on a thread of the process;
 * settings are "NAME=VALUE\n" lines. 0 attached, else the exit status
 * `logtax attach` passes on (2-6); one line in msg either way. */
LT_EXPORT int logtax_attach(const char *settings, char *msg, unsigned msglen);

#endif
