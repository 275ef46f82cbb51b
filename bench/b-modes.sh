#!/usr/bin/env bash
# What the optional modes of issue 5 add to one logging call: stacks at
# several rates, trace mode; against the same call counted only (sample:64,
# the default) and timed (all). Same method as b-percall.sh: medians of
# interleaved runs for ns, callgrind for instructions. The call site is
# bench_loop -> legacy_log, about 6 frames deep: a stack costs more in a
# deeper program (libunwind's work grows with the frames).
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-11}
calls=${BENCH_CALLS:-2000000}
modes=${BENCH_MODES:-"bare sample:64 sample:64,stacks=16:1024 sample:64,stacks=16:64 sample:64,stacks=16:1 all trace=4096 trace=1048576"}
export LEGACYLOG_MODE=fast

echo "## Per-call cost of stacks and trace mode"
echo "command: bench/b-modes.sh (BENCH_RUNS=$runs BENCH_CALLS=$calls); each run: percall $calls 5"
for r in $(seq "$runs"); do
	for m in $modes; do
		echo "$m $(with_mode "$m" "$PERCALL" "$calls" 5)" >>"$BT/ns"
	done
done
printf '%-26s %10s %14s %12s %12s %14s\n' mode "ns/call" "IQR" "added ns" "instr/call" "added instr"
base_ns=$(awk '$1 == "bare" { print $2 }' "$BT/ns" | stats | cut -d' ' -f1)
base_ir=$(callgrind_per_call 100000 bare)
for m in $modes; do
	read -r med q1 q3 n < <(awk -v m="$m" '$1 == m { print $2 }' "$BT/ns" | stats)
	ir=$(callgrind_per_call 100000 "$m")
	printf '%-26s %10.2f %14s %12.2f %12.1f %14.1f\n' "$m" "$med" "$q1-$q3" \
		"$(echo "$med - $base_ns" | bc -l)" "$ir" "$(echo "$ir - $base_ir" | bc -l)"
done
echo "(stacks=D:N: a stack of up to D frames for 1 call in N; trace=N: every call timed and recorded"
echo " in a ring of N events per thread)"
