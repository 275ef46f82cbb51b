# Rules (issue 3) and the families (issue 4) together with stacks and trace
# mode (issue 5): a dropped call still gets its stack and its trace event
# (marked dropped, untimed), and counts stay exact; a GLib message that may
# abort is neither dropped nor timed in trace mode (an untimed event) and
# still aborts on the program's own stack with stacks and trace on; calls a
# library makes to its own entry points (libsystemd) get no event and no
# stack, as they get no key.
. "$(dirname "$0")/../lib.sh"
[ "$(uname -m)" = x86_64 ] || skip_by_design "x86-64 only"
ldconfig -p 2>/dev/null | grep -q 'libunwind\.so\.8' || skip "libunwind8 is not installed (scripts/install-deps.sh)"
export LEGACYLOG_MODE=fast

run() { # outdir, logtax run options..., -- program args
	local out=$1
	shift
	mkdir -p "$out"
	"$LOGTAX" run -o "$out" "$@" >"$out/stdout" 2>"$out/stderr" || fail "$*: $(cat "$out/stderr")"
	"$ANALYZE" dump "$(one_file "$out")" >"$out/dump" || fail "dump failed"
}
# "calls dropped_events untimed_events events_without_key events_of_kept_keys_marked_dropped"
# from a dump's keys and call events.
events() {
	awk '$1 == "key" { for (i = 3; i <= NF; i++) { split($i, kv, "="); k[$2, kv[1]] = kv[2] } calls += k[$2, "calls"] }
		$1 == "event" && / kind=call / {
			split($6, a, "="); split($7, b, "="); key = a[2]; fl = b[2]
			n++; if (key == -1) nokey++
			if (fl == 3) { dropped++; if (k[key, "action"] != "drop") wrong++ }
			if (fl == 2) untimed++
			if (fl == 0 && k[key, "action"] == "drop") wrong++
		}
		END { print calls + 0, n + 0, dropped + 0, untimed + 0, nokey + 0, wrong + 0 }' "$1"
}
# Per key: calls, and the sum of its KEY_STACK counts; lines where they differ.
stack_mismatch() {
	awk '$1 == "key" { sub("calls=", "", $9); calls[$2] = $9 }
		$1 == "keystack" { sub("count=", "", $4); picked[$2] += $4 }
		END { for (k in calls) if (calls[k] != picked[k] + 0) print "key " k ": calls " calls[k] ", picked " picked[k] + 0 }' "$1"
}

# Trace mode and a rule: every call has its event; the dropped ones are
# marked dropped and untimed, the others timed.
run "$T/tr" --trace 100000 --filter 'drop:util.event@debug' -- "$TP/rules-demo" 20
f=$(one_file "$T/tr")
expect_eq "$(csv_actions "$f" | awk '$3 == "drop"')" "util.event debug drop 80" "trace+rules: dropped"
expect_eq "$(csv_actions "$f" | awk '{ n += $4 } END { print n }')" \
	"$(program_sites "$T/tr/stdout" | awk '{ n += $3 } END { print n }')" "trace+rules: calls"
read -r calls n dropped untimed nokey wrong < <(events "$T/tr/dump")
expect_eq "$n" "$calls" "trace+rules: one event per call"
expect_eq "$dropped" 80 "trace+rules: events marked dropped"
expect_eq "$untimed" 0 "trace+rules: kept calls untimed"
expect_eq "$nokey$wrong" 00 "trace+rules: events agree with their keys"

# Stacks and a rule: every call picked (1 in 1), dropped ones too.
run "$T/st" --stacks 8:1 --time off --filter 'drop:util.event@debug' -- "$TP/rules-demo" 20
expect_eq "$(stack_mismatch "$T/st/dump")" "" "stacks+rules: every call of every key picked"
expect_eq "$(grep -c '^keystack .* full \|^keystack .* busy \|^keystack .* failed ' "$T/st/dump")" 0 "stacks+rules: none lost"
expect_eq "$(csv_actions "$(one_file "$T/st")" | awk '$3 == "drop"')" "util.event debug drop 80" "stacks+rules: dropped"

if [ -x "$TP/glib-demo" ]; then
	# warnings were fatal once: kept, never timed, even in trace mode
	run "$T/g" --trace 1000 --stacks 8:1 --filter 'drop:glib/*' -- "$TP/glib-demo" relax 4
	f=$(one_file "$T/g")
	expect_eq "$(csv_actions "$f")" "$(printf 'glib-demo debug drop 4\nglib-demo warning keep 4')" "glib+trace: actions"
	expect_eq "$(csv_awk '$c["level_name"] == "warning" { n += $c["timed"] } END { print n + 0 }' "$f")" 0 \
		"glib+trace: fatal-once warnings not timed"
	read -r calls n dropped untimed nokey wrong < <(events "$T/g/dump")
	expect_eq "$n $dropped $untimed $nokey $wrong" "8 4 4 0 0" "glib+trace: events (all, dropped, kept untimed)"
	expect_eq "$(stack_mismatch "$T/g/dump")" "" "glib+stacks: every call picked"
	# a warning made fatal by G_DEBUG still aborts, on the program's own stack
	G_DEBUG=fatal-warnings LOGTAX_FILTER='drop:*' LOGTAX_TRACE=100 LOGTAX_STACKS=8:1 LOGTAX_OUTPUT=$T \
		LD_PRELOAD=$SHIM "$TP/glib-demo" warn >"$T/g/warn" 2>/dev/null
	expect_eq "$?" 133 "glib: a fatal warning still aborts with trace and stacks"
	expect_grep "leads back to main" "$T/g/warn" "glib: aborting on the program's own stack with trace and stacks"
else
	note "glib-demo not built: GLib with trace and stacks not checked"
fi

if [ -x "$TP/journal-demo" ]; then
	# sd_journal_print -> sd_journal_printv -> sd_journal_sendv inside
	# libsystemd: one key, one event and one stack per outer call
	run "$T/j" --trace 10000 --stacks 8:1 -- "$TP/journal-demo" 2
	f=$(one_file "$T/j")
	expect_same_calls "$f" "$T/j/stdout" "journal+trace: counts"
	read -r calls n dropped untimed nokey wrong < <(events "$T/j/dump")
	expect_eq "$n" "$calls" "journal+trace: one event per outer call"
	expect_eq "$nokey$wrong" 00 "journal+trace: events agree with their keys"
	expect_eq "$(stack_mismatch "$T/j/dump")" "" "journal+stacks: one pick per outer call"
else
	note "journal-demo not built: inner calls with trace not checked"
fi
