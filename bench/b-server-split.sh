#!/usr/bin/env bash
# Where ab --server's prediction on req-daemon falls short, without logtax:
# bench/callwrap.c times each of req-daemon's legacy_log calls between two
# TSC reads and nothing more; arm A keeps the debug calls, B returns from
# them at once, and the daemon's CPU saved by B (schedstat, read after the
# load) is set against the time measured inside the calls. Once with
# liblegacylog's gettid system call in every call, once with the thread id
# cached (LEGACYLOG_TID=cached). Then the cost a system call leaves to the
# code after it (bench/after-syscall.c). Figures only; a failed run exits 1.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-5}
D=$B/test-programs/req-daemon
if [ "$(uname -m)" != x86_64 ]; then
	echo "## req-daemon, its calls timed with no logtax: skipped (reads the TSC: x86-64 only)"
	exit 0
fi
${CC:-cc} -O2 -shared -fPIC -o "$BT/callwrap.so" "$ROOT/bench/callwrap.c" -ldl || exit 1

# one_run TID DROP: "cpu_ns inside_ns" of the daemon for 1,000 requests
one_run() {
	local s=$BT/s.$RANDOM pid cpu
	LD_PRELOAD=$BT/callwrap.so LEGACYLOG_TID=$1 CALLWRAP_DROP=$2 "$D" "$s" 100 2>"$BT/err" &
	pid=$!
	for _ in $(seq 500); do [ -S "$s" ] && break; sleep 0.01; done
	"$D" client "$s" 1000 || { kill "$pid"; return 1; }
	read -r cpu _ <"/proc/$pid/schedstat"
	kill -TERM "$pid"
	wait "$pid" || return 1
	echo "$cpu $(sed -n 's/^callwrap: .*inside_ns=//p' "$BT/err")"
}

echo "## req-daemon, 100 debug calls per request, no logtax: daemon CPU saved vs time inside the calls"
echo "command: bench/b-server-split.sh (BENCH_RUNS=$runs), 1,000 requests, medians"
printf '  %-26s %10s %10s %10s %12s %10s %14s\n' "thread id per line" "A CPU" "B CPU" "saved" "inside calls" "excess" "excess per call"
# The two kinds interleaved run by run, so that both see the same machine.
for tid in syscall cached; do : >"$BT/a.$tid"; : >"$BT/b.$tid"; : >"$BT/i.$tid"; : >"$BT/x.$tid"; done
for _ in $(seq "$runs"); do
	for tid in syscall cached; do
		a=$(one_run "$tid" 0) && b=$(one_run "$tid" 1) || { echo "b-server-split: a run failed" >&2; exit 1; }
		read -r a_cpu inside <<<"$a"
		read -r b_cpu _ <<<"$b"
		echo "$a_cpu" >>"$BT/a.$tid"; echo "$b_cpu" >>"$BT/b.$tid"; echo "$inside" >>"$BT/i.$tid"
		echo "$a_cpu $b_cpu $inside" | awk '{ print $1 - $2 - $3 }' >>"$BT/x.$tid" # excess, per pair of runs
	done
done
for tid in syscall cached; do
	read -r am _ < <(stats <"$BT/a.$tid"); read -r bm _ < <(stats <"$BT/b.$tid")
	read -r im _ < <(stats <"$BT/i.$tid"); read -r xm _ < <(stats <"$BT/x.$tid")
	awk -v c="$tid" -v a="$am" -v b="$bm" -v x="$xm" -v i="$im" 'BEGIN {
		printf "  %-26s %7.1f ms %7.1f ms %7.1f ms %9.1f ms %7.1f ms %11.0f ns\n", c, a / 1e6, b / 1e6, (a - b) / 1e6, i / 1e6, x / 1e6, x / 1e5 }'
done

echo
echo "## what a system call costs the code after it: cycles to read a line in each of P pages (bench/after-syscall.c)"
echo "command: bench/b-server-split.sh; PTI: $(cat /sys/devices/system/cpu/vulnerabilities/meltdown 2>/dev/null || echo unknown), pcid flag: $(grep -qw pcid /proc/cpuinfo && echo yes || echo no)"
${CC:-cc} -O2 -o "$BT/after-syscall" "$ROOT/bench/after-syscall.c" || exit 1
printf '  %5s %16s %22s %16s\n' pages "no call before" "right after gettid" "extra per page"
"$BT/after-syscall" 1 4 8 16 | awk '{ printf "  %5d %16d %22d %16.0f\n", $1, $2, $3, ($3 - $2) / $1 }'
