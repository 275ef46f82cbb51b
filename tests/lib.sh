# Sourced by the end-to-end tests: paths, a scratch directory, assertions.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build
LOGTAX=$B/bin/logtax
ANALYZE=$B/libexec/logtax/logtax-analyze
SHIM=$B/lib/logtax/liblogtax.so
TP=$B/test-programs
T=$(mktemp -d "${TMPDIR:-/tmp}/logtax-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }
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

# Calls per source from a data file's CSV report: "source count" lines, sorted.
csv_calls_by_source() {
	"$ANALYZE" report --format csv "$@" | awk -F, 'NR > 1 { n[$6] += $12 } END { for (s in n) print s, n[s] }' | sort
}

# What a test program printed as "...: calls source=S count=N": "S N" lines, sorted.
program_calls_by_source() {
	sed -n 's/.*calls source=\([^ ]*\) count=\([0-9]*\).*/\1 \2/p' "$1" | sort
}

# "entry source level level_name count" lines from data files' CSV reports,
# summed over threads and call sites, sorted; a key without a name is "-".
csv_calls_full() {
	"$ANALYZE" report --format csv "$@" |
		awk -F, 'NR > 1 && $1 != "pid" { k = $4 " " ($6 == "" ? "-" : $6) " " $7 " " $8; n[k] += $12 } END { for (k in n) print k, n[k] }' |
		sort
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
	"$ANALYZE" report --format csv "$@" |
		awk -F, 'NR > 1 { n[$6 " " $8 " " $10] += $12 } END { for (k in n) print k, n[k] }' | sort
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
