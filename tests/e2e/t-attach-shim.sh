#!/usr/bin/env bash
# logtax attach with the real shim, end to end through the injector: a
# program blocked in poll, read, nanosleep or epoll_wait is attached
# (`logtax ctl status` then reaches it), detached, attached again and
# detached, and its call still returns as it would have; a second attach
# while attached is refused by the shim (4, "already attached"). The
# counts after an attach are t-attach-counts's.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-attach.sh"

nm -D --defined-only "$SHIM" | grep -qw logtax_attach ||
	skip_by_design "this build's shim has no logtax_attach (the shim's side of attach is not in this tree)"

# (nanosleep long enough for everything below on a loaded machine)
export BLOCKED_SLEEP=15
for mode in poll-inf read nanosleep epoll; do
	start_blocked $mode
	out=$T/o.$mode
	"$LOGTAX" attach -o "$out" --time all "$BPID" >"$T/attach.out" 2>"$T/attach.err" ||
		fail "$mode: logtax attach: exit $?: $(cat "$T/attach.err")"
	expect_grep "^logtax attach: process $BPID: attached" "$T/attach.out" "$mode: attached"
	"$LOGTAX" attach -o "$out" "$BPID" >/dev/null 2>"$T/again.err"
	expect_eq $? 4 "$mode: a second attach: exit status"
	expect_grep "already attached" "$T/again.err" "$mode: a second attach: message"
	"$LOGTAX" ctl "$BPID" status >"$T/status" || fail "$mode: ctl status after the attach: exit $?"
	expect_grep "^time: all$" "$T/status" "$mode: the settings reached the shim"
	"$LOGTAX" detach "$BPID" >"$T/detach.out" || fail "$mode: detach: exit $?"
	"$LOGTAX" attach -o "$out" "$BPID" >/dev/null 2>"$T/attach.err" || fail "$mode: attach after detach: $(cat "$T/attach.err")"
	"$LOGTAX" detach "$BPID" >/dev/null || fail "$mode: second detach: exit $?"
	[ $mode = nanosleep ] || feed
	finish $mode
done
