# logtax ab --pid on Debian's nginx, which is not restarted: it runs under
# logtax run (ngx_log_error_core patched at its entry), or is started plain
# and attached, while one curl sends requests over one connection; the
# requests are counted from its access log (--rate-from 'wc -l <
# access.log'). Each A period predicts what `drop:*@debug` drops from its
# own generation; B periods drop debug calls; the rules are back at the
# end; and over all periods the calls logtax kept are exactly the messages
# nginx wrote meanwhile. Structure and exact counts only.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-nginx.sh"
[ "$(uname -m)" = x86_64 ] || skip_by_design "entry patching is x86-64 only"
nginx_need
hook='ngx_log_error_core:level=1:fmt=4:levels=8:debug,7:info,6:notice,5:warning,4:error,3:error,2:error,1:error'

# Waits until the error log stops growing.
log_settled() {
	local i size last=-1
	for i in $(seq 100); do
		size=$(stat -c %s "$NGINX_LOG")
		[ "$size" = "$last" ] && return 0
		last=$size
		sleep 0.3
	done
	fail "nginx's error log still grows after 30 s"
}

# ab_under_load WHAT: a load on the running nginx, ab --pid, the load stopped.
ab_under_load() {
	local what=$1 j=$T/$1.json
	# The load: requests until it is stopped (by pid, below or at exit).
	curl -s -K "$T/urls.cfg" >/dev/null 2>&1 &
	load=$!
	wait_until "$what: requests in the access log" test -s "$NGINX_ACCESS"
	"$LOGTAX" ab --pid "$NGINX_PID" --period 0.5 -n 2 --warmup 1 --b-filter 'drop:*@debug' \
		--rate-from "wc -l < $NGINX_ACCESS" --json "$j" >"$T/$what.out" 2>"$T/$what.err" ||
		fail "$what: ab --pid: $(cat "$T/$what.err")"
	kill -0 $load 2>/dev/null || fail "$what: the load ended during the periods (make urls.cfg longer)"
	expect_eq "$(jq -r '[.periods[].arm] | join("")' "$j")" "AABAB" "$what: periods alternate after a warm-up"
	jq -e '[.periods[] | .rate > 0 and .cpu_s >= 0] | all' "$j" >/dev/null ||
		fail "$what: periods: $(jq -c .periods "$j")"
	# A: every call kept, and of them the debug ones predicted dropped; B: debug calls dropped.
	jq -e '[.periods[] | select(.arm == "A") | .calls_dropped == 0 and .predicted_dropped_calls > 0
		and .predicted_dropped_calls <= .calls_kept] | all' "$j" >/dev/null ||
		fail "$what: A periods: $(jq -c '[.periods[] | select(.arm == "A")]' "$j")"
	jq -e '[.periods[] | select(.arm == "B") | .calls_dropped > 0] | all' "$j" >/dev/null ||
		fail "$what: B periods: $(jq -c '[.periods[] | select(.arm == "B")]' "$j")"
	jq -e '.comparisons[] | select(.measure == "cpu_per_rate_unit") | .saving_predicted | type == "number"' "$j" \
		>/dev/null || fail "$what: no prediction per request: $(jq -c .comparisons "$j")"
	expect_grep "^  saved beyond the prediction: [-+][0-9]* ns per dropped call" "$T/$what.out" \
		"$what: text: saving beyond the prediction"
	expect_grep "its rules are back to ''" "$T/$what.err" "$what: rules restored: message"
	expect_grep "^rules: (none" <("$LOGTAX" ctl "$NGINX_PID" status) "$what: rules restored"
	kill $load
	wait $load 2>/dev/null
	load=
	log_settled
	B_DROPPED=$(jq '[.periods[] | select(.arm == "B") | .calls_dropped] | add' "$j")
}

# "kept dropped" of a data file.
kept_dropped() { "$ANALYZE" report --format json "$1" | jq -r '.totals | "\(.kept) \(.dropped)"'; }

yes "url = \"http://127.0.0.1:0/\"
output = /dev/null" | head -n 200000 >"$T/urls.tpl"
load=

# Under logtax run: the data file, written at nginx's exit, has every call.
nginx_setup "$T/ngx"
sed "s/:0\//:$NGINX_PORT\//" "$T/urls.tpl" >"$T/urls.cfg"
mkdir -p "$T/lt"
nginx_start "$LOGTAX" run -o "$T/lt" --patch entry --hook "$hook" --
trap '[ -n "$load" ] && kill $load 2>/dev/null; nginx_kill; rm -rf "$T"' EXIT
ab_under_load run
nginx_stop
expect_eq "$NGINX_STATUS" 0 "run: nginx's exit status under logtax"
totals=$(kept_dropped "$(one_file "$T/lt")")
expect_eq "${totals% *}" "$(nginx_messages "$NGINX_LOG")" "run: calls kept over all periods against the messages written"
expect_ge "${totals#* }" "$B_DROPPED" "run: calls dropped"

# Attached to an nginx started without logtax, while it is idle: the
# messages written from then until the detach are the calls kept.
if sanitized address || sanitized thread; then
	note "a -fsanitize=$SANITIZE shim cannot be loaded into nginx (not linked with it): attach not tested"
	exit 0
fi
nginx_setup "$T/ngx-attach"
sed "s/:0\//:$NGINX_PORT\//" "$T/urls.tpl" >"$T/urls.cfg"
mkdir -p "$T/lt-attach"
nginx_start
trap '[ -n "$load" ] && kill $load 2>/dev/null; nginx_kill; rm -rf "$T"' EXIT
log_settled
m0=$(nginx_messages "$NGINX_LOG")
"$LOGTAX" attach -o "$T/lt-attach" --patch entry --hook "$hook" "$NGINX_PID" >"$T/attach.out" 2>&1 ||
	fail "attach failed: $(cat "$T/attach.out")"
ab_under_load attach
"$LOGTAX" detach "$NGINX_PID" >"$T/detach.out" 2>&1 || fail "detach failed: $(cat "$T/detach.out")"
m1=$(nginx_messages "$NGINX_LOG")
totals=$(kept_dropped "$(one_file "$T/lt-attach")")
expect_eq "${totals% *}" "$((m1 - m0))" "attach: calls kept over all periods against the messages written while attached"
expect_ge "${totals#* }" "$B_DROPPED" "attach: calls dropped"
nginx_stop
expect_eq "$NGINX_STATUS" 0 "attach: nginx's exit status after the detach"
exit 0
