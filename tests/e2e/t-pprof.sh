# report --format pprof read by an independent reader, go tool pprof
# (Debian's golang-go), offline: per source, the samples' calls add up to
# the calls the program counted itself, without stacks (entry point and
# call site), with stacks (--stacks: the captured frames, main among them)
# and with a rule dropping a source (its samples labelled dropped, no
# time). The sample types are calls/count and log_time/nanoseconds, and
# the call sites are symbolized to the program's functions.
. "$(dirname "$0")/../lib.sh"

command -v go >/dev/null || skip "go is not installed (scripts/install-deps.sh test installs golang-go)"
export HOME=$T GOCACHE=$T/gocache GOFLAGS= GOPROXY=off PPROF_TMPDIR=$T
go tool pprof -h >/dev/null 2>&1 || skip "go tool pprof does not run here"

# pprof_by_source FILE: "source calls" per source from pprof's raw dump, sorted.
pprof_by_source() {
	go tool pprof -raw -symbolize=none "$1" 2>"$T/pprof.err" | awk '
		/^Samples:/ { in_s = 1; next }
		/^Locations/ { in_s = 0 }
		in_s && /^ *[0-9]+ +[0-9]+:/ { calls = $1; next }
		in_s && /source:\[/ { s = $0; sub(/.*source:\[/, "", s); sub(/\].*/, "", s); n[s] += calls; calls = 0 }
		END { for (s in n) print s, n[s] }' | sort
}

run_case() { # NAME LOGTAX-RUN-OPTIONS...
	local name=$1
	shift
	mkdir -p "$T/$name"
	"$LOGTAX" run -o "$T/$name" "$@" -- "$TP/evloop-demo" 200 20 >"$T/$name.out" 2>"$T/$name.err" ||
		fail "$name: evloop-demo failed: $(cat "$T/$name.err")"
	f=$(one_file "$T/$name")
	"$LOGTAX" report --format pprof -o "$T/$name.pb.gz" "$f" || fail "$name: report --format pprof failed"
	gzip -t "$T/$name.pb.gz" || fail "$name: not gzip"
	expect_eq "$(pprof_by_source "$T/$name.pb.gz")" "$(program_calls_by_source "$T/$name.out")" \
		"$name: calls per source in go tool pprof ($(cat "$T/pprof.err"))"
	go tool pprof -raw -symbolize=none "$T/$name.pb.gz" >"$T/$name.raw" 2>/dev/null
}

run_case plain
expect_grep '^calls/count log_time/nanoseconds' "$T/plain.raw" "plain: sample types"
expect_grep 'event_dispatch_handles .*evloop-demo.c:[0-9]' "$T/plain.raw" "plain: call sites symbolized"
expect_grep ' legacy_log ' "$T/plain.raw" "plain: the entry point as the leaf"
# the estimate is there: some kept sample has a time
awk '/^ *[0-9]+ +[0-9]+:/ && $2 + 0 > 0 { ok = 1 } END { exit !ok }' "$T/plain.raw" || fail "plain: no sample has a time"

run_case stacks --stacks 16:4
# a sample with more than entry point and call site, and main in its frames
awk '/^ *[0-9]+ +[0-9]+:/ { n = split($0, a, ":"); k = split(a[2], ids, " "); if (k > 2) deep = 1 } END { exit !deep }' \
	"$T/stacks.raw" || fail "stacks: no sample has a stack"
expect_grep ' main .*evloop-demo.c' "$T/stacks.raw" "stacks: main among the frames"

run_case dropped --filter 'drop:util.eventpoll'
awk '/^ *[0-9]+ +[0-9]+:/ { calls = $1; t = $2 + 0; next }
	/source:\[util.eventpoll\]/ { if ($0 !~ /action:\[dropped\]/ || t != 0) bad = 1; seen = 1 }
	END { exit bad || !seen }' "$T/dropped.raw" || fail "dropped: util.eventpoll's samples are not dropped with no time"

# A terminal is not written binary to; a bad -o is one line.
"$ANALYZE" report --format pprof -o "$T/no/such/dir/x.pb.gz" "$f" 2>"$T/bad.err" && fail "-o into a missing directory succeeded"
expect_eq "$(wc -l <"$T/bad.err")" 1 "-o into a missing directory: lines"
[ ! -e "$T/no" ] || fail "-o created something"
