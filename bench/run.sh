#!/usr/bin/env bash
# make bench: every benchmark under bench/ (b-*.sh), one after the other.
# Each prints its figures and the command that repeats it; docs/BENCHMARKS.md
# keeps a run. Close other work first: the machine's noise is in the figures.
set -u
cd "$(dirname "$0")/.." || exit 1
command -v valgrind >/dev/null || { echo "bench: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
command -v bc >/dev/null || { echo "bench: bc is needed (apt-get install bc)" >&2; exit 1; }
echo "# logtax benchmarks, $(date -u +%Y-%m-%d), $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for b in bench/b-*.sh; do
	echo
	bash "$b" || echo "$b failed"
done
