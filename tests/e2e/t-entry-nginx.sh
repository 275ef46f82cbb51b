# Debian's nginx, whose logger ngx_log_error_core lives in its own
# executable and is reached only by direct calls (2,229 call sites, 51 tail
# calls, no PLT entry): under entry patching every call is counted. The
# ground truth is the error log: one message per call (tests/e2e/
# t-nginx-harness.sh checks that with gdb). Per level, the calls logtax
# counted equal the messages nginx wrote; the templates come from fmt=4;
# dropping the debug level leaves no debug message in the log, and the
# calls kept are exactly the messages written; the same rule given to the
# running nginx with `logtax ctl` stops its debug messages from then on.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-nginx.sh"
. "$(dirname "$0")/../lib-entry.sh"
nginx_need
# nginx's levels: 1 emerg, 2 alert, 3 crit, 4 err, 5 warn, 6 notice, 7 info, 8 debug.
hook='ngx_log_error_core:level=1:fmt=4:levels=8:debug,7:info,6:notice,5:warning,4:error,3:error,2:error,1:error'
n=20

# logtax scan reads the level (first argument) and the format (fourth) from
# the calls: the errno argument, also a constant, is not taken for the level.
"$LOGTAX" scan --json "$NGINX" >"$T/scan.json" 2>"$T/scan.err" || fail "logtax scan $NGINX: $(cat "$T/scan.err")"
expect_eq "$(jq -r '.objects[0].functions[] | select(.name == "ngx_log_error_core") | .suggested_hook' "$T/scan.json")" \
	"ngx_log_error_core:level=1:fmt=4" "scan: the --hook suggested for ngx_log_error_core"

# "level_name count" of the messages in an error log, sorted.
log_levels() {
	sed -n 's/^[0-9/]* [0-9:]* \[\([a-z]*\)\] [0-9]*#[0-9]*: .*/\1/p' "$1" |
		sed 's/^warn$/warning/; s/^\(err\|crit\|alert\|emerg\)$/error/' | sort | uniq -c | awk '{ print $2, $1 }' | sort
}
# The same from a data file: "level_name count" of ngx_log_error_core, kept calls only.
lt_levels() {
	"$ANALYZE" report --format csv "$1" |
		csv_each '$c["entry"] == "ngx_log_error_core" && $c["action"] == "keep" { n[$c["level_name"]] += $c["calls"] }
			END { for (l in n) print l, n[l] }' | sort
}
load() { # WHAT [PATH-PREFIX]
	local i
	for i in $(seq $n); do
		expect_eq "$(nginx_get "${2:-/probe}/$i")" 200 "$1: request $i"
	done
}

for mode in auto entry; do
	nginx_setup "$T/nginx-$mode"
	mkdir -p "$T/lt-$mode"
	nginx_start "$LOGTAX" run -o "$T/lt-$mode" --patch $mode --hook "$hook" --
	load "$mode"
	nginx_idle
	nginx_stop
	expect_eq "$NGINX_STATUS" 0 "$mode: nginx's exit status under logtax"
	f=$(one_file "$T/lt-$mode")
	want=$(log_levels "$NGINX_LOG")
	note "$mode: messages per level: $(echo $want)"
	expect_eq "$(nginx_messages "$NGINX_LOG")" "$(echo "$want" | awk '{ n += $2 } END { print n }')" "$mode: messages read"
	expect_same "$want" "$(lt_levels "$f")" "$mode: calls of ngx_log_error_core per level against the messages written"
	tpl=$("$ANALYZE" report --format csv "$f" | csv_each '{ print $c["template"] }')
	grep -qF 'http request line: "%V"' <<<"$tpl" || fail "$mode: no template 'http request line: \"%V\"'"
done

# The debug level dropped: no debug message written; the calls kept are the
# messages written, and debug calls were made and dropped.
nginx_setup "$T/nginx-drop"
mkdir -p "$T/lt-drop"
nginx_start "$LOGTAX" run -o "$T/lt-drop" --hook "$hook" --filter 'drop:*@debug' --
load drop
nginx_idle
nginx_stop
f=$(one_file "$T/lt-drop")
expect_eq "$(grep -c '\[debug\]' "$NGINX_LOG")" 0 "drop: debug messages written"
expect_same "$(log_levels "$NGINX_LOG")" "$(lt_levels "$f")" "drop: calls kept against the messages written"
dropped=$("$ANALYZE" report --format csv "$f" |
	csv_each '$c["action"] == "drop" && $c["level_name"] == "debug" { n += $c["calls"] } END { print n + 0 }')
expect_ge "$dropped" $((10 * n)) "drop: debug calls dropped"
for i in $(seq $n); do
	expect_eq "$(grep -c "\"GET /probe/$i HTTP/1.1\" 200 " "$NGINX_ACCESS")" 1 "drop: request $i served"
done

# The rule given to the running nginx: requests before it are logged at
# debug level, requests after it are not; over both generations the calls
# kept are the messages written.
nginx_setup "$T/nginx-ctl"
mkdir -p "$T/lt-ctl"
nginx_start "$LOGTAX" run -o "$T/lt-ctl" --hook "$hook" --
load "before ctl" /before
nginx_idle
"$LOGTAX" ctl "$NGINX_PID" filter 'drop:*@debug' >"$T/ctl" 2>&1 || fail "logtax ctl filter: $(cat "$T/ctl")"
expect_eq "$(cat "$T/ctl")" "process $NGINX_PID: rules applied, generation 1" "ctl filter answer"
load "after ctl" /after
nginx_idle
nginx_stop
f=$(one_file "$T/lt-ctl")
for i in $(seq $n); do
	expect_eq "$(grep -c "http request line: \"GET /before/$i HTTP/1.1\"" "$NGINX_LOG")" 1 "ctl: request $i before, logged at debug"
	expect_eq "$(grep -c "http request line: \"GET /after/$i HTTP/1.1\"" "$NGINX_LOG")" 0 "ctl: request $i after, not logged"
done
expect_same "$(log_levels "$NGINX_LOG")" "$(lt_levels "$f")" "ctl: calls kept (both generations) against the messages written"
dropped=$("$ANALYZE" report --format csv "$f" |
	csv_each '$c["action"] == "drop" && $c["generation"] == 1 && $c["level_name"] == "debug" { n += $c["calls"] } END { print n + 0 }')
expect_ge "$dropped" $((10 * n)) "ctl: debug calls dropped in generation 1"
