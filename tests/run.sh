#!/usr/bin/env bash
# Runs every test: the unit test programs (build/tests/*, built with Check)
# and the end-to-end scripts (tests/e2e/t-*.sh). A script exits 0 (pass),
# 77 (skipped: something it needs is absent, and it says what) or anything
# else (fail). With CI=true (.ci/run) a skip fails, unless the test does not
# apply to the build by design ("skipped by design:", tests/lib.sh). Ends with the line "N passed, N failed[, N skipped]".
#   tests/run.sh [PATTERN...]   only tests whose name contains a PATTERN
#   tests/run.sh --pending [PATTERN...]   only the tests in tests/e2e-pending/:
#                               written for a feature not wired yet (make check-pending;
#                               tests/e2e-pending/README.md says what they assume)
# LTX_BUILD: the build directory to test (default build/; make check
# SANITIZE=... sets it to its own).
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
export LTX_BUILD=${LTX_BUILD:-$root/build}
pending=
if [ "${1:-}" = --pending ]; then
	pending=1
	shift
fi
pats=("$@")
pass=0 fail=0 skip=0 failed=()
logdir=$LTX_BUILD/test-logs
mkdir -p "$logdir"

run_one() { # name, command...
	local name=$1
	shift
	if [ ${#pats[@]} -gt 0 ]; then
		local p hit=
		for p in "${pats[@]}"; do [[ $name == *"$p"* ]] && hit=1; done
		[ -n "$hit" ] || return
	fi
	local log=$logdir/${name//\//_}.log start=$SECONDS rc
	"$@" >"$log" 2>&1
	rc=$?
	local took=$((SECONDS - start))
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %-40s %3ds\n' "$name" "$took" ;;
	77)
		# Under CI only a skip by design (tests/lib.sh) is a skip; any
		# other means something CI should have installed is missing.
		if [ "${CI:-}" = true ] && ! tail -n 1 "$log" | grep -q '^skipped by design: '; then
			fail=$((fail + 1)); failed+=("$name")
			printf 'FAIL  %-40s %s (CI=true: a skip is a failure)\n' "$name" "$(tail -n 1 "$log")"
		else
			skip=$((skip + 1)); printf 'SKIP  %-40s %s\n' "$name" "$(tail -n 1 "$log")"
		fi
		;;
	*)
		fail=$((fail + 1)); failed+=("$name")
		printf 'FAIL  %-40s %3ds (exit %d)\n' "$name" "$took" "$rc"
		sed 's/^/      | /' "$log" | tail -n 25
		;;
	esac
}

if [ -n "$pending" ]; then
	for t in tests/e2e-pending/t-*.sh; do
		[ -f "$t" ] || continue # none waiting
		run_one "pending/$(basename "$t" .sh)" bash "$t"
	done
else
	for t in "$LTX_BUILD"/tests/*; do
		[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
	done
	for t in tests/e2e/t-*.sh; do
		run_one "e2e/$(basename "$t" .sh)" bash "$t"
	done
fi

[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]} (logs in $logdir)"
san=$(cat "$LTX_BUILD/sanitize" 2>/dev/null)
[ -n "$san" ] && echo "(built with -fsanitize=$san, in $LTX_BUILD)"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
