#!/usr/bin/env bash
# make demo: a daemon nobody restarts. Debian's libvirtd (test driver, its
# own unix socket, log_level 1 to a file in OUT) starts WITHOUT logtax and
# serves virsh; logtax attaches to it, counts every virLogMessage call,
# drops its debug and info messages with a live rule, and detaches; virsh
# is answered all along. Each phase: the daemon's CPU for ROUNDS x 4 virsh
# commands, and logtax's counts beside the records libvirt itself wrote in
# that time. Exit 1 only when a count is wrong or a step fails.
# Usage: demo-attach.sh OUT-DIR [ROUNDS]   (needs libvirt-daemon, libvirt-clients; x86-64)
set -u
out=${1:?usage: demo-attach.sh OUT-DIR [ROUNDS]}
rounds=${2:-${DEMO_ATTACH_ROUNDS:-200}}
root=$(cd "$(dirname "$0")/.." && pwd)
logtax=$root/build/bin/logtax
daemon=/usr/sbin/libvirtd
if [ ! -x "$daemon" ] || ! command -v virsh >/dev/null; then
	echo "libvirtd or virsh is missing: run 'make deps' as root (libvirt-daemon, libvirt-clients)"
	exit 0
fi
if [ "$(uname -m)" != x86_64 ]; then
	echo "logtax attach is x86-64 only: skipped"
	exit 0
fi
rm -rf "$out"
. "$root/scripts/libvirtd-scratch.sh"
libvirtd_scratch "$out" && mkdir -p "$out/data" || exit 1
LIBVIRT_DRIVER_DIR=$out/drivers "$daemon" -f "$out/libvirtd.conf" --pid-file "$out/pid" >"$out/daemon.out" 2>&1 &
run=$!
trap 'kill $run 2>/dev/null' EXIT
for _ in $(seq 600); do
	[ -S "$out/sock/libvirt-sock" ] && [ -s "$out/pid" ] && break
	sleep 0.1
done
[ -s "$out/pid" ] || { echo "demo: libvirtd did not start: $(tail -3 "$out/daemon.out")" >&2; exit 1; }
pid=$(cat "$out/pid")
uri="test+unix:///default?socket=$out/sock/libvirt-sock"
load() {
	for _ in $(seq "$1"); do printf 'list --all\ndominfo test\nnet-list\npool-list\n'; done |
		virsh -c "$uri" >"$out/virsh.out" 2>&1 || { echo "demo: virsh failed: $(tail -3 "$out/virsh.out")" >&2; exit 1; }
}
records() { libvirtd_records "$out"; }
ticks() { proc_cpu_ticks "$pid"; }
settle() { # until libvirt's log stops growing for half a second (at most 30 s)
	for _ in $(seq 60); do
		libvirtd_quiet "$out" && return 0
	done
}
# phase NAME: the load, its CPU ticks and the records libvirt wrote meanwhile
phase() {
	settle
	local r0 c0 c1
	r0=$(records)
	c0=$(ticks)
	load "$rounds"
	c1=$(ticks)
	settle
	cpu=$((c1 - c0))
	recs=$(($(records) - r0))
	printf '  %-34s %6s ticks   libvirt wrote %s records\n' "$1" "$cpu" "$recs"
}
echo "\$ libvirtd -f libvirtd.conf &      # started without logtax: log_level 1, test driver"
echo "  (each phase: $rounds x 4 virsh commands over one connection)"
load 5
phase "not attached"
echo "\$ logtax attach -o $out/data $pid"
"$logtax" attach -o "$out/data" "$pid" 2>&1 | sed 's/^/  /' || exit 1
phase "attached, every call counted"
f=$(find "$out/data" -name "logtax.$pid*.ltx" | head -1)
"$logtax" ctl "$pid" dump >/dev/null || exit 1
f=$(find "$out/data" -name "logtax.$pid*.ltx" | head -1)
calls=$("$logtax" report --format json "$f" | jq '[.keys[] | select(.entry == "virLogMessage") | .calls] | add')
broken=
if [ "$calls" = "$recs" ]; then
	echo "  virLogMessage calls counted while attached: $calls = the records libvirt wrote"
else
	echo "  virLogMessage calls counted while attached: $calls, but libvirt wrote $recs records: WRONG"
	broken=1
fi
echo "\$ logtax ctl $pid filter 'drop:*@<=info'"
"$logtax" ctl "$pid" filter 'drop:*@<=info' | sed 's/^/  /' || exit 1
phase "attached, drop:*@<=info"
"$logtax" ctl "$pid" dump >/dev/null || exit 1
kept=$("$logtax" report --format json "$f" | jq '[.keys[] | select(.entry == "virLogMessage" and .generation == 1 and .action == "keep") | .calls] | add // 0')
if [ "$kept" = "$recs" ]; then
	echo "  calls the rule kept: $kept = the records libvirt still wrote"
else
	echo "  calls the rule kept: $kept, but libvirt wrote $recs records: WRONG"
	broken=1
fi
echo "\$ logtax detach $pid"
"$logtax" detach "$pid" 2>&1 | sed 's/^/  /' || exit 1
phase "detached"
echo "\$ logtax report $f   (excerpt)"
"$logtax" report "$f" | sed -n '1,12p' | sed 's/^/  /'
kill -TERM "$pid"
wait $run
[ -z "$broken" ]
