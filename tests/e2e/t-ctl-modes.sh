# How `logtax ctl` reaches a process, by LOGTAX_CONTROL:
# - auto, a busy single-threaded loop: requests are answered between its
#   waits, and no thread is added (a second thread costs glibc's
#   single-threaded fast paths for good);
# - auto, an idle single-threaded loop (waits of 1.2 s): the control thread
#   starts once a wait has lasted a second, and requests are answered;
# - thread: the control thread at the first logging call;
# - off: no control channel ("not traced", exit 4);
# - a bad value: one warning, and `logtax run --control` refuses it.
. "$(dirname "$0")/../lib.sh"

pids=()
trap 'touch "$T/stop" "$T/stop-idle" "$T/stop-thread" "$T/stop-off"; for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait; rm -rf "$T"' EXIT

threads() { ls "/proc/$1/task" 2>/dev/null | wc -l; }
has_thread() { cat /proc/"$1"/task/*/comm 2>/dev/null | grep -qx logtax; }
# poll WHAT COMMAND...: retries for up to 30 s
poll() {
	local what=$1 i
	shift
	for i in $(seq 300); do
		"$@" && return 0
		sleep 0.1
	done
	fail "$what: not within 30 s"
}
status_ok() { "$LOGTAX" ctl "$1" status >"$T/status.$1" 2>/dev/null; }

# auto, busy: rules-demo polls 10 ms between rounds.
mkdir -p "$T/busy"
LEGACYLOG_MODE=fast LOGTAX_OUTPUT=$T/busy LD_PRELOAD=$SHIM "$TP/rules-demo" --until "$T/stop" >"$T/busy/out" 2>&1 &
busy=$!
pids+=($busy)
poll "auto, busy: ctl status" status_ok $busy
expect_grep "^pid: $busy$" "$T/status.$busy" "auto, busy: status"
"$LOGTAX" ctl $busy filter 'drop:util.event@debug' >/dev/null || fail "auto, busy: ctl filter failed"
expect_eq "$(threads $busy)" 1 "auto, busy: threads (no control thread)"

# auto, idle: the thread comes after a wait of a second.
mkdir -p "$T/idle"
LOGTAX_OUTPUT=$T/idle LD_PRELOAD=$SHIM "$TP/idle-demo" "$T/stop-idle" >"$T/idle/out" 2>&1 &
idle=$!
pids+=($idle)
poll "auto, idle: control thread" has_thread $idle
poll "auto, idle: ctl status" status_ok $idle
expect_grep "^pid: $idle$" "$T/status.$idle" "auto, idle: status"

# thread: at once (the program logs before its first 10 ms poll).
mkdir -p "$T/thread"
LEGACYLOG_MODE=fast LOGTAX_CONTROL=thread LOGTAX_OUTPUT=$T/thread LD_PRELOAD=$SHIM \
	"$TP/rules-demo" --until "$T/stop-thread" >"$T/thread/out" 2>&1 &
th=$!
pids+=($th)
poll "thread: control thread" has_thread $th
poll "thread: ctl status" status_ok $th

# off: nothing answers; ctl says the process is not reachable.
mkdir -p "$T/off"
LEGACYLOG_MODE=fast LOGTAX_CONTROL=off LOGTAX_OUTPUT=$T/off LD_PRELOAD=$SHIM \
	"$TP/rules-demo" --until "$T/stop-off" >"$T/off/out" 2>&1 &
off=$!
pids+=($off)
sleep 0.5
"$LOGTAX" ctl --timeout 2 $off status >/dev/null 2>&1
expect_eq "$?" 4 "off: ctl exit status"
expect_eq "$(threads $off)" 1 "off: threads"

touch "$T/stop" "$T/stop-idle" "$T/stop-thread" "$T/stop-off"
for p in $busy $idle $th $off; do wait $p || fail "process $p failed"; done
expect_eq "$(csv_calls_by_source "$(one_file "$T/idle")")" "$(program_calls_by_source "$T/idle/out")" "auto, idle: calls per source"

# A bad value: one warning, nothing else changes; logtax run refuses it.
LOGTAX_CONTROL=sometimes LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/varargs-demo" 1 >/dev/null 2>"$T/err"
expect_eq "$(wc -l <"$T/err")" 1 "bad LOGTAX_CONTROL: warning lines"
expect_grep "LOGTAX_CONTROL='sometimes'" "$T/err" "bad LOGTAX_CONTROL: named"
"$LOGTAX" run --control sometimes -- true 2>"$T/err"
expect_eq "$?" 2 "logtax run --control sometimes: exit status"
