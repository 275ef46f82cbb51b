# The estimator's two kinds of once-counted windows, on a program where 8
# calls of 20,008 take milliseconds (a 16 MiB argument formatted each time):
# - every call timed: each of those windows is over 2^18 ticks (KEY_ONCE
#   tail_timed = 8) and the estimate is the measured sum;
# - sampled: the key's first call is timed anyway, so the rare slow source is
#   measured (its estimate is at least 8 x 100 us) instead of borrowing the
#   fast calls' mean;
# the thread's busy periods are sampled for CPU time (THREAD_CPU), and each
# key's calls before the first wait are recorded (KEY_PRE).
. "$(dirname "$0")/../lib.sh"

slow_key() { awk '/^key / && /name=tail.slow$/ { print $2; exit }' "$1"; }
field() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" <<<"$1"; }

for time in all sample:64; do
	out=$T/${time%%:*}
	mkdir -p "$out"
	"$LOGTAX" run --time "$time" -o "$out" -- "$TP/tail-demo" 20000 8 >"$out/stdout" 2>"$out/stderr" ||
		fail "$time: tail-demo failed: $(cat "$out/stderr")"
	f=$(one_file "$out")
	expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$out/stdout")" "$time: calls per source"
	"$ANALYZE" dump "$f" >"$out/dump" || fail "$time: dump failed"
	k=$(slow_key "$out/dump")
	[ -n "$k" ] || fail "$time: no key for tail.slow"
	once=$(grep "^once $k " "$out/dump")
	[ -n "$once" ] || fail "$time: no once-counted windows for the slow key"
	if [ "$time" = all ]; then
		expect_eq "$(field "$once" tail_timed)" 8 "all: long windows of the slow key"
	else
		grep -q "^once $k .*first=[0-9]" <<<"$once" || fail "sampled: the slow key's first call was not timed"
	fi
	est=$(csv_awk '$c["source"] == "tail.slow" { n += $c["est_ns"] } END { print n + 0 }' "$f")
	expect_ge "$est" 800000 "$time: estimated time of the slow source (ns)"
	# Each source's first call came before the first wait (KEY_PRE): one each.
	expect_eq "$(grep -c '^pre .* calls=1$' "$out/dump")" 2 "$time: keys with one call before the loop"
	expect_grep "^pre $k calls=1$" "$out/dump" "$time: the slow key's call before the loop"
	cpu=$(grep '^threadcpu 0 ' "$out/dump")
	[ -n "$cpu" ] || fail "$time: no CPU sample of busy periods"
	samples=$(field "$cpu" samples)
	expect_ge "$samples" 10 "$time: busy periods sampled for CPU time (200 waits, 1 in 16)"
done
