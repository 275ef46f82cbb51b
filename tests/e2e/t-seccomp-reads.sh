# The shim's reads of what a call names (KEY_SITE) under a seccomp filter
# that kills the process at its first process_vm_readv, as systemd's
# SystemCallFilter= without SystemCallErrorNumber= does: seccomp-demo puts
# itself under one, then logs from a call site naming itself with string
# literals and from one whose function name is on the heap. The program
# ends as it would alone (exit 0, its calls counted exactly); the literal
# site is named, the heap one's function is left unread (flag 4), never
# read through the call that kills.
. "$(dirname "$0")/../lib.sh"

[ "$(uname -m)" = x86_64 ] || skip_by_design "seccomp-demo's filter is written for x86-64"
# A sanitizer's runtime makes calls of its own (LeakSanitizer stops the
# world at exit) that the filter does not foresee.
[ -z "$SANITIZE" ] || skip_by_design "a sanitizer build ($SANITIZE): its runtime's own calls are not the filter's concern"
prog=$TP/seccomp-demo
"$prog" 3 >"$T/plain" 2>&1
rc=$?
[ $rc -ne 77 ] || skip "seccomp filters cannot be set here: $(cat "$T/plain")"
[ $rc -eq 0 ] || fail "seccomp-demo failed alone ($rc): $(cat "$T/plain")"
mkdir -p "$T/out"
"$LOGTAX" run -o "$T/out" -- "$prog" 3 >"$T/stdout" 2>"$T/stderr"
rc=$?
expect_eq "$rc" 0 "seccomp-demo's exit status under logtax (159 = killed by SIGSYS)"
expect_grep "^seccomp-demo: done" "$T/stdout" "seccomp-demo ran to its end"
f=$(one_file "$T/out")
expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$T/stdout")" "calls per source"
sites=$("$ANALYZE" dump "$f" | sed -n 's/^site \([0-9]*\) /\1 /p')
name_of() { "$ANALYZE" dump "$f" | sed -n "s/^key \([0-9]*\) .* name=$1\$/\1/p"; }
lit=$(echo "$sites" | awk -v k="$(name_of sec.literal)" '$1 == k')
heap=$(echo "$sites" | awk -v k="$(name_of sec.heap)" '$1 == k')
line=$(grep -n 'LEGACY_LOG(literal' "$ROOT/test-programs/seccomp-demo.c" | cut -d: -f1)
expect_eq "${lit#* }" "func=main file=test-programs/seccomp-demo.c line=$line flags=0" "the literal call site"
case $heap in
*" func=- file=test-programs/seccomp-demo.c line="*" flags=4") ;;
*) fail "the heap-named call site: expected no function and flag 4 (unreadable), got '$heap'" ;;
esac
