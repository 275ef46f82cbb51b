# Per-key latency histograms: for every key the bucket counts add up to the
# number of its timed calls, in each time mode and with stacks on; a key
# never timed has none; the report shows p50/p99 per call site.
. "$(dirname "$0")/../lib.sh"
[ "$(uname -m)" = x86_64 ] || skip_by_design "x86-64 only"

check() { # what, dump
	# every timed key has a histogram whose counts sum to its timed calls
	awk -v what="$1" '
		$1 == "key" { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "timed") timed[$2] = kv[2] } }
		$1 == "hist" { if ($2 in sum) { print what ": key " $2 " has two histograms"; bad = 1 }
			for (i = 3; i <= NF; i++) sum[$2] += $i; nb[$2] = NF - 2 }
		END {
			for (k in timed) {
				if (timed[k] != sum[k] + 0) { print what ": key " k " timed " timed[k] ", histogram holds " sum[k] + 0; bad = 1 }
				if (nb[k] > 40) { print what ": key " k " has " nb[k] " buckets"; bad = 1 }
			}
			exit bad
		}' "$2" || fail "$1: histograms disagree with the keys"
}

export LEGACYLOG_MODE=fast
for opts in "--time sample:3" "--time all" "--time all --stacks 8:2" "--time sample:2 --stacks 4:3" "--time off"; do
	out=$T/$(echo "$opts" | tr -c 'a-z0-9\n' _)
	mkdir -p "$out"
	# shellcheck disable=SC2086
	"$LOGTAX" run -o "$out" $opts -- "$TP/threads-demo" 3 20000 >"$out/stdout" 2>"$out/stderr" || fail "$opts: threads-demo failed"
	f=$(one_file "$out")
	"$ANALYZE" dump "$f" >"$out/dump"
	check "$opts" "$out/dump"
	nh=$(grep -c '^hist ' "$out/dump")
	case $opts in
	"--time off") expect_eq "$nh" 0 "$opts: histograms" ;;
	*) expect_ge "$nh" 6 "$opts: histograms (3 threads x 2 call sites x 4 levels, timed)" ;;
	esac
done
"$ANALYZE" report "$T/__time_all/"logtax.*.ltx >"$T/report"
expect_grep '^Time per call by call site' "$T/report" "report: latency section"
expect_grep '^  thread\.[0-9] .* ([a-z_]*threads-demo\.c:[0-9]*) .* ns ' "$T/report" "report: p50/p99 per call site"
exit 0
