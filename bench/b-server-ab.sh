#!/usr/bin/env bash
# logtax ab --server: a daemon's CPU time under a load, with and without a
# rule, and the saving logtax predicted from the first arm's own data next
# to the saving measured. Target: predicted within 5 percentage points of
# measured on the project's request daemon (test-programs/req-daemon.c,
# 100 debug calls per request into liblegacylog's ringbuffer mode). A
# control run takes the calls' one system call out (LEGACYLOG_TID=cached). Then
# Debian's real libvirtd (test driver, log_level = 1 to a file) under 2,000
# virsh commands over one connection, with `drop:*@<=info`, if installed.
# A missed target is printed, never an exit status; a failed run is one.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-5}
D=$B/test-programs/req-daemon
echo "## a request daemon under a load: predicted and measured saving of the daemon's CPU"
echo "command: bench/b-server-ab.sh (BENCH_RUNS=$runs)"
"$B/bin/logtax" ab -n "$runs" -o "$BT/ab" --json "$BT/ab.json" --b-filter 'drop:req.debug' --ready "unix:$BT/s" \
	--server -- "$D" "$BT/s" 100 --load -- "$D" client "$BT/s" 1000 >"$BT/out" 2>"$BT/err" ||
	{ cat "$BT/err" >&2; exit 1; }
sed -n '/^  arm /,/predicted - measured/p; /saved beyond the prediction/,+1p' "$BT/out"
jq -r '.comparisons[0] | ((.saving_predicted - .saving_measured) * 100) as $d |
	"predicted - measured: \($d * 10 | round / 10) points (target within 5): \(if ($d | fabs) <= 5 then "met" else "missed" end)"' \
	"$BT/ab.json"

# The control: the same calls without their one system call (the thread id
# read once per thread). What the gettid call costs after it returns is
# outside every window; without it the prediction should meet the target.
echo
echo "## the same, each line's thread id cached (LEGACYLOG_TID=cached: no system call inside a call)"
echo "command: bench/b-server-ab.sh (BENCH_RUNS=$runs)"
LEGACYLOG_TID=cached "$B/bin/logtax" ab -n "$runs" -o "$BT/abc" --json "$BT/abc.json" --b-filter 'drop:req.debug' \
	--ready "unix:$BT/sc" --server -- "$D" "$BT/sc" 100 --load -- "$D" client "$BT/sc" 1000 >"$BT/outc" 2>"$BT/errc" ||
	{ cat "$BT/errc" >&2; exit 1; }
sed -n '/^  arm /,/predicted - measured/p; /saved beyond the prediction/,+1p' "$BT/outc"

libvirtd=$(command -v libvirtd || echo /usr/sbin/libvirtd)
if [ ! -x "$libvirtd" ] || ! command -v virsh >/dev/null; then
	echo "## libvirtd: skipped (libvirt-daemon and libvirt-clients are not installed)"
	exit 0
fi
echo
echo "## libvirtd 9 with debug output to a file, 2,000 virsh commands: drop:*@<=info"
echo "command: bench/b-server-ab.sh (BENCH_RUNS=$runs)"
L=$BT/libvirt
. "$ROOT/scripts/libvirtd-scratch.sh"
libvirtd_scratch "$L" || exit 1
uri="test+unix:///default?socket=$L/sock/libvirt-sock"
"$B/bin/logtax" ab -n "$runs" -o "$BT/lv" --json "$BT/lv.json" --b-filter 'drop:*@<=info' \
	--ready "unix:$L/sock/libvirt-sock" --server -- \
	env LIBVIRT_DRIVER_DIR="$L/drivers" "$libvirtd" -f "$L/libvirtd.conf" -p "$L/libvirtd.pid" \
	--load -- sh -c 'yes "list --all" | head -n 2000 | virsh -c "$0" >/dev/null' "$uri" >"$BT/lv.out" 2>"$BT/lv.err" ||
	{ cat "$BT/lv.err" >&2; exit 1; }
sed -n '/^  arm /,/predicted - measured/p; /saved beyond the prediction/,+1p' "$BT/lv.out"
