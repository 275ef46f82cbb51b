#!/usr/bin/env bash
# Two shims side by side, in one run: what a change to the hot path gains.
#   bench/b-floor.sh OLD_SHIM [NEW_SHIM]   (NEW_SHIM: this build's)
# Per mode, instructions added per call (callgrind, deterministic) and ns
# added per call: bench/percall's median round, in interleaved runs (bare,
# old, new, each mode), each run's figure minus the bare one just before
# it; the table gives the medians of those differences.
# To build the shim of an older commit:
#   git worktree add /tmp/old COMMIT && make -C /tmp/old build/lib/logtax/liblogtax.so
. "$(dirname "$0")/lib.sh"
OLD=${1:?usage: bench/b-floor.sh OLD_SHIM [NEW_SHIM]}
NEW=${2:-$SHIM}
runs=${BENCH_RUNS:-11}
calls=${BENCH_CALLS:-2000000}
modes="off sample:64 all drop"
export LEGACYLOG_MODE=fast
# the thread's CPU time: a run that waits for a CPU does not count the wait
export PERCALL_CLOCK=${PERCALL_CLOCK:-cpu}

for r in $(seq "$runs"); do
	b=$(with_mode bare "$PERCALL" "$calls" 5)
	for m in $modes; do
		for which in old new; do
			[ $which = old ] && SHIM=$OLD || SHIM=$NEW
			echo "$which $m $(echo "$(with_mode "$m" "$PERCALL" "$calls" 5) - $b" | bc -l)" >>"$BT/ns"
		done
	done
done
echo "## Before and after"
echo "command: bench/b-floor.sh $OLD ${2:-} (BENCH_RUNS=$runs BENCH_CALLS=$calls)"
printf '%-10s %12s %12s %12s %12s %8s\n' mode "old instr" "new instr" "old ns" "new ns" "ns ratio"
SHIM=$NEW
base=$(callgrind_per_call 100000 bare)
for m in $modes; do
	SHIM=$OLD
	io=$(echo "$(callgrind_per_call 100000 "$m") - $base" | bc -l)
	SHIM=$NEW
	in=$(echo "$(callgrind_per_call 100000 "$m") - $base" | bc -l)
	no=$(awk -v m="$m" '$1 == "old" && $2 == m { print $3 }' "$BT/ns" | stats | cut -d' ' -f1)
	nn=$(awk -v m="$m" '$1 == "new" && $2 == m { print $3 }' "$BT/ns" | stats | cut -d' ' -f1)
	ratio=n/a # (a dropped call can cost less than the bare one)
	[ "$(echo "$no > 0 && $nn > 0" | bc -l)" = 1 ] && ratio=$(printf '%.2f' "$(echo "$nn / $no" | bc -l)")
	printf '%-10s %12.1f %12.1f %12.2f %12.2f %8s\n' "$m" "$io" "$in" "$no" "$nn" "$ratio"
done
echo "(added per call beyond the bare call; drop: every call dropped by a rule, so its real function never runs)"
