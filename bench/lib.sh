# Sourced by the benchmarks: paths and small statistics helpers.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${LTX_BUILD:-$ROOT/build}
SHIM=$B/lib/logtax/liblogtax.so
PERCALL=$B/bench/percall
BT=$(mktemp -d "${TMPDIR:-/tmp}/logtax-bench.XXXXXX")
trap 'rm -rf "$BT"' EXIT
export LC_ALL=C

# median and quartiles of numbers on stdin: "median q1 q3 n"
stats() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "nan nan nan 0"; exit }
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	q1 = v[int((NR + 3) / 4)]; q3 = v[int((3 * NR + 1) / 4)]; print m, q1, q3, NR }'; }

# Runs a command with the shim in a mode ("bare" = without the shim,
# "drop" = with a rule dropping every call): a time mode, optionally with
# ",stacks=DEPTH:N", or "trace=N" (which times every call).
with_mode() {
	local mode=$1 env=()
	shift
	case $mode in
	bare) "$@"; return ;;
	# every call dropped by a rule (time mode irrelevant: off)
	drop) env+=("LOGTAX_TIME=off" "LOGTAX_FILTER=drop:*") ;;
	# every call through a limit or sample rule, time mode off: "-drop"
	# drops all but the first (the path a cut call takes), "-keep" keeps all
	limit-drop) env+=("LOGTAX_TIME=off" "LOGTAX_FILTER=limit:*:1/min") ;;
	limit-keep) env+=("LOGTAX_TIME=off" "LOGTAX_FILTER=limit:*:4294967295/s") ;;
	sample-drop) env+=("LOGTAX_TIME=off" "LOGTAX_FILTER=sample:*:1/4294967295") ;;
	sample-keep) env+=("LOGTAX_TIME=off" "LOGTAX_FILTER=sample:*:1/1") ;;
	trace=*) env+=("LOGTAX_TRACE=${mode#trace=}") ;;
	*,stacks=*) env+=("LOGTAX_TIME=${mode%%,*}" "LOGTAX_STACKS=${mode#*,stacks=}") ;;
	*) env+=("LOGTAX_TIME=$mode") ;;
	esac
	env "${env[@]}" LOGTAX_OUTPUT="$BT" LD_PRELOAD="$SHIM" "$@"
}

# Instructions executed inside bench_loop (and what it calls), per call.
callgrind_per_call() { # calls, mode, percall args...
	local calls=$1 mode=$2
	shift 2
	with_mode "$mode" valgrind --tool=callgrind --toggle-collect=bench_loop \
		--callgrind-out-file="$BT/cg.out" "$PERCALL" "$calls" 1 "$@" >/dev/null 2>"$BT/cg.err" ||
		{ cat "$BT/cg.err" >&2; return 1; }
	# percall runs calls/10 + 1 warm-up calls before the measured ones.
	awk -v n="$calls" '/^totals:/ { printf "%.1f\n", $2 / (n + int(n / 10) + 1) }' "$BT/cg.out"
}

# Instructions per call in steady state: the difference between runs of
# 2N and N calls, so that what happens once (making the keys, start-up)
# cancels out; no periodic snapshots. For many keys (percall's KEYS).
callgrind_steady() { # calls, mode, percall args...
	local calls=$1 mode=$2 n ir=()
	shift 2
	for n in "$calls" $((2 * calls)); do
		LOGTAX_SNAPSHOT=0 with_mode "$mode" valgrind --tool=callgrind --toggle-collect=bench_loop \
			--callgrind-out-file="$BT/cg.out" "$PERCALL" "$n" 1 "$@" >/dev/null 2>"$BT/cg.err" ||
			{ cat "$BT/cg.err" >&2; return 1; }
		ir+=("$(awk '/^totals:/ { print $2 }' "$BT/cg.out")")
	done
	# each run makes n + n/10 + 1 calls (its warm-up included)
	echo "(${ir[1]} - ${ir[0]}) / ($calls + $calls / 10)" | bc -l | xargs printf '%.1f\n'
}

# The per-call table of b-percall.sh and b-modes.sh: for each mode (the
# first must be "bare"), ns per call of bench/percall as the median of
# $runs interleaved processes of $calls calls, and callgrind's instructions.
# Needs runs, calls and LEGACYLOG_MODE set; prints one row per mode.
mode_table() { # width, modes...
	local w=$1 m r med q1 q3 n base_ns base_ir ir
	shift
	for r in $(seq "$runs"); do
		for m in "$@"; do
			echo "$m $(with_mode "$m" "$PERCALL" "$calls" 5)" >>"$BT/ns"
		done
	done
	printf "%-${w}s %10s %14s %12s %12s %14s\n" mode "ns/call" "IQR" "added ns" "instr/call" "added instr"
	base_ns=$(awk '$1 == "bare" { print $2 }' "$BT/ns" | stats | cut -d' ' -f1)
	base_ir=$(callgrind_per_call 100000 bare)
	for m in "$@"; do
		read -r med q1 q3 n < <(awk -v m="$m" '$1 == m { print $2 }' "$BT/ns" | stats)
		ir=$(callgrind_per_call 100000 "$m")
		printf "%-${w}s %10.2f %14s %12.2f %12.1f %14.1f\n" "$m" "$med" "$q1-$q3" \
			"$(echo "$med - $base_ns" | bc -l)" "$ir" "$(echo "$ir - $base_ir" | bc -l)"
	done
}
