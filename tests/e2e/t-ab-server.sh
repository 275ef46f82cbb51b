# logtax ab --server: a daemon per run and arm under a load, exact calls per
# arm from the daemon's own counts, its CPU time recorded, and nothing left
# running, whether the runs succeed, the load fails, the daemon never gets
# ready, exits early, ignores SIGTERM, or ab itself is interrupted.
# Asserts structure and exact counts, never speed.
. "$(dirname "$0")/../lib.sh"

cd "$T" || fail "cd"
D=$TP/req-daemon
PER=20
REQS=400
# Whether any process of this test's scratch directory still runs.
left_running() { pgrep -f "$T/" >/dev/null; }

"$LOGTAX" ab -n 3 --warmup 1 -o "$T/ab" --json "$T/ab.json" --b-filter 'drop:req.debug' --ready "unix:$T/s" \
	--server -- "$D" "$T/s" $PER --load -- "$D" client "$T/s" $REQS >"$T/out" 2>"$T/err" ||
	fail "ab --server failed: $(cat "$T/err")"
j=$T/ab.json
expect_eq "$(jq -r .mode "$j")" server "mode"
expect_eq "$(jq -r '[.runs[].arm] | join("")' "$j")" "ABABAB" "runs alternate"
expect_eq "$(jq -r '.load[1]' "$j")" client "the load command recorded"
# Exact calls per arm, from what each run's daemon counted itself.
for run in A-01 B-01 A-02 B-02 A-03 B-03; do
	dbg=$(sed -n 's/^req-daemon: calls source=req.debug count=//p' "$T/ab/$run/stderr")
	srv=$(sed -n 's/^req-daemon: calls source=req.served count=//p' "$T/ab/$run/stderr")
	expect_eq "$dbg" $((PER * REQS)) "$run: the daemon's req.debug calls"
	expect_eq "$srv" $REQS "$run: the daemon's req.served calls"
	arm=${run%%-*}
	idx=$((10#${run#*-}))
	got=$(jq -r ".runs[] | select(.arm == \"$arm\" and .index == $idx) | \"\(.calls_kept) \(.calls_dropped)\"" "$j")
	if [ "$arm" = A ]; then
		expect_eq "$got" "$((dbg + srv)) 0" "$run: calls kept and dropped"
	else
		expect_eq "$got" "$srv $dbg" "$run: calls kept and dropped"
	fi
done
jq -e '[.runs[] | .cpu_s > 0 and .cpu_during_load_s >= 0 and .wall_s > 0 and .daemon_killed == false] | all' \
	"$j" >/dev/null || fail "run figures: $(jq -c '.runs' "$j")"
# The CPU during the load from the daemon's CPU clock, in ns: not whole
# clock ticks of 10 ms (as /proc/PID/stat gives) in every run.
expect_eq "$(jq -r '"\(.cpu_during_load_source) \(.cpu_during_load_resolution_s)"' "$j")" "clock 1e-09" "CPU source"
expect_eq "$(jq -c '[.runs[].cpu_during_load_source] | unique' "$j")" '["clock"]' "CPU source per run"
jq -e '[.runs[] | .cpu_during_load_s * 100 | . - round | fabs > 1e-6] | any' "$j" >/dev/null ||
	fail "CPU during the load in whole clock ticks: $(jq -c '[.runs[].cpu_during_load_s]' "$j")"
expect_grep "during load: from$" "$T/out" "text: the CPU source"
expect_grep "^  its CPU clock (clock_getcpuclockid), resolution 1 ns" "$T/out" "text: the CPU source"
expect_eq "$(jq '.comparisons[0].measure' -r "$j")" cpu_s "main comparison: the daemon's CPU time"
expect_eq "$(jq '.comparisons[0].predicted_dropped_calls_per_run' "$j")" $((PER * REQS)) "calls B's rules drop on A's runs"
jq -e '.comparisons[0].saving_predicted | type == "number"' "$j" >/dev/null || fail "no prediction"
expect_eq "$(jq -r '[.other_comparisons[].measure] | join(" ")' "$j")" "cpu_during_load_s wall_s" "other comparisons"
expect_grep "^B/A daemon CPU time: " "$T/out" "text: ratio"
expect_grep "saving predicted: " "$T/out" "text: prediction"
# What the dropped calls saved beyond the prediction, per call: the JSON's
# own figures give it ((measured - predicted) x A's median CPU / calls), and
# the text shows the same number.
beyond=$(jq -r '.comparisons[0].saving_beyond_prediction_ns_per_dropped_call' "$j")
want=$(jq -r '.arms[0].cpu_s.median as $a | .comparisons[0] |
	(.saving_measured - .saving_predicted) * $a * 1e9 / .predicted_dropped_calls_per_run' "$j")
awk -v g="$beyond" -v w="$want" 'BEGIN { d = g - w; if (d < 0) d = -d; m = w < 0 ? -w : w
	exit !(g != "null" && d <= 0.01 + 1e-6 * m) }' ||
	fail "saving beyond the prediction per dropped call: $beyond, from the JSON's figures $want"
text=$(sed -n 's/^  saved beyond the prediction: \([-+][0-9]*\) ns per dropped call .*/\1/p' "$T/out")
awk -v t="$text" -v g="$beyond" 'BEGIN { d = t - g; exit !(t != "" && d <= 1 && d >= -1) }' ||
	fail "text: saved beyond the prediction '$text', JSON $beyond"
left_running && fail "something was left running after the runs"

# A failing load fails the run; the daemon is stopped.
"$LOGTAX" ab -n 2 --warmup 0 -o "$T/f1" --b-filter 'drop:*' --ready "unix:$T/s" \
	--server -- "$D" "$T/s" 1 --load -- sh -c 'exit 3' 2>"$T/err"
expect_eq "$?" 1 "failing load: exit status"
expect_grep "the load command exited with status 3" "$T/err" "failing load: message"
left_running && fail "failing load: something was left running"

# A daemon that never gets ready: a clear error naming what was awaited.
"$LOGTAX" ab -n 2 --warmup 0 -o "$T/f2" --b-filter 'drop:*' --ready "unix:$T/never" --ready-timeout 1 \
	--server -- "$D" "$T/s" 1 --load -- true 2>"$T/err"
expect_eq "$?" 1 "never ready: exit status"
expect_grep "was not ready after 1 s (waited for unix:$T/never" "$T/err" "never ready: message"
left_running && fail "never ready: something was left running"

# A daemon that exits before it is ready.
"$LOGTAX" ab -n 2 --warmup 0 -o "$T/f3" --b-filter 'drop:*' --ready "unix:$T/s" \
	--server -- sh -c 'exit 7' --load -- true 2>"$T/err"
expect_eq "$?" 1 "early exit: exit status"
expect_grep "the daemon exited with status 7 before it was ready" "$T/err" "early exit: message"

# A daemon that ignores SIGTERM is killed after the grace period, and said so.
cat >"$T/stubborn.sh" <<SH
trap '' TERM
touch "$T/up"
while :; do sleep 0.1; done
SH
"$LOGTAX" ab -n 1 --warmup 0 -o "$T/f4" --json "$T/f4.json" --b-filter 'drop:*' --ready "file:$T/up" --grace 0.5 \
	--server -- sh "$T/stubborn.sh" --load -- true >/dev/null 2>"$T/err" || fail "stubborn daemon: $(cat "$T/err")"
expect_grep "did not stop within 0.5 s of SIGTERM; killed" "$T/err" "stubborn daemon: message"
expect_eq "$(jq -c '[.runs[].daemon_killed] | unique' "$T/f4.json")" "[true]" "stubborn daemon: recorded"
left_running && fail "stubborn daemon: something was left running"

# A server already listening where the daemon should: refused, not taken
# for the daemon being ready.
"$D" "$T/busy" 1 2>/dev/null &
busy=$!
wait_until "the other server" test -S "$T/busy"
"$LOGTAX" ab -n 1 --warmup 0 -o "$T/f6" --b-filter 'drop:*' --ready "unix:$T/busy" \
	--server -- "$D" "$T/busy" 1 --load -- true 2>"$T/err"
expect_eq "$?" 1 "already listening: exit status"
expect_grep "unix:$T/busy already accepts connections before the daemon starts" "$T/err" "already listening: message"
kill $busy
wait $busy 2>/dev/null

# ab interrupted during a load that never ends: exit 130, nothing left.
"$LOGTAX" ab -n 2 --warmup 0 -o "$T/f5" --b-filter 'drop:*' --ready "unix:$T/s" \
	--server -- "$D" "$T/s" 1 --load -- "$D" client "$T/s" 0 >/dev/null 2>"$T/err" &
ab=$!
wait_until "the load running" pgrep -f "^$D client $T/s 0" >/dev/null
kill -INT $ab
wait $ab
expect_eq "$?" 130 "interrupted: exit status"
expect_grep "interrupted; the daemon and the load were stopped" "$T/err" "interrupted: message"
left_running && fail "interrupted: something was left running"

# Bad usage: nothing started.
"$LOGTAX" ab --b-filter 'drop:*' --server -- "$D" "$T/s" 1 2>"$T/err"
expect_eq "$?" 2 "no --load: exit status"
expect_grep "expected -- DAEMON \[ARGS...\] --load -- CLIENT" "$T/err" "no --load: message"
"$LOGTAX" ab --b-filter 'drop:*' --ready 'tcp:nohost' --server -- a --load -- b 2>"$T/err"
expect_eq "$?" 2 "bad --ready: exit status"
expect_eq "$(cat "$T/err")" "logtax ab: --ready 'tcp:nohost': expected tcp:HOST:PORT" "bad --ready: message"
exit 0
