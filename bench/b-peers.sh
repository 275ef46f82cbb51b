#!/usr/bin/env bash
# What the tools a user would pick instead add to the same call, measured in
# the same run: uftrace (PLT hook of legacy_log), ltrace, a perf uprobe at
# legacy_log's entry, and logtax in its default mode. Wall time per call of
# bench/percall, medians of interleaved runs; a missing tool is skipped.
# (apt-get install uftrace ltrace linux-perf)
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-9}
export LEGACYLOG_MODE=fast
lib=$B/test-programs/liblegacylog.so

have_perf=0
if command -v perf >/dev/null && [ "$(id -u)" -eq 0 ]; then
	addr=$(nm -D "$lib" | awk '$3 == "legacy_log" { print $1 }')
	perf probe -q -d 'probe_liblegacylog:*' >/dev/null 2>&1
	perf probe -q -x "$lib" -a "ltentry=0x$addr" >/dev/null 2>&1 && have_perf=1
	trap 'perf probe -q -d "probe_liblegacylog:*" >/dev/null 2>&1; rm -rf "$BT"' EXIT
fi

# tool name, calls per run (fewer for the slow ones), command prefix
run_tool() {
	local name=$1 calls=$2
	shift 2
	"$@" "$PERCALL" "$calls" 3 2>/dev/null | tail -n 1
}
measure() { # name calls -> appends "name ns" lines
	local name=$1 calls=$2 ns
	case $name in
	bare) ns=$("$PERCALL" "$calls" 3) ;;
	logtax) ns=$(with_mode sample:64 "$PERCALL" "$calls" 3) ;;
	uftrace) ns=$(uftrace record -d "$BT/uftrace.data" -U '.*' -P 'legacy_log@.*' "$PERCALL" "$calls" 3 2>/dev/null) ;;
	ltrace) ns=$(ltrace -e legacy_log -o /dev/null "$PERCALL" "$calls" 3 2>/dev/null) ;;
	perf-uprobe) ns=$(perf stat -e probe_liblegacylog:ltentry -o /dev/null "$PERCALL" "$calls" 3 2>/dev/null) ;;
	esac
	[ -n "$ns" ] && echo "$name $ns" >>"$BT/peers"
}

tools="bare logtax"
command -v uftrace >/dev/null && tools="$tools uftrace" || echo "skipped: uftrace (not installed)"
command -v ltrace >/dev/null && tools="$tools ltrace" || echo "skipped: ltrace (not installed)"
[ $have_perf = 1 ] && tools="$tools perf-uprobe" || echo "skipped: perf uprobe (needs root and linux-perf)"

echo "## Against the peers"
echo "command: bench/b-peers.sh (BENCH_RUNS=$runs); wall time per call of bench/percall"
for r in $(seq "$runs"); do
	for t in $tools; do
		case $t in
		ltrace) measure "$t" 2000 ;;
		perf-uprobe) measure "$t" 20000 ;;
		uftrace) measure "$t" 200000 ;;
		*) measure "$t" 2000000 ;;
		esac
	done
done
# Added ns per run: each tool's figure minus the bare one of the same run
# (measured just before it), so that a run on a busier moment cancels out;
# the table gives the median of these differences, and the ratio of medians.
added_of() { # tool -> one difference per run
	awk -v t="$1" '$1 == "bare" { b[++nb] = $2 } $1 == t { v[++nv] = $2 }
		END { for (i = 1; i <= nv && i <= nb; i++) print v[i] - b[i] }' "$BT/peers"
}
own_added=$(added_of logtax | stats | cut -d' ' -f1)
printf '%-14s %14s %14s %18s %16s\n' tool "ns/call" "added ns" "added IQR" "x logtax's added"
for t in $tools; do
	m=$(awk -v t="$t" '$1 == t { print $2 }' "$BT/peers" | stats | cut -d' ' -f1)
	read -r added q1 q3 _ < <(added_of "$t" | stats)
	[ "$t" = bare ] && added=0 q1=0 q3=0
	# (logtax's added ns can come out at 0 or below on a noisy run: no ratio then)
	ratio=0
	[ "$t" != bare ] && [ "$(echo "$own_added > 0" | bc -l)" = 1 ] && ratio=$(echo "$added / $own_added" | bc -l)
	printf '%-14s %14.1f %14.1f %18s %16.0f\n' "$t" "$m" "$added" "$(printf '%.1f..%.1f' "$q1" "$q3")" "$ratio"
done
echo "(perf-uprobe: a probe at legacy_log's first instruction; the kernel may emulate or single-step it)"
