# liblegacylog's LEGACYLOG_TID: each formatted line carries the thread id
# of the thread that logged it, whether the id is asked of the kernel per
# line (syscall, the default) or once per thread (cached, the control of
# bench/b-server-ab.sh); a bad value is reported and the default used.
# Counts come from threads-demo's own tally.
. "$(dirname "$0")/../lib.sh"

cd "$T" || fail "cd"
THREADS=4
CALLS=200
for mode in syscall cached bogus; do
	log=$T/log.$mode
	LEGACYLOG_OUTPUT=$log LEGACYLOG_LEVEL=debug LEGACYLOG_TID=$mode "$TP/threads-demo" $THREADS $CALLS \
		>"$T/out.$mode" 2>"$T/err.$mode" || fail "$mode: threads-demo failed: $(cat "$T/err.$mode")"
	total=$(sed -n 's/^threads-demo: total count=//p' "$T/out.$mode")
	expect_eq "$total" $((THREADS * CALLS)) "$mode: calls threads-demo counted"
	expect_eq "$(wc -l <"$log")" "$total" "$mode: one line per call"
	# "timestamp: tid: priority : source : ..." -> "source tid", once per pair
	awk -F': ' '{ split($0, f, " : "); print f[2], $2 }' "$log" | sort -u >"$T/pairs.$mode"
	expect_eq "$(wc -l <"$T/pairs.$mode")" $THREADS "$mode: each thread's source with one thread id"
	expect_eq "$(cut -d' ' -f2 "$T/pairs.$mode" | sort -u | wc -l)" $THREADS "$mode: a different id per thread"
	pid=$(awk -F': ' 'NR == 1 { print $2 }' "$log")
	[ "$pid" -gt 0 ] 2>/dev/null || fail "$mode: thread id '$pid' is not a number"
done
expect_eq "$(grep -c "unknown LEGACYLOG_TID 'bogus'" "$T/err.bogus")" 1 "a bad LEGACYLOG_TID reported once"
[ -s "$T/err.cached" ] && fail "cached: unexpected stderr: $(cat "$T/err.cached")"
exit 0
