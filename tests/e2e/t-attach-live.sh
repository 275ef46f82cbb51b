# logtax attach (the injector) and the shim together, on an event loop that
# counts its own calls: attached from outside while the program waits
# between two phases, logtax counts exactly the calls of the phase after;
# detached while it waits again, its later calls reach liblegacylog without
# the shim (its GOT entry and legacy_log's first bytes as before), the
# shim's thread is gone, nothing more is written; stdout and exit status
# are those of a run never attached.
. "$(dirname "$0")/../lib.sh"

[ -x "$B/libexec/logtax/logtax-attach" ] ||
	skip_by_design "no injector in this tree (logtax attach); t-attach-counts loads the shim from the program itself"

export LEGACYLOG_MODE=fast ATTACH_PHASE4=1
ref=$T/ref
mkdir -p "$ref"
touch "$ref/go" "$ref/go3"
"$TP/attach-demo" 500 "$ref" >"$ref/stdout" 2>"$ref/stderr"
echo "exit $?" >"$ref/status"

out=$T/live
mkdir -p "$out"
( "$TP/attach-demo" 500 "$out" >"$out/stdout" 2>"$out/stderr"; echo "exit $?" >"$out/status" ) &
wait_until "phase 2" test -s "$out/phase2"
pid=$(cat "$out/phase2")
"$LOGTAX" attach -o "$out" --time all "$pid" >"$out/attach" 2>&1 || { cat "$out/attach" >&2; fail "logtax attach"; }
expect_grep "attached: .* GOT entries" "$out/attach" "attach answer"
note "$(grep -o 'stopped .*' "$out/attach")"
touch "$out/go"
wait_until "phase 3" test -s "$out/phase3"
"$LOGTAX" ctl "$pid" detach >"$out/detach" 2>&1 || { cat "$out/detach" >&2; fail "detach"; }
wait_until "detached: the shim's thread ends" test "$(ls "/proc/$pid/task" | wc -l)" -eq 1
touch "$out/go3"
wait
expect_same "$(cat "$ref/stdout")" "$(cat "$out/stdout")" "stdout as without attach"
expect_eq "$(cat "$out/status")" "$(cat "$ref/status")" "exit status"
expect_grep 'phase 3: legacy_log leads to liblogtax.so' "$out/stderr" "attached: the GOT entry is the shim's"
expect_grep 'phase 4: legacy_log leads to liblegacylog.so' "$out/stderr" "detached: the library's again"
expect_eq "$(data_files "$out" | xargs -n1 basename)" "logtax.$pid.a1.ltx" "one data file, the attach's"
f=$out/logtax.$pid.a1.ltx
expect_same "$(sed -n 's/^attach-demo: phase 3 calls source=\([^ ]*\) count=\([0-9]*\)$/\1 \2/p' "$out/stderr" | sort)" \
	"$(csv_calls_by_source "$f")" "calls per source: phase 3's, exactly"
w3=$(sed -n 's/^attach-demo: phase 3: .*waits=//p' "$out/stderr")
pg=$(sed -n 's/^attach-demo: waited for go: \([0-9]*\) polls$/\1/p' "$out/stderr")
pg3=$(sed -n 's/^attach-demo: waited for go3: \([0-9]*\) polls$/\1/p' "$out/stderr")
waits=$("$ANALYZE" report --format json "$f" | jq '[.threads[].waits] | add')
expect_ge "$waits" "$w3" "waits: phase 3's all counted"
expect_le "$waits" "$((w3 + pg + pg3))" "waits: none before the attach or after the detach"
expect_eq "$("$ANALYZE" report --format json "$f" | jq -r '.processes[0] | "\(.reason) \(.attach.detached)"')" "detach true" \
	"written at the detach"
