# GLib: g_log, g_logv, g_log_structured, g_log_structured_array (domain
# from its GLIB_DOMAIN field), g_log_structured_standard, named by domain,
# with their GLogLevelFlags and common level names, counted exactly. Fatal
# messages are never timed (nor dropped): a warning made fatal and fatal
# again keeps the program's own stack, and a warning that was fatal once is
# never timed afterwards; the exit status of an aborting program is the same.
. "$(dirname "$0")/../lib.sh"

need_program "$TP/glib-demo" libglib2.0-dev
for time in off sample:2 all; do
	out=$T/${time%%:*}
	mkdir -p "$out"
	"$LOGTAX" run --time "$time" -o "$out" -- "$TP/glib-demo" 4 >"$out/stdout" 2>"$out/stderr" ||
		fail "glib-demo under logtax ($time) failed: $(cat "$out/stderr")"
	expect_same_calls "$(one_file "$out")" "$out/stdout" "glib-demo ($time)"
done

# Warnings were fatal for a moment (g_log_set_always_fatal): with every call
# timed, the warning key is kept untimed and the debug key timed.
mkdir -p "$T/relax"
"$LOGTAX" run --time all -o "$T/relax" -- "$TP/glib-demo" relax 5 >"$T/relax/stdout" 2>/dev/null ||
	fail "glib-demo relax failed"
f=$(one_file "$T/relax")
expect_same_calls "$f" "$T/relax/stdout" "glib-demo relax"
timed=$("$ANALYZE" report --format csv "$f" | csv_each '$c["entry"] == "g_log" { t[$c["level_name"]] += $c["timed"] } END { print t["warning"] + 0, t["debug"] + 0 }')
expect_eq "$timed" "0 5" "relax: timed warning and debug calls"

# Aborting messages: the same end with and without logtax, and the stack
# the program aborts on reaches main (a timed call would cut it short).
for mode in "warn G_DEBUG=fatal-warnings" "warn G_DEBUG=fatal-criticals,all" "error G_DEBUG="; do
	set -- $mode
	env "$2" "$TP/glib-demo" "$1" >"$T/plain.out" 2>/dev/null
	plain=$?
	expect_eq "$plain" 133 "glib-demo $mode alone: exit status (SIGTRAP)"
	env "$2" LOGTAX_TIME=all LOGTAX_OUTPUT="$T" LD_PRELOAD="$SHIM" "$TP/glib-demo" "$1" >"$T/shim.out" 2>/dev/null
	expect_eq "$?" "$plain" "glib-demo $mode under logtax: exit status"
	expect_grep "leads back to main" "$T/shim.out" "glib-demo $mode under logtax: the stack"
done
