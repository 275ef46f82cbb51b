# Rules (issue 3) on the families of issue 4: each family's calls are
# dropped by entry, family, name and level like the others; a dropped
# journal call returns 0 (success); a hooked call dropped returns 0; a GLib
# message that may abort is never dropped (the program still aborts), while
# its debug calls are.
. "$(dirname "$0")/../lib.sh"

# "source level_name action calls" lines
actions() { "$ANALYZE" report --format csv "$1" | csv_each '{ n[$c["source"] " " $c["level_name"] " " $c["action"]] += $c["calls"] } END { for (k in n) print k, n[k] }' | sort; }

# syslog: one ident's debug calls
mkdir -p "$T/sys"
"$LOGTAX" run --filter 'drop:syslog/sysdemo@debug' -o "$T/sys" -- "$TP/syslog-demo" 3 >"$T/sys/out" 2>/dev/null ||
	fail "syslog-demo failed"
f=$(one_file "$T/sys")
expect_same_calls "$f" "$T/sys/out" "syslog: counts with a rule"
expect_eq "$(actions "$f" | awk '$3 == "drop"')" "sysdemo debug drop 3" "syslog: dropped"

# hooks: by function name; a dropped app_log returns 0
mkdir -p "$T/hook"
"$LOGTAX" run --hook 'app_log:name=1:level=2' --filter 'drop:app_log/plugin' -o "$T/hook" -- \
	"$TP/applog-now/applog-demo" 2 >"$T/hook/out" 2>/dev/null || fail "applog-demo failed"
f=$(one_file "$T/hook")
expect_same_calls "$f" "$T/hook/out" "hook: counts with a rule"
expect_eq "$(actions "$f" | awk '$3 == "drop"')" "plugin ? drop 6" "hook: dropped"
"$TP/applog-now/applog-demo" 2 >"$T/hook/plain"
plain=$(sed -n 's/.*returned sum=//p' "$T/hook/plain")
dropped=$(sed -n 's/.*returned sum=//p' "$T/hook/out")
# each plugin message is "plugin I args X.X 1 2 3 4": its length returned, 0 when dropped
[ "$dropped" -lt "$plain" ] || fail "hook: dropped calls still returned their lengths ($dropped vs $plain)"

if [ -x "$TP/journal-demo" ]; then
	mkdir -p "$T/j"
	"$TP/journal-demo" 2 >"$T/j/plain"
	expect_grep "bad=-22" "$T/j/plain" "journal: libsystemd refuses priority 99"
	"$LOGTAX" run --filter 'drop:journal/*' -o "$T/j" -- "$TP/journal-demo" 2 >"$T/j/out" 2>/dev/null ||
		fail "journal-demo failed"
	f=$(one_file "$T/j")
	expect_same_calls "$f" "$T/j/out" "journal: counts with a rule"
	expect_grep "bad=0$" "$T/j/out" "journal: a dropped call returns 0"
	expect_eq "$(actions "$f" | awk '$3 == "keep"')" "" "journal: nothing kept"
else
	note "journal-demo not built: journal rules not checked"
fi

if [ -x "$TP/glib-demo" ]; then
	# every GLib call dropped, but warnings were fatal once: those are kept
	mkdir -p "$T/g"
	"$LOGTAX" run --filter 'drop:glib/*' -o "$T/g" -- "$TP/glib-demo" relax 4 >"$T/g/out" 2>"$T/g/err" ||
		fail "glib-demo relax failed"
	f=$(one_file "$T/g")
	expect_eq "$(actions "$f")" "$(printf 'glib-demo debug drop 4\nglib-demo warning keep 4')" "glib: actions"
	expect_eq "$(grep -c 'not fatal any more' "$T/g/err")" 4 "glib: the kept warnings were printed"
	# a warning made fatal by G_DEBUG still aborts under a rule that drops everything
	G_DEBUG=fatal-warnings LOGTAX_FILTER='drop:*' LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/glib-demo" warn >"$T/g/warn" 2>/dev/null
	expect_eq "$?" 133 "glib: a fatal warning still aborts"
	expect_grep "leads back to main" "$T/g/warn" "glib: aborting on the program's own stack"
	# g_test_init makes warnings fatal from inside GLib, where no wrapper sees it
	"$TP/glib-demo" gtest >/dev/null 2>&1
	plain=$?
	[ $plain -ge 128 ] || fail "glib-demo gtest alone did not abort (exit $plain)"
	LOGTAX_FILTER='drop:*' LOGTAX_TIME=all LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/glib-demo" gtest >"$T/g/gtest" 2>/dev/null
	expect_eq "$?" "$plain" "glib: a warning fatal under g_test_init still aborts"
	expect_grep "leads back to main" "$T/g/gtest" "glib: g_test_init: the program's own stack"
else
	note "glib-demo not built: GLib rules not checked"
fi
