# Text tables with very long names stay in line, and say the same numbers as
# the other formats: longnames-demo logs from functions with very long
# names (one inlined into main: "... (inlined in main)"), under a long
# source name, and through a --hook with a long name. In every table of the
# text report each column of every row starts (left-aligned) or ends
# (right-aligned) where its heading does; calls per call site are the
# program's own counts in the text, CSV and JSON reports alike.
# Its stripped copy has no symbol for those functions: each call site is
# named by the function, file and line its calls passed (legacy_log's own
# arguments; the hook's func=, file=, line=), and none is left as
# "longnames-demo-stripped+0x...".
. "$(dirname "$0")/../lib.sh"

hook='app_log_function_whose_name_is_long_enough_to_push_every_column_out_of_line:name=1:level=2:func=3:file=4:line=5:fmt=6'
rounds=20

# Columns of a table: its heading's cells (two blanks or more apart), each
# as "start end" (0-based, end exclusive).
check_table() { # report title what
	awk -v title="$2" -v what="$3" '
	function fail(msg) { print "FAIL: " what ": " msg ": \"" $0 "\"" > "/dev/stderr"; bad = 1; exit 1 }
	$0 == title { want_head = 1; next }
	want_head {
		want_head = 0; in_table = 1; head = $0; n = 0
		for (i = 3; i <= length(head); ) {
			if (substr(head, i, 1) == " ") { i++; continue }
			s = i
			while (i <= length(head) && !(substr(head, i, 2) == "  ")) i++
			n++; start[n] = s; stop[n] = i - 1 # 1-based, inclusive
		}
		next
	}
	in_table && (/^  \(/ || /^$/ || !/^  /) { in_table = 0; next }
	in_table {
		rows++
		for (c = 1; c <= n; c++) {
			# a right-aligned cell ends where its heading ends; a left-aligned
			# one starts where its heading starts: one of the two holds
			endok = substr($0, stop[c], 1) != " " && (stop[c] == length($0) || substr($0, stop[c] + 1, 2) == "  " || (c == n && substr($0, stop[c] + 1, 2) == "  "))
			startok = substr($0, start[c], 1) != " " && substr($0, start[c] - 2, 2) == "  "
			if (!endok && !startok)
				fail("column " c " (\"" substr(head, start[c], stop[c] - start[c] + 1) "\") out of line")
		}
	}
	END { if (!bad && !rows) { print "FAIL: " what ": table \"" title "\" has no rows" > "/dev/stderr"; exit 1 } }
	' "$1" || fail "$3: a table is out of line (above)"
}

# calls per line of longnames-demo.c, from the program: "LINE CALLS" sorted
program_sites() { sed -n 's/^longnames-demo: site line=\([0-9]*\) calls=\([0-9]*\) .*/\1 \2/p' "$1" | sort; }

for prog in longnames-demo longnames-demo-stripped; do
	out=$T/$prog
	mkdir -p "$out"
	"$LOGTAX" run --hook "$hook" -o "$out" -- "$TP/$prog" $rounds >"$out/stdout" 2>"$out/stderr" ||
		fail "$prog under logtax failed: $(cat "$out/stderr")"
	f=$(one_file "$out")
	want=$(program_sites "$out/stdout")
	expect_eq "$(echo "$want" | wc -l)" 5 "$prog: the program's call sites"

	"$LOGTAX" report --top 0 "$f" >"$out/report" || fail "$prog: report failed"
	for title in "Logging calls by entry point" "Logging calls by source" "Top call sites by estimated time" \
		"Top message templates by estimated time" "Time per call by call site (timed calls; log2 buckets, so within a factor of 2)"; do
		check_table "$out/report" "$title" "$prog: $title"
	done
	# the long names are cut in the middle, the short ones whole
	expect_grep '^  event_dispatch_handle[a-z_]*\.\.\.[a-z_]*_of_this_daemon  ' "$out/report" "$prog: a long function name cut in the middle"
	expect_grep '^  app_log_function_[a-z_]*\.\.\.[a-z_]*out_of_line  ' "$out/report" "$prog: the hook's long name cut in the middle"
	expect_grep '^  tick  ' "$out/report" "$prog: a short function name whole"

	# calls per call site: the text's call-site table, the CSV, the JSON
	text=$(awk '$0 == "Top call sites by estimated time" { t = 1; getline; next }
		t && !/^  [^ (]/ { t = 0 } t { for (i = 1; i <= NF; i++) if ($i ~ /^longnames-demo\.c:[0-9]+$/) { split($i, a, ":"); print a[2], $(i + 2) } }' "$out/report" |
		tr -d , | sort)
	expect_eq "$text" "$want" "$prog: calls per call site in the text report"
	csv=$(csv_awk '{ n[$c["line"]] += $c["calls"] } END { for (l in n) print l, n[l] }' "$f" | sort)
	expect_eq "$csv" "$want" "$prog: calls per call site in the CSV report"
	json=$("$ANALYZE" report --format json "$f" | jq -r '.call_sites[] | "\(.call_site.line) \(.calls)"' | sort)
	expect_eq "$json" "$want" "$prog: calls per call site in the JSON report"
	named=$("$ANALYZE" report --format json "$f" | jq -r '[.call_sites[].call_site.named_by] | unique | join(",")')
	if [ $prog = longnames-demo ]; then
		expect_eq "$named" debuginfo "$prog: every call site named by its debug information"
		expect_grep '^  event_dispatch_handles (inlined in main)  ' "$out/report" "$prog: the inlined function"
	else
		expect_eq "$named" "call's arguments" "$prog: every call site named by the calls' arguments"
		! grep -q "$prog+0x" "$out/report" || { grep "$prog+0x" "$out/report" >&2; fail "$prog: a call site left as an address"; }
		# the functions the calls named, in full in the JSON
		funcs=$("$ANALYZE" report --format json "$f" | jq -r '.call_sites[].call_site.function' | sort | tr '\n' ' ')
		expect_eq "$funcs" "$(sed -n 's/^longnames-demo: site .* func=//p' "$out/stdout" | sort | tr '\n' ' ')" \
			"$prog: the functions the calls named"
		expect_grep "named by: symbols = " "$out/report" "$prog: the report says where names came from"
	fi
done
