# Sourced by the logtax attach tests after tests/lib.sh: a program blocked
# in a system call (test-programs/attach/blocked.c) fed through a FIFO, and
# the injector run with a stand-in shim (test-programs/attach/stub.c) so
# that what is tested is the stop, the calls and the restore.
[ "$(uname -m)" = x86_64 ] || skip_by_design "logtax attach is x86-64 only"
TPA=$TP/attach
ATTACH=$B/libexec/logtax/logtax-attach
STUB=$TPA/libattachstub.so
[ -x "$ATTACH" ] || fail "$ATTACH is not built"

# The processes a test started: killed when it ends, whatever happens.
LT_PIDS=()
trap 'for p in "${LT_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

# The system call a blocked-demo MODE blocks in (x86-64 numbers; glibc's
# nanosleep is clock_nanosleep).
mode_syscall() {
	case $1 in
	read | alarm-* | signals) echo 0 ;;
	poll | poll-inf | threads | leader-exit) echo 7 ;;
	epoll) echo 232 ;;
	nanosleep) echo 230 ;;
	esac
}

# start_blocked MODE [RUNNER...]: starts blocked-demo MODE (under RUNNER,
# e.g. strace) reading $T/fifo, writing $T/MODE.out; waits until the thread
# that makes the call is in it. Sets BPID (the process), BTID (that thread).
start_blocked() {
	local mode=$1
	shift
	[ -p "$T/fifo" ] || mkfifo "$T/fifo"
	# (held open for writing by the shell, so that reads block rather than end)
	[ -e /dev/fd/7 ] || exec 7<>"$T/fifo"
	rm -f "$T/ready.$mode"
	"$@" "$TPA/blocked-demo" "$mode" "$T/ready.$mode" <"$T/fifo" >"$T/$mode.out" 2>&1 &
	local runner=$!
	LT_PIDS+=("$runner")
	wait_until "blocked-demo $mode ready" test -s "$T/ready.$mode"
	BPID=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' "$T/ready.$mode")
	BTID=$(sed -n 's/.* tid=\([0-9]*\)$/\1/p' "$T/ready.$mode")
	LT_PIDS+=("$BPID")
	local nr
	nr=$(mode_syscall "$mode")
	wait_until "blocked-demo $mode in system call $nr" in_syscall "$BPID" "$BTID" "$nr"
}
in_syscall() { [ "$(cut -d' ' -f1 "/proc/$1/task/$2/syscall" 2>/dev/null)" = "$3" ]; }

# feed: one byte to the blocked program.
feed() { printf x >&7; }

# finish MODE: waits for blocked-demo MODE (BPID) to end; fails unless it
# says its call returned as it should have.
finish() {
	local mode=$1 i
	for i in $(seq 600); do
		kill -0 "$BPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$BPID" 2>/dev/null && fail "$mode: blocked-demo did not end"
	expect_grep "^result: $mode ok$" "$T/$mode.out" "$mode: what the program saw"
}
