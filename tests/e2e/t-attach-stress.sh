# Eight threads log without pause while the shim is attached (dlopen and
# logtax_attach from the main thread, as the injector does) and detached
# (logtax ctl PID detach) 20 times: no crash; each attach's file holds every
# call made between logtax_attach's return and a moment before the detach
# was asked for, and none made after the detach answered (program's own
# counters, read around each step); every call reached liblegacylog (its
# own counter). Each attach after a detach starts afresh: its own file
# (logtax.PID.aN.ltx), counts of its own only.
. "$(dirname "$0")/../lib.sh"

export LEGACYLOG_MODE=fast
cycles=20
for time in sample; do
	out=$T/$time
	mkdir -p "$out"
	(
		ATTACH_SHIM=$SHIM ATTACH_SETTINGS="LOGTAX_OUTPUT=$out
LOGTAX_TIME=$time
LOGTAX_SNAPSHOT=0
" "$TP/attach-stress" 8 $cycles "$out" >"$out/stdout" 2>"$out/stderr"
		echo "exit $?" >"$out/status"
	) &
	stress_cycles "$out" $cycles
	pid=$STRESS_PID
	expect_eq "$(data_files "$out" | wc -l)" "$cycles" "$time: one file per attach"
	for c in $(seq $cycles); do
		f=$out/logtax.$pid.a$c.ltx
		[ -f "$f" ] || fail "$time: no $f"
		read -r _ _ a0 a1 p d1 < <(grep "^cycle $c " "$out/stdout")
		n=$("$ANALYZE" report --format json "$f" | jq '([.keys[].calls] | add) + ([.processes[].lost_calls] | add)')
		expect_ge "$n" "$((p - a1))" "$time: attach $c: calls between attach and detach counted"
		expect_le "$n" "$((d1 - a0))" "$time: attach $c: nothing counted before the attach or after the detach"
		# the threads that existed before the shim came, each listed at its next call
		t=$("$ANALYZE" report --format json "$f" | jq '[.threads[] | select(.kept + .dropped > 0)] | length')
		expect_eq "$t" 8 "$time: attach $c: threads that logged"
	done
	note "$time: logtax_attach took (us, 20 attaches with 8 threads logging):" \
		"$(sed -n 's/.*logtax_attach took \([0-9]*\) us/\1/p' "$out/stderr" | sort -n | awk '{ v[NR] = $1 } END { print "median", v[int((NR + 1) / 2)], "max", v[NR] }')"
done
