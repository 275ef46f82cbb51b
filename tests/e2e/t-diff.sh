# --diff of two runs: callsites-demo with 3 rounds and no plugin, then with
# 6 rounds and the plugin. Keys are matched by entry point, source, level
# and symbolized call site (the addresses differ between the runs: ASLR);
# calls per key change as each run counted them, and the plugin's key is new.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/a" "$T/b"
"$LOGTAX" run -o "$T/a" -- "$TP/callsites-demo" 3 none >"$T/a.out" 2>"$T/err" || fail "run A: $(cat "$T/err")"
"$LOGTAX" run -o "$T/b" -- "$TP/callsites-demo" 6 >"$T/b.out" 2>"$T/err" || fail "run B: $(cat "$T/err")"
a=$(one_file "$T/a")
b=$(one_file "$T/b")
# The runs really were at other addresses, or matching by address would do.
ca=$(jq -r '.keys[] | select(.source == "site.alpha") | .caller.addr' < <("$ANALYZE" report --format json "$a"))
cb=$(jq -r '.keys[] | select(.source == "site.alpha") | .caller.addr' < <("$ANALYZE" report --format json "$b"))
[ "$ca" != "$cb" ] || note "both runs loaded at the same address (no ASLR?)"

"$LOGTAX" report --diff --format json "$a" "$b" >"$T/d.json" || fail "diff (json) failed"
"$LOGTAX" report --diff "$a" "$b" >"$T/d.txt" || fail "diff (text) failed"
"$LOGTAX" report --diff --format csv "$a" "$b" >"$T/d.csv" || fail "diff (csv) failed"
expect_eq "$(jq -r .schema "$T/d.json")" logtax-diff "schema"

# Per source (one key each): "source calls_a calls_b", from the diff and from the programs.
got=$(jq -r '.rows[] | "\(.source) \(.calls_a) \(.calls_b)"' "$T/d.json" | sort)
want=$(join -a 2 -e 0 -o 0,1.2,2.2 <(program_calls_by_source "$T/a.out") <(program_calls_by_source "$T/b.out"))
expect_eq "$got" "$want" "calls per key, A and B"
expect_eq "$(jq '.rows | length' "$T/d.json")" "$(program_calls_by_source "$T/b.out" | wc -l)" "one row per key"
expect_eq "$(jq -r '.rows[] | select(.source == "site.plugin") | "\(.in_a) \(.in_b) \(.call_site)"' "$T/d.json")" \
	"false true plugin_log (plugin.c:$(site_line plugin | cut -d: -f2))" "the plugin's key is new in B"
expect_eq "$(jq '[.rows[] | select(.in_a and .in_b)] | length' "$T/d.json")" "$(program_calls_by_source "$T/a.out" | wc -l)" \
	"keys matched across the runs"
# The text shows the change: site.alpha doubled (3 -> 6 rounds), site.plugin new.
expect_grep "^  site\.alpha .*site_alpha (main\.c:[0-9]*) *3 *6 *+100\.0%" "$T/d.txt" "text: alpha doubled"
expect_grep "^  site\.plugin .* new " "$T/d.txt" "text: plugin new"
expect_eq "$(head -1 "$T/d.csv" | cut -d, -f1-9)" "entry,source,level,level_name,call_site,in_a,in_b,calls_a,calls_b" "csv header"
expect_eq "$(awk -F, '$2 == "site.beta" { print $8, $9 }' "$T/d.csv")" "$(program_calls_by_source "$T/a.out" | awk '$1 == "site.beta" { print $2 }') $(program_calls_by_source "$T/b.out" | awk '$1 == "site.beta" { print $2 }')" "csv: beta"

# Usage errors: one file, three files, a format that cannot diff.
"$LOGTAX" report --diff "$a" 2>/dev/null
expect_eq "$?" 2 "--diff with one file"
"$LOGTAX" report --diff --format html "$a" "$b" 2>/dev/null
expect_eq "$?" 2 "--diff --format html"
