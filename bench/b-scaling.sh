#!/usr/bin/env bash
# Does the per-call cost stay flat as threads and distinct keys grow?
# Threads: 1, 2, 4, 8 logging at once; per-call cost in thread CPU time (a
# thread waiting for one of the 2 CPUs is not charged). Keys: 10, 1,000 and
# 100,000 distinct keys from one call site (sources x levels). Default mode
# (sample:64) against no logtax, interleaved, medians.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-7}
calls=${BENCH_CALLS:-2000000}
export LEGACYLOG_MODE=fast PERCALL_CLOCK=cpu

table() { # label, extra percall args
	local label=$1
	shift
	for r in $(seq "$runs"); do
		for m in bare sample:64; do
			echo "$m $(with_mode "$m" "$PERCALL" "$calls" 3 "$@")" >>"$BT/$label"
		done
	done
	local b s
	b=$(awk '$1 == "bare" { print $2 }' "$BT/$label" | stats | cut -d' ' -f1)
	s=$(awk '$1 == "sample:64" { print $2 }' "$BT/$label" | stats | cut -d' ' -f1)
	printf '%-16s %12.2f %12.2f %12.2f\n' "$label" "$b" "$s" "$(echo "$s - $b" | bc -l)"
}

echo "## Scaling: threads and keys"
echo "command: bench/b-scaling.sh (BENCH_RUNS=$runs BENCH_CALLS=$calls); per-call CPU time, medians"
printf '%-16s %12s %12s %12s\n' case "bare ns" "logtax ns" "added ns"
for t in 1 2 4 8; do table "threads=$t" "$t" 1; done
for k in 10 1000 100000; do table "keys=$k" 1 "$k"; done
echo "(with many keys the table outgrows the caches: the added cost is memory traffic, one slot line per call)"
