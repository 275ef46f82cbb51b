# Safe output: the data file is built under a temporary name created with
# O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, then renamed over the final
# name, so a symlink planted at either name (a shared directory) is never
# followed: the files it points to stay as they were, and the data file is
# a regular file of its own.
. "$(dirname "$0")/../lib.sh"

N=300
d=$T/shared
mkdir -p "$d"
chmod 1777 "$d"
echo "precious" >"$T/victim-final"
echo "precious" >"$T/victim-tmp"
LOGTAX_SNAPSHOT=0 LOGTAX_OUTPUT=$d LD_PRELOAD=$SHIM "$TP/sig-demo" ignore $N "$d/ready" "$d/stop" >"$T/stdout" 2>"$T/stderr" &
p=$!
wait_until "ready" test -e "$d/ready"
# The names it will use: logtax.PID.ltx, built as .logtax.PID.TID.tmp (the
# main thread writes at exit: TID = PID).
ln -s "$T/victim-final" "$d/logtax.$p.ltx"
ln -s "$T/victim-tmp" "$d/.logtax.$p.$p.tmp"
touch "$d/stop"
wait $p || fail "the program failed: $(cat "$T/stderr")"
expect_eq "$(cat "$T/victim-final") $(cat "$T/victim-tmp")" "precious precious" "the files the symlinks point to"
f=$d/logtax.$p.ltx
[ -f "$f" ] && [ ! -L "$f" ] || fail "the data file is not a regular file of its own"
expect_eq "$(stat -c %a "$f")" 600 "mode"
expect_same "$(program_pid_calls "$T/stdout")" "$(files_calls "$f")" "calls"
[ ! -e "$d/.logtax.$p.$p.tmp" ] && [ ! -L "$d/.logtax.$p.$p.tmp" ] || fail "the temporary name is left behind"

# A dangling symlink at the temporary name: O_CREAT alone would create its
# target; O_EXCL refuses, and the target is never made.
rm -f "$d"/logtax.*.ltx "$d/ready" "$d/stop"
LOGTAX_SNAPSHOT=0 LOGTAX_OUTPUT=$d LD_PRELOAD=$SHIM "$TP/sig-demo" ignore $N "$d/ready" "$d/stop" >"$T/stdout" 2>"$T/stderr" &
p=$!
wait_until "ready (dangling)" test -e "$d/ready"
ln -s "$T/made-by-following" "$d/.logtax.$p.$p.tmp"
touch "$d/stop"
wait $p || fail "dangling: the program failed"
[ ! -e "$T/made-by-following" ] || fail "dangling: the symlink's target was created"
f=$d/logtax.$p.ltx
[ -f "$f" ] && [ ! -L "$f" ] || fail "dangling: no data file"
expect_same "$(program_pid_calls "$T/stdout")" "$(files_calls "$f")" "dangling: calls"
