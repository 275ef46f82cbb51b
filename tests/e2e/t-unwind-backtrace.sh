# Backtraces taken inside a logging function while logtax times its call
# (the caller's return address is then kept by the shim, not on the
# stack): glibc's backtrace(), libunwind's unw_backtrace() and an
# unw_step() loop each reach the caller and then main. Every call is timed
# under --time all; under the default the first of each key is.
. "$(dirname "$0")/../lib.sh"

p=$TP/unwind/bt-demo
[ -x "$p" ] || fail "$p not built"
"$p" >"$T/plain" || fail "bt-demo failed alone"
expect_eq "$(grep -c 'reaches main: yes' "$T/plain")" 9 "bt-demo alone"
for mode in sample:64 all; do
	out=$T/${mode%%:*}
	mkdir -p "$out"
	"$LOGTAX" run --time "$mode" --hook 'bt_log:name=1:level=2' -o "$out" -- "$p" >"$out/stdout" 2>"$out/stderr" ||
		fail "$mode: exit status $?"
	grep 'reaches main: no' "$out/stdout" && fail "$mode: a backtrace stopped short of main"
	expect_eq "$(grep -c 'reaches main: yes' "$out/stdout")" 9 "$mode: backtraces that reach main"
	expect_same_calls "$(one_file "$out")" "$out/stdout" "$mode"
done
timed=$(csv_awk '{ n += $c["timed"] } END { print n + 0 }' "$(one_file "$T/all")")
expect_eq "$timed" 9 "all: timed calls"

# gdb, stopped inside the logging function of a timed call, sees the caller.
if command -v gdb >/dev/null; then
	LOGTAX_TIME=all LOGTAX_HOOK='bt_log:name=1:level=2' LOGTAX_OUTPUT=$T \
		timeout 120 gdb -q -batch -ex "set environment LD_PRELOAD $SHIM" -ex 'set breakpoint pending on' \
		-ex 'break bt_log' -ex run -ex bt -ex kill --args "$p" </dev/null >"$T/gdb.out" 2>&1
	expect_grep 'in lt_tramp ' "$T/gdb.out" "gdb: the call is timed (the shim's frame is there)"
	expect_grep 'in bt_caller ' "$T/gdb.out" "gdb: the caller"
	expect_grep 'in main ' "$T/gdb.out" "gdb: main"
fi
