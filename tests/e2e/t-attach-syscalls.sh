#!/usr/bin/env bash
# logtax attach stops one thread, calls dlopen and the shim's logtax_attach
# in it and restores it: a program blocked in poll (with and without a
# timeout), read on a pipe, epoll_wait and nanosleep when attached sees its
# call return as it would have without the attach (the program checks:
# poll and read return the byte written after the attach, nanosleep returns
# 0 after the whole time asked). The shim is a stand-in that records its
# call (test-programs/attach/stub.c): this tests the injector.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-attach.sh"

in_syscall_or_restart() { in_syscall "$1" "$2" "$3" || in_syscall "$1" "$2" 219; }
# nanosleep may have ended by the time a slow attach is seen through (the
# program itself checks it slept the whole time asked)
in_syscall_or_ended() { in_syscall_or_restart "$@" || ! kill -0 "$1" 2>/dev/null; }

for mode in read poll poll-inf epoll nanosleep; do
	if [ $mode = nanosleep ]; then
		start_blocked $mode env BLOCKED_SLEEP=6
	else
		start_blocked $mode
	fi
	out=$T/o.$mode
	LOGTAX_SHIM=$STUB "$LOGTAX" attach -o "$out" --time sample:8 --filter 'drop:*@debug
keep:rpc.*' "$BPID" >"$T/attach.out" 2>"$T/attach.err" || fail "$mode: logtax attach: exit $?: $(cat "$T/attach.err")"
	expect_grep "^logtax attach: process $BPID: stub attached (call 1)$" "$T/attach.out" "$mode: attach's line"
	expect_grep "^logtax attach: thread $BTID (in system call $(mode_syscall $mode)) stopped [0-9.]* ms ([0-9.]* ms after the stop was seen)$" \
		"$T/attach.err" "$mode: the thread stopped"
	# the stub ran once, in the blocked thread, with the settings block
	expect_grep "^pid=$BPID tid=$BTID calls=1$" "$out/stub.called" "$mode: the stub's call"
	expect_same "LOGTAX_OUTPUT=$out
LOGTAX_TIME=sample:8
LOGTAX_FILTER=drop:*@debug keep:rpc.*" "$(sed 1d "$out/stub.called")" "$mode: the settings block"
	# still blocked where it was (nanosleep: it has slept less than its 6 s);
	# a call with a timeout goes on as restart_syscall (219), with the time left
	if [ $mode = nanosleep ]; then
		wait_until "$mode: blocked again after the attach, or done" in_syscall_or_ended "$BPID" "$BTID" "$(mode_syscall $mode)"
	else
		wait_until "$mode: blocked again after the attach" in_syscall_or_restart "$BPID" "$BTID" "$(mode_syscall $mode)"
	fi
	[ $mode = nanosleep ] || feed
	finish $mode
done

# Two threads: the one blocked in poll is stopped, not the main thread
# waiting in pthread_join (futex).
start_blocked threads
LOGTAX_SHIM=$STUB "$LOGTAX" attach -o "$T/o.threads" "$BPID" >"$T/attach.out" 2>"$T/attach.err" ||
	fail "threads: logtax attach: exit $?: $(cat "$T/attach.err")"
[ "$BTID" != "$BPID" ] || fail "threads: the poll thread is the main thread?"
expect_grep "^pid=$BPID tid=$BTID calls=1$" "$T/o.threads/stub.called" "threads: the thread in poll was chosen"
feed
finish threads

# The main thread ended with pthread_exit (a zombie leader): the process's
# memory is read through the live thread's /proc directory.
start_blocked leader-exit
wait_until "leader-exit: the leader is a zombie" grep -q '^State:.*Z' "/proc/$BPID/status"
LOGTAX_SHIM=$STUB "$LOGTAX" attach -o "$T/o.leader" "$BPID" >"$T/attach.out" 2>"$T/attach.err" ||
	fail "leader-exit: logtax attach: exit $?: $(cat "$T/attach.err")"
expect_grep "^pid=$BPID tid=$BTID calls=1$" "$T/o.leader/stub.called" "leader-exit: the live thread was chosen"
feed
finish leader-exit

# Attached twice: the library is loaded once (dlopen gives the same handle),
# logtax_attach is called again.
start_blocked read
LOGTAX_SHIM=$STUB "$LOGTAX" attach -o "$T/o.twice" "$BPID" >/dev/null 2>&1 || fail "twice: first attach failed"
LOGTAX_SHIM=$STUB "$LOGTAX" attach -o "$T/o.twice" "$BPID" >"$T/attach.out" 2>&1 || fail "twice: second attach failed"
expect_grep "stub attached (call 2)" "$T/attach.out" "twice: the second call"
expect_eq "$(grep -c libattachstub.so "/proc/$BPID/maps" | awk '$1 > 0 { print "mapped" }')" mapped "twice: the stub is mapped"
expect_eq "$(awk '/libattachstub.so/ && $3 == "00000000" { n++ } END { print n }' "/proc/$BPID/maps")" 1 \
	"twice: the stub is mapped once"
feed
finish read
