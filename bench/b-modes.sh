#!/usr/bin/env bash
# What the optional modes of issue 5 add to one logging call: stacks at
# several rates, trace mode; against the same call counted only (sample:64,
# the default) and timed (all). Same method as b-percall.sh: medians of
# interleaved runs for ns, callgrind for instructions. The call site is
# bench_loop -> legacy_log, about 6 frames deep: a stack costs more in a
# deeper program (libunwind's work grows with the frames).
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-11}
calls=${BENCH_CALLS:-2000000}
modes=${BENCH_MODES:-"bare sample:64 sample:64,stacks=16:1024 sample:64,stacks=16:64 sample:64,stacks=16:1 all trace=4096 trace=1048576"}
export LEGACYLOG_MODE=fast

echo "## Per-call cost of stacks and trace mode"
echo "command: bench/b-modes.sh (BENCH_RUNS=$runs BENCH_CALLS=$calls); each run: percall $calls 5"
# shellcheck disable=SC2086
mode_table 26 $modes
echo "(stacks=D:N: a stack of up to D frames for 1 call in N; trace=N: every call timed and recorded"
echo " in a ring of N events per thread)"
