# Trace mode (LOGTAX_TRACE / logtax run --trace N): each thread records
# every logging call and every event-loop wait; the counts are exact, and
# when the ring is too small the overwritten events are counted exactly and
# the newest N are kept. Large rings are written in several records.
. "$(dirname "$0")/../lib.sh"
[ "$(uname -m)" = x86_64 ] || skip_by_design "x86-64 only"
export LEGACYLOG_MODE=fast

trace_run() { # outdir, N, demo args...
	local out=$1 n=$2
	shift 2
	mkdir -p "$out"
	"$LOGTAX" run -o "$out" --trace "$n" -- "$@" >"$out/stdout" 2>"$out/stderr" || fail "trace $n: $(cat "$out/stderr")"
	"$ANALYZE" dump "$(one_file "$out")" >"$out/dump"
}
field() { # dump, record, field: values of field= in lines of that record
	awk -v r="$2" -v f="$3" '$1 == r { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$1"
}

iters=20 nfds=10
for n in 1000 100 1; do
	out=$T/t$n
	trace_run "$out" $n "$TP/evloop-demo" $iters $nfds
	calls=$(program_calls_by_source "$out/stdout" | awk '{ s += $2 } END { print s }')
	recorded=$((calls + iters))
	kept=$((recorded < n ? recorded : n))
	expect_eq "$(field "$out/dump" trace recorded)" "$recorded" "trace $n: events recorded (calls + waits)"
	expect_eq "$(field "$out/dump" trace overwritten)" $((recorded - kept)) "trace $n: events overwritten"
	expect_eq "$(field "$out/dump" trace events)" "$kept" "trace $n: events kept"
	expect_eq "$(field "$out/dump" trace capacity)" "$n" "trace $n: capacity"
	expect_eq "$(grep -c '^event ' "$out/dump")" "$kept" "trace $n: event lines"
	grep '^event .*kind=call' "$out/dump" | grep -q 'key=-1' && fail "trace $n: a call without its key"
	grep '^event .*kind=wait' "$out/dump" | grep -vq 'key=-1' && fail "trace $n: a wait with a key"
	grep -q 'time_mode=2' "$out/dump" || fail "trace $n: not every call timed"
done
# The ring big enough: every call and wait is there, by kind.
expect_eq "$(grep -c '^event .*kind=call' "$T/t1000/dump")" "$(program_calls_by_source "$T/t1000/stdout" | awk '{ s += $2 } END { print s }')" "trace: call events"
expect_eq "$(grep -c '^event .*kind=wait' "$T/t1000/dump")" $iters "trace: wait events"
# The last event kept is the last one recorded: the final iteration's dispatch.
expect_eq "$(grep '^event ' "$T/t1/dump" | awk '{ print $5 }')" "kind=call" "trace 1: the newest event is kept"
"$ANALYZE" report "$(one_file "$T/t100")" >"$T/report"
expect_grep "100 events kept of $((calls + iters)) recorded ($((calls + iters - 100)) overwritten; the ring holds 100)" "$T/report" "report: trace totals"

# More than one record's worth (32768 events): chunks 0..3, all kept events written.
out=$T/big
trace_run "$out" 100000 "$TP/evloop-demo" 100 500
expect_eq "$(field "$out/dump" trace chunk | tr '\n' ' ')" "0 1 2 3 " "big trace: chunks"
expect_eq "$(field "$out/dump" trace events | awk '{ s += $1 } END { print s }')" 100000 "big trace: events kept"
calls=$(program_calls_by_source "$out/stdout" | awk '{ s += $2 } END { print s }')
expect_eq "$(field "$out/dump" trace recorded | sort -u)" $((calls + 100)) "big trace: recorded"

# Threads: one trace per thread that logged, each exact.
out=$T/threads
trace_run "$out" 5000 "$TP/threads-demo" 3 1000
expect_eq "$(field "$out/dump" trace recorded | sort | tr '\n' ' ')" "1000 1000 1000 " "threads: events per thread"
exit 0
