#!/usr/bin/env bash
# dlopen's address comes from the libc file: if the file at the path in
# /proc/PID/maps is no longer the one loaded (replaced by an upgrade), its
# offsets would send the call into some other function. logtax-attach reads
# the mapped file itself through /proc/PID/map_files where it may (root),
# and otherwise accepts the path only if its build-id equals the one in
# the process's memory. Here a process runs on a private copy of libc,
# which is then replaced by another library: root still attaches (the
# mapped file is read), a user without map_files is refused with one line.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-attach.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (map_files, and setpriv to the user nobody)"
command -v setpriv >/dev/null || { ci_needs "setpriv (util-linux) is not installed"; exit 0; }
ldso=$(readlink -f /lib64/ld-linux-x86-64.so.2)
libc=$(ldd /bin/sleep | awk '$1 == "libc.so.6" { print $3 }')
libm=$(ldd /bin/ls /usr/bin/awk 2>/dev/null | awk '$1 == "libm.so.6" { print $3; exit }')
[ -n "$libc" ] && [ -n "$libm" ] || fail "no libc.so.6 or libm.so.6 found with ldd"
mkdir -p "$T/pub/lib" "$T/pub/o"
cp "$libc" "$T/pub/lib/libc.so.6"
cp "$ATTACH" "$STUB" "$T/pub/"
chmod 755 "$T" "$T/pub" "$T/pub/lib" "$T/pub/"* "$T/pub/lib/"*
chown 65534 "$T/pub/o"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

run_sleep() { # [as_nobody] -> $spid, running on the private libc
	"$@" "$ldso" --library-path "$T/pub/lib" /bin/sleep 120 &
	spid=$!
	LT_PIDS+=("$spid")
	wait_until "sleep on the private libc" grep -q "$T/pub/lib/libc.so.6" "/proc/$spid/maps"
}
run_sleep
root_pid=$spid
run_sleep setpriv --reuid=65534 --regid=65534 --clear-groups
nobody_pid=$spid

# Replaced: another library under the same name (a new inode; the old one
# stays mapped).
cp "$libm" "$T/pub/lib/libc.so.6.new"
chmod 755 "$T/pub/lib/libc.so.6.new"
mv "$T/pub/lib/libc.so.6.new" "$T/pub/lib/libc.so.6"
grep -q "$T/pub/lib/libc.so.6 (deleted)" "/proc/$root_pid/maps" || note "maps does not say (deleted)"

# root: through map_files, the loaded libc
mkdir -p "$T/o.root"
"$ATTACH" --shim "$STUB" --settings "STUB_DIR=$T/o.root" "$root_pid" >"$T/out" 2>&1 ||
	fail "root, libc replaced: $(cat "$T/out")"
expect_grep "^pid=$root_pid tid=$root_pid calls=1$" "$T/o.root/stub.called" "root, libc replaced: the stub ran"

# nobody: the path names another file, its build-id differs: refused
as_nobody "$T/pub/logtax-attach" --shim "$T/pub/libattachstub.so" --settings "STUB_DIR=$T/pub/o" "$nobody_pid" \
	>"$T/out" 2>"$T/err"
expect_eq $? 4 "nobody, libc replaced: exit status"
expect_eq "$(cat "$T/err")" "logtax attach: process $nobody_pid: $T/pub/lib/libc.so.6 on disk is not the file process $nobody_pid has loaded (its build-id differs: replaced since the process started, e.g. by a package upgrade); restart the process to attach" \
	"nobody, libc replaced: message"
[ -e "$T/pub/o/stub.called" ] && fail "nobody, libc replaced: the stub was called"
grep -q libattachstub "/proc/$nobody_pid/maps" && fail "nobody, libc replaced: the stub was loaded"

# the same user, libc not replaced: attaches through the path
cp "$libc" "$T/pub/lib/libc.so.6.new"
chmod 755 "$T/pub/lib/libc.so.6.new"
mv "$T/pub/lib/libc.so.6.new" "$T/pub/lib/libc.so.6"
run_sleep setpriv --reuid=65534 --regid=65534 --clear-groups
as_nobody "$T/pub/logtax-attach" --shim "$T/pub/libattachstub.so" --settings "STUB_DIR=$T/pub/o" "$spid" \
	>"$T/out" 2>&1 || fail "nobody, libc as loaded: $(cat "$T/out")"
expect_grep "^pid=$spid tid=$spid calls=1$" "$T/pub/o/stub.called" "nobody, libc as loaded: the stub ran"
