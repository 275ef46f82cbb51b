# Live metrics (logtax run --metrics DIR): each process keeps
# DIR/logtax_PID.prom current while it runs (logtax_process_ended 0) and
# leaves its final counts with logtax_process_ended 1; calls per source
# there equal what the program counted; the build_id label is the one
# readelf reads from the executable; no temporary file is left. Bad input:
# a metrics directory that is not one, or that goes away while the program
# runs, earns one warning line and the program runs on unchanged.
. "$(dirname "$0")/../lib.sh"

# "source count" per source of a .prom file, sorted (label values here hold
# no quote or comma).
prom_calls_by_source() {
	sed -n 's/^logtax_calls_total{.*,source="\([^"]*\)",.*} \([0-9]*\)$/\1 \2/p' "$1" |
		awk '{ n[$1] += $2 } END { for (s in n) print s, n[s] }' | sort
}
prom_value() { # NAME FILE: the value of the one sample of NAME
	sed -n "s/^$1{[^}]*} \\([0-9.]*\\)\$/\\1/p" "$2"
}

# A finished run.
out=$T/run
"$LOGTAX" run -o "$out" --metrics "$T/m" -- "$TP/evloop-demo" 300 50 >"$T/stdout" 2>"$T/stderr" ||
	fail "evloop-demo under --metrics failed: $(cat "$T/stderr")"
