# Chrome Trace Event JSON from trace mode (--trace N): valid JSON with the
# fields Perfetto and chrome://tracing need (ph, ts in microseconds, dur,
# pid, tid, name, cat), one event per call and per event-loop wait, as many
# as the program made when the ring is large enough; with a small ring the
# overwritten events are counted and marked.
. "$(dirname "$0")/../lib.sh"

iters=40
mkdir -p "$T/big" "$T/small"
"$LOGTAX" run -o "$T/big" --trace 100000 -- "$TP/evloop-demo" $iters 10 >"$T/big.out" 2>"$T/err" ||
	fail "run: $(cat "$T/err")"
"$LOGTAX" report --format chrome "$(one_file "$T/big")" >"$T/big.json" || fail "chrome report failed"
jq empty "$T/big.json" || fail "not valid JSON"
# Perfetto's JSON importer: an object with traceEvents; each event has ph,
# pid, tid, ts (a number, microseconds), name; "X" events a dur >= 0.
jq -e '.traceEvents | type == "array" and length > 0' "$T/big.json" >/dev/null || fail "no traceEvents array"
bad=$(jq '[.traceEvents[] | select(.ph != "M") |
	select((.ph | IN("X", "i") | not) or (.ts | type) != "number" or .ts < 0 or (.pid | type) != "number" or
	       (.tid | type) != "number" or (.name | type) != "string" or (.cat | type) != "string" or
	       (.ph == "X" and ((.dur | type) != "number" or .dur < 0)))] | length' "$T/big.json")
expect_eq "$bad" 0 "events without the fields Perfetto needs"
expect_eq "$(jq '[.traceEvents[] | select(.ph == "M") | .name] | unique' -c "$T/big.json")" \
	'["process_name","thread_name"]' "process and thread names"
# Every call and every wait, none overwritten.
got=$(jq -r '[.traceEvents[] | select(.cat == "legacy_log")] | group_by(.name) | .[] | "\(.[0].name) \(length)"' "$T/big.json" | sort)
expect_eq "$got" "$(program_calls_by_source "$T/big.out")" "call events per source"
expect_eq "$(jq '[.traceEvents[] | select(.name == "wait" and .cat == "event-loop")] | length' "$T/big.json")" "$iters" \
	"wait events (one per iteration)"
expect_eq "$(jq '.otherData.overwritten' "$T/big.json")" 0 "nothing overwritten"
# Calls carry their call site and template.
jq -e '[.traceEvents[] | select(.cat == "legacy_log") | .args.call_site | test("^event_dispatch_handles \\(evloop-demo.c:[0-9]+\\)$")] | any' \
	"$T/big.json" >/dev/null || fail "call events without their call site"
# Times are microseconds on the process's time line: within its run.
run_us=$("$ANALYZE" report --format json "$(one_file "$T/big")" | jq '.processes[0].run_ns / 1000')
expect_le "$(jq '[.traceEvents[] | select(.ph != "M") | .ts + (.dur // 0)] | max' "$T/big.json")" "$run_us" \
	"events end before the file was written"

# A ring of 100 events: the rest overwritten, counted, marked.
"$LOGTAX" run -o "$T/small" --trace 100 -- "$TP/evloop-demo" $iters 10 >"$T/small.out" 2>"$T/err" ||
	fail "run: $(cat "$T/err")"
"$LOGTAX" report --format chrome "$(one_file "$T/small")" >"$T/small.json" || fail "chrome report failed"
total=$(( $(program_calls_by_source "$T/small.out" | awk '{ n += $2 } END { print n }') + iters ))
expect_eq "$(jq '.otherData.recorded' "$T/small.json")" "$total" "events recorded (calls + waits)"
expect_eq "$(jq '.otherData.overwritten' "$T/small.json")" "$((total - 100))" "events overwritten"
expect_eq "$(jq '[.traceEvents[] | select(.cat == "legacy_log" or .cat == "event-loop")] | length' "$T/small.json")" 100 \
	"events kept"
expect_eq "$(jq '[.traceEvents[] | select(.name | test("^trace ring full: [0-9]+ earlier events overwritten$"))] | length' "$T/small.json")" \
	1 "the overwrite is marked on the thread's track"
"$LOGTAX" report "$(one_file "$T/small")" >/dev/null || fail "text report of a traced run failed"
