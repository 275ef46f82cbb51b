#!/usr/bin/env bash
# What reaches the stopped thread while the shim's logtax_attach runs in it
# is held back and delivered after its registers are restored, as if it had
# come while the thread was blocked: a SIGALRM handler without SA_RESTART
# makes the read return EINTR, with SA_RESTART the read goes on (the program
# counts its handler's calls: exactly one). And what goes wrong in the
# process: a call that never returns (timeout, the thread restored and
# running on), one that crashes (its SIGSEGV not delivered, the thread
# restored), the process killed meanwhile, the shim's refusal passed on.
# logtax-attach is run directly, with the stand-in shim's test settings.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-attach.sh"

# attach_bg SETTINGS...: logtax-attach with the stub in the background (APID),
# its stderr in $T/attach.err; waits until the stub runs (it says so).
attach_bg() {
	rm -f "$T/o/stub.spinning" "$T/go"
	mkdir -p "$T/o"
	local block="STUB_DIR=$T/o" s
	for s in "$@"; do block+=$'\n'"$s"; done
	"$ATTACH" --shim "$STUB" --timeout "${ATTACH_TIMEOUT:-60}" --settings "$block" "$BPID" >"$T/attach.out" 2>"$T/attach.err" &
	APID=$!
	wait_until "the stub runs" test -e "$T/o/stub.spinning"
}

for mode in alarm-norestart alarm-restart; do
	start_blocked $mode
	attach_bg "STUB_WAIT=$T/go"
	# the signal comes while the thread runs the shim's call
	kill -ALRM "$BPID"
	# (it reached the thread and was held: nothing pending)
	touch "$T/go"
	wait $APID || fail "$mode: logtax-attach: exit $?: $(cat "$T/attach.err")"
	[ $mode = alarm-restart ] && feed
	finish $mode; note "$mode ok"
done

# Several signals, two of them queued with values: each delivered once,
# the values intact and in order (the first with the detach, the others
# queued to the thread again).
start_blocked signals
attach_bg "STUB_WAIT=$T/go"
kill -USR1 "$BPID"
kill -USR2 "$BPID"
"$TPA/blocked-demo" sigqueue "$BPID" RTMIN 7 || fail "sigqueue"
"$TPA/blocked-demo" sigqueue "$BPID" RTMIN 8 || fail "sigqueue"
touch "$T/go"
wait $APID || fail "signals: logtax-attach: exit $?: $(cat "$T/attach.err")"
feed
finish signals

# A call that never returns: stopped after --timeout, registers restored.
start_blocked read
ATTACH_TIMEOUT=1 attach_bg STUB_HANG=1
wait $APID
expect_eq $? 6 "hang: exit status"
expect_grep "^logtax attach: logtax_attach did not return within 1 s in thread $BTID of process $BPID; its registers were restored and it runs on" \
	"$T/attach.err" "hang: message"
# one line
expect_eq "$(wc -l <"$T/attach.err")" 1 "hang: one line"
# the thread is back in its read, and the read returns the byte
wait_until "hang: blocked in read again" in_syscall "$BPID" "$BTID" 0
feed
finish read

# A signal held during a call that then times out: still delivered (the
# detach is then from the interrupt's stop, which cannot carry it).
start_blocked alarm-norestart
ATTACH_TIMEOUT=3 attach_bg STUB_HANG=1
kill -ALRM "$BPID"
wait $APID
expect_eq $? 6 "hang with a signal: exit status"
note "logtax-attach said: $(cat "$T/attach.err")"
finish alarm-norestart

# A call that crashes: its SIGSEGV is not delivered, the process runs on.
start_blocked read
mkdir -p "$T/o"
"$ATTACH" --shim "$STUB" --settings "STUB_CRASH=1" "$BPID" 2>"$T/attach.err"
expect_eq $? 6 "crash: exit status"
expect_grep "^logtax attach: logtax_attach crashed in thread $BTID of process $BPID (signal 11 at 0x[0-9a-f]*); the signal was held back" \
	"$T/attach.err" "crash: message"
feed
finish read

# ^C (SIGINT, SIGTERM) to logtax-attach while the call runs: it restores
# the thread before it ends, and the process runs on.
start_blocked read
attach_bg "STUB_WAIT=$T/go"
kill -INT $APID
kill -TERM $APID
sleep 0.5
kill -0 $APID 2>/dev/null || fail "^C: logtax-attach ended in the middle of the call"
touch "$T/go"
wait $APID
wait_until "^C: blocked in read again" in_syscall "$BPID" "$BTID" 0
feed
finish read

# The process killed while the call runs.
start_blocked read
attach_bg STUB_HANG=1
kill -9 "$BPID"
wait $APID
expect_eq $? 3 "killed: exit status"
expect_grep "^logtax attach: process $BPID ended during the attach (in logtax_attach)$" "$T/attach.err" "killed: message"

# The shim refuses: its status and line are passed on; the process runs on.
start_blocked read
"$ATTACH" --shim "$STUB" --settings "STUB_RC=5" "$BPID" 2>"$T/attach.err"
expect_eq $? 5 "refused: exit status"
expect_grep "^logtax attach: process $BPID: stub refused$" "$T/attach.err" "refused: message"
feed
finish read
