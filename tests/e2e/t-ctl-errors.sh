# logtax ctl's errors, each one line with its own exit status: a process
# that is gone (3), one not traced by logtax (4), one traced that has not
# logged yet (4, also when an earlier process with its pid left its
# control file behind), one of another user (5), bad usage (2).
. "$(dirname "$0")/../lib.sh"

ctl_err() { # expected status, expected message pattern, ctl args...
	local want=$1 pat=$2
	shift 2
	"$LOGTAX" ctl "$@" >"$T/out" 2>"$T/err"
	expect_eq "$?" "$want" "ctl $*: exit status"
	expect_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "ctl $*: message lines"
	expect_grep "$pat" "$T/err" "ctl $*: message"
}

# A background sleep, killed only once it runs sleep: a subshell killed
# before its exec would run our EXIT trap (and remove $T). It sleeps until
# killed: a niced test on a busy machine took over 30 s from starting a
# `sleep 30` to asking about it, and was told there was no such process.
# Started with LD_PRELOAD, it is asked about only once the shim is mapped
# in it: just after the exec it is not yet, and logtax ctl rightly says
# "not traced".
bg_pid=
bg() {
	"$@" &
	bg_pid=$!
	local traced=
	[[ $* == *LD_PRELOAD=* ]] && traced=1
	wait_until "process $bg_pid running sleep${traced:+ with the shim}" bg_ready "$bg_pid" "$traced"
}
bg_ready() {
	case $(readlink "/proc/$1/exe" 2>/dev/null) in */sleep) ;; *) return 1 ;; esac
	[ -z "$2" ] || grep -q '/liblogtax\.so' "/proc/$1/maps" 2>/dev/null
}

bg sleep infinity
gone=$bg_pid
kill $gone
wait $gone 2>/dev/null
ctl_err 3 "^logtax ctl: no process $gone$" $gone status

bg sleep infinity
plain=$bg_pid
ctl_err 4 "process $plain is not traced by logtax" $plain status
kill $plain

# Traced, but no logging call yet: no control thread (it starts at the first call).
bg env LD_PRELOAD="$SHIM" LOGTAX_OUTPUT="$T" sleep infinity
quiet=$bg_pid
ctldir=${XDG_RUNTIME_DIR:-/tmp}/logtax-$(id -u)
# An empty PID.on is taken as its process's own (logtax ctl); the shim
# never leaves one now (it renames it into place whole), but one left by
# an older build killed while it wrote it may be there for this pid.
if [ -f "$ctldir/$quiet.on" ] && [ ! -s "$ctldir/$quiet.on" ]; then
	note "removed an empty $ctldir/$quiet.on left by an earlier process"
	rm -f "$ctldir/$quiet.on"
fi
ctl_err 4 "its control thread is not running" $quiet dump
kill $quiet

# A PID.on left by an earlier process with this pid (killed before its
# exit could remove it): not taken for a control thread, and removed. The
# start time it holds is another process's (our shell's).
bg env LD_PRELOAD="$SHIM" LOGTAX_OUTPUT="$T" sleep infinity
reused=$bg_pid
mkdir -p "$ctldir" && chmod 700 "$ctldir"
awk '{ sub(/.*\) /, ""); split($0, f, " "); printf "%s", f[20] }' /proc/$$/stat >"$ctldir/$reused.on"
[ -s "$ctldir/$reused.on" ] || fail "could not write a start time into $ctldir/$reused.on"
ctl_err 4 "was an earlier process's" --timeout 30 $reused status
[ ! -e "$ctldir/$reused.on" ] || fail "the stale $reused.on is still there"
kill $reused

ctl_err 2 "is not a process id" abc status
ctl_err 2 "unknown command 'reload'" 1 reload
ctl_err 2 "filter takes one argument" 1 filter
ctl_err 2 "expected PID and a command" 1

# Another user's process: only root (or that user) may control it.
[ "$(id -u)" -eq 0 ] && ! command -v setpriv >/dev/null && ci_needs "setpriv (util-linux) is not installed"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$ANALYZE"; then
	bg sleep infinity
	mine=$bg_pid
	setpriv --reuid=65534 --regid=65534 --clear-groups "$LOGTAX" ctl $mine status 2>"$T/err"
	expect_eq "$?" 5 "another user's process: exit status"
	expect_grep "belongs to uid 0, not to you" "$T/err" "another user's process: message"
	kill $mine
else
	note "not root or no setpriv: the other-user case is not checked"
fi
