#!/usr/bin/env bash
# logtax attach refuses, with one line and ctl's exit statuses, what it
# cannot or must not attach to, and leaves the process untouched: no such
# process (3), a thread id (2), another user's process (5: run as nobody
# against root's), kernel.yama.ptrace_scope (5, with the setting named and
# what would allow it; the setting is read from a file the test writes, as
# this kernel may have no Yama), a statically linked program (4), one under
# strace or gdb (4), one stopped (4), one started under logtax run (4).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-attach.sh"

# refused STATUS PATTERN WHAT COMMAND...: COMMAND exits STATUS with one line
# on stderr matching PATTERN.
refused() {
	local want=$1 pat=$2 what=$3 rc
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	expect_eq "$rc" "$want" "$what: exit status"
	expect_eq "$(wc -l <"$T/err")" 1 "$what: one line ($(cat "$T/err"))"
	expect_grep "$pat" "$T/err" "$what: message"
	[ -s "$T/out" ] && fail "$what: printed on stdout: $(cat "$T/out")"
	return 0
}
attach() { LOGTAX_SHIM=$STUB "$LOGTAX" attach -o "$T/o" "$@"; }
# nothing happened to it: the stub was never called
untouched() {
	[ -e "$T/o/stub.called" ] && fail "$1: the stub was called"
	grep -q libattachstub "/proc/$BPID/maps" && fail "$1: the stub was loaded"
	return 0
}

refused 3 "^logtax attach: no process 999999999$" "no such process" attach 999999999
refused 2 "is not a process id" "not a number" attach 12x
refused 2 "expected one process id" "no pid" attach

start_blocked threads
refused 2 "^logtax attach: $BTID is a thread of process $BPID: give the process id$" "a thread" attach "$BTID"
feed
finish threads

# A stopped process.
start_blocked read
kill -STOP "$BPID"
wait_until "stopped" grep -q '^State:.*T' "/proc/$BPID/status"
refused 4 "^logtax attach: process $BPID is stopped (State T): continue it first (kill -CONT $BPID)$" "stopped" attach "$BPID"
kill -CONT "$BPID"
untouched stopped
feed
finish read

# kernel.yama.ptrace_scope 3: nobody may, root included.
echo 3 >"$T/scope"
start_blocked read
LOGTAX_TEST_PTRACE_SCOPE_FILE=$T/scope refused 5 \
	"^logtax attach: kernel.yama.ptrace_scope is 3 ($T/scope): no process may attach to another, root included, until the next boot$" \
	"ptrace_scope 3" attach "$BPID"
# 2 and 1: root may (CAP_SYS_PTRACE)
for s in 1 2; do
	echo $s >"$T/scope"
	if [ "$(id -u)" -eq 0 ]; then
		LOGTAX_TEST_PTRACE_SCOPE_FILE=$T/scope attach "$BPID" >"$T/out" 2>&1 || fail "ptrace_scope $s as root: $(cat "$T/out")"
		expect_grep "^pid=$BPID " "$T/o/stub.called" "ptrace_scope $s as root: attached"
		rm -rf "$T/o"
	fi
done
feed
finish read

# A statically linked program: no loader, no libc to call dlopen in.
"$TPA/static-blocked-demo" read "$T/ready.static" <"$T/fifo" >"$T/static.out" 2>&1 &
BPID=$!
LT_PIDS+=("$BPID")
wait_until "static ready" test -s "$T/ready.static"
refused 4 "^logtax attach: process $BPID is statically linked (no dynamic loader or libc in its memory): no library can be loaded into it$" \
	"static" attach "$BPID"
kill "$BPID"

# Under strace, under gdb: TracerPid names the tracer.
if command -v strace >/dev/null; then
	start_blocked read strace -o /dev/null
	refused 4 "^logtax attach: process $BPID is already traced by process [0-9]* (strace), a debugger or tracer: detach it first$" \
		"strace" attach "$BPID"
	feed
	finish read
else
	ci_needs "strace is not installed"
fi
if command -v gdb >/dev/null; then
	start_blocked read gdb -q -batch -ex run --args
	refused 4 "^logtax attach: process $BPID is already traced by process [0-9]* (gdb), a debugger or tracer: detach it first$" \
		"gdb" attach "$BPID"
	feed
	finish read
