#!/usr/bin/env bash
# make demo: a real multi-threaded daemon. Debian's libvirtd (test driver
# only, its own unix socket, log_level 1 to a file in OUT) runs under
# logtax run --jobs while virsh sends it ROUNDS x 4 commands over one
# connection. Most of its logging calls come from its two RPC worker pools
# (rpc-libvirtd, prio-rpc-libvir), which wait on condition variables, not
# in poll: the report gives every thread's CPU time and logging's share of
# it, the pools as groups, their jobs, and the headline, logging's share of
# the process's CPU time. What must be exact fails the script (exit 1):
# each worker thread's calls equal the records libvirt wrote with its
# thread id.
# Usage: demo-libvirtd.sh OUT-DIR [ROUNDS]   (needs libvirt-daemon, libvirt-clients)
set -u
out=${1:?usage: demo-libvirtd.sh OUT-DIR [ROUNDS]}
rounds=${2:-${DEMO_LIBVIRTD_ROUNDS:-500}}
root=$(cd "$(dirname "$0")/.." && pwd)
logtax=$root/build/bin/logtax
daemon=/usr/sbin/libvirtd

if [ ! -x "$daemon" ] || ! command -v virsh >/dev/null; then
	echo "libvirtd or virsh is missing: run 'make deps' as root (libvirt-daemon, libvirt-clients)"
	exit 0
fi
rm -rf "$out"
. "$root/scripts/libvirtd-scratch.sh"
libvirtd_scratch "$out" && mkdir -p "$out/data" || exit 1
echo "\$ logtax run --jobs -o $out/data -- libvirtd -f libvirtd.conf   (log_level 1, test driver)"
echo "\$ virsh -c test+unix:///default?socket=... < $((rounds * 4)) commands (list --all, dominfo, net-list, pool-list)"
LIBVIRT_DRIVER_DIR=$out/drivers "$logtax" run --jobs -o "$out/data" -- "$daemon" -f "$out/libvirtd.conf" \
	--pid-file "$out/pid" >"$out/run.out" 2>&1 &
run=$!
for _ in $(seq 600); do
	[ -S "$out/sock/libvirt-sock" ] && [ -s "$out/pid" ] && break
	sleep 0.1
done
if [ ! -s "$out/pid" ]; then
	echo "demo: libvirtd did not start: $(tail -3 "$out/run.out")" >&2
	kill $run 2>/dev/null
	exit 1
fi
pid=$(cat "$out/pid")
for _ in $(seq "$rounds"); do
	printf 'list --all\ndominfo test\nnet-list\npool-list\n'
done | virsh -c "test+unix:///default?socket=$out/sock/libvirt-sock" >"$out/virsh.out" 2>&1
kill -TERM "$pid"
wait $run
f=$(ls "$out"/data/logtax.*.ltx 2>/dev/null | head -1)
if [ -z "$f" ]; then
	echo "demo: libvirtd left no data file: $(tail -3 "$out/run.out")" >&2
	exit 1
fi
echo "\$ logtax report $f   (its last tables)"
"$logtax" report "$f" | sed -n '/^Worker jobs/,$p'

# Exact: every thread but the main one (whose first calls come before
# libvirt's log output is set up) logged as many calls as libvirt wrote
# records with its thread id ("TIME: TID: LEVEL : ...").
written=$(awk -F': ' -v p="$pid" '/^[0-9][0-9][0-9][0-9]-/ && $2 != p { n[$2]++ } END { for (t in n) print t, n[t] }' \
	"$out/libvirtd.log" | sort)
counted=$("$root/build/libexec/logtax/logtax-analyze" report --format json "$f" |
	jq -r --arg p "$pid" '.threads[] | select(.kept > 0 and (.tid | tostring) != $p) | "\(.tid) \(.kept)"' | sort)
if [ "$written" != "$counted" ]; then
	echo "demo: libvirtd: calls per thread differ from the records libvirt wrote:" >&2
	diff <(echo "$written") <(echo "$counted") >&2
	exit 1
fi
echo
echo "Each of the $(wc -l <<<"$counted") other threads made exactly as many calls as libvirt wrote records for it."
