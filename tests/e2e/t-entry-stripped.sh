# A static logger in a stripped executable, hooked by address (issue 11):
# direct-static-demo has no symbol table; its ent_log is static. The test
# reads ent_log's address from the copy nm saw before stripping (as a user
# reads it from a debug build or a disassembly) and hooks
# 'direct-static-demo+0xADDR'. Every call is counted, per source and level;
# `@OBJECT` and a wrong object or address count nothing and say so; a rule
# drops calls by entry and level; timing works.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-entry.sh"
rounds=40
prog=$TPE/direct-static-demo
[ -z "$(nm "$prog" 2>/dev/null)" ] || fail "$prog still has symbols"
addr=$(nm "$TPE/unstripped/direct-static-demo" | awk '$3 == "ent_log" && ($2 == "t" || $2 == "T") { print $1 }')
[ -n "$addr" ] || fail "no ent_log in the unstripped copy"
addr=$(printf '0x%x' "0x$addr")
note "ent_log is at $addr"
opts=':name=1:level=2:fmt=3:levels=syslog'
"$prog" $rounds >"$T/plain.out" || fail "direct-static-demo failed alone"

# The report names the entry as given (or by a symbol found elsewhere):
# compared on source, level and count, the entry column one value.
calls_any_entry() { csv_calls_full "$1" | awk '{ $1 = "ent_log"; print }' | sort; }
for glob in direct-static-demo 'direct-static-*' '*/entry/direct-static-demo'; do
	for mode in entry auto; do
		out=$T/$mode
		lt_run "$out" --patch $mode --hook "$glob+$addr$opts" -- "$prog" $rounds
		cmp -s "$T/plain.out" "$out/stdout" || fail "'$glob+$addr' ($mode): output changed"
		f=$(one_file "$out")
		expect_same "$(program_calls_full "$out/stdout")" "$(calls_any_entry "$f")" "'$glob+$addr' ($mode): calls"
		expect_eq "$(csv_calls_full "$f" | awk '{ print $1 }' | sort -u | wc -l)" 1 "'$glob+$addr' ($mode): one entry name"
	done
done

# An object no glob matches, an address that is not a function's entry
# (inside ent_log), an address past the object: one line naming it each,
# nothing counted, the program unchanged.
inside=$(printf '0x%x' $((addr + 1)))
for bad in "no-such-object+$addr" "direct-static-demo+$inside" "direct-static-demo+0x7fffffff"; do
	out=$T/bad
	lt_run "$out" --patch entry --hook "$bad$opts" -- "$prog" $rounds
	cmp -s "$T/plain.out" "$out/stdout" || fail "'$bad': output changed"
	expect_eq "$(grep -c '^logtax: .*'"${bad%%+*}" "$out/stderr")" 1 "'$bad': one line naming it"
	n=$("$ANALYZE" report --format csv "$(one_file "$out")" | csv_each '{ n += $c["calls"] } END { print n + 0 }')
	expect_eq "$n" 0 "'$bad': calls counted"
done

# Dropping by level: bodies of the dropped calls never ran.
out=$T/drop
lt_run "$out" --patch entry --hook "direct-static-demo+$addr$opts" --filter 'drop:*@<=info' -- "$prog" $rounds
expect_same "$(program_calls_full "$out/stdout")" "$(calls_any_entry "$(one_file "$out")")" "drop: calls"
expect_bodies "$out/stdout" '$4 == "debug" || $4 == "info"' "drop"

out=$T/time
lt_run "$out" --patch entry --hook "direct-static-demo+$addr$opts" --time all -- "$prog" $rounds
expect_all_timed "$(one_file "$out")" "--time all"
