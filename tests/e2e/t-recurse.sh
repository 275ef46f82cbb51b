# Logging functions that do what real ones do (librecurselog.so): allocate
# for each message, call another intercepted entry point (legacy_log calls
# virLogMessage, which calls legacy_log back), and call themselves, 99
# levels deep (more than the 64 timed calls the shim can hold open per
# thread: the others are counted untimed), from 4 threads at once; and a
# program whose malloc logs (every 64th allocation, from inside whatever
# allocates, the shim included). In every time mode, and with stacks and a
# trace: no crash, no deadlock, and every call counted, per source. A call
# made while its thread was inside the shim (the malloc that logs) is
# counted without a key ("reentered"): those and the keyed ones add up to
# what the program made.
. "$(dirname "$0")/../lib.sh"

run() { # name, env...
	local name=$1 out=$T/$1
	shift
	mkdir -p "$out"
	env "$@" LOGTAX_OUTPUT="$out" LD_PRELOAD="$SHIM" timeout 120 "$TP/recurse-demo" 200 100 4 >"$out/stdout" 2>"$out/stderr" ||
		fail "$name: recurse-demo failed (exit $?): $(cat "$out/stderr")"
	local f json
	f=$(one_file "$out")
	json=$("$ANALYZE" report --format json "$f") || fail "$name: report"
	local got want reentered
	want=$(program_calls_by_source "$out/stdout")
	got=$(csv_calls_by_source "$f" | grep -v '^recurse.malloc ')
	expect_eq "$got" "$(grep -v '^recurse.malloc ' <<<"$want")" "$name: calls per source"
	reentered=$(jq '[.threads[].reentered] | add' <<<"$json")
	local mallocs
	mallocs=$(sed -n 's/^recurse.malloc //p' <<<"$want") # (none when built with AddressSanitizer)
	expect_eq "$(($(jq '[.keys[] | select(.source == "recurse.malloc") | .calls] | add // 0' <<<"$json") + reentered))" \
		"${mallocs:-0}" "$name: calls from malloc (keyed + reentered)"
	# 200 rounds x 4 threads of a 99-deep recursion: its level 64 and below
	# cannot be timed when every call is (at least 34 per round)
	if [ "$name" != off ] && [ "$name" != sample ]; then
		expect_ge "$(jq '[.threads[].untimed_full] | add' <<<"$json")" $((200 * 4 * 34)) "$name: calls past the shadow stack, untimed"
	fi
}

run off LOGTAX_TIME=off
run sample LOGTAX_TIME=sample:3
run all LOGTAX_TIME=all
# (libunwind's thread-exit destructor and ThreadSanitizer's cannot meet: see t-threads-churn.sh)
sanitized thread || run stacks LOGTAX_TIME=all LOGTAX_STACKS=8:5
run trace LOGTAX_TRACE=2000
