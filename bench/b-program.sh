#!/usr/bin/env bash
# Whole-program overhead: wall time with logtax in its default mode over wall
# time without it, runs alternating, median of the pairwise ratios, for
#   evloop-demo 2,000 x 500 fds, fast mode (a cheap logging call: the worst
#     case for relative overhead) and ringbuffer mode (libvirt before 2014);
#   libvirt-evloop 1,000 x 500 fds: Debian's libvirt 9.0 event loop, its
#     debug output off (about 1,001 virLogMessage calls per iteration).
# Start-up (the shim's calibration, ~1 ms) and writing the data file are in.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-11}
tp=$B/test-programs

# Seconds of one run of "$@", with the environment given as VAR=VALUE
# words first; bash's own clock, so no timing process carries the shim.
wall() {
	local env=() s e
	while [[ $1 == *=* ]]; do
		env+=("$1")
		shift
	done
	s=$EPOCHREALTIME
	env "${env[@]}" "$@" >/dev/null 2>&1
	e=$EPOCHREALTIME
	echo "$e - $s" | bc -l
}
shimmed=(LOGTAX_TIME=sample:64 "LOGTAX_OUTPUT=$BT" "LD_PRELOAD=$SHIM")

row() { # label, command...
	local label=$1
	shift
	: >"$BT/ratios"
	: >"$BT/a"
	: >"$BT/b"
	for r in $(seq "$runs"); do
		a=$(wall "$@")
		b=$(wall "${shimmed[@]}" "$@")
		echo "$a" >>"$BT/a"
		echo "$b" >>"$BT/b"
		echo "$b / $a" | bc -l >>"$BT/ratios"
	done
	read -r med q1 q3 n < <(stats <"$BT/ratios")
	printf '%-34s %10.4f %10.4f %10.4f %7.4f-%.4f\n' "$label" "$(stats <"$BT/a" | cut -d' ' -f1)" \
		"$(stats <"$BT/b" | cut -d' ' -f1)" "$med" "$q1" "$q3"
}

echo "## Whole program"
echo "command: bench/b-program.sh (BENCH_RUNS=$runs)"
printf '%-34s %10s %10s %10s %14s\n' program "bare s" "logtax s" "ratio" "ratio q1-q3"
LEGACYLOG_MODE=fast row "evloop-demo 2000 500, fast" "$tp/evloop-demo" 2000 500
LEGACYLOG_MODE=ringbuffer row "evloop-demo 2000 500, ringbuffer" "$tp/evloop-demo" 2000 500
if [ -x "$tp/libvirt-evloop" ]; then
	row "libvirt-evloop 1000 500" "$tp/libvirt-evloop" 1000 500
else
	echo "skipped: libvirt-evloop (not built: libvirt-dev missing)"
fi
