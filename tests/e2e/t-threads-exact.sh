# Four threads logging at once: every count exact, per source and in total,
# in each time mode; each thread appears in the report.
. "$(dirname "$0")/../lib.sh"

for time in off sample:7 all; do
	out=$T/${time%%:*}
	mkdir -p "$out"
	LEGACYLOG_MODE=fast "$LOGTAX" run --time "$time" -o "$out" -- "$TP/threads-demo" 4 100000 >"$out/stdout" 2>"$out/stderr" ||
		fail "$time: threads-demo failed"
	f=$(one_file "$out")
	expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$out/stdout")" "$time: calls per source"
	total=$(sed -n 's/^threads-demo: total count=//p' "$out/stdout")
	got=$("$ANALYZE" report --format csv "$f" | csv_each '{ n += $c["calls"] } END { print n }')
	expect_eq "$got" "$total" "$time: total calls"
	tids=$("$ANALYZE" report --format csv "$f" | csv_each '$c["source"] ~ /^thread\./ { print $c["tid"] }' | sort -u | wc -l)
	expect_eq "$tids" 4 "$time: threads that logged"
done
