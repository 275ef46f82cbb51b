# Signals: a program killed by SIGTERM, SIGINT, SIGHUP or SIGPIPE with the
# default disposition leaves its file (reason signal, which signal) and
# still dies of that signal, as its parent sees it; a program with its own
# handler, one that ignores the signal, and one that cleans up and raises
# the signal again behave exactly as without logtax, their handlers' calls
# counted; what sigaction and the older calls report is the same with and
# without the shim; calls made from a signal handler are all counted, those
# that interrupted the shim's slow path without a key, which the report says.
. "$(dirname "$0")/../lib.sh"

N=1000
# start MODE ARGS...: sig-demo under the shim in the background, in $d;
# waits until it is ready. Sets pid (the program) and runner (perl, which
# prints how it ended).
start() {
	d=$T/$1
	mkdir -p "$d"
	rm -f "$d/ready"
	# Default dispositions whatever this shell inherited (nohup ignores
	# SIGHUP; a background job ignores SIGINT): env execs sig-demo in place.
	LOGTAX_OUTPUT=$d LD_PRELOAD=$SHIM exit_status env --default-signal=HUP,INT,TERM,PIPE "$TP/sig-demo" "$@" \
		>"$d/status" 2>"$d/stderr" &
	runner=$!
	wait_until "$1: ready" test -e "$d/ready"
	pid=$(sed -n 's/.*\[\([0-9]*\)\]: calls .*/\1/p' "$d/status" | head -1)
	[ -n "$pid" ] || fail "$1: no pid"
}
# ended HOW WHAT: the program ended HOW ("signal 15", "exit 3").
ended() {
	wait $runner
	expect_eq "$(tail -n 1 "$d/status")" "$1" "$2: how it ended"
}
file_of() { echo "$d/logtax.$pid.ltx"; }

# Killed with the default disposition: file written, death by the signal.
for sig in TERM INT HUP PIPE; do
	num=$(kill -l "$sig")
	start wait $N "$T/wait/ready"
	kill -s "$sig" "$pid"
	ended "signal $num" "SIG$sig"
	f=$(file_of)
	[ -f "$f" ] || fail "SIG$sig: no data file"
	expect_same "$(program_pid_calls "$d/status")" "$(files_calls "$f")" "SIG$sig: calls"
	"$ANALYZE" report --format json "$f" >"$d/j"
	expect_eq "$(jq -r '.processes[0] | "\(.reason) \(.snapshot) \(.output.signal_name)"' "$d/j")" "signal false SIG$sig" \
		"SIG$sig: the file says why"
	"$ANALYZE" report "$f" >"$d/report"
	expect_grep "the process got SIG$sig ($num) and then died of it" "$d/report" "SIG$sig: report"
	"$ANALYZE" report --format html "$f" | grep -q "written when SIG$sig ended the process" ||
		fail "SIG$sig: the HTML report does not say so"
done

# Its own handler (logs once), then exits 3: as without logtax, nothing of ours.
start own-handler $N "$T/own-handler/ready"
kill -TERM "$pid"
ended "exit 3" "own handler"
expect_same "$(program_pid_calls "$d/status")" "$(files_calls "$(file_of)")" "own handler: calls (the handler's too)"
expect_eq "$("$ANALYZE" report --format json "$(file_of)" | jq -r '.processes[0].reason')" exit "own handler: reason"

# SIGTERM ignored: it survives the signal, then ends when told.
start ignore $N "$T/ignore/ready" "$T/ignore/stop"
kill -TERM "$pid"
kill -TERM "$pid"
kill -0 "$pid" 2>/dev/null || fail "ignore: the program died of an ignored SIGTERM"
touch "$T/ignore/stop"
ended "exit 0" "ignore"
expect_same "$(program_pid_calls "$d/status")" "$(files_calls "$(file_of)")" "ignore: calls"

# A handler that logs, sets SIG_DFL and raises again: dies of SIGINT, with
# the handler's call in the file.
start reraise $N "$T/reraise/ready"
kill -INT "$pid"
ended "signal 2" "reraise"
expect_same "$(program_pid_calls "$d/status")" "$(files_calls "$(file_of)")" "reraise: calls (the handler's too)"
expect_eq "$("$ANALYZE" report --format json "$(file_of)" | jq -r '.processes[0].output.signal_name')" SIGINT \
	"reraise: the signal"

# Dispositions as the program sees them: the same with and without the shim.
"$TP/sig-demo" disp >"$T/disp.plain" 2>&1 || fail "disp failed"
LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/sig-demo" disp >"$T/disp.shim" 2>&1 || fail "disp under the shim failed"
expect_same "$(cat "$T/disp.plain")" "$(cat "$T/disp.shim")" "dispositions as the program sees them"
[ "$(wc -l <"$T/disp.plain")" -gt 30 ] || fail "disp: too little output"

# Calls from a signal handler, while the main thread keeps making first calls
# (the shim's slow path): the handler's calls that land in the slow path are
# counted without a key; all calls are in the totals.
mkdir -p "$T/hl"
# (fast mode: liblegacylog's ring buffer takes a mutex, which a handler must not)
LEGACYLOG_MODE=fast LOGTAX_OUTPUT=$T/hl LD_PRELOAD=$SHIM "$TP/sig-demo" handler-log 20000 20000 >"$T/hl/stdout" 2>"$T/hl/stderr" ||
	fail "handler-log failed: $(cat "$T/hl/stderr")"
