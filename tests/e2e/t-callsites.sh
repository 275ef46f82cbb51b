# Call sites and message templates: callsites-demo logs from marked lines of
# two source files, from an inlined function and from a library it loads
# with dlopen. Each report names the function and the file:line the marker
# is on (read from the source), and the format string as written there.
. "$(dirname "$0")/../lib.sh"

"$LOGTAX" run -o "$T" -- "$TP/callsites-demo" 3 >"$T/out" 2>"$T/err" || fail "callsites-demo failed: $(cat "$T/err")"
f=$(one_file "$T")
expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$T/out")" "calls per source"
"$ANALYZE" report --format csv "$f" >"$T/csv" || fail "csv report failed"
"$ANALYZE" report --format json "$f" >"$T/json" || fail "json report failed"
"$LOGTAX" report "$f" >"$T/text" || fail "text report failed"

# site, function, the function it is inlined into (or -)
while read -r site func outer; do
	want=$(site_line "$site")
	got=$(jq -r --arg s "site.$site" '.keys[] | select(.source == $s) | .caller |
		"\(.function) \(.inlined_into // "-") \(.file | split("/") | last):\(.line) \(.status)"' "$T/json" | sort -u)
	expect_eq "$got" "$func $outer $want ok" "site $site: function, file:line"
	# the text report's call-site table: function, then file:line
	grep -Eq "^  $func( \(inlined in $outer\))? +$want +site\.$site " "$T/text" ||
		{ cat "$T/text"; fail "site $site: text report has no line '$func ... $want'"; }
	# CSV: function and line columns
	csv_each '$c["source"] == s && $c["function"] == fn && $c["line"] == ln { ok = 1 } END { exit !ok }' \
		-v s="site.$site" -v fn="$func" -v ln="${want#*:}" <"$T/csv" || fail "site $site: CSV row without function $func and line ${want#*:}"
done <<'SITES'
alpha site_alpha -
beta more_beta -
chain chain_inner -
gamma gamma_inlined site_gamma
runtime site_runtime -
plugin plugin_log -
SITES

# Templates: the format string, byte for byte as the C literal says (these
# literals use only escapes that JSON writes the same way).
for site in alpha beta chain gamma plugin; do
	want=$(site_literal "$site")
	got=$(jq -r --arg s "site.$site" '.keys[] | select(.source == $s) | .template | "\(.status) \(.text | tojson)"' "$T/json" | sort -u)
	expect_eq "$got" "ok $want" "site $site: template"
	grep -qF -- "$want" "$T/text" || fail "site $site: template $want not in the text report"
done
# A format built on the stack cannot be read from a file: said so, never empty.
expect_eq "$(jq -r '.keys[] | select(.source == "site.runtime") | "\(.template.status) \(.template.text)"' "$T/json")" \
	"runtime null" "runtime template"
expect_grep '(in no module: built at run time, at site_runtime (main.c:' "$T/text" "runtime template in the text report"

# The plugin came with dlopen after start: its module is in the file.
jq -e '.keys[] | select(.source == "site.plugin") | .caller.module | endswith("/libltplugin.so")' "$T/json" >/dev/null ||
	fail "plugin call site not in libltplugin.so"
# What each format must escape: the odd site's source has quotes, <, &, a
# comma; its template a tab, a control byte and a byte that is not UTF-8.
odd='site.odd"<b>&amp;,x'
expect_eq "$(jq -r --arg s "$odd" '.keys[] | select(.source == $s) | .caller | "\(.function) \(.file | split("/") | last):\(.line)"' "$T/json")" \
	"site_odd $(site_line odd)" "odd site: function, file:line"
grep -qF '"text": "<script>alert(\"x\")</script>,\t%d \u00ff\u0001;end"' "$T/json" ||
	fail "odd template in JSON: not escaped as expected (the byte 0xff read as Latin-1)"
"$ANALYZE" report --format html "$f" >"$T/html" || fail "html report failed"
grep -q '<script' "$T/html" && fail "a template reached the HTML unescaped"
grep -qF '"&lt;script&gt;alert(\&quot;x\&quot;)&lt;/script&gt;,\t%d \xff\x01;end"' "$T/html" ||
	fail "the odd template is not in the HTML, escaped"
grep -qF 'site.odd&quot;&lt;b&gt;&amp;amp;,x' "$T/html" || fail "the odd source is not in the HTML, escaped"
grep -qF '"<script>alert(\"x\")</script>,\t%d \xff\x01;end"' "$T/text" || fail "the odd template in the text report"
grep -qF '"site.odd""<b>&amp;,x"' "$T/csv" || fail "the odd source is not quoted as RFC 4180 says in the CSV"
"$ANALYZE" report --format folded "$f" | grep -q '^legacy_log;site.odd"<b>&amp:,x;site_odd (main.c:[0-9]*) [0-9]*$' ||
	fail "folded: the ';' in a source name must not split it"

expect_grep "Top call sites by estimated time" "$T/text" "call-site table"
expect_grep "Top message templates by estimated time" "$T/text" "template table"
