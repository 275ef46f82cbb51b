# Patching while threads run (issue 11): entry-threads-demo's 8 threads
# call thr_log (a function of the program, called directly) without a pause
# while the main thread loads libentrylate.so with dlopen; late_log, which
# it defines, is hooked and patched then, and the threads call it too once
# dlopen has returned. Nothing crashes, and both are counted exactly, per
# the threads' own counts; a rule drops late_log's calls (its body never
# runs) and not thr_log's. Repeated: a race shows only sometimes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-entry.sh"
prog=$TPE/entry-threads-demo
calls=5000
hooks=(--hook 'thr_log:name=1:level=2:levels=syslog' --hook 'late_log:name=1:level=2:levels=syslog')
for i in 1 2 3 4 5; do
	for mode in entry auto; do
		out=$T/$mode.$i
		lt_run "$out" --patch $mode "${hooks[@]}" -- "$prog" $calls
		expect_same_calls "$(one_file "$out")" "$out/stdout" "$mode, run $i"
		expect_bodies "$out/stdout" 0 "$mode, run $i" 0
	done
done
# Neither has a PLT or GOT entry: GOT patching counts nothing (and one line
# for late_log, looked for again after dlopen, is allowed).
out=$T/got
lt_run "$out" --patch got "${hooks[@]}" -- "$prog" $calls
expect_no_calls "$(one_file "$out")" thr_log "got"
expect_no_calls "$(one_file "$out")" late_log "got"

out=$T/drop
lt_run "$out" --patch auto "${hooks[@]}" --filter 'drop:late_log/*' -- "$prog" $calls
expect_same_calls "$(one_file "$out")" "$out/stdout" "drop: calls"
expect_bodies "$out/stdout" '$1 == "late_log"' "drop:late_log/*" 0

out=$T/time
lt_run "$out" --patch auto "${hooks[@]}" --time all -- "$prog" $calls
expect_same_calls "$(one_file "$out")" "$out/stdout" "--time all: calls"
expect_all_timed "$(one_file "$out")" "--time all"
if ldconfig -p 2>/dev/null | grep -q 'libunwind\.so\.8'; then
	out=$T/stacks
	lt_run "$out" --patch auto "${hooks[@]}" --stacks 16:64 -- "$prog" $calls
	expect_same_calls "$(one_file "$out")" "$out/stdout" "--stacks: calls"
	"$LOGTAX" report --format folded "$(one_file "$out")" >"$T/folded" || fail "folded report failed"
	grep -qE '(^|;)worker;thr_log [0-9]+$' "$T/folded" || fail "no stack worker;thr_log"
	grep -qE '(^|;)worker;late_log [0-9]+$' "$T/folded" || fail "no stack worker;late_log"
	expect_eq "$(awk '{ n += $NF } END { print n }' "$T/folded")" \
		"$(program_calls_full "$out/stdout" | awk '{ n += $5 } END { print n }')" "folded counts add up to all calls"
else
	ci_needs "libunwind8 is not installed (scripts/install-deps.sh): stacks not checked"
fi
