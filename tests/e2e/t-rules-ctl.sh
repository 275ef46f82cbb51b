# limit and sample rules given to a running program with `logtax ctl PID
# filter`: a sample rule applied live keeps, per key and thread, exactly the
# 1st, 11th, 21st ... call of its generation (kept = ceil(calls / 10)), the
# calls per site over all generations are the program's own counts, and the
# library received exactly the kept calls. A bad rate is refused before
# anything is sent. No timing is asserted: the test polls.
. "$(dirname "$0")/../lib.sh"

out=$T/out
mkdir -p "$out"
LEGACYLOG_MODE=fast LEGACYLOG_LEVEL=debug LEGACYLOG_OUTPUT=$out/log LOGTAX_OUTPUT=$out LD_PRELOAD=$SHIM \
	"$TP/rules-demo" --until "$T/stop" >"$out/stdout" 2>"$out/stderr" &
pid=$!
trap 'touch "$T/stop"; kill $(jobs -p) 2>/dev/null; wait; rm -rf "$T"' EXIT
# poll WHAT COMMAND...: retries COMMAND while the program lives.
poll() { wait_alive "$1" "$pid" "$out/stderr" "${@:2}"; }
poll "control thread" "$LOGTAX" ctl $pid status >/dev/null 2>&1

"$LOGTAX" ctl $pid filter 'limit:x:0/s' 2>"$T/err"
expect_eq "$?" 2 "bad limit: exit status"
expect_eq "$(cat "$T/err")" "logtax ctl: filter: bad rule 'limit:x:0/s' at column 9: N of 0 (drops every call: use drop)" "bad limit: message"
"$LOGTAX" ctl $pid filter 'limit:x:10' 2>"$T/err"
expect_eq "$?" 2 "missing unit: exit status"
expect_grep "at column 11: missing unit (N/s or N/min)" "$T/err" "missing unit: message"

dropped_in() { # generation: dropped util.event debug calls, from a dump
	"$LOGTAX" ctl $pid dump >/dev/null || return 1
	"$ANALYZE" report --format csv "$out/logtax.$pid.ltx" |
		csv_each '$c["source"] == "util.event" && $c["level_name"] == "debug" && $c["generation"] == g && $c["action"] == "drop" { n += $c["calls"] } END { print n + 0 }' -v g="$1"
}
moved() { [ "$(dropped_in "$1")" -gt 30 ]; }
"$LOGTAX" ctl $pid filter 'sample:util.event@debug:1/10' >"$T/ctl" || fail "ctl filter failed"
expect_eq "$(cat "$T/ctl")" "process $pid: rules applied, generation 1" "ctl filter answer"
poll "dropped calls in generation 1" moved 1
"$LOGTAX" ctl $pid filter 'limit:rpc.server:5/min' >/dev/null || fail "ctl filter limit failed"
"$LOGTAX" ctl $pid status >"$T/status"
expect_grep "^rules: limit:rpc.server:5/min$" "$T/status" "status: the limit rule"
touch "$T/stop"
wait $pid || fail "rules-demo failed: $(cat "$out/stderr")"
f=$(one_file "$out")
"$ANALYZE" report --format csv "$f" >"$T/csv"
expect_eq "$(csv_each '{ n[$c["source"] " " $c["level_name"]] += $c["calls"] } END { for (k in n) print k, n[k] }' <"$T/csv" | sort)" \
	"$(program_sites "$out/stdout" | sort)" "calls per site"
# Generation 1, per thread: kept = ceil((kept + dropped) / 10) of util.event debug.
rows=$(csv_each '$c["generation"] == 1 && $c["source"] == "util.event" && $c["level_name"] == "debug" { n[$c["tid"] " " $c["action"]] += $c["calls"] } END { for (k in n) print k, n[k] }' <"$T/csv" | sort)
[ -n "$rows" ] || fail "no util.event debug calls in generation 1"
echo "$rows" | awk '{ c[$1] += $3; if ($2 == "keep") k[$1] = $3 } END { for (t in c) if (k[t] != int((c[t] + 9) / 10)) { print "tid " t ": kept " k[t] " of " c[t]; bad = 1 } exit bad }' ||
	fail "generation 1: kept is not ceil(calls / 10): $rows"
# Generation 2: at most 5 rpc.server calls per site and minute kept (the
# run is shorter than 2 minutes: at most 2 windows).
csv_each '$c["generation"] == 2 && $c["source"] == "rpc.server" && $c["action"] == "keep" && $c["calls"] > 10 { print; bad = 1 } END { exit bad }' <"$T/csv" ||
	fail "generation 2: more than 5 per minute kept"
kept=$(csv_each '$c["action"] == "keep" { n[$c["source"] " " $c["level_name"]] += $c["calls"] } END { for (k in n) print k, n[k] }' <"$T/csv" | sort)
expect_eq "$(legacylog_received "$out/log")" "$kept" "calls the library received"
