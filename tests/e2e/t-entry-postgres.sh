# Debian's PostgreSQL, whose logger lives in its own executable: ereport and
# elog call errstart (1,592 direct calls and one tail call in 15.x, from
# errstart_cold, which the 8,486 call sites of ERROR and above go through),
# hooked with --hook under entry patching. The postmaster forks a process
# per connection and its helpers, each writing its own data file. The
# ground truth is the server's log: one message per call of errstart
# (tests/lib-postgres.sh). Per process and level, the calls logtax counted
# equal the messages written; with the debug levels dropped none is written
# (errstart then answers "not written", as PostgreSQL itself does below
# log_min_messages), the rest are counted exactly, and an ERROR still
# reaches the client. `logtax scan` suggests the hooks from the calls.
# With keep=21 (ERROR and above) even `drop:*` leaves errors be.
# Attached (as root) to a postmaster running as postgres, the backends it
# forks count the same, and `logtax ctl` and `detach` reach it.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-postgres.sh"
. "$(dirname "$0")/../lib-entry.sh"
pg_need
n=10

"$LOGTAX" scan --json --hook errstart --hook errfinish "$PG_BIN/postgres" >"$T/scan.json" 2>"$T/scan.err" ||
	fail "logtax scan: $(cat "$T/scan.err")"
hook_of() { jq -r --arg f "$1" '.objects[0].functions[] | select(.name == $f) | .suggested_hook' "$T/scan.json"; }
expect_eq "$(hook_of errstart)" "errstart:level=1" "scan: the --hook suggested for errstart"
expect_eq "$(hook_of errfinish)" "errfinish:func=3:file=1:line=2" "scan: the --hook suggested for errfinish"

# "pid level count" of errstart's calls with ACTION in data files, summed per process.
lt_levels() { # ACTION FILE...
	local act=$1 f
	shift
	for f in "$@"; do
		"$ANALYZE" report --format csv "$f" |
			csv_each '$c["entry"] == "errstart" && $c["action"] == act { print $c["pid"], $c["level_name"], $c["calls"] }' -v act="$act"
	done | awk '{ n[$1 " " $2] += $3 } END { for (k in n) print k, n[k] }' | sort
}
load() {
	local i
	for i in $(seq $n); do
		expect_eq "$(pg_sql "select $i * 7")" $((i * 7)) "$1: query $i"
	done
}

pg_setup "$T/pg-run"
pg_as mkdir "$PG_DIR/out"
pg_start "$PG_LOGTAX" run -o "$PG_DIR/out" --hook "$PG_HOOK" --
load run
pg_stop
expect_eq "$PG_STATUS" 0 "postgres's exit status under logtax"
mapfile -t files < <(data_files "$PG_DIR/out")
expect_ge "${#files[@]}" $((n + 3)) "data files: the postmaster, its helpers, a backend per query"
want=$(pg_levels "$PG_LOG")
note "messages per level: $(echo "$want" | awk '{ n[$2] += $3 } END { for (l in n) printf "%s %d ", l, n[l] }')in ${#files[@]} processes"
expect_ge "$(echo "$want" | awk '$2 == "debug" { n += $3 } END { print n + 0 }')" $((10 * n)) "debug messages read"
expect_same "$want" "$(lt_levels keep "${files[@]}")" "calls of errstart per process and level against the messages written"

# The debug levels dropped: none written; the rest counted exactly; an
# ERROR still reaches the client.
pg_setup "$T/pg-drop"
pg_as mkdir "$PG_DIR/out"
pg_start "$PG_LOGTAX" run -o "$PG_DIR/out" --hook "$PG_HOOK" --filter 'drop:*@debug' --
load drop
expect_grep 'division by zero' <(pg_sql 'select 1/0') "drop: an ERROR reaches the client"
pg_stop
expect_eq "$PG_STATUS" 0 "drop: postgres's exit status under logtax"
mapfile -t files < <(data_files "$PG_DIR/out")
expect_eq "$(grep -c ' DEBUG:  ' "$PG_LOG")" 0 "drop: debug messages written"
expect_grep '^[0-9]* 22012 ERROR:  division by zero' "$PG_LOG" "drop: the ERROR written"
expect_same "$(pg_levels "$PG_LOG")" "$(lt_levels keep "${files[@]}")" "drop: calls kept against the messages written"
expect_ge "$(lt_levels drop "${files[@]}" | awk '$2 == "debug" { n += $3 } END { print n + 0 }')" $((10 * n)) \
	"drop: debug calls dropped"

