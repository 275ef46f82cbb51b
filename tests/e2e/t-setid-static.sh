# Where LD_PRELOAD cannot go. A set-user-ID or set-group-ID program that
# changes the user: the loader ignores LD_PRELOAD for it and removes it
# from everything it starts, so `logtax run` refuses it (exit 2, before
# running it) and says why. A statically linked program has no loader:
# `logtax run` runs it (what it starts may be traced), passes its status
# through, and says that nothing of its own can be counted, instead of an
# empty report. Scripts are judged by their interpreter.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip "making a set-user-ID program of another user needs root"
# A file system mounted nosuid ignores set-ID bits: use one that does not.
dir=$T
findmnt -n -o OPTIONS -T "$dir" 2>/dev/null | grep -qw nosuid && dir=$B
dir=$(mktemp -d "$dir/setid.XXXXXX")
trap 'rm -rf "$T" "$dir"' EXIT
findmnt -n -o OPTIONS -T "$dir" 2>/dev/null | grep -qw nosuid && skip "no file system here honours set-ID bits"
cp "$TP/proc-demo" "$TP/liblegacylog.so" "$dir/"
chmod 755 "$dir"

# set-user-ID nobody, run by root: secure mode.
chown nobody "$dir/proc-demo"
chmod 4755 "$dir/proc-demo"
"$LOGTAX" run -o "$T/out" -- "$dir/proc-demo" leaf 1 x >"$T/stdout" 2>"$T/stderr"
expect_eq "$?" 2 "set-user-ID: exit status"
expect_eq "$(cat "$T/stderr")" "logtax: run: '$dir/proc-demo' is set-user-ID nobody: the dynamic loader runs it in secure mode, ignores LD_PRELOAD and removes it from the environment of everything it starts, so logtax could count nothing. Run logtax as the user the program runs as, or trace a copy without the set-ID bit" \
	"set-user-ID: the message"
[ ! -s "$T/stdout" ] || fail "set-user-ID: the program ran"

# set-group-ID of another group: the same.
chown root:nogroup "$dir/proc-demo"
chmod 2755 "$dir/proc-demo"
"$LOGTAX" run -o "$T/out" -- "$dir/proc-demo" leaf 1 x >"$T/stdout" 2>"$T/stderr"
expect_eq "$?" 2 "set-group-ID: exit status"
expect_grep "is set-group-ID nogroup: the dynamic loader runs it in secure mode" "$T/stderr" "set-group-ID: the message"

# set-user-ID root, run by root: no change of user, LD_PRELOAD works.
chown root:root "$dir/proc-demo"
chmod 4755 "$dir/proc-demo"
"$LOGTAX" run -o "$T/root" -- "$dir/proc-demo" leaf 3 x >"$T/stdout" 2>"$T/stderr" || fail "set-user-ID root: refused"
expect_same "$(program_pid_calls "$T/stdout")" "$(files_calls "$(one_file "$T/root")")" "set-user-ID root, run by root: calls"

# A script whose interpreter (through env) is set-user-ID nobody: refused too.
chown nobody "$dir/proc-demo"
chmod 4755 "$dir/proc-demo"
printf '#!/usr/bin/env proc-demo\n' >"$dir/script"
chmod 755 "$dir/script"
PATH=$dir:$PATH "$LOGTAX" run -o "$T/out" -- "$dir/script" >"$T/stdout" 2>"$T/stderr"
expect_eq "$?" 2 "a script run by a set-user-ID interpreter: exit status"
expect_grep "'$dir/proc-demo' is set-user-ID nobody" "$T/stderr" "a script run by a set-user-ID interpreter: the message"

# Statically linked: run, status passed through, the reason given.
"$LOGTAX" run -o "$T/static" -- "$TP/static-demo" 5 >"$T/stdout" 2>"$T/stderr"
expect_eq "$?" 5 "static: exit status passed through"
expect_grep "^static-demo: running without a dynamic loader$" "$T/stdout" "static: it ran"
msg="'$TP/static-demo' is statically linked: it has no dynamic loader, so logtax cannot be loaded into it and counts none of its calls; dynamically linked programs it starts are traced"
expect_grep "^logtax: run: note: $msg$" "$T/stderr" "static: said before running"
expect_grep "^logtax: no data file was written to $T/static: $msg$" "$T/stderr" "static: said instead of an empty report"
expect_eq "$(data_files "$T/static")" "" "static: no data file"
