#!/usr/bin/env bash
# The shim's resident memory: with logtax minus without, after 1 and 8
# threads made 1,000,000 and then 10,000,000 calls each (one key per
# thread and level): the cost per thread, and that it does not grow with
# the number of calls. Then threads that come and go (a daemon starting a
# thread per request): 2 slots of test-programs/churn-demo, each running a
# chain of short-lived threads, 100,000 calls per slot in all: what the
# shim keeps must not grow with the number of threads (the first 64 exited
# threads are kept whole, later ones folded into one row and unmapped).
. "$(dirname "$0")/lib.sh"
export LEGACYLOG_MODE=fast PERCALL_RSS=1

runs=${BENCH_RUNS:-5}
# median VmRSS over runs
rss() { for r in $(seq "$runs"); do with_mode "$@" | awk '{ print $2 }'; done | stats | cut -d' ' -f1; }
echo "## Memory"
echo "command: bench/b-memory.sh (BENCH_RUNS=$runs); median VmRSS at the end of bench/percall, logtax minus bare"
printf '%-10s %12s %12s %12s %16s\n' threads calls "bare kB" "logtax kB" "added per thread"
for t in 1 8; do
	for c in 1000000 10000000; do
		b=$(rss bare "$PERCALL" "$c" 1 "$t")
		l=$(rss sample:64 "$PERCALL" "$c" 1 "$t")
		printf '%-10s %12s %12s %12s %13.0f kB\n' "$t" "$c" "$b" "$l" "$(echo "($l - $b) / $t" | bc -l)"
	done
done
echo "(includes the shim's code and data, shared by all threads, divided among them; VmRSS moves"
echo " by about 100 kB between identical runs, hence medians)"

echo
echo "threads that come and go: bench/b-memory.sh, test-programs/churn-demo 2 100000 CHAIN (median VmRSS at its end)"
printf '%-18s %12s %12s %12s\n' "threads in all" "bare kB" "logtax kB" "added kB"
CHURN=$B/test-programs/churn-demo
churn_rss() { for r in $(seq "$runs"); do with_mode "$@" | sed -n 's/^churn-demo: rss kB=//p'; done | stats | cut -d' ' -f1; }
for chain in 10 100 1000 5000; do
	b=$(churn_rss bare "$CHURN" 2 100000 "$chain")
	l=$(churn_rss sample:64 "$CHURN" 2 100000 "$chain")
	printf '%-18s %12s %12s %12s\n' "$((chain + 1))" "$b" "$l" "$(echo "$l - $b" | bc)"
done
