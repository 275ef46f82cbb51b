#!/usr/bin/env bash
# logtax scan PID: the objects a running process has loaded (its
# /proc/PID/maps), each scanned as scan BINARY scans a file: the program
# first, its libraries, and a library it loaded later with dlopen (here the
# stand-in shim, loaded by logtax attach), which scan BINARY cannot know of.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-attach.sh"

# idle-demo: liblegacylog.so's entry points, the same rows both ways.
"$TP/idle-demo" "$T/stop" >/dev/null &
pid=$!
LT_PIDS+=("$pid")
wait_until "idle-demo runs" grep -q liblegacylog "/proc/$pid/maps"
"$LOGTAX" scan "$pid" >"$T/pid.txt" || fail "scan PID: exit $?"
"$LOGTAX" scan "$TP/idle-demo" >"$T/file.txt" || fail "scan BINARY: exit $?"
expect_grep "^logtax scan: process $pid ($TP/idle-demo) and the [0-9]* objects it has loaded$" "$T/pid.txt" "scan PID: heading"
rows() { sed -n '/^Logging entry points/,/^$/p' "$1" | grep -E '^  (liblegacylog|idle-demo)'; }
[ -n "$(rows "$T/file.txt")" ] || fail "scan BINARY lists no liblegacylog.so entry point"
expect_same "$(rows "$T/file.txt")" "$(rows "$T/pid.txt")" "the same rows for the program and liblegacylog.so"
# the objects: the program first; the loader and libc too
objs=$(sed -n '/^Objects$/,/^$/p' "$T/pid.txt" | awk 'NF { print $1 }' | sed 1d)
expect_eq "$(echo "$objs" | head -n 1)" idle-demo "the program first"
for o in liblegacylog.so libc.so.6 ld-linux-x86-64.so.2; do
	echo "$objs" | grep -qxF "$o" || fail "scan PID: $o not listed: $objs"
done
"$LOGTAX" scan --json "$pid" | jq -e --argjson p "$pid" '.pid == $p and (.objects | length) >= 4' >/dev/null ||
	fail "scan --json PID"
touch "$T/stop"

# A library loaded after start shows.
start_blocked read
LOGTAX_SHIM=$STUB "$LOGTAX" attach -o "$T/o" "$BPID" >/dev/null 2>&1 || fail "attach the stub"
"$LOGTAX" scan "$BPID" >"$T/pid.txt" || fail "scan PID after the attach: exit $?"
grep -q "^  libattachstub.so  *$STUB$" "$T/pid.txt" || { cat "$T/pid.txt" >&2; fail "the library loaded later is not listed"; }
feed
finish read

# No such process: exit 3, one line.
"$LOGTAX" scan 999999999 2>"$T/err"
expect_eq $? 3 "no such process: exit status"
expect_eq "$(cat "$T/err")" "logtax scan: no process 999999999" "no such process: message"
