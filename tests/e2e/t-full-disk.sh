# A full disk: the data file cannot be written. The program is unaffected
# (exit status, output), the shim warns once on stderr (never into a file a
# daemon put on descriptor 2), leaves an empty marker that `logtax run`
# reports (which process, why), and a later write that succeeds (a
# snapshot, once there is room) records the failures and removes the
# marker. The disk is a small tmpfs the test mounts in a mount namespace of
# its own (skipped where mounting is not allowed).
if [ -z "${LT_FULL_DISK_NS:-}" ] && unshare --mount --propagation private true 2>/dev/null; then
	LT_FULL_DISK_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

small=$T/small
mkdir -p "$small"
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$small" 2>/dev/null ||
	skip "cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)"
trap 'umount "$small" 2>/dev/null; rm -rf "$T"' EXIT
fill() { dd if=/dev/zero of="$small/filler" bs=4k 2>/dev/null; [ -s "$small/filler" ] || fail "could not fill the disk"; }
fill
N=50

# The program as it runs without logtax, then on the full disk.
"$TP/proc-demo" leaf $N disk.work >"$T/plain.out" 2>"$T/plain.err"
plain_rc=$?
LOGTAX_OUTPUT=$small LD_PRELOAD=$SHIM "$TP/proc-demo" leaf $N disk.work >"$T/full.out" 2>"$T/full.err"
expect_eq "$?" "$plain_rc" "full disk: exit status"
expect_same "$(grep calls "$T/plain.out" | sed "s/\[[0-9]*\]/[]/")" "$(grep calls "$T/full.out" | sed "s/\[[0-9]*\]/[]/")" "full disk: output"
pid=$(sed -n 's/.*\[\([0-9]*\)\]: calls .*/\1/p' "$T/full.out")
expect_eq "$(wc -l <"$T/full.err")" 1 "full disk: warning lines"
expect_grep "^logtax: warning: cannot write the data file: $small/logtax.$pid.ltx: No space left on device (ENOSPC)" \
	"$T/full.err" "full disk: the warning"
[ -e "$small/logtax.$pid.write-failed.ENOSPC" ] || fail "full disk: no marker"
expect_eq "$(find "$small" -name '*.ltx' -o -name '.logtax.*')" "" "full disk: no data or temporary file left"

# logtax run says which process, and why.
"$LOGTAX" run -o "$small" -- "$TP/proc-demo" leaf $N disk.work >"$T/run.out" 2>"$T/run.err"
expect_eq "$?" "$plain_rc" "logtax run, full disk: exit status"
pid=$(sed -n 's/.*\[\([0-9]*\)\]: calls .*/\1/p' "$T/run.out")
expect_grep "^logtax: process $pid: its data file could not be written: no space left on device (ENOSPC); its calls are lost$" \
	"$T/run.err" "logtax run, full disk: the report of the loss"

# A daemon that put its own log on descriptor 2: the warning does not go there.
"$LOGTAX" run -o "$small" -- "$TP/daemon-demo" close-fds $N "$T/daemon.log" >/dev/null 2>"$T/daemon.err" ||
	fail "close-fds on a full disk failed"
expect_eq "$(grep -vc '^daemon-demo\[' "$T/daemon.log")" 0 "full disk: nothing of logtax in the daemon's own log"
expect_grep "^logtax: process [0-9]*: its data file could not be written: no space left on device" "$T/daemon.err" \
	"full disk, daemon: logtax run reports it"

# A running process: its snapshot fails on the full disk (one warning, a
# marker); room is made; the next snapshot succeeds, says an earlier write
# failed, and removes the marker; the final file says so too.
rm -f "$small"/logtax.*
LOGTAX_OUTPUT=$small LD_PRELOAD=$SHIM "$TP/sig-demo" ignore $N "$T/ready" "$T/stop" >"$T/snap.out" 2>"$T/snap.err" &
p=$!
wait_until "snapshot: ready" test -e "$T/ready"
wait_until "snapshot: a failed snapshot's marker" test -e "$small/logtax.$p.write-failed.ENOSPC"
rm -f "$small/filler"
wait_until "snapshot: a snapshot once there is room" test -e "$small/logtax.$p.ltx"
[ ! -e "$small/logtax.$p.write-failed.ENOSPC" ] || fail "snapshot: the marker stayed after a write succeeded"
"$ANALYZE" report --format json "$small/logtax.$p.ltx" >"$T/snap.json"
jq -e '.processes[0].output | .failed_writes >= 1 and .last_error == "ENOSPC" and .last_failed_reason == "snapshot"' \
	"$T/snap.json" >/dev/null || fail "snapshot: the file does not record the failure: $(jq -c '.processes[0].output' "$T/snap.json")"
"$ANALYZE" report "$small/logtax.$p.ltx" >"$T/snap.report"
expect_grep "earlier writes of this file failed (last: a snapshot, No space left on device (ENOSPC)" "$T/snap.report" \
	"snapshot: the report says so"
touch "$T/stop"
wait $p || fail "snapshot: the program failed"
expect_eq "$(grep -c 'logtax: warning' "$T/snap.err")" 1 "snapshot: one warning for all the failed writes"
expect_same "$(program_pid_calls "$T/snap.out")" "$(files_calls "$small/logtax.$p.ltx")" "snapshot: calls in the final file"
jq -e '.processes[0] | .reason == "exit" and .output.failed_writes >= 1' <("$ANALYZE" report --format json "$small/logtax.$p.ltx") \
	>/dev/null || fail "snapshot: the final file forgot the failure"
