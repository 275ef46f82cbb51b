# Bad input for the symbolizer: a module file changed since the run (a
# different build-id), a module file gone, and a data file whose addresses
# match no module. The report still prints (exit 0), every call site has a
# label, and the entries concerned are marked. Every call here passes its
# function, file and line (legacy_log), so the call sites keep those names
# (from the data file, not from the module's file), marked all the same.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/plug" "$T/out"
cp "$TP/libltplugin.so" "$T/plug/libltplugin.so"
"$LOGTAX" run -o "$T/out" -- "$TP/callsites-demo" 2 "$T/plug/libltplugin.so" >"$T/stdout" 2>"$T/err" ||
	fail "run failed: $(cat "$T/err")"
f=$(one_file "$T/out")
calls=$(csv_calls_by_source "$f")

check() { # what, expected plugin site status, expected module status, label pattern
	"$ANALYZE" report --format json "$f" >"$T/j" 2>"$T/e" || fail "$1: json report failed: $(cat "$T/e")"
	"$ANALYZE" report "$f" >"$T/t" 2>"$T/e" || fail "$1: text report failed: $(cat "$T/e")"
	for fmt in csv folded html; do
		"$ANALYZE" report --format $fmt "$f" >/dev/null 2>"$T/e" || fail "$1: $fmt report failed: $(cat "$T/e")"
	done
	expect_eq "$(csv_calls_by_source "$f")" "$calls" "$1: calls per source"
	local got
	got=$(jq -r '.keys[] | select(.source == "site.plugin") | "\(.caller.status) \(.caller.label)"' "$T/j")
	[[ $got =~ ^$2\ $4$ ]] || fail "$1: plugin call site: expected '$2 $4', got '$got'"
	expect_eq "$(jq -r '.processes[0].modules[] | select(.path | endswith("/plug/libltplugin.so")) | .status' "$T/j")" \
		"$3" "$1: module status"
	# no empty label anywhere
	expect_eq "$(jq '[.keys[].caller.label | select(. == null or . == "")] | length' "$T/j")" 0 "$1: empty labels"
	# the other sites are still named
	expect_eq "$(jq -r '.keys[] | select(.source == "site.alpha") | .caller.function' "$T/j")" site_alpha \
		"$1: other call sites"
}

check "unchanged" ok ok 'plugin_log \(plugin\.c:[0-9]+\)'
expect_eq "$(jq -r '.keys[] | select(.source == "site.plugin") | .template.text' "$T/j")" "plugin call %d" "template"

# Replaced by another library (another build-id): not trusted, marked.
cp "$TP/liblegacylog.so" "$T/plug/libltplugin.so"
check "changed" "file changed" "file changed" 'plugin_log \(plugin\.c:[0-9]+\)'
expect_grep "^  plugin_log  .*\[module file changed\]" "$T/t" "changed: marked in the text report"
expect_grep "symbols: 1 of .* modules are gone, changed or unreadable" "$T/t" "changed: header says so"
expect_eq "$(jq -r '.keys[] | select(.source == "site.plugin") | "\(.template.status) \(.template.text)"' "$T/j")" \
	"module null" "changed: template not read from the wrong file"

# Gone.
rm "$T/plug/libltplugin.so"
check "gone" "file gone" "file gone" 'plugin_log \(plugin\.c:[0-9]+\)'
expect_grep "\[module file gone\]" "$T/t" "gone: marked in the text report"

# No module at all: the MODULE records (type 4) retyped to an unknown type,
# which a reader skips, so no address matches a module.
cp "$f" "$T/nomod.ltx"
off=64
size=$(stat -c %s "$T/nomod.ltx")
n=0
while [ "$off" -lt "$size" ]; do
	read -r type len < <(od -An -tu4 -j "$off" -N 8 "$T/nomod.ltx")
	if [ "$type" = 4 ]; then
		printf '\310\0\0\0' | dd of="$T/nomod.ltx" bs=1 seek="$off" conv=notrunc status=none
		n=$((n + 1))
	fi
	off=$((off + 8 + (len + 7) / 8 * 8))
done
[ "$n" -gt 0 ] || fail "no MODULE record found to retype"
f=$T/nomod.ltx
"$ANALYZE" report --format json "$f" >"$T/j" || fail "no modules: json report failed"
"$ANALYZE" report "$f" >"$T/t" || fail "no modules: text report failed"
expect_eq "$(jq -r '[.keys[].caller | select(.status == "no module" and .named_by == "call'"'"'s arguments" and (.label | test("^[a-z_]+ \\([a-z]+\\.c:[0-9]+\\)$")))] | length' "$T/j")" \
	"$(jq '.keys | length' "$T/j")" "no modules: every call site is named by its calls' arguments, marked"
expect_grep "\[in no module\]" "$T/t" "no modules: marked in the text report"
expect_eq "$(csv_calls_by_source "$f")" "$calls" "no modules: calls per source"
