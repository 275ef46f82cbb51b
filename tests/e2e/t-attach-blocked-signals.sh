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
# Each refusal came after the patch was prepared (its copy mapped near the
# function): a later attach uses that copy again, so the program's
# anonymous executable pages stay as the first attach left them.
copies() { # MAPS: bytes of anonymous r-x mappings
	local range perms _x path sum=0
	while read -r range perms _x _x _x path; do
		[ "$perms" = r-xp ] && [ -z "$path" ] && sum=$((sum + 16#${range#*-} - 16#${range%-*}))
	done <"$1"
	echo "$sum"
}
[ -s "$out/maps.1" ] || fail "no maps of attach 1"
expect_ge "$(copies "$out/maps.1")" 8192 "attach 1: the refused entries' copies mapped (legacy_log, stress_direct)"
for c in $(seq 2 $cycles); do
	expect_eq "$(copies "$out/maps.$c")" "$(copies "$out/maps.1")" "attach $c: no new copy of a refused entry"
done
for c in $(seq $cycles); do
	f=$out/logtax.$pid.a$c.ltx
	[ -f "$f" ] || fail "no $f"
	read -r _ _ a0 a1 p d1 < <(grep "^cycle $c " "$out/stdout")
	n=$("$ANALYZE" report --format json "$f" | jq '([.keys[] | select(.entry == "legacy_log") | .calls] | add) + ([.processes[].lost_calls] | add)')
	expect_ge "$n" "$((p - a1))" "attach $c: calls while attached counted (through the GOT)"
	expect_le "$n" "$((d1 - a0))" "attach $c: nothing counted outside the attach"
done
