#!/usr/bin/env bash
# Memory over attach/detach cycles: test-programs/attach-stress, THREADS
# threads logging without pause (default 8), attached (dlopen and
# logtax_attach, as the injector does) and detached (logtax ctl PID
# detach) CYCLES times (default 20). After each detach, once the control
# thread has ended: the process's VmRSS and VmSize, its mapping count
# (/proc/PID/maps lines: the kernel merges neighbouring anonymous
# mappings, so this one barely moves either way), its threads; and, from
# `logtax ctl PID status` just before the detach, the bytes the shim had
# mapped and the earlier attaches' thread states it still held ("-" for a
# shim that does not say). Growth per cycle per thread: the last cycle
# minus the second, over (cycles - 2) and threads (the first attach maps
# the shim's own start-up state once).
. "$(dirname "$0")/lib.sh"
threads=${BENCH_CYCLE_THREADS:-8}
cycles=${BENCH_CYCLES:-20}
LOGTAX=$B/bin/logtax
export LEGACYLOG_MODE=fast
out=$BT/cycles
mkdir -p "$out"
ATTACH_SHIM=$SHIM ATTACH_SETTINGS="LOGTAX_OUTPUT=$out
LOGTAX_SNAPSHOT=0
" "$B/test-programs/attach-stress" "$threads" "$cycles" "$out" >"$out/stdout" 2>"$out/stderr" &
apid=$!
echo "## Memory over attach/detach cycles"
echo "command: bench/b-attach-cycles.sh (BENCH_CYCLE_THREADS=$threads BENCH_CYCLES=$cycles): attach-stress $threads $cycles"
printf '%6s %10s %10s %8s %8s %14s %6s\n' cycle "VmRSS kB" "VmSize kB" maps threads "shim mapped" stale
for c in $(seq "$cycles"); do
	while [ ! -e "$out/attached.$c" ]; do
		kill -0 "$apid" 2>/dev/null || { echo "b-attach-cycles: attach-stress ended: $(tail -n 3 "$out/stderr")"; exit 1; }
		sleep 0.01
	done
	"$LOGTAX" ctl "$apid" status >"$out/status" 2>/dev/null
	sb=$(sed -n 's/^mapped: \([0-9]*\) bytes$/\1/p' "$out/status")
	st=$(sed -n "s/^earlier attaches' thread states: \([0-9]*\) held.*/\1/p" "$out/status")
	"$LOGTAX" ctl "$apid" detach >/dev/null 2>&1 || { echo "b-attach-cycles: detach $c failed"; exit 1; }
	for _ in $(seq 200); do [ "$(ls "/proc/$apid/task" | wc -l)" -le $((threads + 1)) ] && break; sleep 0.01; done
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$apid/status")
	vsz=$(awk '$1 == "VmSize:" { print $2 }' "/proc/$apid/status")
	maps=$(wc -l <"/proc/$apid/maps")
	nt=$(ls "/proc/$apid/task" | wc -l)
	printf '%6s %10s %10s %8s %8s %14s %6s\n' "$c" "$rss" "$vsz" "$maps" "$nt" "${sb:--}" "${st:--}" | tee -a "$out/table"
	touch "$out/detached.$c"
done
wait "$apid"
echo "attach-stress: $(tail -n 1 "$out/stdout")"
awk -v t="$threads" -v n="$cycles" 'NR == 2 { r = $2; v = $3; m = $4 } END { if (n > 2)
	printf "growth per cycle per thread (cycle 2 to %d): %.1f kB VmRSS, %.1f kB VmSize, %.2f mappings\n", n, ($2 - r) / (n - 2) / t, ($3 - v) / (n - 2) / t, ($4 - m) / (n - 2) / t }' "$out/table"
