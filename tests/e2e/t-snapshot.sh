# SIGKILL and crashes: LOGTAX_SNAPSHOT keeps a recent snapshot of a running
# process on disk (default every second, once it has run a second), so a
# process that cannot write at its end still leaves its counts; the report
# says the file is a snapshot and when it was taken. LOGTAX_SNAPSHOT=0
# turns it off; a bad value warns once (shim) or is refused (logtax run).
# No timing is asserted: the test polls until the snapshot holds the calls.
. "$(dirname "$0")/../lib.sh"

N=1000
ulimit -c 0 # the crash below needs no core file
# calls in the file, once it exists and can be read (0 otherwise)
calls_in() { [ -f "$1" ] && "$ANALYZE" report --format json "$1" 2>/dev/null | jq '.processes[0].totals.all_calls' || echo 0; }
has_all() { [ "$(calls_in "$1")" = "$N" ]; }

# SIGKILL after the snapshot has every call: the snapshot is the file. In
# a single-threaded program (auto: no control thread, the snapshot is
# written between two waits of its loop) and with a control thread.
for control in auto thread; do
d=$T/kill-$control
mkdir -p "$d"
LOGTAX_CONTROL=$control LOGTAX_OUTPUT=$d LD_PRELOAD=$SHIM exit_status "$TP/sig-demo" wait $N "$d/ready" >"$d/status" 2>"$d/stderr" &
runner=$!
wait_until "kill ($control): ready" test -e "$d/ready"
pid=$(sed -n 's/.*\[\([0-9]*\)\]: calls .*/\1/p' "$d/status")
f=$d/logtax.$pid.ltx
wait_until "kill ($control): a snapshot with all $N calls" has_all "$f"
expect_eq "$(ls "/proc/$pid/task" | wc -l)" "$([ $control = auto ] && echo 1 || echo 2)" "kill ($control): threads"
kill -KILL "$pid"
wait $runner
expect_eq "$(tail -n 1 "$d/status")" "signal 9" "kill ($control): how it ended"
expect_same "$(program_pid_calls "$d/status")" "$(files_calls "$f")" "kill ($control): calls in the snapshot"
"$ANALYZE" report --format json "$f" >"$d/j"
expect_eq "$(jq -r '.processes[0] | "\(.reason) \(.snapshot) \(.output.snapshot_every_s)"' "$d/j")" "snapshot true 1" \
	"kill ($control): the file is a snapshot"
"$ANALYZE" report "$f" >"$d/report"
expect_grep "written as a snapshot while it ran" "$d/report" "kill ($control): report"
expect_grep "snapshot taken [0-9-]* [0-9:]* UTC, .* after start: calls made after it are not in this file" "$d/report" \
	"kill ($control): report says when"
"$ANALYZE" report --format html "$f" >"$d/html"
expect_grep "a snapshot taken [0-9-]* [0-9:]* UTC, while the process ran" "$d/html" "kill ($control): the HTML report says so"
expect_eq "$(stat -c %a "$f")" 600 "kill ($control): mode of the snapshot"
expect_eq "$(find "$d" -name '.logtax.*')" "" "kill ($control): no temporary file left"
done

# A crash (SIGSEGV): the same.
d=$T/crash
mkdir -p "$d"
LOGTAX_OUTPUT=$d LD_PRELOAD=$SHIM exit_status "$TP/sig-demo" crash $N "$d/ready" "$d/go" >"$d/status" 2>"$d/stderr" &
runner=$!
wait_until "crash: ready" test -e "$d/ready"
pid=$(sed -n 's/.*\[\([0-9]*\)\]: calls .*/\1/p' "$d/status")
f=$d/logtax.$pid.ltx
wait_until "crash: a snapshot with all $N calls" has_all "$f"
touch "$d/go"
wait $runner
# (AddressSanitizer catches the crash itself and exits 1)
want="signal 11"
sanitized address && want="exit 1"
expect_eq "$(tail -n 1 "$d/status")" "$want" "crash: how it ended (the shim leaves SIGSEGV alone)"
expect_same "$(program_pid_calls "$d/status")" "$(files_calls "$f")" "crash: calls in the snapshot"

# A clean exit replaces the snapshot with the final file (one file).
d=$T/exit
mkdir -p "$d"
LOGTAX_OUTPUT=$d LD_PRELOAD=$SHIM "$TP/sig-demo" ignore $N "$d/ready" "$d/stop" >"$d/stdout" 2>"$d/stderr" &
p=$!
wait_until "exit: ready" test -e "$d/ready"
f=$d/logtax.$p.ltx
wait_until "exit: a snapshot" has_all "$f"
touch "$d/stop"
wait $p || fail "exit: the program failed"
expect_eq "$(data_files "$d")" "$f" "exit: one file"
expect_eq "$("$ANALYZE" report --format json "$f" | jq -r '.processes[0] | "\(.reason) \(.snapshot) \(.output.earlier_writes)"')" \
	"exit false 1" "exit: the final file replaced the snapshot"

# LOGTAX_SNAPSHOT=0: no snapshot. (Waiting longer than an interval cannot
# fail falsely: on a slow machine the test only proves less.)
d=$T/off
mkdir -p "$d"
LOGTAX_SNAPSHOT=0 LOGTAX_OUTPUT=$d LD_PRELOAD=$SHIM "$TP/sig-demo" wait $N "$d/ready" >"$d/stdout" 2>"$d/stderr" &
p=$!
wait_until "off: ready" test -e "$d/ready"
sleep 2.5
expect_eq "$(data_files "$d")" "" "LOGTAX_SNAPSHOT=0: no file while it runs"
kill -KILL $p
wait $p 2>/dev/null

# Settings: the shim warns once about a bad value and keeps the default;
# logtax run refuses it before starting anything.
LOGTAX_SNAPSHOT=soon LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/proc-demo" leaf 1 x >/dev/null 2>"$T/bad.err" ||
	fail "a bad LOGTAX_SNAPSHOT changed the program's status"
expect_eq "$(cat "$T/bad.err")" \
	"logtax: warning: LOGTAX_SNAPSHOT='soon' ignored: expected the seconds between snapshots, 0 (off) to 86400" \
	"bad LOGTAX_SNAPSHOT: the warning"
"$LOGTAX" run --snapshot 1.5 -o "$T/refused" -- "$TP/proc-demo" leaf 1 x >"$T/refused.out" 2>"$T/refused.err"
expect_eq "$?" 2 "logtax run --snapshot 1.5: exit status"
expect_eq "$(cat "$T/refused.err")" \
	"logtax: run: --snapshot '1.5': expected the seconds between snapshots, 0 (off) to 86400" "--snapshot 1.5: message"
[ ! -s "$T/refused.out" ] || fail "--snapshot 1.5: the program ran"
"$LOGTAX" run --snapshot 0 -o "$T/zero" -- "$TP/proc-demo" leaf 1 x >/dev/null 2>&1 || fail "--snapshot 0 refused"
expect_eq "$("$ANALYZE" report --format json "$(one_file "$T/zero")" | jq '.processes[0].output.snapshot_every_s')" 0 \
	"--snapshot 0 reaches the shim"
