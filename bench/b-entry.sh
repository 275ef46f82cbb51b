#!/usr/bin/env bash
# What logtax adds to one call it reaches by entry patching (issue 11),
# beside the same figure for a call through a PLT/GOT entry: nanoseconds
# (medians of interleaved runs) and instructions (callgrind).
# Entry path: bench/percall-direct, direct_log called directly inside the
# executable, hooked (LOGTAX_PATCH=entry LOGTAX_HOOK=direct_log:...).
# GOT path: bench/percall, legacy_log through liblegacylog.so's PLT entry.
# Both calls are a filtered-out call of ~2.5 ns alone. Until entry patching
# is wired into the shim, this prints that it is skipped.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-11}
calls=${BENCH_CALLS:-2000000}
DIRECT=$B/bench/percall-direct
modes="off sample:64 all drop"
export LEGACYLOG_MODE=fast
entry() { LOGTAX_PATCH=entry LOGTAX_HOOK='direct_log:name=1:level=2' "$@"; }

echo "## Per-call cost, entry patching beside GOT patching"
echo "command: bench/b-entry.sh (BENCH_RUNS=$runs BENCH_CALLS=$calls); each run: percall[-direct] $calls 5"
# Wired? One short run must count all of direct_log's calls (1,000 + 101 warm-up).
mkdir -p "$BT/probe"
LOGTAX_OUTPUT=$BT/probe entry env LD_PRELOAD="$SHIM" "$DIRECT" 1000 1 >/dev/null 2>"$BT/probe.err"
n=$(find "$BT/probe" -name 'logtax.*.ltx' -exec "$B/libexec/logtax/logtax-analyze" report --format json {} + 2>/dev/null |
	jq '[.keys[] | select(.entry == "direct_log") | .calls] | add // 0' 2>/dev/null)
if [ "${n:-0}" != 1101 ]; then
	echo "skipped: entry patching does not count direct_log here (counted ${n:-0} of 1101 calls): not wired yet?"
	exit 0
fi

for r in $(seq "$runs"); do
	for m in bare $modes; do
		echo "got $m $(with_mode "$m" "$PERCALL" "$calls" 5)" >>"$BT/ns"
		echo "entry $m $(entry with_mode "$m" "$DIRECT" "$calls" 5)" >>"$BT/ns"
	done
done
printf '%-10s %14s %14s %14s %14s\n' mode "GOT: +ns" "GOT: +instr" "entry: +ns" "entry: +instr"
median() { awk -v p="$1" -v m="$2" '$1 == p && $2 == m { print $3 }' "$BT/ns" | stats | cut -d' ' -f1; }
got_ns0=$(median got bare) entry_ns0=$(median entry bare)
got_ir0=$(callgrind_per_call 100000 bare)
entry_ir0=$(PERCALL=$DIRECT callgrind_per_call 100000 bare)
for m in $modes; do
	got_ir=$(callgrind_per_call 100000 "$m")
	entry_ir=$(PERCALL=$DIRECT entry callgrind_per_call 100000 "$m")
	printf '%-10s %14.2f %14.1f %14.2f %14.1f\n' "$m" \
		"$(echo "$(median got "$m") - $got_ns0" | bc -l)" "$(echo "$got_ir - $got_ir0" | bc -l)" \
		"$(echo "$(median entry "$m") - $entry_ns0" | bc -l)" "$(echo "$entry_ir - $entry_ir0" | bc -l)"
done
echo "(bare: $got_ns0 ns per call through the PLT, $entry_ns0 ns per direct call, without logtax;"
echo " modes: off = count only; sample:64 = the default; all = time every call; drop = a rule drops every call)"