f=$(one_file "$out")
pid=${f##*logtax.}
pid=${pid%.ltx}
[ -f "$T/m/logtax_$pid.prom" ] || fail "no $T/m/logtax_$pid.prom: $(ls -A "$T/m")"
expect_eq "$(ls -A "$T/m")" "logtax_$pid.prom" "the metrics directory holds the file only"
p=$T/m/logtax_$pid.prom
expect_eq "$(prom_calls_by_source "$p")" "$(program_calls_by_source "$T/stdout")" "calls per source"
expect_eq "$(prom_value logtax_process_ended "$p")" 1 "marked ended"
expect_eq "$(prom_value logtax_loop_iterations_total "$p")" 300 "loop iterations"
bid=$(readelf -n "$TP/evloop-demo" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
[ -n "$bid" ] || fail "readelf found no build-id in evloop-demo"
expect_grep "^logtax_calls_total{program=\"evloop-demo\",pid=\"$pid\",build_id=\"$bid\",entry=\"legacy_log\"," "$p" \
	"program, pid and build_id labels"
# Every sample's family has its HELP and TYPE lines, before it.
awk '/^# HELP /{ h[$3] = 1; next } /^# TYPE /{ t[$3] = 1; next }
	{ n = $0; sub(/[{ ].*/, "", n); if (!h[n] || !t[n]) { print "no HELP/TYPE before " n; bad = 1 } }
	END { exit bad }' "$p" || fail "HELP and TYPE lines"
grep -q 'site=' "$p" && fail "a site label without --metrics-sites"
# The report's Prometheus form of the same data file: the same call series
# (names, labels, counts), and promtool's linter finds nothing to say.
"$LOGTAX" report --format prometheus "$f" >"$T/report.prom" || fail "report --format prometheus failed"
expect_eq "$(grep '^logtax_calls_total{' "$T/report.prom" | sort)" "$(grep '^logtax_calls_total{' "$p" | sort)" \
	"report --format prometheus: the live file's call series"
if command -v promtool >/dev/null; then
	for m in "$p" "$T/report.prom"; do
		promtool check metrics <"$m" >"$T/lint" 2>&1 || fail "promtool check metrics $m: $(cat "$T/lint")"
	done
else
	ci_needs "promtool (prometheus) to lint the metrics"
fi
"$LOGTAX" report --format openmetrics "$f" >"$T/report.om" || fail "report --format openmetrics failed"
expect_eq "$(tail -n 1 "$T/report.om")" "# EOF" "openmetrics: ends with # EOF"
expect_grep '^# TYPE logtax_calls counter$' "$T/report.om" "openmetrics: a counter family named without _total"
expect_grep '^# UNIT logtax_logging_seconds seconds$' "$T/report.om" "openmetrics: units"
# --metrics-sites: one series per call site, the same totals.
"$LOGTAX" run -o "$T/run2" --metrics "$T/m2" --metrics-sites -- "$TP/evloop-demo" 30 5 >"$T/stdout2" 2>/dev/null ||
	fail "evloop-demo under --metrics-sites failed"
p2=$(find "$T/m2" -name 'logtax_*.prom')
expect_eq "$(prom_calls_by_source "$p2")" "$(program_calls_by_source "$T/stdout2")" "--metrics-sites: calls per source"
expect_ge "$(grep -c '^logtax_calls_total{.*,site="' "$p2")" 4 "--metrics-sites: site labels"
"$LOGTAX" report --format prometheus --metrics-sites "$(one_file "$T/run2")" >"$T/sites.prom" ||
	fail "report --metrics-sites failed"
expect_eq "$(grep -c '^logtax_calls_total{.*,site="[^"]*evloop-demo.c:[0-9]' "$T/sites.prom")" \
	"$(grep -c '^logtax_calls_total{' "$p2")" "report --metrics-sites: a symbolized site per live series"

# A rule dropping a source: its calls are the generation's dropped calls,
# in the live file and in the report's form of the same run.
"$LOGTAX" run -o "$T/run3" --metrics "$T/m3" --filter 'drop:util.eventpoll' -- "$TP/evloop-demo" 40 5 \
	>"$T/stdout3" 2>/dev/null || fail "evloop-demo with a drop rule failed"
p3=$(find "$T/m3" -name 'logtax_*.prom')
want3=$(sed -n 's/.*calls source=util.eventpoll count=\([0-9]*\).*/\1/p' "$T/stdout3")
expect_eq "$(sed -n 's/^logtax_dropped_calls_total{.*,generation="1"} \([0-9]*\)$/\1/p' "$p3")" "$want3" \
	"dropped calls of generation 1"
expect_eq "$(prom_calls_by_source "$p3")" "$(program_calls_by_source "$T/stdout3")" "with a drop rule: calls per source"
"$LOGTAX" report --format prometheus "$(one_file "$T/run3")" >"$T/run3.prom" || fail "report of the drop run failed"
expect_eq "$(sed -n 's/^logtax_dropped_calls_total{.*,generation="1"} \([0-9]*\)$/\1/p' "$T/run3.prom")" "$want3" \
	"report: dropped calls of generation 1"

# While it runs: the file is there, not ended, and renewed.
LEGACYLOG_MODE=fast "$LOGTAX" run -o "$T/live" --metrics "$T/ml" -- "$TP/evloop-demo" 2000000000 2 \
	>"$T/live.out" 2>"$T/live.err" &
runner=$!
live_file() { compgen -G "$T/ml/logtax_*.prom" >/dev/null; }
wait_until "a metrics file while it runs" live_file
lp=$(compgen -G "$T/ml/logtax_*.prom")
expect_eq "$(prom_value logtax_process_ended "$lp")" 0 "running: not ended"
first=$(prom_value logtax_loop_iterations_total "$lp")
renewed() { [ "$(prom_value logtax_loop_iterations_total "$lp")" != "$first" ]; }
wait_until "the metrics file renewed" renewed
lpid=${lp##*logtax_}
lpid=${lpid%.prom}
kill -TERM "$lpid"
wait "$runner"
expect_eq "$(prom_value logtax_process_ended "$lp")" 1 "ended by SIGTERM: marked ended"
expect_eq "$(find "$T/ml" -name '.*' -type f | wc -l)" 0 "no temporary file left"

# Bad input: not a directory. One warning, the program unchanged.
"$TP/evloop-demo" 30 5 >"$T/ref.out" 2>/dev/null
touch "$T/not-a-dir"
mkdir -p "$T/bad" "$T/bad2"
LOGTAX_METRICS=$T/not-a-dir LOGTAX_OUTPUT=$T/bad LD_PRELOAD=$SHIM "$TP/evloop-demo" 30 5 >"$T/bad.out" 2>"$T/bad.err" ||
	fail "evloop-demo with a bad metrics directory: exit status $?"
cmp -s "$T/ref.out" "$T/bad.out" || fail "bad metrics directory: output changed"
expect_eq "$(wc -l <"$T/bad.err")" 1 "bad metrics directory: warning lines"
expect_grep "metrics directory is missing or not writable.*not-a-dir" "$T/bad.err" "bad metrics directory: the warning"
one_file "$T/bad" >/dev/null

# Bad input: the directory goes away while the program runs (every later
# write fails): one warning, the program ends normally with its data file.
mkdir -p "$T/gone"
LOGTAX_METRICS=$T/gone LOGTAX_OUTPUT=$T/bad2 LD_PRELOAD=$SHIM \
	"$TP/sig-demo" ignore 50 "$T/ready" "$T/stop" >"$T/gone.out" 2>"$T/gone.err" &
prog=$!
gone_file() { compgen -G "$T/gone/logtax_*.prom" >/dev/null; }
wait_until "a metrics file before the directory goes" gone_file
rm -rf "$T/gone"
gone_warned() { grep -q 'cannot write the metrics file' "$T/gone.err"; }
wait_until "the warning after the directory went" gone_warned
sleep 1.5 # more snapshots: they fail without a word
touch "$T/stop"
wait "$prog" || fail "directory gone: the program failed"
expect_eq "$(wc -l <"$T/gone.err")" 1 "directory gone: warning lines"
expect_grep "cannot write the metrics file: $T/gone/logtax_$prog.prom: No such file or directory; the program runs on" \
	"$T/gone.err" "directory gone: the warning"
one_file "$T/bad2" >/dev/null
