# The CI guard on the hot path's cost: callgrind's instruction count per
# intercepted call, in each time mode, within bench/budget.txt. Also proves
# the guard can fail: a shim built with a deliberate slow-down is caught.
. "$(dirname "$0")/../lib.sh"
# (valgrind cannot run a program built with a sanitizer; the counts are the plain build's anyway)
[ -n "$SANITIZE" ] && skip_by_design "a -fsanitize=$SANITIZE build: instruction counts are checked in the plain build"
command -v valgrind >/dev/null || fail "valgrind is not installed (scripts/install-deps.sh installs it)"

"$ROOT/bench/check-budget.sh" >"$T/out" 2>&1 || { cat "$T/out"; fail "over the instruction budget"; }
cat "$T/out"
[ "$(grep -c '^ok' "$T/out")" -ge 3 ] || fail "fewer than 3 modes checked"

make -s -C "$ROOT" B="$T/slow" SHIM_DEFS=-DLT_DELIBERATE_SLOWDOWN=8 "$T/slow/lib/logtax/liblogtax.so" ||
	fail "cannot build the slowed-down shim"
if "$ROOT/bench/check-budget.sh" "$T/slow/lib/logtax/liblogtax.so" >"$T/slow.out" 2>&1; then
	cat "$T/slow.out"
	fail "the guard did not catch a deliberate slow-down"
fi
grep '^OVER' "$T/slow.out"
