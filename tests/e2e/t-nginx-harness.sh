# The ground truth for counting a logger that lives in its own executable:
# Debian's nginx (built --with-debug), one process, error_log at debug
# level, under a small curl load. nginx logs through ngx_log_error_core,
# which writes one message per call to the one error log (a message is
# one line but for the debug dump of a response's header, which spans
# several). This test checks the harness (tests/lib-nginx.sh) and that
# claim, with gdb counting the calls at a breakpoint, in the same run: the
# number of calls equals the number of messages written, and each request
# shows up once. A later test compares logtax's count of
# ngx_log_error_core (entry patching) with the messages, as here.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-nginx.sh"
[ "$(uname -m)" = x86_64 ] || skip_by_design "x86-64 only (Debian's nginx symbols as read here)"
nginx_need
command -v gdb >/dev/null || skip "gdb is not installed (scripts/install-deps.sh test installs it)"

nginx_setup "$T/nginx"
cat >"$T/count.gdb" <<'GDB'
set pagination off
set confirm off
set debuginfod enabled off
handle SIGQUIT nostop noprint pass
handle SIGPIPE nostop noprint pass
set $calls = 0
break ngx_log_error_core
commands
silent
set $calls = $calls + 1
continue
end
run
printf "ground truth: ngx_log_error_core calls=%d\n", $calls
GDB
nginx_start gdb -q -nx -batch -x "$T/count.gdb" --args
n=20
for i in $(seq $n); do
	expect_eq "$(nginx_get "/probe/$i")" 200 "request $i"
done
nginx_idle
nginx_stop
expect_eq "$NGINX_STATUS" 0 "gdb's exit status (nginx ran to its end)"
calls=$(sed -n 's/^ground truth: ngx_log_error_core calls=\([0-9]*\)$/\1/p' "$NGINX_DIR/stdout")
[ -n "$calls" ] || fail "gdb printed no count: $(tail -n 5 "$NGINX_DIR/stdout" "$NGINX_DIR/stderr")"
lines=$(wc -l <"$NGINX_LOG")
messages=$(nginx_messages "$NGINX_LOG")
headers=$(grep -c '\] [0-9]*#[0-9]*: \*[0-9]* HTTP/1.1 200 OK' "$NGINX_LOG")
note "nginx wrote $messages messages ($lines lines) for $n requests and the readiness probes; gdb counted $calls calls"
expect_eq "$calls" "$messages" "ngx_log_error_core calls (gdb) against messages in the error log"
# The lines that do not start a message are the response headers' dumps,
# "HTTP/1.1 200 OK" then 9 header lines and an empty one.
expect_eq "$((lines - messages))" "$((9 * headers))" "lines beyond one per message (9 per response header dumped)"
debug=$(grep -c '\[debug\] ' "$NGINX_LOG")
expect_ge "$debug" $((10 * n)) "debug lines (nginx -V says --with-debug)"
for i in $(seq $n); do
	expect_eq "$(grep -c "http request line: \"GET /probe/$i HTTP/1.1\"" "$NGINX_LOG")" 1 "request $i in the error log"
	expect_eq "$(grep -c "\"GET /probe/$i HTTP/1.1\" 200 " "$NGINX_ACCESS")" 1 "request $i in the access log"
done
