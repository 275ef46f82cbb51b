# A plugin loaded after start by a relative path, with and without
# RTLD_DEEPBIND, used and unloaded again three times (its second load lands
# at other addresses), while the program changes directory to "/" before
# exiting: every call counted, per source (legacy_log in the plugin and in
# its dependency, syslog, a hooked function of the plugin's own); every
# call site named (function, file:line, template) although its library was
# unloaded before the data file was written; MODULE paths absolute, and
# the unloaded ones marked. The program also checks that its dlerror()
# state is its own (see test-programs/dlopen/main.c).
. "$(dirname "$0")/../lib.sh"

SRC=$ROOT/test-programs/dlopen
line_of() { grep -n "SITE $1 \*/" "$SRC/$2" | cut -d: -f1; }
plug_line=$(line_of dlplug plugin.c)
dep_line=$(line_of dlplug-dep dep.c)

modes="plain deepbind"
# The sanitizers' runtimes refuse RTLD_DEEPBIND (google/sanitizers#611).
if sanitized address || sanitized thread; then
	note "a -fsanitize=$SANITIZE build: RTLD_DEEPBIND is checked in the plain build only"
	modes=plain
fi
for mode in $modes; do
	out=$T/$mode
	mkdir -p "$out"
	arg=
	time=sample:7
	[ $mode = deepbind ] && arg=deepbind && time=all
	"$LOGTAX" run --time $time --hook 'dlplug_hooked:name=1:level=2' -o "$out" -- "$TP/dlopen-demo" 3 1000 $arg \
		>"$out/stdout" 2>"$out/stderr" || fail "$mode: dlopen-demo failed: $(cat "$out/stderr")"
	expect_grep '^dlopen-demo: dlerror ok$' "$out/stdout" "$mode: the program's dlerror()"
	f=$(one_file "$out")
	expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$out/stdout")" "$mode: calls per source"
	"$ANALYZE" report --format json "$f" >"$out/json" || fail "$mode: json report"

	# Call sites: each key of the plugin and of its dependency named, from
	# whichever of the three loads it came.
	expect_eq "$(jq -r '.keys[] | select(.source == "dlplug.plugin") |
		"\(.caller.function) \(.caller.file | split("/") | last):\(.caller.line) \(.caller.status) \(.template.text)"' "$out/json" | sort -u)" \
		"dlplug_run plugin.c:$plug_line ok plugin call %d" "$mode: plugin call sites"
	expect_eq "$(jq -r '.keys[] | select(.source == "dlplug.dep") |
		"\(.caller.function) \(.caller.file | split("/") | last):\(.caller.line) \(.caller.status) \(.template.text)"' "$out/json" | sort -u)" \
		"dep_run dep.c:$dep_line ok dependency call %d" "$mode: dependency call sites"
	# more than one load address: the reloads did move (a precondition of
	# the test's set-up; a sanitizer's allocator, with the pages entry
	# patching keeps near the libraries, may give the same address again)
	moved=$(jq '[.keys[] | select(.source == "dlplug.plugin") | .caller.addr] | unique | length' "$out/json")
	if [ -n "$SANITIZE" ] && [ "$moved" -lt 2 ]; then
		note "$mode: the plugin was loaded at one address each time in this -fsanitize=$SANITIZE build"
	else
		expect_ge "$moved" 2 "$mode: plugin call sites at distinct addresses"
	fi
	# Modules: absolute paths; the plugin, its dependency and liblegacylog unloaded.
	expect_eq "$(jq -r '[.processes[0].modules[] | select(.status != "no file") | .path | startswith("/")] | all' "$out/json")" true \
		"$mode: module paths absolute"
	for lib in libdlplug.so libdlplug-dep.so liblegacylog.so; do
		expect_eq "$(jq -r --arg l "/$lib" '[.processes[0].modules[] | select(.path | endswith($l)) | .unloaded] | unique | tostring' "$out/json")" \
			"[true]" "$mode: $lib marked unloaded"
	done
	expect_eq "$(jq -r '.processes[0].modules[] | select(.path | endswith("/libdlplug.so")) | .path' "$out/json" | sort -u)" \
		"$TP/libdlplug.so" "$mode: the plugin's path (opened as ./libdlplug.so)"
	"$ANALYZE" dump "$f" | grep -q ' unloaded path=.*/libdlplug.so$' || fail "$mode: dump shows no unloaded module"
done
