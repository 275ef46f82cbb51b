# A sample rule's state is per key and thread: on churn-demo (every worker
# thread logs its share through the same 4 keys: 2 call sites x 2 levels
# each; 164 threads, most exiting early, 100 of them folded into one row),
# sample:churn.*:1/4294967295 keeps exactly the first call of each key in
# each thread: 4 x the threads that logged, as the program counted them.
# The library received exactly those; the rest were dropped; the report's
# per-rule line adds up to the same.
. "$(dirname "$0")/../lib.sh"

out=$T/run
mkdir -p "$out"
LEGACYLOG_MODE=fast LEGACYLOG_LEVEL=debug LEGACYLOG_OUTPUT=$out/log LOGTAX_FILTER=sample:churn.*:1/4294967295 \
	LOGTAX_OUTPUT=$out LD_PRELOAD=$SHIM "$TP/churn-demo" 8 4000 40 >"$out/stdout" 2>"$out/stderr" ||
	fail "churn-demo failed: $(cat "$out/stderr")"
[ -s "$out/stderr" ] && fail "unexpected warnings: $(cat "$out/stderr")"
f=$(one_file "$out")
threads=$(sed -n 's/^churn-demo: threads logged=//p' "$out/stdout")
total=$(sed -n 's/^churn-demo: total count=//p' "$out/stdout")
expect_eq "$threads" 164 "threads that logged"
json=$("$ANALYZE" report --format json "$f") || fail "json report"
expect_eq "$(jq '[.keys[] | select(.action == "keep") | .calls] | add' <<<"$json")" $((4 * threads)) "kept calls"
expect_eq "$(jq '[.keys[] | select(.action == "drop") | .calls] | add' <<<"$json")" $((total - 4 * threads)) "dropped calls"
expect_eq "$(wc -l <"$out/log")" $((4 * threads)) "calls the library received"
expect_eq "$(jq -c '[.rules_applied[] | [.generation, .rule, .kept, .dropped]]' <<<"$json")" \
	"[[1,\"sample:churn.*:1/4294967295\",$((4 * threads)),$((total - 4 * threads))]]" "the rule's line"
expect_eq "$(jq -c '[.threads[] | select(.folded) | .nthreads]' <<<"$json")" "[100]" "the folded row"
