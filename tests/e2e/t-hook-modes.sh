# --hook on a program's own logging function in a shared library, built with
# lazy binding, -z now (read-only GOT after start-up) and -fno-plt (GOT
# calls, no PLT): calls from the program, from inside the library and from
# a plugin loaded later with dlopen are each counted exactly, with the name
# and level from the arguments named; the messages and return values are
# unchanged; dlopen still finds the plugin through its caller's RUNPATH.
# Bad hooks: a function that does not exist earns one warning naming it and
# the rest works; an argument that is not a string is not read as one; a
# malformed --hook stops `logtax run` with the position.
. "$(dirname "$0")/../lib.sh"

for mode in lazy now noplt; do
	prog=$TP/applog-$mode/applog-demo
	[ -x "$prog" ] || fail "$prog not built"
	APPLOG_OUTPUT=stderr "$prog" 3 >"$T/plain.out" 2>"$T/plain.err" || fail "$mode: applog-demo failed alone"
	for time in off sample:2 all; do
		out=$T/$mode.${time%%:*}
		mkdir -p "$out"
		APPLOG_OUTPUT=stderr "$LOGTAX" run --time "$time" --hook 'app_log:name=1:level=2' -o "$out" -- "$prog" 3 \
			>"$out/stdout" 2>"$out/stderr" || fail "$mode ($time): applog-demo under logtax failed: $(cat "$out/stderr")"
		cmp -s "$T/plain.out" "$out/stdout" || fail "$mode ($time): output or return values changed"
		diff "$T/plain.err" <(grep -v '^logtax: ' "$out/stderr") >/dev/null || fail "$mode ($time): messages changed"
		expect_same_calls "$(one_file "$out")" "$out/stdout" "$mode ($time)"
		fam=$("$ANALYZE" report --format csv "$(one_file "$out")" | csv_each '{ print $c["family"] }' | sort -u)
		expect_eq "$fam" hook "$mode ($time): family"
	done
done

# A function nothing has: one warning naming it; app_log still counted exactly.
prog=$TP/applog-now/applog-demo
mkdir -p "$T/missing"
LOGTAX_HOOK='no_such_function, app_log:name=1:level=2' LOGTAX_OUTPUT=$T/missing LD_PRELOAD=$SHIM "$prog" 3 \
	>"$T/missing/stdout" 2>"$T/missing/stderr" || fail "missing hook: the program failed"
expect_eq "$(wc -l <"$T/missing/stderr" | tr -d ' ')" 1 "missing hook: warning lines"
expect_grep "no_such_function" "$T/missing/stderr" "missing hook: the warning names it"
expect_same_calls "$(one_file "$T/missing")" "$T/missing/stdout" "missing hook: the other hook"

# name=2 points at the int level: never read as a string, no crash.
mkdir -p "$T/badarg"
LOGTAX_HOOK='app_log:name=2' LOGTAX_OUTPUT=$T/badarg LD_PRELOAD=$SHIM "$prog" 2 >"$T/badarg/stdout" 2>/dev/null ||
	fail "name=ARG on an int: the program failed"
names=$("$ANALYZE" report --format csv "$(one_file "$T/badarg")" | csv_each '{ print $c["source"] }' | sort -u)
expect_eq "$names" "(unreadable)" "name=ARG on an int: names"

# A bad LOGTAX_HOOK met by the shim: one warning with the position, runs as if unset.
LOGTAX_HOOK='app_log:level=x' LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$prog" 1 >"$T/bad.out" 2>"$T/bad.err" ||
	fail "bad LOGTAX_HOOK: the program failed"
expect_eq "$(wc -l <"$T/bad.err" | tr -d ' ')" 1 "bad LOGTAX_HOOK: warning lines"
expect_grep "LOGTAX_HOOK='app_log:level=x' ignored: at character 15" "$T/bad.err" "bad LOGTAX_HOOK: the warning"

# logtax run refuses a malformed --hook before starting anything.
for spec in 'app_log:name=0' 'app_log:nam=1' '1app' 'app_log:name=1:name=2' 'app_log;level=1' 'virLogMessage'; do
	"$LOGTAX" run --hook "$spec" -- touch "$T/started" 2>"$T/err"
	expect_eq "$?" 2 "--hook '$spec': exit status"
	[ -e "$T/started" ] && fail "--hook '$spec' started the command"
	expect_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "--hook '$spec': message lines"
	expect_grep "at character [0-9]" "$T/err" "--hook '$spec': the position"
done
"$LOGTAX" run --hook 'app_log:name=1:nmae=2' -- true 2>"$T/err"
expect_grep "at character 16: expected name=ARG, level=ARG, fmt=ARG, func=ARG, file=ARG, line=ARG, levels=SCALE or keep=N" "$T/err" "--hook: the position of the error"
