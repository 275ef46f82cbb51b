# sample:util.eventpoll:1/100 on evloop-demo: at each call site the shim
# keeps the 1st, 101st, 201st ... call, so kept = ceil(calls / 100) exactly
# (calls as the program counted them), the rest dropped; the logging
# library received exactly the kept calls; the other sources are untouched.
. "$(dirname "$0")/../lib.sh"

out=$T/run
mkdir -p "$out"
# 301 x 37 = 11137 calls per util.eventpoll call site: not a multiple of 100
LEGACYLOG_MODE=fast LEGACYLOG_LEVEL=debug LEGACYLOG_OUTPUT=$out/log LOGTAX_FILTER=sample:util.eventpoll:1/100 \
	LOGTAX_OUTPUT=$out LD_PRELOAD=$SHIM "$TP/evloop-demo" 301 37 >"$out/stdout" 2>"$out/stderr" ||
	fail "evloop-demo failed: $(cat "$out/stderr")"
[ -s "$out/stderr" ] && fail "unexpected warnings: $(cat "$out/stderr")"
f=$(one_file "$out")
sites=$(sed -n 's/.*site source=\([^ ]*\) level=\([^ ]*\) count=\([0-9]*\)$/\1 \2 \3/p' "$out/stdout")
[ "$(echo "$sites" | wc -l)" = 2 ] || fail "evloop-demo printed no per-site counts"
want=$( (echo "$sites" | awk '{ k = int(($3 + 99) / 100); print $1, $2, "keep", k; print $1, $2, "drop", $3 - k }'
	program_calls_by_source "$out/stdout" | awk '$1 != "util.eventpoll" { print $1, ($1 == "rpc.server" ? "info" : "debug"), "keep", $2 }') | sort)
expect_same "$want" "$(csv_actions "$f")" "kept and dropped per call site"
received=$(echo "$want" | awk '$3 == "keep" { print $1, $2, $4 }' | sort)
expect_same "$received" "$(legacylog_received "$out/log")" "calls the library received"

# Every row of util.eventpoll names the rule that decided it, in generation 1.
rules=$("$ANALYZE" report --format csv "$f" | csv_each '$c["source"] == "util.eventpoll" { print $c["generation"], $c["action"], $c["rule"] }' | sort -u)
expect_same "1 drop sample:util.eventpoll:1/100
1 keep sample:util.eventpoll:1/100" "$rules" "the deciding rule per row"
# The text report lists the rule with its kept and dropped calls.
"$ANALYZE" report "$f" >"$out/report" || fail "report failed"
expect_grep "sample:util.eventpoll:1/100" "$out/report" "text report: the rule"
# ... and so do the JSON (per generation and rule) and HTML reports.
dropped=$(echo "$want" | awk '$3 == "drop" { n += $4 } END { print n }')
kept_ep=$(echo "$want" | awk '$1 == "util.eventpoll" && $3 == "keep" { n += $4 } END { print n }')
expect_eq "$("$ANALYZE" report --format json "$f" | jq -c '[.rules_applied[] | [.generation, .rule, .kept, .dropped, (.saved_ns > 0)]]')" \
	"[[1,\"sample:util.eventpoll:1/100\",$kept_ep,$dropped,true]]" "json: the rule's calls and saving"
"$ANALYZE" report --format html "$f" >"$out/report.html" || fail "html report failed"
expect_grep "<h2>Calls each rule decided</h2>" "$out/report.html" "html: the rules table"
expect_grep "sample:util.eventpoll:1/100" "$out/report.html" "html: the rule"
