#!/usr/bin/env bash
# Checks the instructions logtax adds per call against bench/budget.txt.
#   bench/check-budget.sh [SHIM]   (default: build/lib/logtax/liblogtax.so)
# Prints one line per mode; exits 1 if any mode is over its budget.
. "$(dirname "$0")/lib.sh"
SHIM=${1:-$SHIM}
[ -f "$SHIM" ] || { echo "check-budget: no shim at $SHIM" >&2; exit 2; }
export LEGACYLOG_MODE=fast
steady_added() { # calls, keys: instructions time mode off adds per call, steady state
	local b o
	b=$(callgrind_steady "$1" bare 1 "$2") && o=$(callgrind_steady "$1" off 1 "$2") && echo "$o - $b" | bc -l
}
base=$(callgrind_per_call 20000 bare) || exit 2
over=0
while read -r mode budget; do
	case $mode in '#'* | '' | entry-*) continue ;; esac # entry-*: t-entry-instruction-budget
	case $mode in
	keys=*) # a call of one of N keys against a call of one key, steady state
		n=${mode#keys=}
		# what logtax adds with n keys, less what it adds with one (the
		# loop's own work differs with n, and cancels in each)
		many=$(steady_added 200000 "$n") || exit 2
		one=$(steady_added 200000 1) || exit 2
		added=$(echo "$many - $one" | bc -l)
		;;
	*)
		ir=$(callgrind_per_call 20000 "$mode") || exit 2
		added=$(echo "$ir - $base" | bc -l)
		;;
	esac
	# a dropped call never runs the real function: what it takes in all
	# (bench_loop's loop and argument set-up included) says more
	total=
	[ "$mode" = drop ] && total=$(printf ' (%.1f in all)' "$ir")
	if [ "$(echo "$added > $budget" | bc -l)" = 1 ]; then
		printf 'OVER  %-10s %6.1f instructions added per call, budget %s%s\n' "$mode" "$added" "$budget" "$total"
		over=1
	else
		printf 'ok    %-10s %6.1f instructions added per call, budget %s%s\n' "$mode" "$added" "$budget" "$total"
	fi
done <"$ROOT/bench/budget.txt"
exit $over
