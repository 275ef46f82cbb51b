#ifndef AN_AB_H
#define AN_AB_H
/* logtax ab (see ab.c): argv[0] is "ab". Returns the exit status. */
int an_cmd_ab(int argc, char **argv);
#endif
