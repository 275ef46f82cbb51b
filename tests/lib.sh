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
