# A C++ logging function that throws, caught two or more frames up (at
# depths from 2 to 81), 10,000 times, through a --hook'ed call: under every
# mode (count only, sampled, every call timed, trace, stacks) the program
# exits 0 with the output of its run without logtax, and every call is
# counted exactly. Every call timed: the calls that return normally are all
# timed too (nothing the shim keeps per timed call is left behind by the
# exceptions). Dropped: the call never reaches the function, so nothing is
# thrown, and the program says so.
. "$(dirname "$0")/../lib.sh"

prog=$TP/unwind/throw-demo
[ -x "$prog" ] || fail "$prog not built"
hook='throw_log:name=1:level=2'
"$prog" 10000 >"$T/plain.out" 2>"$T/plain.err" || fail "throw-demo failed alone"
expect_grep "caught=10000 " "$T/plain.out" "the plain run"

run() { # NAME logtax-run-options...
	local name=$1 out=$T/$1
	shift
	mkdir -p "$out"
	"$LOGTAX" run "$@" --hook "$hook" -o "$out" -- "$prog" 10000 >"$out/stdout" 2>"$out/stderr"
	local rc=$?
	[ "$rc" -eq 0 ] || { cat "$out/stderr" >&2; fail "$name: exit status $rc"; }
	grep -v '^logtax: ' "$out/stderr" | diff "$T/plain.err" - >/dev/null || fail "$name: stderr changed: $(cat "$out/stderr")"
	expect_same_calls "$(one_file "$out")" "$out/stdout" "$name"
}

# Both patching kinds: throw_log's entry patched (auto, the default), and
# its GOT entry in the program (got).
for mode in off sample:64 all; do
	run "${mode%%:*}" --time "$mode"
	cmp -s "$T/plain.out" "$T/${mode%%:*}/stdout" || fail "$mode: output changed"
	run "got-${mode%%:*}" --patch got --time "$mode"
	cmp -s "$T/plain.out" "$T/got-${mode%%:*}/stdout" || fail "got, $mode: output changed"
done
expect_eq "$(grep -c 'cannot be patched' "$T/all/stderr")" 0 "auto: throw_log's entry patched"
run default
cmp -s "$T/plain.out" "$T/default/stdout" || fail "default: output changed"
run trace --trace 1000
cmp -s "$T/plain.out" "$T/trace/stdout" || fail "trace: output changed"
run stacks --stacks 16:1
cmp -s "$T/plain.out" "$T/stacks/stdout" || fail "stacks: output changed"

# Every call timed: the 10,000 calls that return are 10,000 timed windows
# (had the thrown calls kept their shadow entries, the thread's 64 would
# have run out after 64 throws at distinct depths).
timed=$(csv_awk '$c["source"] == "ok" { n += $c["timed"] } END { print n + 0 }' "$(one_file "$T/all")")
expect_eq "$timed" 10000 "all: timed calls that returned"

# Dropped: nothing thrown (the program counts), every call still counted.
run drop --time all --filter 'drop:fail'
expect_grep "caught=0 " "$T/drop/stdout" "drop: calls reached the function"
