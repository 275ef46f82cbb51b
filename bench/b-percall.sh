#!/usr/bin/env bash
# What logtax adds to one logging call, in each time mode: nanoseconds
# (medians of interleaved runs: noise hits every mode alike) and
# instructions (callgrind: deterministic, the figure CI guards).
# The call: legacy_log of liblegacylog.so in fast mode, ~2.5 ns alone.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-11}
calls=${BENCH_CALLS:-2000000}
modes="bare off sample:64 all"
export LEGACYLOG_MODE=fast

echo "## Per-call cost"
echo "command: bench/b-percall.sh (BENCH_RUNS=$runs BENCH_CALLS=$calls); each run: percall $calls 5"
for r in $(seq "$runs"); do
	for m in $modes; do
		echo "$m $(with_mode "$m" "$PERCALL" "$calls" 5)" >>"$BT/ns"
	done
done
printf '%-12s %10s %10s %12s %12s %14s\n' mode "ns/call" "IQR" "added ns" "instr/call" "added instr"
base_ns=$(awk '$1 == "bare" { print $2 }' "$BT/ns" | stats | cut -d' ' -f1)
base_ir=$(callgrind_per_call 100000 bare)
for m in $modes; do
	read -r med q1 q3 n < <(awk -v m="$m" '$1 == m { print $2 }' "$BT/ns" | stats)
	ir=$(callgrind_per_call 100000 "$m")
	printf '%-12s %10.2f %10s %12.2f %12.1f %14.1f\n' "$m" "$med" "$q1-$q3" \
		"$(echo "$med - $base_ns" | bc -l)" "$ir" "$(echo "$ir - $base_ir" | bc -l)"
done
echo "(modes: bare = no logtax; off = count only; sample:64 = the default; all = time every call)"
