# Every JSON logtax writes (report --format json, --diff --format json,
# --format chrome, ab --json, scan --json) on names, format strings, a
# thread name, a command line and file paths that hold valid UTF-8 of every
# length, bytes that are not UTF-8 and control bytes: each document is valid
# UTF-8 with no raw control byte, jq reads it, valid UTF-8 comes back
# unchanged, and a byte that is not UTF-8 comes back as the character of
# its Latin-1 reading (0xff: U+00FF). Counts are the program's own.
. "$(dirname "$0")/../lib.sh"

# Each name as the program gets it (raw) and as a JSON reader must read it back.
u8=$'na\xc3\xafve.\xe2\x82\xac.\xf0\x9f\x98\x80' # 2-, 3- and 4-byte sequences
u8_back=$u8
bad=$'bad.\xff.\xc0\xaf.\xed\xa0\x80.\xe2\x82' # lone byte, overlong '/', surrogate, cut sequence
bad_back=$'bad.\xc3\xbf.\xc3\x80\xc2\xaf.\xc3\xad\xc2\xa0\xc2\x80.\xc3\xa2\xc2\x82'
ctl=$'ctl.\x01.\t.\n."q".\\.\x7f.'
ctl_back=$ctl
thr=$'t-\xc3\xa9\xff\x01' # the logging thread's name
thr_back=$'t-\xc3\xa9\xc3\xbf\x01'
names=("$u8" "$bad" "$ctl")
backs=("$u8_back" "$bad_back" "$ctl_back")
# The program and its library in a directory whose name holds such bytes too.
dname=$'d\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80-\xff\x01'
dname_back=$'d\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80-\xc3\xbf\x01'
bin=$'names-\xc3\xa9\xff'
bin_back=$'names-\xc3\xa9\xc3\xbf'
dir=$T/$dname
back=$T/$dname_back
mkdir -p "$dir/a" "$dir/b"
cp "$TP/names-demo" "$dir/$bin" || fail "copy the program"
cp "$TP/liblegacylog.so" "$dir/" || fail "copy its library"

# valid_json WHAT FILE: jq reads it, every byte is UTF-8, no raw control byte.
valid_json() {
	jq empty "$2" || fail "$1: jq refuses it"
	iconv -f UTF-8 -t UTF-8 "$2" >/dev/null 2>&1 || fail "$1: not valid UTF-8 (a raw byte passed through)"
	[ "$(tr -d '\n' <"$2" | LC_ALL=C grep -c '[[:cntrl:]]')" = 0 ] || fail "$1: a raw control byte"
}
# expect_true WHAT FILE JQ-PROGRAM [jq options, --args last]: the program yields true.
expect_true() {
	local what=$1 file=$2 prog=$3
	shift 3
	[ "$(jq "$prog" "$@" <"$file")" = true ] || fail "$what: $(jq -c "$prog" "$@" <"$file" 2>&1 | head -c 300)"
}
# The count the program printed for the name at index K.
count() { sed -n "s/^names-demo: calls index=$1 count=\([0-9]*\)$/\1/p" "$2"; }

"$LOGTAX" run -o "$dir/a" --trace 100000 -- "$dir/$bin" 2 "$thr" "${names[@]}" >"$T/a.out" 2>"$T/err" ||
	fail "run A: $(cat "$T/err")"
"$LOGTAX" run -o "$dir/b" -- "$dir/$bin" 3 "$thr" "${names[@]}" >"$T/b.out" 2>"$T/err" || fail "run B: $(cat "$T/err")"
fa=$(one_file "$dir/a")
fb=$(one_file "$dir/b")
fa_back=$back/a/$(basename "$fa")
fb_back=$back/b/$(basename "$fb")

# report --format json
"$ANALYZE" report --format json "$fa" >"$T/r.json" || fail "json report failed"
valid_json "report json" "$T/r.json"
for k in 0 1 2; do
	expect_eq "$(jq --arg s "${backs[$k]}" '[.keys[] | select(.source == $s) | .calls] | add' "$T/r.json")" \
		"$(count $k "$T/a.out")" "report json: calls of name $k"
