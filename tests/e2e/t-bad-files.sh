# Damaged data files are refused with one line and a non-zero exit, never a
# crash: truncated, wrong magic, a newer format version, not a file at all.
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
