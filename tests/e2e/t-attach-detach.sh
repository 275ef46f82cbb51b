# The shim loaded late, beyond counting: dlopen'ed but never attached it
# does nothing (no thread, no control file, no data file, no GOT entry
# changed); detached, its control thread is gone and a second detach finds
# no channel; attached again after a detach it starts afresh (a file of its
# own, with exactly the calls made since, written at exit); a process
# started under logtax run refuses logtax_attach and detach, each with one
# clear line.
. "$(dirname "$0")/../lib.sh"

export LEGACYLOG_MODE=fast
ctldir=${XDG_RUNTIME_DIR:-/tmp}/logtax-$(id -u)
ref=$T/ref
mkdir -p "$ref"
"$TP/attach-demo" 300 >"$ref/stdout" 2>"$ref/stderr" || fail "attach-demo alone failed"

# start NAME [VAR=VALUE...]: attach-demo 300 DIR in the background, with the shim
start() {
	local out=$T/$1
	shift
	mkdir -p "$out"
	(
		env ATTACH_SHIM="$SHIM" ATTACH_SETTINGS="LOGTAX_OUTPUT=$out
LOGTAX_SNAPSHOT=0
" "$@" "$TP/attach-demo" 300 "$out" >"$out/stdout" 2>"$out/stderr"
		echo "exit $?" >"$out/status"
	) &
	wait_until "$out: phase 2" test -s "$out/phase2"
	pid=$(cat "$out/phase2")
}
threads() { ls "/proc/$1/task" | wc -l; }

# Dormant: loaded, not attached.
start dormant ATTACH_DORMANT=1
expect_eq "$(threads "$pid")" 1 "dormant: no thread of the shim's"
! announced "$ctldir" "$pid" || fail "dormant: a control channel was set up"
touch "$T/dormant/go"
wait
expect_eq "$(cat "$T/dormant/status")" "exit 0" "dormant: exit status"
expect_same "$(cat "$ref/stdout")" "$(cat "$T/dormant/stdout")" "dormant: stdout"
expect_grep 'phase 2: legacy_log leads to liblegacylog.so' "$T/dormant/stderr" "dormant: GOT entry left alone"
expect_eq "$(data_files "$T/dormant" | wc -l)" 0 "dormant: no data file"

# Attached, detached, attached again.
# (the second attach is not given the first one's LOGTAX_TIME: the default again)
start again ATTACH_AGAIN=1 ATTACH_SETTINGS="LOGTAX_OUTPUT=$T/again
LOGTAX_TIME=all
" ATTACH_SETTINGS_AGAIN="LOGTAX_OUTPUT=$T/again
"
out=$T/again
wait_until "attached: the control thread" test "$(threads "$pid")" -eq 2
"$LOGTAX" ctl "$pid" detach >"$out/detach" 2>&1 || { cat "$out/detach" >&2; fail "detach"; }
wait_until "detached: the control thread ends" test "$(threads "$pid")" -eq 1
! announced "$ctldir" "$pid" || fail "detached: the control channel is still announced"
"$LOGTAX" ctl "$pid" detach >"$out/detach2" 2>&1
expect_eq "$?" 4 "a second detach: no channel any more"
touch "$out/go"
wait
expect_eq "$(cat "$out/status")" "exit 0" "attached again: exit status"
expect_eq "$(data_files "$out" | xargs -n1 basename | tr '\n' ' ')" "logtax.$pid.a1.ltx logtax.$pid.a2.ltx " "a file per attach"
expect_same "$(program_calls_by_source "$out/stdout")" "$(csv_calls_by_source "$out/logtax.$pid.a1.ltx")" "first attach: phase 2's calls"
expect_same "$(sed -n 's/^attach-demo: phase 3 calls source=\([^ ]*\) count=\([0-9]*\)$/\1 \2/p' "$out/stderr" | sort)" \
	"$(csv_calls_by_source "$out/logtax.$pid.a2.ltx")" "second attach: phase 3's calls only"
expect_eq "$("$ANALYZE" report --format json "$out/logtax.$pid.a2.ltx" | jq -r '.processes[0] | "\(.reason) \(.attach.number) \(.attach.detached)"')" \
	"exit 2 false" "second attach: written at exit"
expect_eq "$("$ANALYZE" report --format json "$out/logtax.$pid.a1.ltx" | jq -r '.processes[0].timing.mode')" all \
	"first attach: its time mode"
expect_eq "$("$ANALYZE" report --format json "$out/logtax.$pid.a2.ltx" | jq -r '.processes[0].timing.mode')" sample \
	"second attach: the default time mode, not the first attach's"
expect_grep 'phase 3: legacy_log leads to liblogtax.so' "$out/stderr" "attached again: the GOT entry is the shim's again"

# Under logtax run: the shim was preloaded.
out=$T/run
mkdir -p "$out"
ATTACH_SHIM=$SHIM "$LOGTAX" run -o "$out" -- "$TP/attach-demo" 100 >"$out/stdout" 2>"$out/stderr"
expect_eq "$?" 14 "preloaded: logtax_attach refused (4)"
expect_grep 'rc=4 already traced by logtax' "$out/stderr" "preloaded: why"
( "$LOGTAX" run -o "$out" -- "$TP/attach-demo" 300 "$out" >"$out/stdout2" 2>"$out/stderr2"; echo "exit $?" >"$out/status" ) &
wait_until "run: phase 2" test -s "$out/phase2"
pid=$(cat "$out/phase2")
wait_until "run: control channel" announced "$ctldir" "$pid"
"$LOGTAX" ctl "$pid" detach >"$out/detach" 2>&1
expect_eq "$?" 1 "preloaded: detach refused"
expect_grep 'detach is for a process logtax attached to; this one was started under logtax run' "$out/detach" "preloaded: why not"
touch "$out/go"
wait
expect_eq "$(cat "$out/status")" "exit 0" "preloaded: runs on"
