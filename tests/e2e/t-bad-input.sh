# Bad input: a bad LOGTAX_* value or output directory gives one warning line
# and changes nothing else; `logtax run` with a bad option exits 2 before
# starting anything.
. "$(dirname "$0")/../lib.sh"

prog() { "$TP/varargs-demo" 1; }
prog >"$T/ref.out" 2>/dev/null
ref_rc=$?

# A bad time mode: one warning naming it, default used, output and status unchanged.
LOGTAX_TIME=often LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/varargs-demo" 1 >"$T/out" 2>"$T/err"
expect_eq "$?" "$ref_rc" "bad LOGTAX_TIME: exit status"
cmp -s "$T/ref.out" "$T/out" || fail "bad LOGTAX_TIME: output changed"
expect_eq "$(wc -l <"$T/err")" 1 "bad LOGTAX_TIME: warning lines"
expect_grep "LOGTAX_TIME='often'" "$T/err" "bad LOGTAX_TIME: the warning names it"
f=$(one_file "$T")
"$ANALYZE" report "$f" | grep -q 'timing: 1 call in 64' || fail "bad LOGTAX_TIME: default not used"
rm -f "$f"

# Bad LOGTAX_STACKS / LOGTAX_TRACE values, and trace with a time mode it
# overrides: one warning each, the program unchanged, the setting ignored.
for bad in LOGTAX_STACKS=0 LOGTAX_STACKS=8:0 LOGTAX_STACKS=129 LOGTAX_STACKS=x:4 LOGTAX_STACKS= \
	LOGTAX_TRACE=0 LOGTAX_TRACE=-5 LOGTAX_TRACE=2000000 LOGTAX_TRACE=10k "LOGTAX_TRACE=10 LOGTAX_TIME=sample:4"; do
	# shellcheck disable=SC2086
	env $bad LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/varargs-demo" 1 >"$T/out" 2>"$T/err"
	expect_eq "$?" "$ref_rc" "$bad: exit status"
	cmp -s "$T/ref.out" "$T/out" || fail "$bad: output changed"
	expect_eq "$(wc -l <"$T/err")" 1 "$bad: warning lines"
	var=${bad##* }
	expect_grep "${var%%=*}=" "$T/err" "$bad: the warning names it"
	f=$(one_file "$T")
	case $bad in
	*TIME=*) "$ANALYZE" dump "$f" | grep -q 'time_mode=2' || fail "$bad: trace did not time every call" ;;
	*) "$ANALYZE" dump "$f" | grep -q 'features=0x3 ' || fail "$bad: the setting was not ignored" ;;
	esac
	rm -f "$f"
done

# An unknown LOGTAX_ variable: one warning.
LOGTAX_TIMING=all LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/varargs-demo" 1 >"$T/out" 2>"$T/err"
expect_eq "$(wc -l <"$T/err")" 1 "unknown variable: warning lines"
expect_grep "LOGTAX_TIMING" "$T/err" "unknown variable: named"
rm -f "$T"/logtax.*.ltx

# Missing and unwritable output directories: one warning, nothing else changes.
for dir in "$T/missing" /proc; do
	LOGTAX_OUTPUT=$dir LD_PRELOAD=$SHIM "$TP/varargs-demo" 1 >"$T/out" 2>"$T/err"
	expect_eq "$?" "$ref_rc" "output $dir: exit status"
	cmp -s "$T/ref.out" "$T/out" || fail "output $dir: output changed"
	expect_eq "$(wc -l <"$T/err")" 1 "output $dir: warning lines"
	expect_grep "$dir" "$T/err" "output $dir: the warning names it"
done

# logtax run: bad options exit 2 and start nothing.
for args in "--time often" "--frobnicate" "--time" "-o" "--stacks 0" "--stacks 8:x" "--stacks" "--trace 0" \
	"--trace" "--trace 10 --time sample:4"; do
	# shellcheck disable=SC2086
	"$LOGTAX" run $args -- touch "$T/started" 2>"$T/err"
	expect_eq "$?" 2 "logtax run $args: exit status"
	[ -e "$T/started" ] && fail "logtax run $args started the command"
	expect_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "logtax run $args: message lines"
done
"$LOGTAX" run 2>/dev/null
expect_eq "$?" 2 "logtax run without a command"

# The exit status of the program passes through, signals included.
"$LOGTAX" run -o "$T" -- sh -c 'exit 7' 2>/dev/null
expect_eq "$?" 7 "exit status passes through"
"$LOGTAX" run -o "$T" -- sh -c 'kill -TERM $$' 2>/dev/null
expect_eq "$?" 143 "death by SIGTERM passes through as 128+15"
