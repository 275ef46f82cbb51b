#!/usr/bin/env bash
# Checks the instructions logtax adds per call against bench/budget.txt.
#   bench/check-budget.sh [SHIM]   (default: build/lib/logtax/liblogtax.so)
# Prints one line per mode; exits 1 if any mode is over its budget.
. "$(dirname "$0")/lib.sh"
SHIM=${1:-$SHIM}
[ -f "$SHIM" ] || { echo "check-budget: no shim at $SHIM" >&2; exit 2; }
export LEGACYLOG_MODE=fast
base=$(callgrind_per_call 20000 bare) || exit 2
over=0
while read -r mode budget; do
	case $mode in '#'* | '' | entry-*) continue ;; esac # entry-*: t-entry-instruction-budget
	ir=$(callgrind_per_call 20000 "$mode") || exit 2
	added=$(echo "$ir - $base" | bc -l)
	if [ "$(echo "$added > $budget" | bc -l)" = 1 ]; then
		printf 'OVER  %-10s %6.1f instructions added per call, budget %s\n' "$mode" "$added" "$budget"
		over=1
	else
		printf 'ok    %-10s %6.1f instructions added per call, budget %s\n' "$mode" "$added" "$budget"
	fi
done <"$ROOT/bench/budget.txt"
exit $over
