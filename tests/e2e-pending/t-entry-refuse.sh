# Entries that cannot be patched (issue 11), written in assembly in
# librefuse.so: ref_branchin's loop branches back into its first 5 bytes,
# ref_short is 3 bytes long with ref_after right behind it. Under entry and
# auto, each is refused with one line naming the function and why, and
# falls back to GOT patching: the program calls both through its PLT, so
# every call is still counted, and ref_after (never hooked, its bytes right
# after ref_short's) keeps working. A rule drops both through the GOT path.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../e2e/lib-entry.sh"
prog=$TPE/refuse-demo
rounds=20
# The bytes are what the test says they are.
objdump -d "$TPE/librefuse.so" >"$T/dis"
awk '/<ref_branchin>:/,/ret/' "$T/dis" | grep -qE 'jl +[0-9a-f]+ <ref_branchin\+0x2>' ||
	fail "ref_branchin does not branch into its first 5 bytes"
expect_eq "$(nm -S "$TPE/librefuse.so" | awk '$4 == "ref_short" { print $2 }')" 0000000000000003 "ref_short's size"
"$prog" $rounds >"$T/plain.out" || fail "refuse-demo failed alone"
hooks=(--hook ref_branchin --hook ref_short)

for mode in entry auto; do
	out=$T/$mode
	lt_run "$out" --patch $mode "${hooks[@]}" -- "$prog" $rounds
	cmp -s "$T/plain.out" "$out/stdout" || fail "$mode: output or return values changed"
	expect_same_calls "$(one_file "$out")" "$out/stdout" "$mode: calls, through the GOT"
	expect_eq "$(lines_naming "$out/stderr" ref_branchin)" 1 "$mode: lines naming ref_branchin"
	expect_eq "$(lines_naming "$out/stderr" ref_short)" 1 "$mode: lines naming ref_short"
	grep ref_branchin "$out/stderr" | grep -qiE 'branch|jump' || fail "$mode: ref_branchin's line does not say why: $(grep ref_branchin "$out/stderr")"
	grep ref_short "$out/stderr" | grep -qiE 'short|small|bytes' || fail "$mode: ref_short's line does not say why: $(grep ref_short "$out/stderr")"
	grep -E 'ref_branchin|ref_short' "$out/stderr" | grep -qvi 'got' && fail "$mode: a refusal does not say it falls back to GOT patching"
done
# GOT patching: asked for, nothing to refuse.
out=$T/got
lt_run "$out" --patch got "${hooks[@]}" -- "$prog" $rounds
cmp -s "$T/plain.out" "$out/stdout" || fail "got: output changed"
expect_same_calls "$(one_file "$out")" "$out/stdout" "got: calls"
expect_eq "$(grep -cE 'ref_branchin|ref_short' "$out/stderr")" 0 "got: lines about the functions"

# Dropped through the fallback: ref_branchin's body never runs, both
# return 0, ref_after is untouched.
out=$T/drop
lt_run "$out" --patch auto "${hooks[@]}" --filter 'drop:ref_*/*' -- "$prog" $rounds
expect_same_calls "$(one_file "$out")" "$out/stdout" "drop: calls"
expect_eq "$(sed -n 's/^refuse-demo: body entry=ref_branchin count=//p' "$out/stdout")" 0 "drop: ref_branchin's body runs"
expect_eq "$(sed -n 's/^refuse-demo: returned entry=ref_short sum=//p' "$out/stdout")" 0 "drop: ref_short's returns"
expect_eq "$(grep 'entry=ref_after' "$out/stdout")" "$(grep 'entry=ref_after' "$T/plain.out")" "drop: ref_after"
