#!/usr/bin/env bash
# What the shim adds to one wait (instructions, callgrind): a poll that
# returns at once (an event-loop iteration), and a pthread_cond_timedwait
# whose deadline has passed, with --jobs off (the default: the wrapper only
# passes the call on) and on (the wait ends a job). Per wait: the
# difference between runs of 1,000 and 11,000 waits, over 10,000.
. "$(dirname "$0")/lib.sh"
W=$B/bench/waits
count() { # kind n [env...]
	local kind=$1 n=$2
	shift 2
	env "$@" valgrind --tool=callgrind --callgrind-out-file="$BT/cg.out" "$W" "$kind" "$n" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_wait() { # kind [env...]
	local a b
	a=$(count "$1" 1000 "${@:2}")
	b=$(count "$1" 11000 "${@:2}")
	echo "scale=1; ($b - $a) / 10000" | bc
}
echo "## Per-wait cost (instructions, callgrind)"
echo "command: bench/b-waits.sh"
printf '%-22s %10s %10s %12s\n' wait bare "+ shim" "+ shim --jobs"
for kind in poll cond; do
	bare=$(per_wait $kind)
	off=$(per_wait $kind LOGTAX_OUTPUT="$BT" LD_PRELOAD="$SHIM")
	on=$(per_wait $kind LOGTAX_OUTPUT="$BT" LD_PRELOAD="$SHIM" LOGTAX_JOBS=1)
	printf '%-22s %10s %10s %12s\n' "$kind" "$bare" "+$(echo "$off - $bare" | bc)" "+$(echo "$on - $bare" | bc)"
done
