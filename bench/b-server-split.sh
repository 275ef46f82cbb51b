#!/usr/bin/env bash
# Where ab --server's prediction on req-daemon falls short, without logtax:
# req-daemon's legacy_log replaced by bench/spincall.c (each debug call
# spins a fixed number of TSC ticks and adds up the time measured inside
# it, as the shim's timed windows do). Arm A keeps the debug calls, B
# returns from them at once; the daemon's CPU (schedstat, read after the
# load) saved by B is set against the time measured inside the calls.
# The same spin per request is run as 100 short calls and as 10 long ones:
# a cost that lands outside the calls per call shows as an excess that
# grows with the calls, not with the time. Figures only; a failed run
# exits 1.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-5}
D=$B/test-programs/req-daemon
if [ "$(uname -m)" != x86_64 ]; then
	echo "## req-daemon with a spinning stand-in for legacy_log: skipped (reads the TSC: x86-64 only)"
	exit 0
fi
${CC:-cc} -O2 -shared -fPIC -o "$BT/spincall.so" "$ROOT/bench/spincall.c" || exit 1

# one_run PER TICKS DROP: "cpu_ns inside_ns" of the daemon (with $sys) for 1,000 requests
one_run() {
	local s=$BT/s.$RANDOM pid cpu
	LD_PRELOAD=$BT/spincall.so SPINCALL_TICKS=$2 SPINCALL_DROP=$3 SPINCALL_SYSCALL=$sys "$D" "$s" "$1" 2>"$BT/err" &
	pid=$!
	for _ in $(seq 500); do [ -S "$s" ] && break; sleep 0.01; done
	"$D" client "$s" 1000 || { kill "$pid"; return 1; }
	read -r cpu _ <"/proc/$pid/schedstat"
	kill -TERM "$pid"
	wait "$pid" || return 1
	echo "$cpu $(sed -n 's/^spincall: .*inside_ns=//p' "$BT/err")"
}

echo "## req-daemon, debug calls replaced by a fixed TSC spin, no logtax: daemon CPU saved vs time inside the calls"
echo "command: bench/b-server-split.sh (BENCH_RUNS=$runs), 1,000 requests, medians"
printf '  %-26s %10s %10s %10s %12s %10s %14s\n' "calls per request x ticks" "A CPU" "B CPU" "saved" "inside calls" "excess" "excess per call"
for cfg in "100 3000 0" "10 30000 0" "100 3000 1"; do
	read -r per ticks sys <<<"$cfg"
	label="$per x $ticks"
	[ "$sys" = 1 ] && label="$label + gettid"
	: >"$BT/a"; : >"$BT/b"; : >"$BT/i"; : >"$BT/x"
	for _ in $(seq "$runs"); do
		a=$(one_run "$per" "$ticks" 0) && b=$(one_run "$per" "$ticks" 1) ||
			{ echo "b-server-split: a run failed" >&2; exit 1; }
		read -r a_cpu inside <<<"$a"
		read -r b_cpu _ <<<"$b"
		echo "$a_cpu" >>"$BT/a"; echo "$b_cpu" >>"$BT/b"; echo "$inside" >>"$BT/i"
		echo "$a_cpu $b_cpu $inside" | awk '{ print $1 - $2 - $3 }' >>"$BT/x" # excess, per pair of runs
	done
	read -r am _ < <(stats <"$BT/a"); read -r bm _ < <(stats <"$BT/b")
	read -r im _ < <(stats <"$BT/i"); read -r xm _ < <(stats <"$BT/x")
	awk -v c="$label" -v a="$am" -v b="$bm" -v x="$xm" -v i="$im" -v n="$per" 'BEGIN {
		printf "  %-26s %7.1f ms %7.1f ms %7.1f ms %9.1f ms %7.1f ms %11.0f ns\n", c, a / 1e6, b / 1e6, (a - b) / 1e6, i / 1e6, x / 1e6, x / (n * 1000) }'
done
