/* callsites-demo: shared declarations of its two source files. */
#ifndef CALLSITES_H
#define CALLSITES_H

void more_beta(int i);
void chain_outer(int i);

#endif
