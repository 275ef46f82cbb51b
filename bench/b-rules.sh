#!/usr/bin/env bash
# What a dropped call costs its caller, in all (argument set-up, PLT jump,
# trampoline, hook), against the same loop without the call; and that the
# cost is the same with 1 rule or 1,000 (the decision is made once per key
# and cached). Nanoseconds: medians of interleaved processes, each the
# median of 21 rounds of (call loop - empty loop); --time off, which a drop
# does not depend on, keeps start-up deterministic. Instructions: callgrind,
# per call, the first call (where the rules are matched) left out by
# counting two lengths of the same loop and dividing the difference.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-9}
calls=${BENCH_CALLS:-2000000}
RB=$B/bench/rules-bench
export LEGACYLOG_MODE=fast

# N-1 rules that do not match, then the one that does: the matcher walks all.
rules_n() { for i in $(seq $(($1 - 1))); do printf 'keep:other.%d@debug ' "$i"; done; printf 'drop:bench.src'; }
hundred=$(rules_n 100)
many=$(rules_n 1000)
config() { # name, command... with the configuration's environment
	local c=$1
	shift
	case $c in
	bare) "$@" ;;
	kept) LOGTAX_TIME=off LOGTAX_OUTPUT=$BT LD_PRELOAD=$SHIM "$@" ;;
	drop-1) LOGTAX_TIME=off LOGTAX_FILTER='drop:bench.src' LOGTAX_OUTPUT=$BT LD_PRELOAD=$SHIM "$@" ;;
	drop-100) LOGTAX_TIME=off LOGTAX_FILTER=$hundred LOGTAX_OUTPUT=$BT LD_PRELOAD=$SHIM "$@" ;;
	drop-1000) LOGTAX_TIME=off LOGTAX_FILTER=$many LOGTAX_OUTPUT=$BT LD_PRELOAD=$SHIM "$@" ;;
	esac
}
configs="bare kept drop-1 drop-100 drop-1000"

ir() { # config, calls: instructions of the whole process
	config "$1" valgrind --tool=callgrind --callgrind-out-file="$BT/cg.$1" "$RB" calls "$2" >/dev/null 2>&1
	awk '/^summary:|^totals:/ { print $2; exit }' "$BT/cg.$1"
}
ir_per_call() { # config: instructions per call, loop included
	local a b
	a=$(ir "$1" 20000) && b=$(ir "$1" 120000) && echo "($b - $a) / 100000" | bc -l
}

echo "## Dropping calls: the cost of a dropped call, in all"
echo "command: bench/b-rules.sh (BENCH_RUNS=$runs BENCH_CALLS=$calls); each run: rules-bench ns $calls 21"
for r in $(seq "$runs"); do
	for c in $configs; do
		echo "$c $(config "$c" "$RB" ns "$calls" 21)" >>"$BT/ns"
	done
done
loop_ir=$(a=$(valgrind --tool=callgrind --callgrind-out-file="$BT/cg.e1" "$RB" empty 20000 >/dev/null 2>&1 &&
	awk '/^summary:|^totals:/ { print $2; exit }' "$BT/cg.e1") &&
	b=$(valgrind --tool=callgrind --callgrind-out-file="$BT/cg.e2" "$RB" empty 120000 >/dev/null 2>&1 &&
		awk '/^summary:|^totals:/ { print $2; exit }' "$BT/cg.e2") && echo "($b - $a) / 100000" | bc -l)
printf '%-10s %10s %14s %14s  %s\n' config "ns/call" "IQR" "instr/call" "what"
declare -A NS IR
for c in $configs; do
	read -r med q1 q3 n < <(awk -v c="$c" '$1 == c { print $2 }' "$BT/ns" | stats)
	i=$(ir_per_call "$c")
	i=$(echo "$i - $loop_ir" | bc -l)
	i=$(printf '%.1f' "$i") # process start-up varies by a few hundred instructions in all
	NS[$c]=$med
	IR[$c]=$i
	case $c in
	bare) what="no logtax: the library's own filtered-out call (fast mode)" ;;
	kept) what="logtax, no rules, --time off: counted, then the library's call" ;;
	drop-1) what="logtax, 1 rule drops it" ;;
	drop-100) what="logtax, 100 rules, the last one drops it" ;;
	drop-1000) what="logtax, 1,000 rules, the last one drops it" ;;
	esac
	printf '%-10s %10.2f %14s %14.1f  %s\n' "$c" "$med" "$q1-$q3" "$i" "$what"
done
echo "(in all: the call's whole cost to its caller, the empty loop's taken out; instructions exclude the first call)"
verdict() { [ "$1" = 1 ] && echo yes || echo NO; }
echo "dropped call <= 8 ns in all: $(verdict "$(echo "${NS[drop-1]} <= 8" | bc -l)") (${NS[drop-1]} ns)"
echo "same instructions with 1, 100 and 1,000 rules: $(verdict "$([ "${IR[drop-1]}" = "${IR[drop-1000]}" ] && [ "${IR[drop-1]}" = "${IR[drop-100]}" ] && echo 1)")" \
	"(${IR[drop-1]}, ${IR[drop-100]} and ${IR[drop-1000]})"
