# Sourced by the end-to-end tests: paths, a scratch directory, assertions.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${LTX_BUILD:-$ROOT/build}
# A sanitizer build (make check SANITIZE=...): the shim, preloaded before
# a program's own libasan, must not make ASan refuse to start; leaks are
# looked for in the unit tests and the analyzer (t-bad-files.sh), not in
# every program a test starts (GLib and libvirt keep memory to the end).
SANITIZE=$(cat "$B/sanitize" 2>/dev/null)
if [ -n "$SANITIZE" ]; then
	export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0:abort_on_error=0:halt_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export TSAN_OPTIONS="halt_on_error=1:exitcode=66:die_after_fork=0:suppressions=$ROOT/tests/tsan.supp"
fi
# sanitized BUILD-KIND: whether this build has that sanitizer (address, undefined, thread)
sanitized() { [[ ,$SANITIZE, == *,$1,* ]]; }
LOGTAX=$B/bin/logtax
ANALYZE=$B/libexec/logtax/logtax-analyze
SHIM=$B/lib/logtax/liblogtax.so
TP=$B/test-programs
T=$(mktemp -d "${TMPDIR:-/tmp}/logtax-test.XXXXXX")
# A test that fails while a program it started waits for its next step
# must not leave that program running: whatever is still below the test's
# shell when it ends is stopped.
kill_tree() { local p; for p in $(pgrep -P "$1"); do kill_tree "$p"; kill "$p" 2>/dev/null; done; }
trap 'kill_tree $$; rm -rf "$T"' EXIT
export LC_ALL=C

fail() { echo "FAIL: $*" >&2; exit 1; }
# skip WHY: something the test needs is missing (a package, a permission).
# Under CI (CI=true) that is a failure: a machine where an install step
# failed must not go green with tests unrun.
skip() {
	[ "${CI:-}" = true ] && fail "CI=true and a test cannot run: $*"
	echo "skipped: $*"
	exit 77
}
# skip_by_design WHY: the test does not apply to this build or machine (a
# sanitizer build, another architecture), under CI too. The line starts with
# "skipped by design:", which tests/run.sh looks for under CI.
skip_by_design() { echo "skipped by design: $*"; exit 77; }
# ci_needs WHY: a part of a test that is left out when something is missing
# (with a note) must run under CI.
ci_needs() {
	[ "${CI:-}" = true ] && fail "CI=true and part of this test cannot run: $*"
	note "$* (part of the test left out)"
}
note() { echo "# $*"; }

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
# expect_ge ACTUAL MIN WHAT (numbers, may be decimal)
expect_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }' || fail "$3: expected >= $2, got $1"; }
expect_le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }' || fail "$3: expected <= $2, got $1"; }
# expect_grep PATTERN FILE WHAT
expect_grep() { grep -q -- "$1" "$2" || { sed 's/^/  > /' "$2" >&2; fail "$3: no line matches '$1'"; }; }

# The one data file in a directory.
one_file() {
	local n
	n=$(find "$1" -maxdepth 1 -name 'logtax.*.ltx' | wc -l)
	[ "$n" -eq 1 ] || fail "expected one data file in $1, found $n"
	find "$1" -maxdepth 1 -name 'logtax.*.ltx'
}

# Calls per source from data files' JSON report: "source count" lines, sorted.
# (JSON, not CSV: a CSV field may hold a template's newline.)
csv_calls_by_source() {
	"$ANALYZE" report --format json "$@" |
		jq -r '.keys | group_by(.source) | .[] | "\(.[0].source // "") \(map(.calls) | add)"' | sort
}

# What a test program printed as "...: calls source=S count=N": "S N" lines, sorted.
program_calls_by_source() {
	sed -n 's/.*calls source=\([^ ]*\) count=\([0-9]*\).*/\1 \2/p' "$1" | sort
}

