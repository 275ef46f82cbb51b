#ifndef AN_CTL_H
#define AN_CTL_H
/* logtax ctl (see ctl.c): argv[0] is "ctl". Returns the exit status. */
int an_cmd_ctl(int argc, char **argv);

#include <stddef.h>
/* One request (cmd "filter", "dump" or "status"; the payload is the rule
 * text of a filter) to the control thread of process pid: 0 with the
 * answer's "key: value" lines in *answer (malloc'ed), else the exit status
 * of logtax ctl (see ctl.c) with the reason on stderr, prefixed by caller. */
int an_ctl_send(const char *caller, long pid, const char *cmd, const char *payload, size_t plen, double timeout,
		char **answer);
#endif
