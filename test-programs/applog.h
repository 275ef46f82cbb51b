/* libapplog.so: a program's own logging function in a shared library, the
 * kind of target `logtax run --hook` is for. Nothing in logtax knows it:
 *   --hook 'app_log:name=1:level=2'
 * With APPLOG_OUTPUT=stderr each message is written to stderr. */
#ifndef APPLOG_H
#define APPLOG_H

/* Formats a message for `category` at `level`; returns its length. */
int app_log(const char *category, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Does some work that logs n times (category "work", level 1), calling
 * app_log from inside the library. Returns the sum of app_log's results. */
long app_work(int n);

#endif