# The CSV report, read by column name. A field may hold commas, quotes and
# newlines (RFC 4180: a template's text), so it is not split on commas:
# csv_flat turns each record into one line of tab-separated fields (a tab,
# CR or newline inside a field becomes a space), and csv_each runs an awk
# PROGRAM on that in which c["NAME"] is the number of column NAME:
#   csv_awk '{ n[$c["source"]] += $c["calls"] } END { ... }' FILE.ltx...
#   csv_each '$c["source"] == s { ... }' -v s=NAME <REPORT.csv
csv_flat() {
	awk '
	{
		rec = pending == "" ? $0 : pending "\n" $0
		tmp = rec
		if (gsub(/"/, "", tmp) % 2) { pending = rec; next }
		pending = ""
		if (index(rec, "\"") == 0) {
			gsub(/[\t\r]/, " ", rec); gsub(/,/, "\t", rec); print rec; next
		}
		out = ""; f = ""; inq = 0; n = length(rec)
		for (i = 1; i <= n; i++) {
			ch = substr(rec, i, 1)
			if (inq) {
				if (ch == "\"") {
					if (substr(rec, i + 1, 1) == "\"") { f = f "\""; i++ } else inq = 0
				} else if (ch == "\n" || ch == "\t" || ch == "\r") f = f " "
				else f = f ch
			} else if (ch == "\"") inq = 1
			else if (ch == ",") { out = out f "\t"; f = "" }
			else if (ch == "\t" || ch == "\r") f = f " "
			else f = f ch
		}
		print out f
	}
	END { if (pending != "") { print "csv_flat: unterminated quoted field" > "/dev/stderr"; exit 1 } }'
}
csv_each() { # PROGRAM [-v NAME=VALUE]..., on a CSV report on stdin
	local prog=$1
	shift
	csv_flat | awk -F'\t' "$@" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } '"$prog"
}
csv_awk() { # PROGRAM FILE.ltx...
	local prog=$1
	shift
	"$ANALYZE" report --format csv "$@" | csv_each "$prog"
}

CS_SRC=$ROOT/test-programs/callsites
# The file and line of a marked call site of callsites-demo ("SITE name" at
# the end of its line): "FILE:LINE", read from the source.
site_line() {
	local f
	f=$(grep -l "SITE $1 \*/" "$CS_SRC"/*.c) || fail "no marker 'SITE $1' in $CS_SRC"
	echo "$(basename "$f"):$(grep -n "SITE $1 \*/" "$f" | cut -d: -f1)"
}
# The first string literal on a marked line, as written in C.
site_literal() {
	grep -h "SITE $1 \*/" "$CS_SRC"/*.c | sed -E 's/^[^"]*("([^"\\]|\\.)*").*/\1/'
}
# Runs the chromium that Debian installs, headless, with no network or profile.
chromium_headless() {
	local profile
	profile=$(mktemp -d "$T/chromium.XXXXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --disable-extensions \
		--user-data-dir="$profile" "$@"
}

# "entry source level level_name count" lines from data files' CSV reports,
# summed over threads and call sites, sorted; a key without a name is "-".
csv_calls_full() {
	csv_awk '{ k = $c["entry"] " " ($c["source"] == "" ? "-" : $c["source"]) " " $c["level"] " " $c["level_name"]
		n[k] += $c["calls"] } END { for (k in n) print k, n[k] }' "$@" | sort
}

# The same from a test program's "calls entry=E source=S level=L level_name=N count=C" lines.
program_calls_full() {
	sed -n 's/.*calls entry=\([^ ]*\) source=\([^ ]*\) level=\([^ ]*\) level_name=\([^ ]*\) count=\([0-9]*\).*/\1 \2 \3 \4 \5/p' "$1" | sort
}

# expect_same_calls FILE.ltx PROGRAM_STDOUT WHAT: the report's calls per
# entry point, name and level equal what the program counted.
expect_same_calls() {
	local got want
	got=$(csv_calls_full "$1")
	want=$(program_calls_full "$2")
	[ -n "$want" ] || fail "$3: the program printed no counts"
	if [ "$got" != "$want" ]; then
		diff <(echo "$want") <(echo "$got") | sed 's/^/  /' >&2
		fail "$3: calls per entry, name and level differ (< program, > logtax)"
	fi
}

# need_program PATH PACKAGE: skip the test when a test program could not be
# built because its library's -dev package is missing.
need_program() {
	[ -x "$1" ] || skip "$(basename "$1") was not built: $2 is not installed (scripts/install-deps.sh build installs it)"
}

# Per (source, level) and action from a data file: "source level action calls" lines, sorted.
csv_actions() {
	csv_awk '{ n[$c["source"] " " $c["level_name"] " " $c["action"]] += $c["calls"] } END { for (k in n) print k, n[k] }' \
		"$@" | sort
}

# What rules-demo printed per site: "source level count" lines.
program_sites() {
	sed -n 's/.*site func=[^ ]* source=\([^ ]*\) level=\([^ ]*\) count=\([0-9]*\)$/\1 \2 \3/p' "$1"
}

# Messages liblegacylog wrote per source and level ("source level count"),
# from a LEGACYLOG_OUTPUT file: "time: tid: level : source : func:line : text".
legacylog_received() {
	[ -f "$1" ] || return 0
	awk -F' : ' '{ k = $1; sub(/.* /, "", k); n[$2 " " k]++ } END { for (s in n) print s, n[s] }' "$1" | sort
}

# wait_alive WHAT PID ERRFILE COMMAND...: as wait_until, while process PID
# lives; if it ends first, fails with WHAT and the program's ERRFILE. The
# failure reaches the test's stderr (fd 3) even when the caller silences
# the command's.
exec 3>&2
wait_alive() {
	local what=$1 pid=$2 err=$3 i
	shift 3
	for i in $(seq 600); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || fail "$what: the program ended: $(cat "$err")" 2>&3
		sleep 0.1
	done
	fail "$what: not within 60 s" 2>&3
}

# wait_until WHAT COMMAND...: retries COMMAND for up to 60 s (the machine is
# shared: generous), failing with WHAT if it never succeeds.
wait_until() {
	local what=$1 i
	shift
	for i in $(seq 600); do
		"$@" && return 0
		sleep 0.1
	done
	fail "$what: not within 60 s"
}

# How a command ended, as its parent sees it: "exit N" or "signal N".
exit_status() {
	perl -e 'my $r = system { $ARGV[0] } @ARGV; die "cannot run $ARGV[0]\n" if $r == -1;
		printf("%s %d\n", ($? & 127) ? "signal" : "exit", ($? & 127) || ($? >> 8))' -- "$@"
}

# "pid source calls" for every key of data files, summed per pid and source,
# plus "pid (without a key) N" where calls were counted without a key; sorted.
files_calls() {
	local f
	for f in "$@"; do
		"$ANALYZE" report --format json "$f" |
			jq -r '(.keys | group_by(.source) | .[] | "\(.[0].pid) \(.[0].source // "") \(map(.calls) | add)"),
				(.processes[] | select(.lost_calls > 0) | "\(.pid) (without-a-key) \(.lost_calls)")'
	done | awk '{ n[$1 " " $2] += $3 } END { for (k in n) print k, n[k] }' | sort
}

# The same from test programs' "NAME[PID]: calls source=S count=N" lines.
program_pid_calls() {
	sed -n 's/^[a-z-]*\[\([0-9]*\)\]: calls source=\([^ ]*\) count=\([0-9]*\)$/\1 \2 \3/p' "$@" |
		awk '{ n[$1 " " $2] += $3 } END { for (k in n) print k, n[k] }' | sort
}

# expect_same WANT GOT WHAT: two multi-line texts, shown as a diff if they differ.
expect_same() {
	if [ "$1" != "$2" ]; then
		diff <(echo "$1") <(echo "$2") | sed 's/^/  /' >&2
		fail "$3 (< expected, > got)"
	fi
}

# The data files in a directory, sorted.
data_files() {
	find "$1" -maxdepth 1 -name 'logtax.*.ltx' | sort
}

# stress_pid OUT: the attach-stress that runs with DIR OUT (its third
# argument). Not merely the newest attach-stress: another test, or another
# checkout's, may run one beside this one.
stress_pid() {
	local p
	for p in $(pgrep -x attach-stress); do
		[ "$(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | sed -n 4p)" = "$1" ] && echo "$p" && return 0
	done
	return 1
}

# await_daemon NAME JOB PIDFILE READY LOG...: a daemon started as JOB is
# up once it has written PIDFILE and the command READY succeeds (60 s at
# most; 1 if not). A JOB that exits first fails the test with its status
# and the last lines of each LOG.
await_daemon() {
	local name=$1 job=$2 pidfile=$3 ready=$4 i
	shift 4
	for i in $(seq 600); do
		if ! kill -0 "$job" 2>/dev/null; then
			wait "$job"
			fail "$name exited at start (status $?): $(tail -n 5 "$@" 2>/dev/null)"
		fi
		[ -s "$pidfile" ] && "$ready" && return 0
		sleep 0.1
	done
	"$ready"
}

# stop_daemon NAME SIGNAL PID JOB KILL: SIGNAL to the daemon PID, then its
# job waited for up to 30 s (else KILL runs and the test fails); the job's
# exit status in DAEMON_STATUS.
stop_daemon() {
	local name=$1 sig=$2 pid=$3 job=$4 killer=$5 i
	kill -"$sig" "$pid" || fail "$name (pid $pid) is not running"
	for i in $(seq 300); do
		kill -0 "$job" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$job" 2>/dev/null; then
		"$killer"
		fail "$name (pid $pid) did not stop within 30 s of SIG$sig"
	fi
	wait "$job"
	DAEMON_STATUS=$?
}

# stress_cycles OUT N: test-programs/attach-stress, started by the test in
# the background with DIR OUT (it attaches the shim N times, making
# OUT/attached.C each time, and writes "exit STATUS" to OUT/status), is
# asked for its status (OUT/status.C), its maps copied (OUT/maps.C), and
# detached (OUT/detach.C) in each cycle; then waited for, and expected to
# have ended well (every call reached liblegacylog). Sets STRESS_PID. The
# answers are waited for as long as wait_until waits (ctl's default of 5 s
# is for a person at a terminal): with its 8 threads, CPU hogs and another
# test beside it, a first detach here was answered after more than 5 s.
stress_cycles() {
	local out=$1 n=$2 c
	for c in $(seq "$n"); do
		wait_until "attach $c" test -e "$out/attached.$c"
		STRESS_PID=$(stress_pid "$out") || fail "attach-stress is gone (killed?): $(cat "$out/stderr")"
		# PID.on is made by the control thread, which logtax_attach only
		# starts: on a busy machine it may not have run yet.
		wait_until "attach $c: the control channel" announced "${XDG_RUNTIME_DIR:-/tmp}/logtax-$(id -u)" "$STRESS_PID"
		"$LOGTAX" ctl --timeout 60 "$STRESS_PID" status >"$out/status.$c" 2>&1 ||
			{ cat "$out/status.$c" >&2; fail "status $c"; }
		cp "/proc/$STRESS_PID/maps" "$out/maps.$c" 2>/dev/null
		"$LOGTAX" ctl --timeout 60 "$STRESS_PID" detach >"$out/detach.$c" 2>&1 ||
			{ cat "$out/detach.$c" "$out/stderr" >&2; fail "detach $c"; }
		touch "$out/detached.$c"
	done
	wait
	expect_eq "$(cat "$out/status")" "exit 0" "attach-stress ended well (every call reached liblegacylog)"
}

# announced CTLDIR PID: PID's control channel is up: CTLDIR/PID.on exists and
# is its own (it holds PID's start time; empty is taken as its own, as
# logtax ctl does). A PID.on left by an earlier process with this pid,
# killed before its exit could remove it, is not.
announced() {
	local f=$1/$2.on mine
	[ -e "$f" ] || return 1
	[ -s "$f" ] || return 0
	mine=$(awk '{ sub(/.*\) /, ""); split($0, f, " "); printf "%s", f[20] }' "/proc/$2/stat" 2>/dev/null)
	[ "$(cat "$f")" = "$mine" ]
}
