# Bad rules. The shim: one warning line that quotes the rule and where it
# goes wrong, then no rules at all (never half a set: the good rules before
# the bad one are not applied either), output and status unchanged.
# `logtax run` and `logtax ctl`: the same message from the same parser,
# exit 2, nothing started.
. "$(dirname "$0")/../lib.sh"

"$TP/rules-demo" 3 >"$T/ref.out" 2>/dev/null
shim_bad() { # what, expected message; runs with the environment given before it
	local what=$1 msg=$2
	env "${@:3}" LOGTAX_OUTPUT="$T" LD_PRELOAD="$SHIM" "$TP/rules-demo" 3 >"$T/out" 2>"$T/err"
	expect_eq "$?" 0 "$what: exit status"
	cmp -s "$T/ref.out" "$T/out" || fail "$what: output changed"
	expect_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "$what: warning lines"
	expect_eq "$(cat "$T/err")" "logtax: warning: $msg; no rules are applied" "$what: warning"
	local f
	f=$(one_file "$T")
	expect_eq "$(csv_actions "$f" | awk '$3 != "keep"')" "" "$what: nothing dropped"
	expect_eq "$("$ANALYZE" report --format csv "$f" | csv_each '{ print $c["generation"] }' | sort -u)" 0 "$what: generation"
	rm -f "$f"
}
shim_bad "bad level" "LOGTAX_FILTER: bad rule 'drop:*@verbose' at column 24: unknown level (expected debug, info, notice, warning or error)" \
	LOGTAX_FILTER='drop:util.event drop:*@verbose'
shim_bad "no action" "LOGTAX_FILTER: bad rule 'util.event' at column 1: expected ACTION:SELECTOR, e.g. drop:util.event*" \
	LOGTAX_FILTER='util.event'
printf 'drop:util.event\n# fine so far\n  keep:rpc.[a-z\n' >"$T/rules"
shim_bad "bad file" "$T/rules:3:12: bad rule 'keep:rpc.[a-z': '[' without its ']'" LOGTAX_FILTER_FILE="$T/rules"
shim_bad "missing file" "LOGTAX_FILTER_FILE='$T/none' ignored: No such file or directory" LOGTAX_FILTER_FILE="$T/none"
shim_bad "good variable, bad file" "$T/rules:3:12: bad rule 'keep:rpc.[a-z': '[' without its ']'" \
	LOGTAX_FILTER='drop:*' LOGTAX_FILTER_FILE="$T/rules"

# logtax run refuses before starting anything.
run_bad() { # expected message, args...
	local msg=$1
	shift
	"$LOGTAX" run -o "$T" "$@" -- touch "$T/started" 2>"$T/err"
	expect_eq "$?" 2 "run $*: exit status"
	[ -e "$T/started" ] && fail "run $*: started the command"
	expect_eq "$(cat "$T/err")" "$msg" "run $*: message"
}
run_bad "logtax: run: --filter: bad rule 'keep:x<' at column 21: empty caller after '<'" --filter 'drop:*@debug keep:x<'
run_bad "logtax: run: $T/rules:3:12: bad rule 'keep:rpc.[a-z': '[' without its ']'" --filter-file "$T/rules"
run_bad "logtax: run: $T/none: No such file or directory" --filter-file "$T/none"
LOGTAX_FILTER='drop:a@b' "$LOGTAX" run -o "$T" -- touch "$T/started" 2>"$T/err"
expect_eq "$?" 2 "run with a bad inherited LOGTAX_FILTER"
[ -e "$T/started" ] && fail "run with a bad inherited LOGTAX_FILTER started the command"

# logtax ctl refuses bad rules before looking for the process.
"$LOGTAX" ctl 1 filter 'drop:a drop:' 2>"$T/err"
expect_eq "$?" 2 "ctl: exit status"
expect_eq "$(cat "$T/err")" "logtax ctl: filter: bad rule 'drop:' at column 13: empty source name (use * for every source)" "ctl: message"
"$ANALYZE" check-rules 'drop:x@debug<' 2>"$T/err"
expect_eq "$?" 2 "check-rules: exit status"
"$ANALYZE" check-rules 'drop:*@debug keep:rpc.* drop:*<libvirt.so*' || fail "check-rules refused the README's examples"
