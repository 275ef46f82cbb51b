#!/usr/bin/env bash
# make demo, last part: a daemon whose logger lives in its own executable.
# Debian's nginx calls ngx_log_error_core directly from 2,229 places and
# never through a PLT, so only entry patching reaches it. One nginx (daemon
# off, master_process off, error_log at debug, 127.0.0.1 on a free port, all
# files in OUT) runs under logtax run --hook, with wrk as the load:
#   A  every message written (error_log debug);
#   B  the same running process after `logtax ctl PID filter 'drop:*@debug'`;
#   C  another nginx with error_log at info: the floor, what nginx costs
#      without its debug log.
# The CPU nginx spent per request in each period (its own /proc accounting)
# gives what the rule removes of what writing the debug log costs,
# (A - B) / (A - C). That figure depends on the machine and prints as a
# target met or missed; what must be exact fails the script (exit 1): the
# calls logtax kept equal the messages nginx wrote, call for call.
# Usage: demo-nginx.sh OUT-DIR   (needs nginx-core built --with-debug, wrk, curl)
set -u
out=${1:?usage: demo-nginx.sh OUT-DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
logtax=$root/build/bin/logtax
nginx=${NGINX:-/usr/sbin/nginx}
secs=${DEMO_NGINX_SECONDS:-4}
hook='ngx_log_error_core:level=1:fmt=4:levels=8:debug,7:info,6:notice,5:warning,4:error,3:error,2:error,1:error'

if [ ! -x "$nginx" ] || ! command -v wrk >/dev/null || ! command -v curl >/dev/null; then
	echo "nginx, wrk or curl is missing: run 'make deps' as root (it installs nginx-core, wrk and curl)"
	exit 0
fi
if ! "$nginx" -V 2>&1 | grep -q -- '--with-debug'; then
	echo "$nginx is not built --with-debug: it writes no debug messages; skipped"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"

free_port() {
	perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1",
		LocalPort => 0, ReuseAddr => 1) or die "no free port: $!\n"; print $s->sockport, "\n";'
}

# setup DIR LEVEL: a private nginx configuration in DIR.
setup() {
	local d=$1 level=$2
	port=$(free_port) || return 1
	mkdir -p "$d/www" "$d/tmp"
	echo "hello from logtax's demo nginx" >"$d/www/index.html"
	cat >"$d/nginx.conf" <<-CONF
	daemon off;
	master_process off;
	worker_processes 1;
	pid $d/nginx.pid;
	error_log $d/error.log $level;
	events { worker_connections 256; }
	http {
		include /etc/nginx/mime.types;
		access_log off;
		client_body_temp_path $d/tmp/body;
		proxy_temp_path $d/tmp/proxy;
		fastcgi_temp_path $d/tmp/fastcgi;
		uwsgi_temp_path $d/tmp/uwsgi;
		scgi_temp_path $d/tmp/scgi;
		server {
			listen 127.0.0.1:$port;
			root $d/www;
		}
	}
	CONF
}

# start DIR: nginx under logtax run; sets pid and job.
start() {
	local d=$1 i
	"$logtax" run -o "$d/lt" --hook "$hook" -- "$nginx" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" \
		>"$d/stdout" 2>"$d/stderr" </dev/null &
	job=$!
	for i in $(seq 300); do
		kill -0 "$job" 2>/dev/null || { echo "nginx exited at start: $(tail -n 3 "$d/stderr")" >&2; return 1; }
		[ -s "$d/nginx.pid" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 200 ] && break
		sleep 0.1
	done
	pid=$(cat "$d/nginx.pid" 2>/dev/null) || return 1
}

stop() {
	kill -QUIT "$pid" 2>/dev/null
	local i
	for i in $(seq 300); do
		kill -0 "$job" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$job" 2>/dev/null
	wait "$job" 2>/dev/null
}

# cpu_ticks: nginx's user + system clock ticks so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

# load NAME: wrk for secs seconds; prints "NAME requests ticks".
load() {
	local t0 t1 n
	t0=$(cpu_ticks)
	n=$(wrk -t1 -c4 -d"${secs}s" "http://127.0.0.1:$port/" 2>&1 | awk '/requests in/ { print $1 }')
	t1=$(cpu_ticks)
	echo "$1 ${n:-0} $((t1 - t0))"
}

messages() {
	grep -cE '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \[[a-z]+\] [0-9]+#[0-9]+: ' "$1"
}

broken=
echo "\$ logtax scan /usr/sbin/nginx   (abridged: ngx_log_error_core)"
"$logtax" scan "$nginx" | grep -E '^  object|ngx_log_error_core' | head -3

a=$out/debug
setup "$a" debug || exit 1
echo
echo "\$ logtax run --hook '$hook' -- nginx ...   (error_log debug, 127.0.0.1:$port)"
start "$a" || { stop; exit 1; }
load A >"$out/periods"
echo "\$ logtax ctl $pid filter 'drop:*@debug'"
"$logtax" ctl "$pid" filter 'drop:*@debug'
load B >>"$out/periods"
stop
f=$(ls "$a"/lt/logtax.*.ltx 2>/dev/null | head -1)
if [ -z "$f" ]; then
	echo "demo: nginx: no data file written" >&2
	exit 1
fi
echo
"$logtax" report --top 8 "$f"

# Exact: every call logtax kept wrote one message, and no message went
# uncounted (generation 0 all kept, generation 1 the debug ones dropped).
kept=$("$logtax" report --format csv "$f" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["action"] != "drop" { n += $c["calls"] } END { print n + 0 }')
written=$(messages "$a/error.log")
if [ "$kept" != "$written" ]; then
	echo "demo: nginx: logtax kept $kept calls but nginx wrote $written messages" >&2
	broken=1
fi

c=$out/info
setup "$c" info || exit 1
start "$c" || { stop; exit 1; }
load C >>"$out/periods"
stop

echo
echo "CPU nginx spent per request (its own accounting, ${secs}s of wrk -t1 -c4 per period):"
awk 'BEGIN { what["A"] = "error_log debug, every message written"
		what["B"] = "the same process after drop:*@debug"
		what["C"] = "another nginx, error_log info (the floor)" }
	{ printf "  %s  %-42s %8d requests %5d ticks  %6.2f ticks per 1000 requests\n", $1, what[$1], $2, $3,
		$2 ? 1000 * $3 / $2 : 0 }' "$out/periods"
share=$(awk '{ r[$1] = $2 ? $3 / $2 : 0 } END { d = r["A"] - r["C"]; if (d > 0) printf "%.1f", 100 * (r["A"] - r["B"]) / d }' "$out/periods")
echo "  messages written: $written; calls logtax kept: $kept (must be equal)"
if [ -n "$share" ]; then
	ok=$(awk -v s="$share" 'BEGIN { print (s >= 90) ? "true" : "false" }')
	echo "  the rule removed $share% of what writing nginx's debug log costs, (A - B) / (A - C)"
	if [ "$ok" = true ]; then
		echo "  target met: the rule removes at least 90% of the debug log's cost ($share%)"
	else
		echo "  target missed (noise can do this; bench/ measures with more runs): the rule removes at least 90% of the debug log's cost ($share%)"
	fi
else
	echo "  target missed: A did not cost more than C in this run"
fi
[ -z "$broken" ]
