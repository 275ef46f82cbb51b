# Sourced by tests that run Debian's nginx, after tests/lib.sh: a private
# nginx in a scratch folder, one process (daemon off, master_process off),
# writing everything to one error log at debug level, on 127.0.0.1 and a
# free port. Nothing of the machine's nginx is used but the binary and
# mime.types; no system service is touched.
#   nginx_setup DIR [N]      writes DIR/nginx.conf, DIR/www/; sets NGINX_DIR, NGINX_PORT,
#                            NGINX_LOG (the error log), NGINX_ACCESS (the access log).
#                            With N: a master and N worker processes that give up root
#                            for the user www-data (as root only), as Debian's nginx runs
#   nginx_start [PREFIX...]  starts nginx in the background (PREFIX: a command to run it
#                            under: logtax run ... --, gdb ...), waits until it answers;
#                            sets NGINX_PID (nginx's own pid, from its pid file)
#   nginx_get PATH           one request; prints the HTTP status
#   nginx_idle               waits until every connection nginx accepted is closed and
#                            its error log has stopped growing
#   nginx_stop               stops it by pid (SIGQUIT: a graceful exit), waits for the
#                            background job; fails if it does not stop within 30 s
#   nginx_messages FILE      the number of messages in an error log: lines that start
#                            with "YYYY/MM/DD HH:MM:SS [level] pid#tid: ". One call of
#                            ngx_log_error_core writes one message; a message may span
#                            lines (the debug dump of a response's header does)
NGINX=${NGINX:-/usr/sbin/nginx}

# Dependencies: the test cannot run without them (a failure under CI=true).
nginx_need() {
	[ -x "$NGINX" ] || skip "nginx is not installed (scripts/install-deps.sh test installs nginx-core)"
	command -v curl >/dev/null || skip "curl is not installed (scripts/install-deps.sh test installs it)"
	command -v perl >/dev/null || skip "perl is not installed (scripts/install-deps.sh test installs it)"
	# Debug lines need an nginx built --with-debug (Debian's is).
	"$NGINX" -V 2>&1 | grep -q -- '--with-debug' || skip "$NGINX is not built --with-debug: no debug lines"
}

# A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice).
nginx_free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, ReuseAddr => 1)
			or die "no free port: $!\n";
		print $s->sockport, "\n";'
}

nginx_setup() {
	NGINX_DIR=$1
	NGINX_LOG=$NGINX_DIR/error.log
	NGINX_ACCESS=$NGINX_DIR/access.log
	NGINX_PORT=$(nginx_free_port) || fail "no free port for nginx"
	mkdir -p "$NGINX_DIR/www" "$NGINX_DIR/tmp"
	echo "hello from logtax's test nginx" >"$NGINX_DIR/www/index.html"
	# Every path inside NGINX_DIR: the machine's /var/log/nginx and
	# /var/lib/nginx are neither read nor written.
	local procs="master_process off;
worker_processes 1;"
	if [ -n "${2:-}" ]; then
		procs="master_process on;
worker_processes $2;
user www-data;"
		# the workers, as www-data, read the pages
		chmod 0711 "$T" && chmod 0755 "$NGINX_DIR" "$NGINX_DIR/www" && chmod 0644 "$NGINX_DIR/www/index.html"
	fi
	cat >"$NGINX_DIR/nginx.conf" <<-CONF
	daemon off;
	$procs
	pid $NGINX_DIR/nginx.pid;
	error_log $NGINX_LOG debug;
	events {
		worker_connections 64;
	}
	http {
		include /etc/nginx/mime.types;
		access_log $NGINX_ACCESS;
		client_body_temp_path $NGINX_DIR/tmp/body;
		proxy_temp_path $NGINX_DIR/tmp/proxy;
		fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
		uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
		scgi_temp_path $NGINX_DIR/tmp/scgi;
		server {
			listen 127.0.0.1:$NGINX_PORT;
			root $NGINX_DIR/www;
			location / {
				try_files \$uri /index.html;
			}
		}
	}
	CONF
	# nginx -t reads the configuration without starting (it writes to the
	# error log: that file is started afresh below).
	"$NGINX" -t -q -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_LOG" 2>"$NGINX_DIR/conf.err" ||
		fail "nginx -t: $(cat "$NGINX_DIR/conf.err")"
	rm -f "$NGINX_LOG"
}

nginx_get() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 30 "http://127.0.0.1:$NGINX_PORT$1"
}

nginx_answers() { [ "$(nginx_get /ready 2>/dev/null)" = 200 ]; }

nginx_start() {
	"$@" "$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_LOG" \
		>"$NGINX_DIR/stdout" 2>"$NGINX_DIR/stderr" </dev/null &
	NGINX_JOB=$!
	await_daemon nginx "$NGINX_JOB" "$NGINX_DIR/nginx.pid" nginx_answers "$NGINX_DIR/stderr" "$NGINX_LOG" ||
		{ nginx_kill; fail "nginx did not answer on 127.0.0.1:$NGINX_PORT within 60 s"; }
	NGINX_PID=$(cat "$NGINX_DIR/nginx.pid")
	# The test's scratch folder goes at exit: nginx must not outlive it.
	trap 'nginx_kill; rm -rf "$T"' EXIT
}

# Last resort (a failed test): SIGKILL to nginx and to the job started.
nginx_kill() {
	[ -n "${NGINX_PID:-}" ] && kill -KILL "$NGINX_PID" 2>/dev/null
	[ -n "${NGINX_JOB:-}" ] && kill -KILL "$NGINX_JOB" 2>/dev/null
	return 0
}

nginx_messages() {
	grep -cE '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \[[a-z]+\] [0-9]+#[0-9]+: ' "$1"
}

# A signal that lands while nginx is stopped at a debugger's breakpoint
# shows the debugger that call twice: stop nginx only when it is idle.
nginx_idle() {
	local i size last=-1 accepted closed
	for i in $(seq 300); do
		accepted=$(grep -c '\] [0-9]*#[0-9]*: accept on ' "$NGINX_LOG")
		closed=$(grep -c '\] [0-9]*#[0-9]*: \*[0-9]* close http connection: ' "$NGINX_LOG")
		size=$(stat -c %s "$NGINX_LOG")
		[ "$accepted" = "$closed" ] && [ "$size" = "$last" ] && return 0
		last=$size
		sleep 0.2
	done
	fail "nginx did not become idle within 60 s ($accepted connections accepted, $closed closed)"
}

nginx_stop() {
	stop_daemon nginx QUIT "$NGINX_PID" "$NGINX_JOB" nginx_kill
	NGINX_STATUS=$DAEMON_STATUS
	NGINX_PID= NGINX_JOB=
}
