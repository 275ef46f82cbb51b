# logtax ab --pid: rules alternated on a running daemon under a steady load,
# one rule generation per period; the counts per period from the data file
# add up to what the daemon counted itself; its rules are put back at the
# end and after ^C. Asserts structure and exact counts, never speed.
. "$(dirname "$0")/../lib.sh"

cd "$T" || fail "cd"
D=$TP/req-daemon
PER=50
ORIG='keep:nothing.here'
"$LOGTAX" run -o "$T/data" --filter "$ORIG" -- "$D" "$T/s" $PER 2>"$T/daemon.err" &
wait_until "the daemon's socket" test -S "$T/s"
pid=$(pgrep -n -f "^$D $T/s $PER")
[ -n "$pid" ] || fail "no daemon pid"
"$D" client "$T/s" 0 2>/dev/null &
client=$!
wait_until "the daemon's control thread" "$LOGTAX" ctl "$pid" status >/dev/null 2>&1
stop_all() { kill $client 2>/dev/null; kill "$pid" 2>/dev/null; wait; }
trap 'stop_all; rm -rf "$T"' EXIT

"$LOGTAX" ab --pid "$pid" --period 0.5 -n 2 --warmup 1 --b-filter 'drop:req.debug' \
	--rate-from "$D stats $T/s" --json "$T/live.json" >"$T/out" 2>"$T/err" || fail "ab --pid: $(cat "$T/err")"
j=$T/live.json
expect_eq "$(jq -r '[.periods[].arm] | join("")' "$j")" "AABAB" "periods alternate after a warm-up"
# One generation per period, in order.
gens=$(jq -r '[.periods[].generation] | join(" ")' "$j")
first=${gens%% *}
expect_eq "$gens" "$first $((first + 1)) $((first + 2)) $((first + 3)) $((first + 4))" "a generation per period"
expect_eq "$(jq -c '[.periods[] | select(.arm == "A") | .calls_dropped] | unique' "$j")" "[0]" "A periods drop nothing"
# B: each request's PER debug calls dropped, its req.served call kept (a
# request at a boundary may fall in two generations).
jq -e --argjson per $PER '[.periods[] | select(.arm == "B") | .calls_dropped >= $per * (.calls_kept - 1)
	and .calls_dropped <= $per * (.calls_kept + 1) and .calls_kept > 0] | all' "$j" >/dev/null ||
	fail "B periods: $(jq -c '[.periods[] | select(.arm == "B")]' "$j")"
jq -e '[.periods[] | .cpu_s >= 0 and .seconds > 0 and .rate > 0] | all' "$j" >/dev/null || fail "period figures"
expect_eq "$(jq -r '[.comparisons[].measure] | join(" ")' "$j")" "cpu_per_second cpu_per_rate_unit" "comparisons"
expect_grep "^B/A CPU per second: " "$T/out" "text: ratio"
expect_grep "its rules are back to '$ORIG'" "$T/err" "rules restored: message"
expect_grep "^rules: $ORIG\$" <("$LOGTAX" ctl "$pid" status) "rules restored"

# Interrupted in the middle of a period: the rules are put back, exit 130.
"$LOGTAX" ab --pid "$pid" --period 30 -n 2 --b-filter 'drop:*' >/dev/null 2>"$T/err2" &
ab=$!
wait_until "a period under way" grep -q "A B A B" "$T/err2"
sleep 0.3
kill -INT $ab
wait $ab
expect_eq "$?" 130 "interrupted: exit status"
expect_grep "^rules: $ORIG\$" <("$LOGTAX" ctl "$pid" status) "interrupted: rules restored"

# Every call the daemon made is in its data file, kept or dropped, exactly.
kill $client
wait $client 2>/dev/null
kill "$pid"
wait_until "the daemon's end" sh -c "! kill -0 $pid 2>/dev/null"
wait
want=$(sed -n 's/^req-daemon: calls source=\([^ ]*\) count=\([0-9]*\)$/\1 \2/p' "$T/daemon.err" | sort)
got=$("$ANALYZE" report --format json "$T/data/logtax.$pid.ltx" |
	jq -r '.keys | group_by(.source) | .[] | "\(.[0].source) \(map(.calls) | add)"' | sort)
expect_same "$want" "$got" "calls per source: the daemon's own counts"

# Not a process under logtax: ctl's exit status.
"$LOGTAX" ab --pid $$ --b-filter 'drop:*' 2>"$T/err"
expect_eq "$?" 4 "not traced: exit status"
exit 0
