# Entry patching on a logger that only direct calls reach (issue 11):
# test-programs/entry/direct-demo's ent_log, inside an -O2 executable,
# called with `call rel32` from main and worker and with `jmp rel32` from
# tail_error's tail call; the same built -fno-plt; the same with ent_log
# static in a stripped executable, hooked by the address nm printed.
# In entry and auto mode every call is counted as the program counted it,
# per source and level (levels=syslog), with the message's template
# (fmt=3); the program's output and return values do not change. GOT
# patching alone reaches none of them. A rule drops the debug calls: their
# bodies never run, the others all do. --time all times every call, and
# --stacks records the callers.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-entry.sh"
rounds=50
spec='ent_log:name=1:level=2:fmt=3:levels=syslog'

# The calls are what the test says they are: direct calls and a tail jump,
# no PLT or GOT entry for ent_log.
prog=$TPE/direct-demo
objdump -d "$prog" >"$T/dis"
expect_ge "$(grep -cE 'call +[0-9a-f]+ <ent_log>' "$T/dis")" 2 "direct calls of ent_log in direct-demo"
expect_eq "$(grep -cE 'jmp +[0-9a-f]+ <ent_log>' "$T/dis")" 1 "tail jumps to ent_log in direct-demo"
grep -q 'ent_log@plt' "$T/dis" && fail "direct-demo calls ent_log through a PLT"
nm -D "$prog" | grep -qw ent_log && fail "direct-demo exports ent_log (it must be in .symtab only)"

for variant in direct-demo direct-demo-noplt; do
	prog=$TPE/$variant
	"$prog" $rounds >"$T/plain.out" || fail "$variant failed alone"
	for mode in entry auto; do
		out=$T/$variant.$mode
		lt_run "$out" --patch $mode --hook "$spec" -- "$prog" $rounds
		cmp -s "$T/plain.out" "$out/stdout" || fail "$variant ($mode): output or return values changed"
		f=$(one_file "$out")
		expect_same_calls "$f" "$out/stdout" "$variant ($mode)"
		expect_eq "$("$ANALYZE" report --format csv "$f" | csv_each '{ print $c["family"] }' | sort -u)" hook \
			"$variant ($mode): family"
		# fmt=3: the templates of the call sites.
		tpl=$("$ANALYZE" report --format csv "$f" | csv_each '{ print $c["template"] }' | sort -u)
		for t in 'tick %d' 'info %d %s %.2f' 'tail error %d' 'worker %d of %d (%.3f)'; do
			grep -qxF -- "$t" <<<"$tpl" || fail "$variant ($mode): no template '$t' (got: $tpl)"
		done
	done
	# GOT patching alone: no PLT or GOT entry leads to ent_log.
	out=$T/$variant.got
	lt_run "$out" --patch got --hook "$spec" -- "$prog" $rounds
	cmp -s "$T/plain.out" "$out/stdout" || fail "$variant (got): output changed"
	expect_no_calls "$(one_file "$out")" ent_log "$variant (got)"
done

# LOGTAX_PATCH, the shim's own setting, as logtax run --patch sets it.
mkdir -p "$T/env"
LOGTAX_PATCH=entry LOGTAX_HOOK=$spec LOGTAX_OUTPUT=$T/env LD_PRELOAD=$SHIM "$TPE/direct-demo" $rounds \
	>"$T/env/stdout" 2>"$T/env/stderr" || fail "LOGTAX_PATCH=entry: the program failed"
expect_same_calls "$(one_file "$T/env")" "$T/env/stdout" "LOGTAX_PATCH=entry"

# Dropping: the debug calls (source main, level 7) never run their body.
prog=$TPE/direct-demo
for mode in entry auto; do
	out=$T/drop.$mode
	lt_run "$out" --patch $mode --hook "$spec" --filter 'drop:*@debug' -- "$prog" $rounds
	f=$(one_file "$out")
	expect_same_calls "$f" "$out/stdout" "drop ($mode): calls, kept and dropped"
	want=$(program_calls_full "$out/stdout" | awk '{ print $2, $4, ($4 == "debug" ? "drop" : "keep"), $5 }' | sort)
	expect_eq "$(csv_actions "$f")" "$want" "drop ($mode): kept and dropped per source and level"
	expect_bodies "$out/stdout" '$4 == "debug"' "drop ($mode)"
done

# Timing every call, and stacks: worker's calls come from main -> worker;
# the tail calls from main (tail_error's frame is gone: it jumped).
out=$T/time
lt_run "$out" --patch entry --hook "$spec" --time all -- "$prog" $rounds
expect_same_calls "$(one_file "$out")" "$out/stdout" "--time all: calls"
expect_all_timed "$(one_file "$out")" "--time all"
if ldconfig -p 2>/dev/null | grep -q 'libunwind\.so\.8'; then
	out=$T/stacks
	lt_run "$out" --patch entry --hook "$spec" --stacks 16:1 -- "$prog" $rounds
	expect_same_calls "$(one_file "$out")" "$out/stdout" "--stacks: calls"
	"$LOGTAX" report --format folded "$(one_file "$out")" >"$T/folded" || fail "folded report failed"
	worker=$(program_calls_full "$out/stdout" | awk '$2 == "worker" { print $5 }')
	expect_eq "$(grep -Ec "(^|;)main;worker;ent_log $worker\$" "$T/folded")" 1 "stack main;worker;ent_log with $worker calls"
	grep -q 'tail_error;ent_log' "$T/folded" && fail "a tail call's frame on the stack (it jumped: no frame is left)"
	expect_eq "$(awk '{ n += $NF } END { print n }' "$T/folded")" \
		"$(program_calls_full "$out/stdout" | awk '{ n += $5 } END { print n }')" "folded counts add up to all calls"
else
	ci_needs "libunwind8 is not installed (scripts/install-deps.sh): stacks not checked"
fi
