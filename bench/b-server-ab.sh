#!/usr/bin/env bash
# logtax ab --server: a daemon's CPU time under a load, with and without a
# rule, and the saving logtax predicted from the first arm's own data next
# to the saving measured. Target: predicted within 5 percentage points of
# measured on the project's request daemon (test-programs/req-daemon.c,
# 100 debug calls per request into liblegacylog's ringbuffer mode). A
# control run takes the calls' one system call out (LEGACYLOG_TID=cached). Then
# Debian's real libvirtd (test driver, log_level = 1 to a file) under 2,000
# virsh commands over one connection, with `drop:*@<=info`, if installed;
# and Debian's nginx (built --with-debug, error_log at debug, its logger
# ngx_log_error_core patched at its entry) under 2,000 curl requests, with
# `drop:*@debug`, if nginx and curl are installed.
# Per daemon: predicted - measured, and what each dropped call saved beyond
# the prediction (the cost it leaves after it returns).
# A missed target is printed, never an exit status; a failed run is one.
. "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-5}
D=$B/test-programs/req-daemon
echo "## a request daemon under a load: predicted and measured saving of the daemon's CPU"
echo "command: bench/b-server-ab.sh (BENCH_RUNS=$runs)"
"$B/bin/logtax" ab -n "$runs" -o "$BT/ab" --json "$BT/ab.json" --b-filter 'drop:req.debug' --ready "unix:$BT/s" \
	--server -- "$D" "$BT/s" 100 --load -- "$D" client "$BT/s" 1000 >"$BT/out" 2>"$BT/err" ||
	{ cat "$BT/err" >&2; exit 1; }
# The table, the savings, and the verdict on the 5-point target.
show() { # text output, JSON
	sed -n '/^  arm /,/predicted - measured/p; /saved beyond the prediction/,+1p' "$1"
	jq -r '.comparisons[0] | ((.saving_predicted - .saving_measured) * 100) as $d |
		"predicted - measured: \($d * 10 | round / 10) points (target within 5): \(if ($d | fabs) <= 5 then "met" else "missed" end)"' \
		"$2"
}
show "$BT/out" "$BT/ab.json"

# The control: the same calls without their one system call (the thread id
# read once per thread). What the gettid call costs after it returns is
# outside every window; without it the prediction should meet the target.
echo
echo "## the same, each line's thread id cached (LEGACYLOG_TID=cached: no system call inside a call)"
echo "command: bench/b-server-ab.sh (BENCH_RUNS=$runs)"
LEGACYLOG_TID=cached "$B/bin/logtax" ab -n "$runs" -o "$BT/abc" --json "$BT/abc.json" --b-filter 'drop:req.debug' \
	--ready "unix:$BT/sc" --server -- "$D" "$BT/sc" 100 --load -- "$D" client "$BT/sc" 1000 >"$BT/outc" 2>"$BT/errc" ||
	{ cat "$BT/errc" >&2; exit 1; }
show "$BT/outc" "$BT/abc.json"

libvirtd=$(command -v libvirtd || echo /usr/sbin/libvirtd)
echo
if [ ! -x "$libvirtd" ] || ! command -v virsh >/dev/null; then
	echo "## libvirtd: skipped (libvirt-daemon and libvirt-clients are not installed)"
else
	echo "## libvirtd 9 with debug output to a file, 2,000 virsh commands: drop:*@<=info"
	echo "command: bench/b-server-ab.sh (BENCH_RUNS=$runs)"
	L=$BT/libvirt
	. "$ROOT/scripts/libvirtd-scratch.sh"
	libvirtd_scratch "$L" || exit 1
	uri="test+unix:///default?socket=$L/sock/libvirt-sock"
	"$B/bin/logtax" ab -n "$runs" -o "$BT/lv" --json "$BT/lv.json" --b-filter 'drop:*@<=info' \
		--ready "unix:$L/sock/libvirt-sock" --server -- \
		env LIBVIRT_DRIVER_DIR="$L/drivers" "$libvirtd" -f "$L/libvirtd.conf" -p "$L/libvirtd.pid" \
		--load -- sh -c 'yes "list --all" | head -n 2000 | virsh -c "$0" >/dev/null' "$uri" >"$BT/lv.out" 2>"$BT/lv.err" ||
		{ cat "$BT/lv.err" >&2; exit 1; }
	show "$BT/lv.out" "$BT/lv.json"
fi

# nginx: one process (no master), every debug line through
# ngx_log_error_core, which logtax patches at its entry (it is internal to
# nginx: no PLT call to hook) and reads the level and format from its
# arguments. Each debug line is one write(2) to the error log. The
# configuration is the tests' (tests/lib-nginx.sh), in this script's
# scratch folder; ab starts and stops nginx by pid for every run. The load
# empties the error log first (nginx appends to it: the file would grow by
# about 30 MB a run).
echo
NGINX=${NGINX:-/usr/sbin/nginx}
why=
if [ ! -x "$NGINX" ]; then
	why="nginx is not installed (scripts/install-deps.sh test installs nginx-core)"
elif ! command -v curl >/dev/null || ! command -v perl >/dev/null; then
	why="curl or perl is not installed (scripts/install-deps.sh test installs them)"
elif ! "$NGINX" -V 2>&1 | grep -q -- '--with-debug'; then
	why="$NGINX is not built --with-debug: no debug lines to drop"
fi
if [ -n "$why" ]; then
	echo "## nginx: skipped ($why)"
	exit 0
fi
fail() { echo "b-server-ab.sh: nginx: $*" >&2; exit 1; }
. "$ROOT/tests/lib-nginx.sh"
nginx_setup "$BT/nginx"
yes "url = \"http://127.0.0.1:$NGINX_PORT/\"
output = /dev/null" | head -n 4000 >"$BT/urls.cfg"
H='ngx_log_error_core:level=1:fmt=4:levels=8:debug,7:info,6:notice,5:warning,4:error'
echo "## nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'), error_log at debug, 2,000 requests by one curl: drop:*@debug"
echo "command: bench/b-server-ab.sh (BENCH_RUNS=$runs)"
"$B/bin/logtax" ab -n "$runs" -o "$BT/ngx" --json "$BT/ngx.json" \
	--a-env LOGTAX_PATCH=entry --a-env LOGTAX_HOOK="$H" --b-env LOGTAX_PATCH=entry --b-env LOGTAX_HOOK="$H" \
	--b-filter 'drop:*@debug' --ready "tcp:127.0.0.1:$NGINX_PORT" --server -- \
	"$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_LOG" \
	--load -- sh -c ': >"$0" && exec curl -s -K "$1"' "$NGINX_LOG" "$BT/urls.cfg" >"$BT/ngx.out" 2>"$BT/ngx.err" ||
	{ cat "$BT/ngx.err" >&2; exit 1; }
show "$BT/ngx.out" "$BT/ngx.json"
