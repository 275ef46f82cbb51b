#ifndef AN_CTL_H
#define AN_CTL_H
/* logtax ctl (see ctl.c): argv[0] is "ctl". Returns the exit status. */
int an_cmd_ctl(int argc, char **argv);
#endif