f=$(one_file "$T/hl")
pid=$(sed -n 's/.*\[\([0-9]*\)\]: rounds=.*/\1/p' "$T/hl/stdout")
want_work=$(program_pid_calls "$T/hl/stdout" | awk '$2 == "work" { print $3 }')
want_handler=$(program_pid_calls "$T/hl/stdout" | awk '$2 == "sig.handler" { print $3 }')
[ "${want_handler:-0}" -gt 0 ] || fail "handler-log: no signal was handled"
got=$(files_calls "$f")
expect_eq "$(awk '$2 == "work" { print $3 }' <<<"$got")" "$want_work" "handler-log: the main thread's calls (never lost)"
keyed=$(awk '$2 == "sig.handler" { print $3 }' <<<"$got")
lost=$(awk '$2 == "(without-a-key)" { print $3 }' <<<"$got")
expect_eq "$((${keyed:-0} + ${lost:-0}))" "$want_handler" "handler-log: the handler's calls, with and without a key"
"$ANALYZE" report --format json "$f" >"$T/hl/j"
expect_eq "$(jq '.processes[0].totals.all_calls' "$T/hl/j")" "$((want_work + want_handler))" "handler-log: all calls"
note "handler-log: $want_handler handler calls, ${lost:-0} of them counted without a key"
if [ "${lost:-0}" -gt 0 ]; then
	"$ANALYZE" report "$f" >"$T/hl/report"
	all=$(echo $((want_work + want_handler)) | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
	expect_grep "calls were counted without a key .*: $all calls in all" "$T/hl/report" \
		"handler-log: the report says so"
fi

# A handler that logs new keys while the call it interrupted is being
# counted: its thread's table must not grow under that call (the count went
# to the table left behind, and was lost). Per rule the loop's calls go
# another way through the count path: kept, dropped, sampled by a rule.
for rule in none 'drop:grow.loop' 'sample:grow.loop:1/3'; do
	d=$T/hg.${rule%%:*}
	mkdir -p "$d"
	filt=$rule
	[ "$rule" = none ] && filt=
	LEGACYLOG_MODE=fast LOGTAX_FILTER=$filt LOGTAX_OUTPUT=$d LD_PRELOAD=$SHIM "$TP/sig-demo" handler-grow 60 400 \
		>"$d/stdout" 2>"$d/stderr" || fail "handler-grow ($rule) failed: $(cat "$d/stderr")"
	want=$(program_pid_calls "$d/stdout")
	got=$(files_calls "$(one_file "$d")")
	expect_eq "$(awk '$2 == "grow.loop" { print $3 }' <<<"$got")" "$(awk '$2 == "grow.loop" { print $3 }' <<<"$want")" \
		"handler-grow ($rule): the interrupted thread's calls"
	keyed=$(awk '$2 == "grow.handler" { print $3 }' <<<"$got")
	lost=$(awk '$2 == "(without-a-key)" { print $3 }' <<<"$got")
	expect_eq "$((${keyed:-0} + ${lost:-0}))" "$(awk '$2 == "grow.handler" { print $3 }' <<<"$want")" \
		"handler-grow ($rule): the handler's calls, with and without a key"
	note "handler-grow ($rule): ${keyed:-0} handler calls keyed, ${lost:-0} without a key"
done

# logtax run passes SIGTERM on; the program dies of it and leaves its file.
mkdir -p "$T/run"
"$LOGTAX" run -o "$T/run/out" -- "$TP/sig-demo" wait $N "$T/run/ready" >"$T/run/stdout" 2>"$T/run/stderr" &
lr=$!
wait_until "logtax run: ready" test -e "$T/run/ready"
kill -TERM $lr
wait $lr
expect_eq "$?" 143 "logtax run: status of a program killed by SIGTERM"
f=$(one_file "$T/run/out")
expect_grep "logtax: wrote $f" "$T/run/stderr" "logtax run: names the file"
expect_same "$(program_pid_calls "$T/run/stdout")" "$(files_calls "$f")" "logtax run: calls"

# SIGINT reaches a program run by logtax run (bash ignores it in a
# background command, as logtax run starts the program): it dies of it,
# with its file. (logtax run itself is started as from a terminal: SIGINT
# not ignored; a subshell, not `CMD &`, for the reason above.)
mkdir -p "$T/int"
(exec "$LOGTAX" run -o "$T/int/out" -- "$TP/sig-demo" wait $N "$T/int/ready" >"$T/int/stdout" 2>"$T/int/stderr") &
lr=$!
wait_until "logtax run (SIGINT): ready" test -e "$T/int/ready"
pid=$(sed -n 's/.*\[\([0-9]*\)\]: calls .*/\1/p' "$T/int/stdout")
grep -q '^SigIgn:.*' "/proc/$pid/status" || fail "no status for $pid"
ign=$(sed -n 's/^SigIgn:\t*//p' "/proc/$pid/status")
(( (0x$ign & 2) == 0 )) || fail "SIGINT is ignored in the program logtax run started (SigIgn $ign)"
kill -INT "$pid"
wait $lr
expect_eq "$?" 130 "logtax run: status of a program killed by SIGINT"
f=$(one_file "$T/int/out")
expect_same "$(program_pid_calls "$T/int/stdout")" "$(files_calls "$f")" "SIGINT under logtax run: calls"
