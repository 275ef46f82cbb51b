# The call site a logging call names in its own arguments, kept once per
# key (KEY_SITE records, read back with logtax-analyze dump): GLib's
# structured calls (g_log_structured's CODE_FILE/CODE_LINE/CODE_FUNC pairs,
# g_log_structured_array's CODE_* fields with lengths,
# g_log_structured_standard's file, line and function), and the journal's
# *_with_location forms, which sd-journal.h makes of every call ("CODE_FILE="
# and "CODE_LINE=" taken off). Lines and functions compared with the
# programs' sources; a journal built without locations names none.
. "$(dirname "$0")/../lib.sh"

sites_of() { # FILE.ltx: "FUNC FILE LINE" per KEY_SITE record, sorted
	"$ANALYZE" dump "$1" | sed -n 's/^site [0-9]* func=\(.*\) file=\(.*\) line=\([0-9]*\) flags=0$/\1 \2 \3/p' | sort
}

need_program "$TP/glib-demo" libglib2.0-dev
out=$T/glib
mkdir -p "$out"
"$LOGTAX" run -o "$out" -- "$TP/glib-demo" 2 >"$out/stdout" 2>"$out/stderr" || fail "glib-demo failed: $(cat "$out/stderr")"
got=$(sites_of "$(one_file "$out")")
src=$ROOT/test-programs/glib-demo.c
code=$(grep -n 'SITE code \*/' "$src" | cut -d: -f1)
std=$(grep -n '^	g_log_structured_standard(' "$src" | cut -d: -f1)
# g_log_structured with CODE_FILE only: a file, no line, no function
want=$(printf '%s\n' "- test-programs/glib-demo.c 0" "calls test-programs/glib-demo.c $code" \
	"calls test-programs/glib-demo.c $std" "coded_function coded.c 4321" | sort)
expect_eq "$got" "$want" "glib-demo: call sites named by the calls"

need_program "$TP/journal-demo" libsystemd-dev
out=$T/journal
mkdir -p "$out"
"$LOGTAX" run -o "$out" -- "$TP/journal-demo" 2 >"$out/stdout" 2>"$out/stderr" ||
	fail "journal-demo failed: $(cat "$out/stderr")"
f=$(one_file "$out")
got=$(sites_of "$f")
src=$ROOT/test-programs/journal-demo.c
# every call of the program's source that sd-journal.h turned into a
# *_with_location call, by its line, in the function it is in
want=$(grep -n 'sd_journal_\(print\|printv\|send\|sendv\|perror\)(' "$src" | grep -v '^[0-9]*: \*' |
	while IFS=: read -r line _; do
		func=$(head -n "$line" "$src" | grep -o '^[a-z].* \**\([a-z_]*\)(' | tail -1 | sed 's/.* \**\([a-z_]*\)($/\1/')
		echo "$func test-programs/journal-demo.c $line"
	done | sort)
[ "$(echo "$want" | wc -l)" -ge 6 ] || fail "journal-demo.c: fewer than 6 calls found in the source: $want"
expect_eq "$got" "$want" "journal-demo: call sites named by the calls"
# one per key of a *_with_location entry
keys=$("$ANALYZE" report --format json "$f" | jq '[.keys[] | select(.entry | endswith("_with_location"))] | length')
expect_eq "$(echo "$got" | wc -l)" "$keys" "journal-demo: one call site per key"

out=$T/noloc
mkdir -p "$out"
"$LOGTAX" run -o "$out" -- "$TP/journal-demo-noloc" 2 >"$out/stdout" 2>"$out/stderr" ||
	fail "journal-demo-noloc failed: $(cat "$out/stderr")"
expect_eq "$(sites_of "$(one_file "$out")")" "" "journal-demo-noloc: no call site named by the calls"
