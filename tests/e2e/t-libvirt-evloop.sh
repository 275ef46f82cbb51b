# libvirt's own event loop (the real libvirt.so.0) over 500 ready pipes,
# under logtax run: sources util.eventglib and util.event named, and
# virLogMessage calls per iteration within 1% of a direct count: libvirt's
# own log output with every message of those sources written
# (LIBVIRT_LOG_FILTERS="1:SOURCE 4:*" LIBVIRT_LOG_OUTPUTS=1:file:PATH),
# one line per call, in the same run. A libvirt filter matches by
# substring, so "1:util.event" writes util.event and util.eventglib.
. "$(dirname "$0")/../lib.sh"

need_program "$TP/libvirt-evloop" libvirt-dev
iters=300
calls_of() { # file, source
	"$ANALYZE" report --format csv "$1" | csv_each '$c["entry"] == "virLogMessage" && $c["source"] == s { n += $c["calls"] } END { print n + 0 }' -v s="$2"
}
lines_of() { # libvirt log: one line per message, less the header libvirt writes itself
	grep -v -e ': info : libvirt version: ' -e ': info : hostname: ' "$1" | grep -c ' : '
}
within_1pct() { # a b what: per iteration, |a - b| <= 1% of b
	awk -v a="$1" -v b="$2" -v n=$iters 'BEGIN { d = (a - b) / n; if (d < 0) d = -d; exit !(b > 0 && d <= 0.01 * b / n) }' ||
		fail "$3: logtax $1 vs direct $2 over $iters iterations: more than 1% apart"
	note "$3: logtax $(awk -v a="$1" -v n=$iters 'BEGIN { printf "%.2f", a / n }')/iteration, direct $(awk -v b="$2" -v n=$iters 'BEGIN { printf "%.2f", b / n }')/iteration"
}

for src in util.eventglib util.event; do
	out=$T/$src
	mkdir -p "$out"
	LIBVIRT_LOG_FILTERS="1:$src 4:*" LIBVIRT_LOG_OUTPUTS="1:file:$out/libvirt.log" \
		"$LOGTAX" run -o "$out" -- "$TP/libvirt-evloop" $iters 500 >"$out/stdout" 2>"$out/stderr" ||
		fail "$src: libvirt-evloop failed: $(cat "$out/stderr")"
	expect_grep "iterations=$iters handles=500 dispatched=$((iters * 500))" "$out/stdout" "$src: the loop ran"
	f=$(one_file "$out")
	glib=$(calls_of "$f" util.eventglib)
	event=$(calls_of "$f" util.event)
	lines=$(lines_of "$out/libvirt.log")
	if [ $src = util.eventglib ]; then
		within_1pct "$glib" "$lines" "util.eventglib"
	else
		within_1pct "$event" $((lines - glib)) "util.event"
	fi
done

# The report names both sources; about 1,001 calls per iteration in the loop.
"$LOGTAX" report "$f" >"$T/report" || fail "report failed"
expect_grep "^  util.eventglib  *virLogMessage " "$T/report" "report: source util.eventglib"
expect_grep "^  util.event  *virLogMessage " "$T/report" "report: source util.event"
# the threads table's calls/it column, found by its heading (columns are
# two blanks or more apart)
pid=$(basename "$f" | cut -d. -f2)
cpi=$(awk -v pid="$pid" '/^  tid  / { n = split($0, h, "  +"); for (i = 1; i <= n; i++) if (h[i] == "calls/it") c = i }
	c && $1 == pid { split($0, r, "  +"); print r[c]; exit }' "$T/report")
expect_ge "$cpi" 1000 "calls per iteration"
expect_le "$cpi" 1002 "calls per iteration"
