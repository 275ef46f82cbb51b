# One function reached two ways (issue 11): entry-both-demo calls both_log
# of libentryboth.so through its PLT (source exe), and the library calls it
# directly (source lib; linked -Bsymbolic-functions). Entry patching counts
# each call once: a PLT call lands on the patched entry and is not counted
# again by a GOT patch. GOT patching alone sees only the PLT calls. Rules
# drop by source; timing works on both paths.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-entry.sh"
prog=$TPE/entry-both-demo
rounds=30
spec='both_log:name=1:level=2:fmt=3:levels=syslog'
objdump -d "$TPE/libentryboth.so" | grep -qE 'call +[0-9a-f]+ <both_log>' || fail "libentryboth.so does not call both_log directly"
objdump -d "$prog" | grep -q 'both_log@plt' || fail "entry-both-demo does not call both_log through its PLT"
"$prog" $rounds >"$T/plain.out" || fail "entry-both-demo failed alone"

for mode in entry auto; do
	for hook in "$spec" "both_log@libentryboth.so${spec#both_log}" "both_log@*/libentryboth.*${spec#both_log}"; do
		out=$T/$mode
		lt_run "$out" --patch $mode --hook "$hook" -- "$prog" $rounds
		cmp -s "$T/plain.out" "$out/stdout" || fail "$mode '$hook': output or return values changed"
		expect_same_calls "$(one_file "$out")" "$out/stdout" "$mode '$hook': each call once"
	done
done
out=$T/got
lt_run "$out" --patch got --hook "$spec" -- "$prog" $rounds
expect_same "$(program_calls_full "$out/stdout" | grep ' exe ')" "$(csv_calls_full "$(one_file "$out")")" \
	"got: the PLT calls only"

# An object glob that matches nothing: one line naming it, nothing counted.
out=$T/nomatch
lt_run "$out" --patch entry --hook "both_log@libnothing*${spec#both_log}" -- "$prog" $rounds
expect_eq "$(grep -c '^logtax: .*libnothing' "$out/stderr")" 1 "both_log@libnothing*: one line"
expect_no_calls "$(one_file "$out")" both_log "both_log@libnothing*"

for src in lib exe; do
	out=$T/drop-$src
	lt_run "$out" --patch auto --hook "$spec" --filter "drop:both_log/$src" -- "$prog" $rounds
	expect_same_calls "$(one_file "$out")" "$out/stdout" "drop:both_log/$src: calls"
	expect_bodies "$out/stdout" '$2 == "'$src'"' "drop:both_log/$src" 0
done

out=$T/time
lt_run "$out" --patch auto --hook "$spec" --time all -- "$prog" $rounds
expect_same_calls "$(one_file "$out")" "$out/stdout" "--time all: calls"
expect_all_timed "$(one_file "$out")" "--time all"