done
expect_true "report json: the thread's name" "$T/r.json" '[.threads[].name] | index($t) != null' --arg t "$thr_back"
expect_true "report json: paths" "$T/r.json" '.processes[0] | .exe == $e and .file == $f' \
	--arg e "$back/$bin_back" --arg f "$fa_back"
expect_true "report json: command line" "$T/r.json" '.processes[0].cmdline == ([$b, "2", $t] + $ARGS.positional | join(" "))' \
	--arg b "$back/$bin_back" --arg t "$thr_back" --args "${backs[@]}"
tmpl=($'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 %d' $'raw \xc3\xbf \xc3\x80\xc2\xaf %d' $'tab\there \x01 "q" \\ %d')
expect_true "report json: templates" "$T/r.json" '[.templates[].template.text] | sort == ($ARGS.positional | sort)' \
	--args "${tmpl[@]}"

# --diff --format json
"$ANALYZE" report --diff --format json "$fa" "$fb" >"$T/d.json" || fail "diff json failed"
valid_json "diff json" "$T/d.json"
expect_true "diff json: paths" "$T/d.json" '.a == $a and .b == $b' --arg a "$fa_back" --arg b "$fb_back"
for k in 0 1 2; do
	expect_eq "$(jq -r --arg s "${backs[$k]}" '[.rows[] | select(.source == $s)] | "\(map(.calls_a) | add) \(map(.calls_b) | add)"' "$T/d.json")" \
		"$(count $k "$T/a.out") $(count $k "$T/b.out")" "diff json: calls of name $k"
done

# --format chrome
"$ANALYZE" report --format chrome "$fa" >"$T/c.json" || fail "chrome report failed"
valid_json "chrome" "$T/c.json"
for k in 0 1 2; do
	expect_eq "$(jq --arg s "${backs[$k]}" '[.traceEvents[] | select(.cat == "legacy_log" and .name == $s)] | length' "$T/c.json")" \
		"$(count $k "$T/a.out")" "chrome: events of name $k"
done
expect_true "chrome: thread and process names" "$T/c.json" \
	'([.traceEvents[] | select(.name == "thread_name") | .args.name | select(startswith($t + " (tid "))] | length == 1)
	 and ([.traceEvents[] | select(.name == "process_name") | .args.name | select(startswith($b + " (pid "))] | length == 1)' \
	--arg t "$thr_back" --arg b "$bin_back"

# ab --json: the command line, the directories and the rules
"$LOGTAX" ab -n 2 --warmup 0 -o "$dir/ab" --json "$dir/ab.json" --b-filter "drop:$u8" -- \
	"$dir/$bin" 1 "$thr" "${names[@]}" >"$T/ab.out" 2>"$T/err" || fail "ab failed: $(cat "$T/err")"
valid_json "ab json" "$dir/ab.json"
expect_true "ab json: command" "$dir/ab.json" '.command == [$b, "1", $t] + $ARGS.positional' \
	--arg b "$back/$bin_back" --arg t "$thr_back" --args "${backs[@]}"
expect_true "ab json: directories" "$dir/ab.json" '.directory == $d and ([.runs[].directory] == [$d + "/A-01", $d + "/B-01", $d + "/A-02", $d + "/B-02"])' \
	--arg d "$back/ab"
expect_true "ab json: rules" "$dir/ab.json" '.arms[1].rules == "drop:" + $u' --arg u "$u8_back"
expect_eq "$(jq -c '[.runs[] | select(.arm == "B") | .calls_dropped]' "$dir/ab.json")" \
	"[$(count 0 "$dir/ab/B-01/stdout"),$(count 0 "$dir/ab/B-02/stdout")]" "ab json: B drops name 0's calls"

# scan --json: the file and the objects' paths
"$LOGTAX" scan --json "$dir/$bin" >"$T/s.json" 2>"$T/err" || fail "scan failed: $(cat "$T/err")"
valid_json "scan json" "$T/s.json"
expect_true "scan json: paths" "$T/s.json" \
	'.file == $f and .objects[0].path == $f and ([.objects[] | select(.soname == "liblegacylog.so") | .path] == [$l])' \
	--arg f "$back/$bin_back" --arg l "$back/liblegacylog.so"
