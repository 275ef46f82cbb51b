# The CI guard for the entry path (issue 11): callgrind's instructions per
# call that logtax adds to bench/percall-direct's direct_log, a function
# called directly inside the executable and entry-patched, in each mode.
# Budget: bench/budget.txt's entry-MODE rows (the GOT path's rows are for
# bench/percall's legacy_log; direct_log's arguments and its variadic
# prologue differ, so the entry path has figures of its own). Each run also counts every call (so a patch that
# silently did nothing cannot pass with 0 instructions added).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-entry.sh"
[ -n "$SANITIZE" ] && skip_by_design "a -fsanitize=$SANITIZE build: instruction counts are checked in the plain build"
command -v valgrind >/dev/null || skip "valgrind is not installed (scripts/install-deps.sh installs it)"
prog=$B/bench/percall-direct
calls=20000
objdump -d "$prog" | grep -qE 'call +[0-9a-f]+ <direct_log>' || fail "bench_loop does not call direct_log directly"

# Instructions per call inside bench_loop; MODE's env on the shim as bench/lib.sh sets it.
per_call() { # OUT MODE
	local out=$1 env=()
	mkdir -p "$out"
	case $2 in
	bare) ;;
	drop) env=(LOGTAX_TIME=off LOGTAX_FILTER='drop:*' LD_PRELOAD="$SHIM") ;;
	*) env=(LOGTAX_TIME="$2" LD_PRELOAD="$SHIM") ;;
	esac
	env "${env[@]}" LOGTAX_PATCH=entry LOGTAX_HOOK='direct_log:name=1:level=2' LOGTAX_OUTPUT="$out" \
		valgrind --tool=callgrind --toggle-collect=bench_loop --callgrind-out-file="$out/cg" "$prog" $calls 1 \
		>/dev/null 2>"$out/err" || fail "$2: percall-direct under callgrind failed: $(tail -n 3 "$out/err")"
	awk -v n=$calls '/^totals:/ { printf "%.1f\n", $2 / (n + int(n / 10) + 1) }' "$out/cg"
}
base=$(per_call "$T/bare" bare)
for mode in off sample:64 all drop; do
	budget=$(awk -v m="entry-$mode" '$1 == m { print $2 }' "$ROOT/bench/budget.txt")
	[ -n "$budget" ] || fail "no budget for entry-$mode in bench/budget.txt"
	ir=$(per_call "$T/$mode" "$mode")
	added=$(echo "$ir - $base" | bc -l)
	note "$mode: $added instructions added per call (budget $budget; $ir in all)"
	expect_le "$added" "$budget" "$mode: instructions added per entry-patched call"
	n=$("$ANALYZE" report --format csv "$(one_file "$T/$mode")" |
		csv_each '$c["entry"] == "direct_log" { n += $c["calls"] } END { print n + 0 }')
	expect_eq "$n" $((calls + calls / 10 + 1)) "$mode: calls counted"
done
