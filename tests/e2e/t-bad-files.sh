# Damaged data files are refused with one line and a non-zero exit, never a
# crash: truncated, wrong magic, a newer format version, not a file at all;
# and hostile ones for every record type (below), read under valgrind or
# AddressSanitizer.
. "$(dirname "$0")/../lib.sh"

LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/varargs-demo" 2 >/dev/null 2>&1
good=$(one_file "$T")
"$ANALYZE" report "$good" >/dev/null || fail "the good file is refused"

check_refused() { # file, pattern, what
	"$ANALYZE" report "$1" >"$T/out" 2>"$T/err"
	local rc=$?
	[ $rc -ne 0 ] || fail "$3: accepted"
	[ $rc -lt 128 ] || fail "$3: crashed (exit $rc)"
	expect_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "$3: error lines"
	expect_grep "$2" "$T/err" "$3: message"
}

size=$(stat -c %s "$good")
for cut in 0 10 64 100 $((size / 2)) $((size - 1)); do
	head -c "$cut" "$good" >"$T/cut"
	check_refused "$T/cut" "$T/cut: " "truncated to $cut bytes"
done
head -c $((size - 24)) "$good" >"$T/noend"
check_refused "$T/noend" "truncated" "END record cut off"
{ printf 'NOTLOGTX'; tail -c +9 "$good"; } >"$T/magic"
check_refused "$T/magic" "not a logtax data file" "wrong magic"
# The major version is the u16 at offset 8.
{ head -c 8 "$good"; printf '\x09\x00'; tail -c +11 "$good"; } >"$T/newer"
check_refused "$T/newer" "newer than this logtax reads" "newer version"
check_refused "$T" "not a regular file" "a directory"
check_refused "$T/none" "No such file" "a missing file"

# Hostile files (tests/unit/test_format.c makes them: one field of a file
# with every record type changed to a huge length, a count past the bytes
# present, a reference out of range, a total that disagrees): each refused
# with one line saying what, a non-zero exit, no crash; read under valgrind
# (or, in a sanitizer build, with AddressSanitizer and its leak check),
# with the address space capped so that an allocation sized from a length
# field would fail.
mkdir -p "$T/hostile"
LTX_HOSTILE_DIR=$T/hostile "$B/tests/test_format" >/dev/null || fail "test_format could not write the hostile files"
n=$(ls "$T/hostile"/*.ltx | wc -l)
expect_ge "$n" 30 "hostile files written"
checker=()
if sanitized address; then
	export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
elif [ -z "$SANITIZE" ] && command -v valgrind >/dev/null; then
	checker=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
elif [ -z "$SANITIZE" ]; then
	ci_needs "valgrind is not installed (scripts/install-deps.sh): hostile files read without it"
fi
# (the reader refuses a file before any report is made: one format is
# enough for the hostile ones; the good one goes through two)
for f in "$T/hostile"/*.ltx $good; do
	name=$(basename "$f" .ltx)
	fmts=json
	[ "$f" = "$good" ] && fmts="text json"
	for fmt in $fmts; do
		if [ ${#checker[@]} -gt 0 ] || sanitized address; then
			"${checker[@]}" "$ANALYZE" report --format $fmt "$f" >"$T/out" 2>"$T/err"
		else
			(ulimit -v 1000000 && "$ANALYZE" report --format $fmt "$f") >"$T/out" 2>"$T/err"
		fi
		rc=$?
		if [ "$f" = "$good" ]; then
			[ $rc -eq 0 ] || { cat "$T/err"; fail "the good file, $fmt, under a checker: exit $rc"; }
			continue
		fi
		[ $rc -ne 99 ] || { cat "$T/err"; fail "$name ($fmt): valgrind found an error"; }
		[ $rc -ne 0 ] || fail "$name ($fmt): accepted"
		[ $rc -lt 128 ] || { cat "$T/err"; fail "$name ($fmt): crashed (exit $rc)"; }
		expect_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "$name ($fmt): error lines"
		expect_grep "$(cat "$T/hostile/$name.want")" "$T/err" "$name ($fmt): message"
	done
done
