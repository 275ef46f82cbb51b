# Daemons: a program that closes every file descriptor at start (the
# shim's included: it keeps none open) still gets its file, and nothing of
# logtax lands in the file it put on descriptor 2; a program that detaches
# the classic way (fork, setsid, fork, chdir /, umask 0, close everything)
# writes where `logtax run` said, each of its three processes its own file,
# mode 0600 whatever the umask; `logtax run` names the files written by the
# time the command returns and the daemon still running.
. "$(dirname "$0")/../lib.sh"

N=7
# Every descriptor closed, its own log on 2.
d=$T/close
mkdir -p "$d"
"$LOGTAX" run -o "$d/out" -- "$TP/daemon-demo" close-fds $N "$d/result" >"$d/stdout" 2>"$d/stderr" ||
	fail "close-fds failed: $(cat "$d/stderr")"
f=$(one_file "$d/out")
expect_same "$(program_pid_calls "$d/result")" "$(files_calls "$f")" "close-fds: calls"
expect_eq "$(grep -vc '^daemon-demo\[' "$d/result")" 0 "close-fds: only the program's lines on its descriptor 2"

# Detaching, then running until told to stop.
d=$T/daemon
mkdir -p "$d"
(cd "$d" && "$LOGTAX" run -o out -- "$TP/daemon-demo" daemonize $N "$d/pid" "$d/result" "$d/stop" \
	>"$d/stdout" 2>"$d/stderr") || fail "daemonize failed: $(cat "$d/stderr")"
trap 'touch "$d/stop"; rm -rf "$T"' EXIT
daemon=$(cat "$d/pid")
[ -n "$daemon" ] || fail "daemonize: no pid file"
kill -0 "$daemon" 2>/dev/null || fail "daemonize: the daemon is not running"
files=$(data_files "$d/out")
expect_eq "$(echo "$files" | grep -c .)" 2 "daemonize: files when logtax run returned (launcher, middle)"
for f in $files; do
	expect_grep "^logtax: wrote $f$" "$d/stderr" "daemonize: logtax run names $f"
done
expect_grep "^logtax: still running: process $daemon (daemon-demo), started by the command; it writes $d/out/logtax.$daemon.ltx when it ends" \
	"$d/stderr" "daemonize: logtax run names the daemon"
touch "$d/stop"
gone() { ! kill -0 "$daemon" 2>/dev/null; }
wait_until "daemonize: the daemon ends" gone
f=$d/out/logtax.$daemon.ltx
final() { [ -f "$f" ] && [ "$("$ANALYZE" report --format json "$f" | jq -r '.processes[0].reason')" = exit ]; }
wait_until "daemonize: the daemon's final file" final
# shellcheck disable=SC2086
expect_same "$(program_pid_calls "$d/stdout" "$d/result")" "$(files_calls $files "$f")" \
	"daemonize: calls of the launcher, the middle process and the daemon"
for f in $files "$f"; do
	expect_eq "$(stat -c %a "$f")" 600 "daemonize: mode of $f (the daemon's umask is 0)"
done
expect_eq "$(find / -maxdepth 1 -name 'logtax.*.ltx' -newer "$d/pid" 2>/dev/null)" "" \
	"daemonize: nothing written in / (its working directory)"

# With --no-follow the daemon is still the command's own program (forks of
# it): traced, and named as still running.
d=$T/nofollow
mkdir -p "$d"
"$LOGTAX" run --no-follow -o "$d/out" -- "$TP/daemon-demo" daemonize $N "$d/pid" "$d/result" "$d/stop" \
	>"$d/stdout" 2>"$d/stderr" || fail "no-follow daemonize failed: $(cat "$d/stderr")"
trap 'touch "$T/daemon/stop" "$T/nofollow/stop"; rm -rf "$T"' EXIT
daemon=$(cat "$d/pid")
expect_grep "^logtax: still running: process $daemon (daemon-demo)" "$d/stderr" "no-follow: logtax run names the daemon"
touch "$d/stop"
wait_until "no-follow: the daemon ends" gone
f=$d/out/logtax.$daemon.ltx
wait_until "no-follow: the daemon's final file" final
expect_same "$(program_pid_calls "$d/result")" "$(files_calls "$f")" "no-follow: the daemon's calls"
