# GLib's own messages (issue 11): glib-internal-demo makes GLib functions
# fail their g_return_if_fail checks; each failure calls g_log inside
# libglib (g_return_if_fail_warning's tail jump: Debian's libglib is linked
# -Bsymbolic-functions, no PLT). With the built-in GLib family entry
# patched (auto, entry), every one is counted, domain GLib, level critical
# (error), and the program's own g_warning, which goes through its PLT into
# the patched g_log, is counted once. GOT patching sees only the program's
# own. A rule drops GLib's criticals: GLib's log handlers never see them.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../e2e/lib-entry.sh"
need_program "$TPE/glib-internal-demo" libglib2.0-dev
prog=$TPE/glib-internal-demo
rounds=25
unset G_DEBUG G_MESSAGES_DEBUG
"$prog" $rounds >"$T/plain.out" 2>"$T/plain.err" || fail "glib-internal-demo failed alone: $(cat "$T/plain.err")"
expect_bodies "$T/plain.out" 0 "without logtax"

# Only g_log's keys: the program makes no other logging call.
for mode in auto entry; do
	out=$T/$mode
	lt_run "$out" --patch $mode -- "$prog" $rounds
	cmp -s "$T/plain.out" "$out/stdout" || fail "$mode: output changed (GLib's handlers saw other messages)"
	expect_same_calls "$(one_file "$out")" "$out/stdout" "$mode: GLib's own criticals and the program's warnings"
done

out=$T/got
lt_run "$out" --patch got -- "$prog" $rounds
expect_same "$(program_calls_full "$out/stdout" | grep -v ' GLib ')" "$(csv_calls_full "$(one_file "$out")")" \
	"got: only the program's own g_log calls"

# Dropping GLib's criticals by name: the program's handler sees none of them.
for mode in auto entry; do
	out=$T/drop.$mode
	lt_run "$out" --patch $mode --filter 'drop:GLib' -- "$prog" $rounds
	expect_same_calls "$(one_file "$out")" "$out/stdout" "drop ($mode): calls"
	want=$(program_calls_full "$out/stdout" | awk '{ print $2, $4, ($2 == "GLib" ? "drop" : "keep"), $5 }' | sort)
	expect_eq "$(csv_actions "$(one_file "$out")")" "$want" "drop ($mode): kept and dropped"
	expect_bodies "$out/stdout" '$2 == "GLib"' "drop ($mode)"
done

# Templates, timing and stacks on the patched g_log.
out=$T/time
lt_run "$out" --patch entry --time all -- "$prog" $rounds
expect_same_calls "$(one_file "$out")" "$out/stdout" "--time all: calls"
expect_all_timed "$(one_file "$out")" "--time all"
tpl=$("$ANALYZE" report --format csv "$(one_file "$out")" | csv_each '$c["source"] == "GLib" { print $c["template"] }' | sort -u)
expect_eq "$tpl" "%s: assertion '%s' failed" "template of GLib's criticals"
if ldconfig -p 2>/dev/null | grep -q 'libunwind\.so\.8'; then
	out=$T/stacks
	lt_run "$out" --patch entry --stacks 16:1 -- "$prog" $rounds
	"$LOGTAX" report --format folded "$(one_file "$out")" >"$T/folded" || fail "folded report failed"
	# g_return_val_if_fail inside g_hash_table_size: g_return_if_fail_warning
	# jumped to g_log, so its caller is g_hash_table_size.
	expect_eq "$(grep -E ';g_hash_table_size;g_log [0-9]+$' "$T/folded" | awk '{ n += $NF } END { print n + 0 }')" $rounds \
		"stacks through g_hash_table_size"
	expect_eq "$(awk '{ n += $NF } END { print n }' "$T/folded")" \
		"$(program_calls_full "$out/stdout" | awk '{ n += $5 } END { print n }')" "folded counts add up to all calls"
else
	ci_needs "libunwind8 is not installed (scripts/install-deps.sh): stacks not checked"
fi
