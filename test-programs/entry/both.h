/* libentryboth.so: both_log is exported and called from the program
 * through its PLT; inside the library both_work calls it directly (the
 * library is linked -Bsymbolic-functions, as Debian's GLib is). */
#ifndef ENTRY_BOTH_H
#define ENTRY_BOTH_H
int both_log(const char *src, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
long both_work(int n);
/* Bodies of both_log that ran, per source: [0] "exe", [1] "lib". */
unsigned long both_bodies(int which);
#endif
