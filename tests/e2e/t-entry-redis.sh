# Debian's redis-server, whose logger _serverLog lives in its own
# executable and is reached only by direct calls (577 call sites and 18
# tail calls in 7.0.15, no PLT entry), hooked with --hook under entry
# patching; `logtax scan` suggests that hook from what the calls pass. The ground truth is redis's log file: one line per call of
# _serverLog (tests/lib-redis.sh). Per level, the calls logtax counted
# equal the lines redis wrote, under `logtax run` (auto and entry), with
# a rule that drops redis's debug and verbose messages (none written, the
# rest counted exactly), and attached to a redis started without logtax:
# the calls counted while attached are the lines written meanwhile; a rule
# given with `logtax ctl` stops the lines; after the detach redis logs as
# before and the data file no longer moves.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-redis.sh"
. "$(dirname "$0")/../lib-entry.sh"
redis_need
n=30
if sanitized address; then
	# redis is linked with jemalloc, which the loader finds before the
	# shim's ASan runtime (a dependency of the shim comes after the
	# program's own libraries): ASan then starts on jemalloc's malloc and
	# crashes before main. Preloaded beside the shim it comes first, as
	# ASan wants.
	LD_PRELOAD=$(ldd "$SHIM" | awk '/libasan/ { print $3 }')
	export LD_PRELOAD
fi

# logtax scan reads the hook's arguments from _serverLog's calls: the level
# a constant in the first, the format a string in the second.
"$LOGTAX" scan --json "$REDIS" >"$T/scan.json" 2>"$T/scan.err" || fail "logtax scan $REDIS: $(cat "$T/scan.err")"
expect_eq "$(jq -r '.objects[0].functions[] | select(.name == "_serverLog") | .suggested_hook' "$T/scan.json")" \
	"_serverLog:level=1:fmt=2" "scan: the --hook suggested for _serverLog"
"$LOGTAX" scan "$REDIS" >"$T/scan.txt" 2>&1 || fail "logtax scan $REDIS (text): $(tail -3 "$T/scan.txt")"
expect_grep "^    logtax run --hook '_serverLog:level=1:fmt=2' -- $REDIS\$" "$T/scan.txt" "scan: the command suggested"
# serverLogRaw(int level, const char *msg) has no format: suggested only
# when named with --hook (its callers mostly pass a level they computed:
# no level= then).
expect_eq "$(jq -r '.objects[0].functions[] | select(.name == "serverLogRaw") | .suggested_hook' "$T/scan.json")" \
	null "scan: serverLogRaw, not named: no suggestion"
"$LOGTAX" scan --json --hook serverLogRaw "$REDIS" >"$T/scan2.json" 2>"$T/scan.err" || fail "logtax scan --hook: $(cat "$T/scan.err")"
expect_eq "$(jq -r '.objects[0].functions[] | select(.name == "serverLogRaw") | .suggested_hook' "$T/scan2.json")" \
	"serverLogRaw" "scan --hook serverLogRaw: the --hook suggested"

# The same as redis_levels, from a data file: "level count" of _serverLog's
# calls with ACTION (keep by default) in generation GEN (any by default).
lt_levels() { # FILE [ACTION [GEN]]
	"$ANALYZE" report --format csv "$1" |
		csv_each '$c["entry"] == "_serverLog" && $c["action"] == act && (gen == "" || $c["generation"] == gen) { n[$c["level_name"]] += $c["calls"] }
			END { for (l in n) print l, n[l] }' -v act="${2:-keep}" -v gen="${3:-}" | sort
}
sum_levels() { awk '{ n += $2 } END { print n + 0 }'; }

for mode in auto entry; do
	redis_setup "$T/redis-$mode"
	mkdir -p "$T/lt-$mode"
	redis_start "$LOGTAX" run -o "$T/lt-$mode" --patch $mode --hook "$REDIS_HOOK" --
	redis_load $n
	redis_idle
	redis_stop
	expect_eq "$REDIS_STATUS" 0 "$mode: redis's exit status under logtax"
	f=$(one_file "$T/lt-$mode")
	want=$(redis_levels "$REDIS_LOG")
	note "$mode: messages per level: $(echo $want)"
	expect_ge "$(echo "$want" | sum_levels)" $((2 * n)) "$mode: messages read"
	expect_same "$want" "$(lt_levels "$f")" "$mode: calls of _serverLog per level against the lines written"
	tpl=$("$ANALYZE" report --format csv "$f" | csv_each '{ print $c["template"] }')
	grep -qF 'Accepted connection to %s' <<<"$tpl" || fail "$mode: no template 'Accepted connection to %s'"
