# Several data files in one report: a shell runs callsites-demo twice (two
# processes, two files). Keys and threads keep their pid; call sites of the
# same binary add up across processes; every format takes several files.
. "$(dirname "$0")/../lib.sh"

"$LOGTAX" run -o "$T" -- sh -c "'$TP/callsites-demo' 2 none >'$T/1.out'; '$TP/callsites-demo' 3 none >'$T/2.out'" \
	2>"$T/err" || fail "run failed: $(cat "$T/err")"
files=$(find "$T" -maxdepth 1 -name 'logtax.*.ltx' | sort)
expect_eq "$(echo "$files" | wc -l | tr -d ' ')" 2 "data files (the shell logs nothing)"
# shellcheck disable=SC2086
set -- $files
"$LOGTAX" report --format json "$@" >"$T/j" || fail "json report failed"
"$LOGTAX" report "$@" >"$T/t" || fail "text report failed"
for fmt in csv folded html chrome; do
	"$LOGTAX" report --format $fmt "$@" >"$T/$fmt" 2>/dev/null || fail "$fmt report of two files failed"
done

expect_eq "$(jq '.processes | length' "$T/j")" 2 "two processes"
expect_eq "$(jq '[.keys[].pid] | unique | length' "$T/j")" 2 "keys keep their pid"
expect_eq "$(jq '[.threads[].pid] | unique | length' "$T/j")" 2 "threads keep their pid"
# Calls per source over both processes = the sum of what each program printed.
want=$(cat "$T/1.out" "$T/2.out" | sed -n 's/.*calls source=\([^ ]*\) count=\([0-9]*\).*/\1 \2/p' |
	awk '{ n[$1] += $2 } END { for (s in n) print s, n[s] }' | sort)
expect_eq "$(csv_calls_by_source "$@")" "$want" "calls per source, both processes"
# One call site, two processes: one row in the call-site table with both.
expect_eq "$(jq -r '.call_sites[] | select(.source == "site.alpha") | "\(.keys) \(.calls)"' "$T/j")" \
	"2 $(echo "$want" | awk '$1 == "site.alpha" { print $2 }')" "site_alpha over both processes"
expect_grep "^2 processes, reported together" "$T/t" "text: processes reported together"
expect_eq "$(grep -c '^logtax report: ' "$T/t")" 2 "text: a header per process"
# the threads table gets a pid column
for f in "$@"; do
	pid=${f##*logtax.}
	pid=${pid%.ltx}
	grep -Eq "^  $pid +$pid +callsites-demo" "$T/t" || fail "text: no thread line for pid $pid"
	expect_eq "$(csv_each '$c["pid"] == p' -v p="$pid" <"$T/csv" | grep -c site_alpha)" 1 "csv: pid $pid has its site_alpha key"
done
