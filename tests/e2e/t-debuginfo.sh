# Separate debug files: a copy of callsites-demo stripped of everything
# (symbols and DWARF), its debug information split off with
# objcopy --only-keep-debug into DIR/.build-id/xx/yyyy.debug. Without
# --debuginfo-path the report has no symbol for its call sites: it names
# them by the function, file and line each legacy_log call passes ("named
# by: call's arguments"); with it, by the debug information.
. "$(dirname "$0")/../lib.sh"

command -v objcopy >/dev/null || skip "objcopy (binutils) is not installed"
mkdir -p "$T/bin" "$T/dbg" "$T/out"
cp "$TP/callsites-demo" "$TP/liblegacylog.so" "$TP/libltplugin.so" "$T/bin/"
prog=$T/bin/callsites-demo
bid=$(readelf -n "$prog" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
[ -n "$bid" ] || fail "callsites-demo has no build-id"
mkdir -p "$T/dbg/.build-id/${bid:0:2}"
objcopy --only-keep-debug "$prog" "$T/dbg/.build-id/${bid:0:2}/${bid:2}.debug" || fail "objcopy --only-keep-debug"
objcopy --strip-all "$prog" || fail "objcopy --strip-all"
readelf -S "$prog" | grep -Eq '\.debug_info|\.symtab' && fail "the copy still has debug info or a symbol table"

"$LOGTAX" run -o "$T/out" -- "$prog" 2 none >"$T/stdout" 2>"$T/err" || fail "run failed: $(cat "$T/err")"
f=$(one_file "$T/out")

# Without the debug file: named by the call's own arguments.
"$ANALYZE" report --format json "$f" >"$T/plain.json" || fail "report without debug info failed"
want=$(site_line alpha)
got=$(jq -r '.keys[] | select(.source == "site.alpha") | .caller | "\(.function) \(.file | split("/") | last):\(.line) \(.named_by)"' "$T/plain.json")
expect_eq "$got" "site_alpha $want call's arguments" "stripped, no debug file"
"$ANALYZE" report "$f" >"$T/plain.txt" || fail "text report without debug info failed"
expect_grep "^  site_alpha  *$want  *site.alpha  .*  call args$" "$T/plain.txt" "text: named by the call's arguments"

# With it, found by build-id under the directory given.
"$ANALYZE" report --format json --debuginfo-path "$T/dbg" "$f" >"$T/dbg.json" || fail "report with --debuginfo-path failed"
for site in alpha chain; do
	want=$(site_line "$site")
	got=$(jq -r --arg s "site.$site" '.keys[] | select(.source == $s) | .caller | "\(.file | split("/") | last):\(.line)"' "$T/dbg.json")
	expect_eq "$got" "$want" "site $site with the separate debug file"
done
expect_eq "$(jq -r '.keys[] | select(.source == "site.alpha") | .caller | "\(.function) \(.named_by)"' "$T/dbg.json")" \
	"site_alpha debuginfo" "function name from the separate debug file"
# Templates are read from the stripped file itself (.rodata stays).
expect_eq "$(jq -r '.keys[] | select(.source == "site.alpha") | .template.text | tojson' "$T/dbg.json")" \
	"$(site_literal alpha)" "template from the stripped file"
