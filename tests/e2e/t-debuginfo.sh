# Separate debug files: a copy of callsites-demo stripped of everything
# (symbols and DWARF), its debug information split off with
# objcopy --only-keep-debug into DIR/.build-id/xx/yyyy.debug. Without
# --debuginfo-path the report can only say "module+0xOFFSET" for its call
# sites (marked, never empty); with it, function and file:line come back.
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

# Without the debug file: module+offset, never an empty field.
"$ANALYZE" report --format json "$f" >"$T/plain.json" || fail "report without debug info failed"
got=$(jq -r '.keys[] | select(.source == "site.alpha") | .caller | "\(.function) \(.line) \(.label)"' "$T/plain.json")
case $got in
"null null callsites-demo+0x"*) ;;
*) fail "stripped, no debug file: expected no name and callsites-demo+0x..., got '$got'" ;;
esac
"$ANALYZE" report "$f" >"$T/plain.txt" || fail "text report without debug info failed"
expect_grep "^  callsites-demo+0x[0-9a-f]* *callsites-demo *site.alpha " "$T/plain.txt" "text: module+offset"

# With it, found by build-id under the directory given.
"$ANALYZE" report --format json --debuginfo-path "$T/dbg" "$f" >"$T/dbg.json" || fail "report with --debuginfo-path failed"
for site in alpha chain; do
	want=$(site_line "$site")
	got=$(jq -r --arg s "site.$site" '.keys[] | select(.source == $s) | .caller | "\(.file | split("/") | last):\(.line)"' "$T/dbg.json")
	expect_eq "$got" "$want" "site $site with the separate debug file"
done
expect_eq "$(jq -r '.keys[] | select(.source == "site.alpha") | .caller.function' "$T/dbg.json")" site_alpha \
	"function name from the separate debug file"
# Templates are read from the stripped file itself (.rodata stays).
expect_eq "$(jq -r '.keys[] | select(.source == "site.alpha") | .template.text | tojson' "$T/dbg.json")" \
	"$(site_literal alpha)" "template from the stripped file"
