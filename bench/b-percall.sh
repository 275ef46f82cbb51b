#!/usr/bin/env bash
# What logtax adds to one logging call, in each time mode: nanoseconds
# (medians of interleaved runs: noise hits every mode alike) and
# instructions (callgrind: deterministic, the figure CI guards).
# The call: legacy_log of liblegacylog.so in fast mode, ~2.5 ns alone.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-11}
calls=${BENCH_CALLS:-2000000}
modes="bare off sample:64 all"
export LEGACYLOG_MODE=fast

echo "## Per-call cost"
echo "command: bench/b-percall.sh (BENCH_RUNS=$runs BENCH_CALLS=$calls); each run: percall $calls 5"
# shellcheck disable=SC2086
mode_table 12 $modes
echo "(modes: bare = no logtax; off = count only; sample:64 = the default; all = time every call)"
