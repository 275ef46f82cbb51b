# Threads that block every signal (as GLib starts its threads) and run
# without pause through stress_direct (a function of the program, called
# directly, hooked) and legacy_log while the shim is attached with
# --patch entry: patching an entry puts an int3 there first, and a thread
# that met it with SIGTRAP blocked would be killed by the kernel, with the
# whole process. The shim refuses such entries while such a thread runs,
# says why in ctl status (the built-in legacy_log and the --hook target
# stress_direct alike, once each in every attach), and counts legacy_log
# through its GOT entry instead; the program ends well (every call reached liblegacylog, its own
# counter) and each attach's file holds every legacy_log call made while
# attached.
. "$(dirname "$0")/../lib.sh"

[ "$(uname -m)" = x86_64 ] || skip_by_design "entry patching is x86-64 only"
export LEGACYLOG_MODE=fast
cycles=3
out=$T/o
mkdir -p "$out"
(
	STRESS_BLOCK_SIGNALS=1 ATTACH_SHIM=$SHIM ATTACH_SETTINGS="LOGTAX_OUTPUT=$out
LOGTAX_PATCH=entry
LOGTAX_HOOK=stress_direct
LOGTAX_SNAPSHOT=0
" "$TP/attach-stress" 4 $cycles "$out" >"$out/stdout" 2>"$out/stderr"
	echo "exit $?" >"$out/status"
) &
stress_cycles "$out" $cycles # (killed by SIGTRAP: "attach-stress is gone")
pid=$STRESS_PID
for c in $(seq $cycles); do
	for fn in legacy_log stress_direct; do
		expect_grep "^entry not patched: $fn: thread [0-9]* blocks SIGTRAP and is running" "$out/status.$c" \
			"attach $c: ctl status: $fn's refusal, with its reason"
		expect_eq "$(grep -c "^entry not patched: $fn:" "$out/status.$c")" 1 "attach $c: lines listing $fn"
	done
done
expect_grep "^detached: .* and 0 function entries restored" "$out/detach.1" "no function entry was patched"
for c in $(seq $cycles); do
	f=$out/logtax.$pid.a$c.ltx
	[ -f "$f" ] || fail "no $f"
	read -r _ _ a0 a1 p d1 < <(grep "^cycle $c " "$out/stdout")
	n=$("$ANALYZE" report --format json "$f" | jq '([.keys[] | select(.entry == "legacy_log") | .calls] | add) + ([.processes[].lost_calls] | add)')
	expect_ge "$n" "$((p - a1))" "attach $c: calls while attached counted (through the GOT)"
	expect_le "$n" "$((d1 - a0))" "attach $c: nothing counted outside the attach"
done
