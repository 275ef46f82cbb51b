# The shim forwards calls untouched: doubles in vector registers, arguments
# on the stack and long doubles print the same with and without it, in every
# time mode, with stacks and in trace mode (first calls take the slow path,
# later ones the hot path, picked ones the stack path); the
# waits keep their return values and errno; errno survives a logging call.
. "$(dirname "$0")/../lib.sh"

norm() { sed 's/^[^:]*:[^:]*:[^:]*: [0-9]*: //' "$1"; }
export LEGACYLOG_OUTPUT=stderr LEGACYLOG_LEVEL=1
"$TP/varargs-demo" 3 >"$T/plain.out" 2>"$T/plain.err" || fail "varargs-demo alone failed: $(cat "$T/plain.err")"
[ -s "$T/plain.err" ] || fail "varargs-demo printed no messages"
for time in off sample:1 sample:3 all off,stacks=8:1 sample:2,stacks=16:1 all,stacks=4:2 trace=50 trace=3,stacks=8:1; do
	mode=${time%%,*}
	extra=()
	case $time in *stacks=*) s=${time#*stacks=}; extra+=("LOGTAX_STACKS=${s%%,*}") ;; esac
	case $time in trace=*) t=${time#trace=}; extra+=("LOGTAX_TRACE=${t%%,*}"); mode=all ;; esac
	env "${extra[@]}" LOGTAX_OUTPUT=$T LOGTAX_TIME=$mode LD_PRELOAD=$SHIM "$TP/varargs-demo" 3 >"$T/$time.out" 2>"$T/$time.err" ||
		fail "$time: varargs-demo under logtax failed: $(cat "$T/$time.err")"
	diff <(norm "$T/plain.err") <(norm "$T/$time.err") >"$T/diff" || { cat "$T/diff"; fail "$time: messages differ"; }
	cmp -s "$T/plain.out" "$T/$time.out" || fail "$time: stdout differs"
	f=$(one_file "$T")
	expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$T/$time.out")" "$time: calls per source"
	rm -f "$f"
done
