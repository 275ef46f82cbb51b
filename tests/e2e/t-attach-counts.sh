# The shim loaded late into a running event loop (dlopen and logtax_attach
# in the program's own thread, as the injector makes it do): logtax's
# counts are exactly the program's own calls after the shim arrived, the
# loop's iterations are counted from its next wait; after `logtax ctl PID
# detach` the program's calls reach liblegacylog without the shim (its GOT
# entry is the library's again) and nothing more is counted or written;
# stdout and exit status are those of a run never attached.
. "$(dirname "$0")/../lib.sh"

export LEGACYLOG_MODE=fast
ref=$T/ref
mkdir -p "$ref"
"$TP/attach-demo" 500 >"$ref/stdout" 2>"$ref/stderr"
echo "exit $?" >"$ref/status"

for mode in all:entry off:got sample:5:auto; do
	time=${mode%:*} patch=${mode##*:}
	out=$T/${mode//:/-}
	mkdir -p "$out"
	(
		ATTACH_SHIM=$SHIM ATTACH_SETTINGS="LOGTAX_OUTPUT=$out
LOGTAX_TIME=$time
LOGTAX_PATCH=$patch
LOGTAX_SNAPSHOT=0
" "$TP/attach-demo" 500 "$out" >"$out/stdout" 2>"$out/stderr"
		echo "exit $?" >"$out/status"
	) &
	wait_until "$mode: phase 2 done" test -s "$out/phase2"
	pid=$(cat "$out/phase2")
	"$LOGTAX" ctl "$pid" detach >"$out/detach" 2>&1 || { cat "$out/detach" "$out/stderr" >&2; fail "$mode: detach"; }
	expect_grep '^detached: .* restored (read back equal)' "$out/detach" "$mode: detach answer"
	# legacy_log's own entry is patched (by the shim's thread) unless --patch got
	entries=$(sed -n 's/.* GOT entries and \([0-9]*\) function entries restored.*/\1/p' "$out/detach")
	if [ "$patch" = got ]; then
		expect_eq "$entries" 0 "$mode: no function entry patched"
	else
		expect_ge "$entries" 1 "$mode: legacy_log's entry patched and restored"
	fi
	touch "$out/go"
	wait
	expect_same "$(cat "$ref/stdout")" "$(cat "$out/stdout")" "$mode: stdout as without attach"
	expect_eq "$(cat "$out/status")" "$(cat "$ref/status")" "$mode: exit status"
	expect_grep 'attached (.*rc=0 attached:' "$out/stderr" "$mode: attach"
	expect_grep 'phase 2: legacy_log leads to liblogtax.so' "$out/stderr" "$mode: attached, the GOT entry is the shim's"
	expect_grep 'phase 3: legacy_log leads to liblegacylog.so' "$out/stderr" "$mode: detached, the GOT entry is the library's again"
	expect_eq "$(data_files "$out" | xargs -n1 basename)" "logtax.$pid.a1.ltx" "$mode: one data file, the attach's"
	f=$out/logtax.$pid.a1.ltx
	expect_same "$(program_calls_by_source "$out/stdout")" "$(csv_calls_by_source "$f")" "$mode: calls per source after the attach"
	# iterations: phase 2's waits, then those waiting for the detach (some of which came after it)
	w2=$(sed -n 's/^attach-demo: phase 2 waits=//p' "$out/stderr")
	wg=$(sed -n 's/^attach-demo: waited for go: \([0-9]*\) polls$/\1/p' "$out/stderr")
	waits=$("$ANALYZE" report --format json "$f" | jq '[.threads[].waits] | add')
	expect_ge "$waits" "$w2" "$mode: waits counted from the first after the attach"
	expect_le "$waits" "$((w2 + wg))" "$mode: waits after the detach not counted"
done

# What the reports say of an attached process.
"$ANALYZE" report "$f" >"$T/report.txt"
expect_grep '^  attached at .*; calls before were not seen$' "$T/report.txt" "text report: when the shim attached"
expect_grep '^  detached at .*: calls after were not counted$' "$T/report.txt" "text report: when it detached"
expect_grep '^  not covered while attached .*: sigaction .*siginterrupt$' "$T/report.txt" "text report: what was not covered"
expect_grep 'written at detach' "$T/report.txt" "text report: why the file was written"
"$ANALYZE" report --format json "$f" >"$T/report.json"
expect_eq "$(jq -r '.processes[0] | "\(.reason) \(.attach.number) \(.attach.detached) \(.attach.not_covered | index("sigaction") != null)"' "$T/report.json")" \
	"detach 1 true true" "json report: attach"
# The shim's own cost, measured while the attach set up: through keys of
# its own, like a preloaded shim's (its timed calls recorded windows), not
# passed on uncounted (which measured the slow path as every mode's cost).
expect_ge "$(jq '.processes[0].calibration.window_ticks' "$T/report.json")" 1 "calibration: timed calls' windows recorded"
"$ANALYZE" report --format html "$f" >"$T/report.html"
expect_grep 'attached at .*; calls before were not seen; detached at' "$T/report.html" "html report: attach"
