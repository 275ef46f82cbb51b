# logtax ab --pid on Debian's nginx, which is not restarted: it runs under
# logtax run (ngx_log_error_core patched at its entry) while one curl sends
# requests over one connection, and the requests are counted from its
# access log (--rate-from 'wc -l < access.log'). Each A period predicts what
# `drop:*@debug` drops from its own generation; B periods drop debug calls;
# the rules are back at the end; and over all periods the calls logtax kept
# are exactly the messages nginx wrote. Structure and exact counts only.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-nginx.sh"
[ "$(uname -m)" = x86_64 ] || skip_by_design "entry patching is x86-64 only"
nginx_need
hook='ngx_log_error_core:level=1:fmt=4:levels=8:debug,7:info,6:notice,5:warning,4:error,3:error,2:error,1:error'

nginx_setup "$T/ngx"
mkdir -p "$T/lt"
nginx_start "$LOGTAX" run -o "$T/lt" --patch entry --hook "$hook" --
# The load: requests until it is stopped (by pid, below or at exit).
yes "url = \"http://127.0.0.1:$NGINX_PORT/\"
output = /dev/null" | head -n 200000 >"$T/urls.cfg"
curl -s -K "$T/urls.cfg" >/dev/null 2>&1 &
load=$!
trap 'kill $load 2>/dev/null; nginx_kill; rm -rf "$T"' EXIT
wait_until "requests in the access log" test -s "$NGINX_ACCESS"

"$LOGTAX" ab --pid "$NGINX_PID" --period 0.5 -n 2 --warmup 1 --b-filter 'drop:*@debug' \
	--rate-from "wc -l < $NGINX_ACCESS" --json "$T/ab.json" >"$T/out" 2>"$T/err" || fail "ab --pid: $(cat "$T/err")"
j=$T/ab.json
kill -0 $load 2>/dev/null || fail "the load ended during the periods (make urls.cfg longer)"
expect_eq "$(jq -r '[.periods[].arm] | join("")' "$j")" "AABAB" "periods alternate after a warm-up"
jq -e '[.periods[] | .rate > 0 and .cpu_s >= 0] | all' "$j" >/dev/null || fail "periods: $(jq -c .periods "$j")"
# A: every call kept, and of them the debug ones predicted dropped; B: debug calls dropped.
jq -e '[.periods[] | select(.arm == "A") | .calls_dropped == 0 and .predicted_dropped_calls > 0
	and .predicted_dropped_calls <= .calls_kept] | all' "$j" >/dev/null ||
	fail "A periods: $(jq -c '[.periods[] | select(.arm == "A")]' "$j")"
jq -e '[.periods[] | select(.arm == "B") | .calls_dropped > 0] | all' "$j" >/dev/null ||
	fail "B periods: $(jq -c '[.periods[] | select(.arm == "B")]' "$j")"
jq -e '.comparisons[] | select(.measure == "cpu_per_rate_unit") | .saving_predicted | type == "number"' "$j" \
	>/dev/null || fail "no prediction per request: $(jq -c .comparisons "$j")"
expect_grep "^  saved beyond the prediction: [-+][0-9]* ns per dropped call" "$T/out" "text: saving beyond the prediction"
expect_grep "its rules are back to ''" "$T/err" "rules restored: message"
expect_grep "^rules: (none" <("$LOGTAX" ctl "$NGINX_PID" status) "rules restored"

# Stop the load; once the error log stops growing, nginx. Its data file has
# every call: the kept ones are the messages in the error log.
kill $load
wait $load 2>/dev/null
last=-1
for i in $(seq 100); do
	size=$(stat -c %s "$NGINX_LOG")
	[ "$size" = "$last" ] && break
	last=$size
	sleep 0.3
done
nginx_stop
expect_eq "$NGINX_STATUS" 0 "nginx's exit status under logtax"
f=$(one_file "$T/lt")
totals=$("$ANALYZE" report --format json "$f" | jq -r '.totals | "\(.kept) \(.dropped)"')
expect_eq "${totals% *}" "$(nginx_messages "$NGINX_LOG")" "calls kept over all periods against the messages written"
expect_ge "${totals#* }" "$(jq '[.periods[] | select(.arm == "B") | .calls_dropped] | add' "$j")" "calls dropped"
exit 0
