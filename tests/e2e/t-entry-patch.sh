# User hooks through patched entries (--patch auto, the default, and entry),
# with name=ARG and level=ARG (the pending tests add fmt= and levels=): a
# function called only directly inside an -O2 executable, with and without
# -fno-plt, a tail call among them (direct-demo: nothing under --patch got);
# one reached through its PLT and directly inside its -Bsymbolic-functions
# library (entry-both-demo: each call once); 8 threads running while a
# library defining a hooked function is dlopen'ed and patched, then calling
# it (entry-threads-demo). Counts exact against the programs' own; a
# dropped call's body does not run. Levels are compared raw (no scale).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-entry.sh"
[ "$(uname -m)" = x86_64 ] || skip "entry patching is x86-64 only"

# The program's counts with level names left out (no levels= scale here).
raw_calls() { program_calls_full "$1" | awk '{ $4 = "?"; print }'; }
same_raw() {
	local got want
	got=$(csv_calls_full "$1")
	want=$(raw_calls "$2")
	[ -n "$want" ] || fail "$3: the program printed no counts"
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") | sed 's/^/  /' >&2; fail "$3: calls differ (< program, > logtax)"; }
}

for p in direct-demo direct-demo-noplt; do
	prog=$TPE/$p
	"$prog" 3 >"$T/$p.plain" || fail "$p failed alone"
	for mode in auto entry; do
		for time in off all; do
			out=$T/$p.$mode.$time
			lt_run "$out" --patch $mode --time $time --hook 'ent_log:name=1:level=2' -- "$prog" 3
			cmp -s "$T/$p.plain" "$out/stdout" || fail "$p ($mode, $time): output changed"
			grep -q ent_log "$out/stderr" && fail "$p ($mode, $time): a line about ent_log: $(cat "$out/stderr")"
			same_raw "$(one_file "$out")" "$out/stdout" "$p ($mode, $time)"
		done
	done
	out=$T/$p.drop
	lt_run "$out" --hook 'ent_log:name=1:level=2' --filter 'drop:tail' -- "$prog" 3
	same_raw "$(one_file "$out")" "$out/stdout" "$p (drop)"
	expect_grep "body source=tail level=3 count=0$" "$out/stdout" "$p (drop): the dropped calls' bodies ran"
	expect_grep "body source=main level=6 count=3$" "$out/stdout" "$p (drop): the kept calls' bodies"
	out=$T/$p.got
	lt_run "$out" --patch got --hook 'ent_log:name=1:level=2' -- "$prog" 3
	# ent_log is not exported: only its entry could be found (.symtab)
	expect_grep "no loaded object defines or calls this function.*: ent_log" "$out/stderr" "$p (got): the warning"
	[ -z "$(ls "$out"/*.ltx 2>/dev/null)" ] || expect_eq "$(csv_calls_full "$(one_file "$out")")" "" "$p (got): calls"
done

# Through the PLT from the program and directly inside the library: once each.
prog=$TPE/entry-both-demo
for mode in auto got; do
	out=$T/both.$mode
	lt_run "$out" --patch $mode --hook 'both_log:name=1:level=2' -- "$prog" 3
	if [ $mode = auto ]; then
		same_raw "$(one_file "$out")" "$out/stdout" "both ($mode)"
	else
		# GOT patching reaches only the program's calls through the PLT
		expect_eq "$(csv_calls_full "$(one_file "$out")")" "$(raw_calls "$out/stdout" | grep ' exe ')" "both (got)"
	fi
done

# 8 threads calling thr_log (patched at start) without a pause while a
# library is loaded and its late_log patched meanwhile; then they call both.
# Every call of both counted, no refusal.
prog=$TPE/entry-threads-demo
for time in off sample:2; do
	out=$T/threads.${time%%:*}
	lt_run "$out" --time $time --hook 'thr_log:name=1:level=2' --hook 'late_log:name=1:level=2' -- "$prog" 200
	expect_eq "$(grep -c 'cannot be patched' "$out/stderr")" 0 "threads ($time): no refusal"
	expect_eq "$(csv_calls_full "$(one_file "$out")")" "$(raw_calls "$out/stdout")" "threads ($time)"
done
# thr_tick is a leaf of the executable: refused with one line (its callers
# may keep registers across the call), and the program runs unchanged.
out=$T/leaf
lt_run "$out" --hook 'thr_tick' -- "$prog" 200
expect_eq "$(grep -c 'thr_tick: its entry cannot be patched (it calls nothing' "$out/stderr")" 1 "leaf: thr_tick refused"
expect_eq "$(grep -c 'calls entry=thr_log' "$out/stdout")" 1 "leaf: the program ran"
