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
# the shim's own start-up state once). Then Debian's libvirtd, with
# `logtax attach` and `logtax detach`, and without (its own growth).
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

# The same with `logtax attach` / `logtax detach` on Debian's libvirtd (the
# test driver, on a private socket), 20 rounds of four virsh commands per
# cycle; and, for its own growth, the same loads without attaching.
daemon=/usr/sbin/libvirtd
if [ ! -x "$daemon" ] || ! command -v virsh >/dev/null || [ ! -x "$B/libexec/logtax/logtax-attach" ]; then
	echo "(libvirtd, virsh or the injector missing: libvirtd part left out)"
	exit 0
fi
. "$ROOT/scripts/libvirtd-scratch.sh"
lv_cycles() { # attach|none -> table rows
	local d=$BT/lv.$1 c
	libvirtd_scratch "$d" && mkdir -p "$d/out" || return 1
	LIBVIRT_DRIVER_DIR=$d/drivers "$daemon" -f "$d/libvirtd.conf" --pid-file "$d/pid" >"$d/daemon.out" 2>&1 &
	local run=$!
	while [ ! -S "$d/sock/libvirt-sock" ] || [ ! -s "$d/pid" ]; do sleep 0.1; done
	local pid uri
	pid=$(cat "$d/pid")
	uri="test+unix:///default?socket=$d/sock/libvirt-sock"
	load() { for _ in $(seq "$1"); do printf 'list --all\ndominfo test\nnet-list\npool-list\n'; done | virsh -c "$uri" >/dev/null 2>&1; }
	load 5
	for c in $(seq "$cycles"); do
		[ "$1" = none ] || "$LOGTAX" attach -o "$d/out" "$pid" >/dev/null 2>&1 || echo "attach $c failed"
		load 20
		local sb=- st=-
		if [ "$1" != none ]; then
			"$LOGTAX" ctl "$pid" status >"$d/status" 2>/dev/null
			sb=$(sed -n 's/^mapped: \([0-9]*\) bytes$/\1/p' "$d/status")
			st=$(sed -n "s/^earlier attaches' thread states: \([0-9]*\) held.*/\1/p" "$d/status")
			"$LOGTAX" detach "$pid" >/dev/null 2>&1 || echo "detach $c failed"
		fi
		sleep 0.3
		printf '%6s %10s %10s %8s %8s %14s %6s\n' "$c" "$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status")" \
			"$(awk '$1 == "VmSize:" { print $2 }' "/proc/$pid/status")" "$(wc -l <"/proc/$pid/maps")" \
			"$(ls "/proc/$pid/task" | wc -l)" "${sb:--}" "${st:--}"
	done
	kill "$run"
	wait "$run" 2>/dev/null
}
for how in attach none; do
	echo
	echo "libvirtd, $cycles cycles of 20 virsh rounds, $([ $how = none ] && echo "never attached" || echo "logtax attach / logtax detach around each")"
	printf '%6s %10s %10s %8s %8s %14s %6s\n' cycle "VmRSS kB" "VmSize kB" maps threads "shim mapped" stale
	lv_cycles $how | tee "$BT/lv.$how.table"
	awk -v n="$cycles" 'NR == 2 { r = $2; v = $3 } END { if (n > 2)
		printf "growth per cycle (cycle 2 to %d): %.0f kB VmRSS, %.0f kB VmSize\n", n, ($2 - r) / (n - 2), ($3 - v) / (n - 2) }' "$BT/lv.$how.table"
done
