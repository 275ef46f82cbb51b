# limit:rate.tick:100/s on rate-demo, which logs 300 calls in each of 4
# seconds of CLOCK_MONOTONIC (only in the middle of each second, so no call
# is near a window's edge: the windows are whole seconds of that clock) and
# says which second each call fell in. In each second the library received
# exactly min(100, the calls the program made in it); logtax's kept and
# dropped totals are exactly the received calls and the rest.
. "$(dirname "$0")/../lib.sh"

out=$T/run
mkdir -p "$out"
LEGACYLOG_MODE=fast LEGACYLOG_LEVEL=debug LEGACYLOG_OUTPUT=$out/log LOGTAX_FILTER=limit:rate.tick:100/s \
	LOGTAX_OUTPUT=$out LD_PRELOAD=$SHIM "$TP/rate-demo" 300 4 >"$out/stdout" 2>"$out/stderr" ||
	fail "rate-demo failed: $(cat "$out/stderr")"
[ -s "$out/stderr" ] && fail "unexpected warnings: $(cat "$out/stderr")"
f=$(one_file "$out")
edge=$(sed -n 's/^rate-demo: edge=//p' "$out/stdout")
total=$(sed -n 's/.*calls source=rate.tick count=//p' "$out/stdout")
[ -n "$total" ] || fail "rate-demo printed no count"
# Received per second: the library's lines carry the second ("sec=S").
got=$(sed -n 's/.*tick sec=\([0-9]*\) .*/\1/p' "$out/log" | sort | uniq -c | awk '{ print $2, $1 }')
if [ "$edge" = 0 ]; then
	want=$(sed -n 's/^rate-demo: second sec=\([0-9]*\) calls=\([0-9]*\)$/\1 \2/p' "$out/stdout" |
		awk '$2 > 0 { print $1, ($2 < 100 ? $2 : 100) }')
	expect_same "$want" "$got" "calls received per second"
else
	# The machine stalled the program near a second's edge: that call's
	# second is not known, so only the bound is checked for each second.
	note "$edge calls came near a second's edge: checking the bound only"
	echo "$got" | awk '$2 > 100 { exit 1 }' || fail "more than 100 calls received in a second: $got"
fi
kept=$(wc -l <"$out/log")
expect_eq "$(csv_actions "$f")" "rate.tick debug drop $((total - kept))
rate.tick debug keep $kept" "kept and dropped totals"
