# A multi-threaded process whose first logging call is made in a signal
# handler that interrupted malloc: the shim must not start its control
# thread there (pthread_create allocates and takes locks the interrupted
# code may hold; it hung about half of such runs before). 100 runs, each
# killed after 20 s: none may hang, every call is counted exactly. Then
# `logtax ctl` reaches such a process (its thread started from a later
# wait), and it ends normally.
. "$(dirname "$0")/../lib.sh"

p=$TP/unwind/sigfirst-demo
[ -x "$p" ] || fail "$p not built"
export LOGTAX_HOOK='block_log:name=1:level=2'
mkdir -p "$T/runs"
for i in $(seq 100); do
	LOGTAX_OUTPUT=$T/runs LD_PRELOAD=$SHIM timeout -s KILL 20 "$p" quick 5 >"$T/out.$i" 2>"$T/err.$i" ||
		fail "run $i: exit status $? (137: hung and killed) $(cat "$T/err.$i")"
done
expect_eq "$(find "$T/runs" -name 'logtax.*.ltx' | wc -l)" 100 "data files"
want=$(cat "$T"/out.* | program_calls_full /dev/stdin | awk '{ n[$1 " " $2 " " $3 " " $4] += $5 } END { for (k in n) print k, n[k] }' | sort)
expect_eq "$(csv_calls_full "$T"/runs/logtax.*.ltx)" "$want" "calls over the 100 runs"

mkdir -p "$T/ctl"
LOGTAX_OUTPUT=$T/ctl LD_PRELOAD=$SHIM "$p" wait 5 "$T/ready" "$T/stop" >"$T/ctl/stdout" 2>&1 &
pid=$!
trap 'touch "$T/stop"; sleep 1; kill -9 $pid 2>/dev/null; wait; rm -rf "$T"' EXIT
for i in $(seq 300); do [ -e "$T/ready" ] && break; sleep 0.1; done
[ -e "$T/ready" ] || fail "wait mode: never ready: $(cat "$T/ctl/stdout")"
ok=
for i in $(seq 30); do
	"$LOGTAX" ctl --timeout 2 $pid status >"$T/status" 2>&1 && { ok=1; break; }
	sleep 0.5
done
[ -n "$ok" ] || fail "logtax ctl did not reach the process: $(cat "$T/status")"
expect_grep "^generation: 0$" "$T/status" "ctl status"
touch "$T/stop"
wait $pid || fail "wait mode: exit status $?"
expect_same_calls "$(one_file "$T/ctl")" "$T/ctl/stdout" "wait mode"
