# Sourced by the entry-patching tests after tests/lib.sh: running the
# programs of test-programs/entry/ and reading what they counted.
TPE=$TP/entry
[ "$(uname -m)" = x86_64 ] || skip_by_design "entry patching is x86-64 only"

# lt_run OUT LOGTAX-RUN-OPTIONS... -- PROGRAM ARGS...: logtax run into OUT,
# the program's stdout and stderr in OUT/stdout and OUT/stderr.
lt_run() {
	local out=$1
	shift
	rm -rf "$out"
	mkdir -p "$out"
	"$LOGTAX" run -o "$out" "$@" >"$out/stdout" 2>"$out/stderr" ||
		fail "logtax run $*: exit $?: $(tail -n 5 "$out/stderr")"
}

# What the program's bodies ran, "source level count" (level "-" when the
# program prints none), sorted.
program_bodies() {
	sed -n 's/^[a-z-]*: body source=\([^ ]*\) level=\([^ ]*\) count=\([0-9]*\)$/\1 \2 \3/p;
		s/^[a-z-]*: body source=\([^ ]*\) count=\([0-9]*\)$/\1 - \2/p' "$1" | sort
}

# What the bodies should have run when the calls of the sources and levels
# matched by AWK-CONDITION were dropped (on the fields of program_calls_full:
# $1 entry, $2 source, $3 level, $4 level name, $5 count): every call
# made, or 0. From the program's "calls" lines.
bodies_expected() { # STDOUT AWK-CONDITION [with-level]
	program_calls_full "$1" | awk -v lv="${3:-1}" '{ s = $2; l = $3; n = $5
		if ('"$2"') n = 0
		k = s " " (lv ? l : "-"); b[k] += n } END { for (k in b) print k, b[k] }' | sort
}

# expect_bodies STDOUT AWK-CONDITION WHAT [with-level]: the bodies that ran
# are the calls made minus the dropped ones.
expect_bodies() {
	expect_same "$(bodies_expected "$1" "$2" "${4:-1}")" "$(program_bodies "$1")" "$3: bodies run (< expected, > the program's)"
}

# No key of ENTRY in a data file (a mode that cannot reach it).
expect_no_calls() {
	local n
	n=$("$ANALYZE" report --format csv "$1" | csv_each '$c["entry"] == e { n += $c["calls"] } END { print n + 0 }' -v e="$2")
	expect_eq "$n" 0 "$3: calls of $2 counted"
}

# The report's calls per entry, source, level and level name, for ENTRY only.
calls_of_entry() { # FILE.ltx ENTRY
	csv_calls_full "$1" | awk -v e="$2" '$1 == e'
}
# The program's, for ENTRY only.
program_calls_of() { # STDOUT ENTRY
	program_calls_full "$1" | awk -v e="$2" '$1 == e'
}

# Every key's calls were timed (--time all): the number of timed calls
# equals the calls, per key; and each has a time estimate.
expect_all_timed() { # FILE.ltx WHAT
	local bad
	bad=$(csv_awk '$c["calls"] != $c["timed"] || $c["ns_per_call"] == "" { print $c["entry"], $c["source"], $c["calls"], $c["timed"] }' "$1")
	[ -z "$bad" ] || fail "$2: keys not timed on every call: $bad"
}

# The number of stderr lines naming WORD.
lines_naming() { grep -c -- "$2" "$1"; }