done

# Debug and verbose dropped: none written; the calls kept are the lines
# written; each connection's two verbose calls were made and dropped.
redis_setup "$T/redis-drop"
mkdir -p "$T/lt-drop"
redis_start "$LOGTAX" run -o "$T/lt-drop" --hook "$REDIS_HOOK" --filter 'drop:*@<=info' --
redis_load $n
# The closes are not logged now: wait until logtax has seen them dropped.
dropped_info() { "$LOGTAX" ctl "$REDIS_PID" status | sed -n 's/^calls dropped: //p'; }
wait_until "redis: every connection's close dropped" test "$(dropped_info)" -ge $((2 * n + 2))
redis_stop
expect_eq "$REDIS_STATUS" 0 "drop: redis's exit status under logtax"
f=$(one_file "$T/lt-drop")
expect_eq "$(redis_levels "$REDIS_LOG" | grep -cE '^(debug|info) ')" 0 "drop: debug and verbose lines written"
expect_same "$(redis_levels "$REDIS_LOG")" "$(lt_levels "$f")" "drop: calls kept against the lines written"
expect_ge "$(lt_levels "$f" drop | awk '$1 == "info"' | sum_levels)" $((2 * n)) "drop: verbose calls dropped"

# Attached to a redis started without logtax (loglevel verbose: no debug
# message from its timer, so every message comes from a connection made
# here and the counts are exact at any moment redis is idle).
if sanitized address || sanitized thread; then
	note "a sanitized shim cannot be loaded into a running redis (not linked with the sanitizer's runtime): attach left out"
	exit 0
fi
redis_setup "$T/redis-attach" verbose
mkdir -p "$T/lt-attach"
redis_start
redis_load 3
redis_idle
l0=$(wc -l <"$REDIS_LOG")
"$LOGTAX" attach -o "$T/lt-attach" --hook "$REDIS_HOOK" "$REDIS_PID" >"$T/attach.out" 2>&1 ||
	fail "logtax attach: $(cat "$T/attach.out")"
redis_load $n
redis_idle
l1=$(wc -l <"$REDIS_LOG")
"$LOGTAX" ctl "$REDIS_PID" filter 'drop:*@<=info' >"$T/ctl" 2>&1 || fail "logtax ctl filter: $(cat "$T/ctl")"
expect_eq "$(cat "$T/ctl")" "process $REDIS_PID: rules applied, generation 1" "ctl filter answer"
redis_load $n
wait_until "redis: every connection's close dropped" test "$(dropped_info)" -ge $((2 * n))
expect_eq "$(wc -l <"$REDIS_LOG")" "$l1" "attached, under the rule: lines written"
"$LOGTAX" detach "$REDIS_PID" >"$T/detach.out" 2>&1 || fail "logtax detach: $(cat "$T/detach.out")"
f=$(one_file "$T/lt-attach")
sum=$(md5sum <"$f")
sed -n "$((l0 + 1)),${l1}p" "$REDIS_LOG" >"$T/attached.log"
want=$(redis_levels "$T/attached.log")
note "attached: messages per level: $(echo $want)"
expect_ge "$(echo "$want" | sum_levels)" $((2 * n)) "attached: messages read"
expect_same "$want" "$(lt_levels "$f" keep 0)" "attached: calls of _serverLog per level against the lines written"
expect_eq "$(lt_levels "$f" keep 1)" "" "attached, under the rule: calls kept"
expect_eq "$(lt_levels "$f" drop 1)" "info $((2 * n))" "attached, under the rule: calls dropped"
# Detached: redis logs every connection again; the data file is final.
redis_load $n
redis_idle
expect_eq "$(($(wc -l <"$REDIS_LOG") - l1))" $((2 * n)) "detached: lines written for $n connections"
expect_eq "$(md5sum <"$f")" "$sum" "the data file does not move after detach"
redis_stop
expect_eq "$REDIS_STATUS" 0 "redis's exit status after attach and detach"