# keep=21: every rule spares ERROR and above, which ereport cannot do
# without (errstart must say "written" there); `drop:*` then drops all the
# rest, and the ERROR still reaches the client and the log.
pg_setup "$T/pg-keep"
pg_as mkdir "$PG_DIR/out"
pg_start "$PG_LOGTAX" run -o "$PG_DIR/out" --hook "$PG_HOOK:keep=21" --filter 'drop:*' --
load keep
expect_grep 'division by zero' <(pg_sql 'select 1/0') "keep: an ERROR reaches the client"
pg_stop
expect_eq "$PG_STATUS" 0 "keep: postgres's exit status under logtax"
mapfile -t files < <(data_files "$PG_DIR/out")
expect_eq "$(pg_levels "$PG_LOG" | awk '{ print $2 }' | sort -u | tr '\n' ' ')" "error " "keep: levels written"
expect_grep '^[0-9]* 22012 ERROR:  division by zero' "$PG_LOG" "keep: the ERROR written"
expect_same "$(pg_levels "$PG_LOG")" "$(lt_levels keep "${files[@]}")" "keep: calls kept against the messages written"
expect_eq "$(lt_levels drop "${files[@]}" | awk '$2 == "error" { n += $3 } END { print n + 0 }')" 0 "keep: error calls dropped"
expect_ge "$(lt_levels drop "${files[@]}" | awk '{ n += $3 } END { print n + 0 }')" $((10 * n)) "keep: calls dropped"

# Attached to a postmaster started without logtax (as root: a process of
# the postgres user, controlled by root): each backend forked after the
# attach inherits the shim and writes its own data file; its calls per
# level equal its messages. A rule given with `logtax ctl` reaches the
# backends forked after it; `logtax detach` answers.
if sanitized address || sanitized thread; then
	note "a sanitized shim cannot be loaded into a running postgres (not linked with the sanitizer's runtime): attach left out"
	exit 0
fi
pg_setup "$T/pg-attach"
pg_as mkdir "$PG_DIR/out"
pg_start
"$PG_LOGTAX" attach -o "$PG_DIR/out" --hook "$PG_HOOK" "$PG_PID" >"$T/attach.out" 2>&1 ||
	fail "logtax attach: $(cat "$T/attach.out")"
# The backends of a phase, once each has ended and written its data file.
backends() { # GENERATION-LABEL
	find "$PG_DIR/out" -name 'logtax.*.a1.ltx' ! -name "logtax.$PG_PID.a1.ltx" | sort >"$T/files.$1"
	comm -13 "$T/seen" "$T/files.$1"
}
: >"$T/seen"
load attached
wait_until "attached: a data file from each backend" test "$(backends before | wc -l)" -ge $n
backends before >"$T/before"
cp "$T/files.before" "$T/seen"
"$PG_LOGTAX" ctl "$PG_PID" filter 'drop:*@debug' >"$T/ctl" 2>&1 || fail "logtax ctl filter: $(cat "$T/ctl")"
expect_eq "$(cat "$T/ctl")" "process $PG_PID: rules applied, generation 1" "ctl filter answer"
load "attached, rule"
wait_until "attached, rule: a data file from each backend" test "$(backends after | wc -l)" -ge $n
backends after >"$T/after"
"$PG_LOGTAX" detach "$PG_PID" >"$T/detach.out" 2>&1 || fail "logtax detach: $(cat "$T/detach.out")"
pg_stop
expect_eq "$PG_STATUS" 0 "attached: postgres's exit status"
# Only the backends' own lines: the postmaster's before and after the attach are not all seen.
pids_of() { sed 's/.*logtax\.\([0-9]*\)\.a1\.ltx$/\1/' "$1" | tr '\n' '|' | sed 's/|$//'; }
for phase in before after; do
	mapfile -t files <"$T/$phase"
	want=$(pg_levels "$PG_LOG" | grep -E "^($(pids_of "$T/$phase")) ")
	expect_same "$want" "$(lt_levels keep "${files[@]}")" "attached, $phase the rule: each backend's calls per level against its messages"
done
expect_ge "$(lt_levels keep $(cat "$T/before") | awk '$2 == "debug" { n += $3 } END { print n + 0 }')" $((10 * n)) \
	"attached: debug calls kept before the rule"
expect_eq "$(lt_levels keep $(cat "$T/after") | awk '$2 == "debug" { n += $3 } END { print n + 0 }')" 0 \
	"attached: debug calls kept under the rule"
expect_ge "$(lt_levels drop $(cat "$T/after") | awk '$2 == "debug" { n += $3 } END { print n + 0 }')" $((10 * n)) \
	"attached: debug calls dropped under the rule"