else
	ci_needs "gdb is not installed"
fi

# Started under logtax run: the shim is preloaded; ctl is the way in.
rm -rf "$T/run"
"$LOGTAX" run -o "$T/run" -- "$TPA/blocked-demo" read "$T/ready.run" <"$T/fifo" >"$T/run.out" 2>&1 &
LT_PIDS+=($!)
wait_until "under run: ready" test -s "$T/ready.run"
BPID=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' "$T/ready.run")
LT_PIDS+=("$BPID")
refused 4 "^logtax attach: process $BPID is already traced by logtax (started under 'logtax run': liblogtax.so is preloaded); use 'logtax ctl $BPID ...'$" \
	"under logtax run" "$LOGTAX" attach -o "$T/o" "$BPID"
feed
wait_until "under run: ended" sh -c "! kill -0 $BPID 2>/dev/null"
expect_grep "^result: read ok$" "$T/run.out" "under run: the program"

# Another user's process: nobody against root's; and, as nobody against
# nobody's own, ptrace_scope 1 (only ancestors may) without CAP_SYS_PTRACE.
if [ "$(id -u)" -ne 0 ]; then
	note "not root: the other-user cases are not checked"
elif ! command -v setpriv >/dev/null; then
	ci_needs "setpriv (util-linux) is not installed"
else
	# the injector and the stub where nobody may run and read them
	mkdir -p "$T/pub"
	cp "$ATTACH" "$STUB" "$T/pub/"
	chmod 755 "$T" "$T/pub" "$T/pub/"*
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	start_blocked read
	refused 5 "^logtax attach: process $BPID belongs to uid 0, not to you (uid 65534): only its user, or root (CAP_SYS_PTRACE), may attach to it$" \
		"nobody vs root" as_nobody "$T/pub/logtax-attach" --shim "$T/pub/libattachstub.so" "$BPID"
	untouched "nobody vs root"
	feed
	finish read
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 60 &
	npid=$!
	LT_PIDS+=("$npid")
	echo 1 >"$T/scope"
	chmod 644 "$T/scope"
	LOGTAX_TEST_PTRACE_SCOPE_FILE=$T/scope refused 5 \
		"^logtax attach: kernel.yama.ptrace_scope is 1 ($T/scope): a process may only be attached to by its ancestors; run as root (CAP_SYS_PTRACE), or set 'sysctl kernel.yama.ptrace_scope=0'$" \
		"ptrace_scope 1 as nobody" as_nobody "$T/pub/logtax-attach" --shim "$T/pub/libattachstub.so" "$npid"
	echo 2 >"$T/scope"
	LOGTAX_TEST_PTRACE_SCOPE_FILE=$T/scope refused 5 \
		"^logtax attach: kernel.yama.ptrace_scope is 2 ($T/scope): only root (CAP_SYS_PTRACE) may attach; run as root, or set 'sysctl kernel.yama.ptrace_scope=0'" \
		"ptrace_scope 2 as nobody" as_nobody "$T/pub/logtax-attach" --shim "$T/pub/libattachstub.so" "$npid"
	# 0: nobody attaches to its own process
	echo 0 >"$T/scope"
	mkdir -p "$T/pub/o"
	chown 65534 "$T/pub/o"
	LOGTAX_TEST_PTRACE_SCOPE_FILE=$T/scope as_nobody "$T/pub/logtax-attach" --shim "$T/pub/libattachstub.so" \
		--settings "STUB_DIR=$T/pub/o" "$npid" >"$T/out" 2>&1 || fail "nobody's own process: $(cat "$T/out")"
	expect_grep "^pid=$npid tid=$npid calls=1$" "$T/pub/o/stub.called" "nobody's own process: the stub ran"
	# root attaching to nobody's process: the directory -o makes is nobody's
	LOGTAX_SHIM=$T/pub/libattachstub.so "$LOGTAX" attach -o "$T/pub/new" "$npid" >"$T/out" 2>&1 ||
		fail "root to nobody's process: $(cat "$T/out")"
	expect_eq "$(stat -c %u "$T/pub/new")" 65534 "root to nobody's process: the new directory's owner"
	expect_grep "^pid=$npid tid=$npid calls=2$" "$T/pub/new/stub.called" "root to nobody's process: the stub wrote there"
	kill "$npid"
fi
