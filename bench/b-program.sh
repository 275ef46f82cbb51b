#!/usr/bin/env bash
# Whole-program overhead: the wall time of evloop-demo (2,000 iterations x
# 500 fds, about 1,001 logging calls per iteration) with logtax in its
# default mode over the wall time without it, in fast mode (a cheap call,
# the worst case for relative overhead) and ringbuffer mode; runs alternate,
# and the figure is the median of the pairwise ratios.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-11}
demo=$B/test-programs/evloop-demo
iters=${BENCH_ITERATIONS:-2000}

wall() { # prints seconds of one run
	local s e
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}

echo "## Whole program: evloop-demo"
echo "command: bench/b-program.sh (BENCH_RUNS=$runs BENCH_ITERATIONS=$iters)"
printf '%-12s %12s %12s %14s\n' mode "bare s" "logtax s" "ratio (median)"
for mode in fast ringbuffer; do
	: >"$BT/ratios"
	: >"$BT/a"
	: >"$BT/b"
	for r in $(seq "$runs"); do
		a=$(LEGACYLOG_MODE=$mode wall "$demo" "$iters" 500)
		b=$(LEGACYLOG_MODE=$mode with_mode sample:64 wall "$demo" "$iters" 500)
		echo "$a" >>"$BT/a"
		echo "$b" >>"$BT/b"
		echo "$b / $a" | bc -l >>"$BT/ratios"
	done
	printf '%-12s %12.4f %12.4f %14.4f\n' "$mode" "$(stats <"$BT/a" | cut -d' ' -f1)" \
		"$(stats <"$BT/b" | cut -d' ' -f1)" "$(stats <"$BT/ratios" | cut -d' ' -f1)"
done
