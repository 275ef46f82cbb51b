# logtax ab on a small run: alternating arms, every run recorded, the
# statistics computed and the prediction made from A's data for B's rules.
# Asserts structure and exact counts, never speed.
. "$(dirname "$0")/../lib.sh"

cd "$T" || fail "cd"
"$LOGTAX" ab -n 4 --warmup 1 -o "$T/ab" --json "$T/ab.json" --b-filter 'drop:util.event*@debug' \
	--c-env LEGACYLOG_MODE=fast -- "$TP/rules-demo" 50 >"$T/out" 2>"$T/err" || fail "ab failed: $(cat "$T/err")"
j=$T/ab.json
jq -e . "$j" >/dev/null || fail "not JSON"
expect_eq "$(jq '.runs | length' "$j")" 12 "runs recorded"
expect_eq "$(jq -r '[.runs[].arm] | join("")' "$j")" "ABCABCABCABC" "runs alternate"
expect_eq "$(jq '.runs_per_arm' "$j")" 4 "runs per arm"
expect_eq "$(jq -r '[.arms[].name] | join("")' "$j")" "ABC" "arms"
expect_eq "$(jq -r '.arms[1].rules' "$j")" "drop:util.event*@debug" "B's rules"
expect_eq "$(jq -r '.arms[2].env[0]' "$j")" "LEGACYLOG_MODE=fast" "C's environment"
# Each run has its own directory with its output and one data file; counts are exact.
expect_eq "$(jq '[.runs[].data_files] | unique' -c "$j")" "[1]" "one data file per run"
expect_eq "$(ls -d "$T"/ab/warmup-?-01 | wc -l)" 3 "warm-up runs kept apart"
per_run=$(sed -n 's/.*source=util.event level=debug count=//p' "$T/ab/B-01/stdout")
expect_eq "$per_run" 200 "rules-demo's util.event debug calls"
expect_eq "$(jq -c '[.runs[] | select(.arm == "B") | .calls_dropped] | unique' "$j")" "[$per_run]" "B's dropped calls"
expect_eq "$(jq -c '[.runs[] | select(.arm != "B") | .calls_dropped] | unique' "$j")" "[0]" "A and C drop nothing"
# Statistics: computed, within their ranges, intervals around their estimates.
for x in 0 1; do
	jq -e ".comparisons[$x] | (.p_value >= 0 and .p_value <= 1) and (.ratio_ci95[0] <= .ratio_median)
		and (.ratio_median <= .ratio_ci95[1]) and (.ratio_median > 0) and (.mann_whitney_u >= 0)
		and (.mann_whitney_u <= 16) and (.p_method == \"exact\" or .p_method == \"normal\")" "$j" >/dev/null ||
		fail "comparison $x: $(jq -c ".comparisons[$x]" "$j")"
done
jq -e '.comparisons[0].saving_predicted | type == "number"' "$j" >/dev/null || fail "no prediction for B"
expect_eq "$(jq '.comparisons[0].predicted_dropped_calls_per_run' "$j")" "$per_run" "calls B's rules drop on A's runs"
expect_eq "$(jq '.comparisons[1].saving_predicted' "$j")" null "no prediction for C (no rules)"
jq -e '.b_share_of_c_saving | type == "number"' "$j" >/dev/null || fail "no B/C share"
jq -e '[.runs[] | .wall_s > 0 and .user_s >= 0 and .maxrss_kib > 0] | all' "$j" >/dev/null || fail "run figures"
expect_grep "^B/A wall time: " "$T/out" "text: ratio"
expect_grep "Mann-Whitney U = " "$T/out" "text: U test"
expect_grep "saving predicted: " "$T/out" "text: prediction"
# The saving beyond the prediction per dropped call, from the JSON's own
# figures (here of the wall time); none for C (no prediction).
beyond=$(jq -r '.comparisons[0].saving_beyond_prediction_ns_per_dropped_call' "$j")
want=$(jq -r '.arms[0].wall_s.median as $a | .comparisons[0] |
	(.saving_measured - .saving_predicted) * $a * 1e9 / .predicted_dropped_calls_per_run' "$j")
awk -v g="$beyond" -v w="$want" 'BEGIN { d = g - w; if (d < 0) d = -d; m = w < 0 ? -w : w
	exit !(g != "null" && d <= 0.01 + 1e-6 * m) }' ||
	fail "saving beyond the prediction per dropped call: $beyond, from the JSON's figures $want"
expect_eq "$(jq '.comparisons[1] | has("saving_beyond_prediction_ns_per_dropped_call")' "$j")" false \
	"no saving beyond the prediction without a prediction"
expect_grep "^  saved beyond the prediction: [-+][0-9]* ns per dropped call" "$T/out" "text: saving beyond the prediction"

# Rules that drop no call: a prediction (nothing saved) but no figure per
# dropped call.
"$LOGTAX" ab -n 1 --warmup 0 -o "$T/ab0" --json "$T/ab0.json" --b-filter 'drop:no.such.source' \
	-- "$TP/rules-demo" 5 >"$T/out0" 2>"$T/err0" || fail "ab with a rule that drops nothing: $(cat "$T/err0")"
expect_eq "$(jq -c '.comparisons[0] | [.predicted_dropped_calls_per_run, has("saving_beyond_prediction_ns_per_dropped_call")]' \
	"$T/ab0.json")" "[0,false]" "no call dropped: no figure per dropped call"
grep -q "saved beyond the prediction" "$T/out0" && fail "no call dropped: the text shows a figure per dropped call"

# Bad input: exit 2 before any run; a failing command: exit 1.
"$LOGTAX" ab -o "$T/bad" --b-filter 'drop:x@often' -- "$TP/rules-demo" 1 2>"$T/err"
expect_eq "$?" 2 "bad rules: exit status"
expect_eq "$(cat "$T/err")" "logtax ab: --b-filter: bad rule 'drop:x@often' at column 8: unknown level (expected debug, info, notice, warning or error)" "bad rules: message"
[ -e "$T/bad" ] && fail "bad rules: runs were started"
"$LOGTAX" ab -o "$T/bad" -- "$TP/rules-demo" 1 2>/dev/null
expect_eq "$?" 2 "no B arm: exit status"
"$LOGTAX" ab -n 2 -o "$T/fails" --b-filter 'drop:*' -- sh -c 'exit 3' 2>"$T/err"
expect_eq "$?" 1 "failing command: exit status"
expect_grep "exited with status 3" "$T/err" "failing command: message"

# A sample rule: its prediction from A's data is exact in calls (the 1st,
# 8th, 15th ... call of each key and thread kept: 200 - ceil(200 / 7)), B
# drops exactly that many, and the measured and predicted savings are shown
# side by side (their values are timings: not compared).
"$LOGTAX" ab -n 2 --warmup 1 -o "$T/abs" --json "$T/abs.json" --b-filter 'sample:util.event@debug:1/7' \
	-- "$TP/rules-demo" 50 >"$T/out-s" 2>"$T/err-s" || fail "ab with a sample rule failed: $(cat "$T/err-s")"
per_run=$(sed -n 's/.*source=util.event level=debug count=//p' "$T/abs/B-01/stdout")
expect_eq "$per_run" 200 "sample: rules-demo's util.event debug calls"
want=$((per_run - (per_run + 6) / 7))
expect_eq "$(jq '.comparisons[0].predicted_dropped_calls_per_run' "$T/abs.json")" "$want" "sample: calls predicted dropped"
expect_eq "$(jq -c '[.runs[] | select(.arm == "B") | .calls_dropped] | unique' "$T/abs.json")" "[$want]" "sample: B's dropped calls"
jq -e '.comparisons[0] | (.saving_predicted | type == "number") and (.saving_measured | type == "number")' \
	"$T/abs.json" >/dev/null || fail "sample: predicted and measured savings: $(jq -c '.comparisons[0]' "$T/abs.json")"
grep -A1 "saving measured:" "$T/out-s" | grep -q "saving predicted:" ||
	fail "sample: the text does not show the predicted saving next to the measured one: $(cat "$T/out-s")"
