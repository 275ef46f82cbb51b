# Threads cancelled inside a logging call: 8 threads, each holding a lock
# that its pthread_cleanup_push handler releases, blocked in a --hook'ed
# logging function that reads an empty pipe (a cancellation point, as the
# socket writes of syslog and sd_journal_* are), are cancelled. The call
# is timed (its thread's first of the key, or --time all): the unwind must
# pass through it. Every handler runs, every lock is free again, new
# threads log on, and every call is counted exactly. The program is built
# with -fexceptions (handlers run by the unwinder) and without (glibc jumps
# to them as the unwind passes their frames).
. "$(dirname "$0")/../lib.sh"
# Under AddressSanitizer cancel-demo fails on its own, without logtax: the
# forced unwind of a cancelled thread runs its cleanup handler, where GCC
# 12's ASan reports a stack-buffer-underflow in __asan_handle_no_return (a
# known false positive of ASan with pthread_cancel).
sanitized address && skip_by_design "a -fsanitize=address build: cancel-demo trips ASan's false positive on cancellation without logtax"

want="cancel-demo: cancelled=8 cleanups=8 locks_free=8 after=400"
for prog in cancel-demo cancel-demo-noexc; do
	p=$TP/unwind/$prog
	[ -x "$p" ] || fail "$p not built"
	timeout 120 "$p" >"$T/$prog.plain" || fail "$prog failed alone"
	expect_grep "^$want\$" "$T/$prog.plain" "$prog alone"
	for mode in off sample:64 all; do
		name="$prog ($mode)" out=$T/$prog.${mode%%:*}
		mkdir -p "$out"
		timeout 120 "$LOGTAX" run --time "$mode" --hook 'block_log:name=1:level=2' -o "$out" -- "$p" \
			>"$out/stdout" 2>"$out/stderr" || fail "$name: exit status $? ($(cat "$out/stderr"))"
		expect_grep "^$want\$" "$out/stdout" "$name"
		expect_same_calls "$(one_file "$out")" "$out/stdout" "$name"
	done
	# every call that returned was timed, on the new threads too
	timed=$(csv_awk '$c["source"] != "blocked" { n += $c["timed"] } END { print n + 0 }' "$(one_file "$T/$prog.all")")
	expect_eq "$timed" 1200 "$prog (all): timed calls that returned"
done
