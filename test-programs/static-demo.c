/*
 * README: static-demo.c - a statically linked program (no dynamic loader,
 * so no LD_PRELOAD library can be loaded into it). It writes a line and
 * exits with the status given (default 0), so a test can check that
 * `logtax run` still runs it and passes its status through.
 * How it is run: static-demo [STATUS]
 * Build: gcc -static -o static-demo static-demo.c
 */
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
    printf("static-demo: running without a dynamic loader\n");
    return argc > 1 ? atoi(argv[1]) : 0;
}
