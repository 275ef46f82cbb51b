# Call sites in Debian's stripped libvirt.so.0 named by the function, file
# and line each virLogMessage call passes: libvirt-evloop (libvirt's own
# event loop) under logtax run, with libvirt's debug log of sources
# util.event* written to a file in the same run. libvirt names each record's
# call site "FUNCTION:LINE" from the same arguments: every such site is in
# the report, named by the calls' arguments (or by debug information, when
# libvirt's is installed) as "FUNCTION (FILE:LINE)", with as many calls as
# the log has records of it; no call site of virLogMessage is left as
# "libvirt.so.0+0x..." (every call passes a function name).
. "$(dirname "$0")/../lib.sh"

need_program "$TP/libvirt-evloop" libvirt-dev
iters=40
out=$T/run
mkdir -p "$out"
LIBVIRT_LOG_FILTERS="1:util.event 4:*" LIBVIRT_LOG_OUTPUTS="1:file:$out/libvirt.log" \
	"$LOGTAX" run -o "$out" -- "$TP/libvirt-evloop" $iters 100 >"$out/stdout" 2>"$out/stderr" ||
	fail "libvirt-evloop failed: $(cat "$out/stderr")"
expect_grep "iterations=$iters handles=100 dispatched=$((iters * 100))" "$out/stdout" "the loop ran"
f=$(one_file "$out")

# "FUNCTION:LINE COUNT" per call site, from libvirt's log and from logtax
from_log=$(sed -n 's/^[0-9-]* [0-9:.+]*: [0-9]*: [a-z]* : \([A-Za-z0-9_]*:[0-9]*\) : .*/\1/p' "$out/libvirt.log" |
	sort | uniq -c | awk '{ print $2, $1 }' | sort)
[ "$(echo "$from_log" | wc -l)" -ge 5 ] || fail "libvirt's log names fewer than 5 call sites: $from_log"
"$ANALYZE" report --format json "$f" >"$out/json" || fail "json report failed"
jq -r '.keys[] | select(.entry == "virLogMessage") | "\(.caller.function):\(.caller.line) \(.calls)"' "$out/json" |
	awk '{ n[$1] += $2 } END { for (s in n) print s, n[s] }' | sort >"$out/sites"
while read -r site calls; do
	got=$(awk -v s="$site" '$1 == s { print $2 }' "$out/sites")
	expect_eq "$got" "$calls" "calls of call site $site (libvirt's log has $calls records of it)"
done <<<"$from_log"
note "$(echo "$from_log" | wc -l) call sites of libvirt's log found with their counts"

# Named by the arguments, unless libvirt's debug information is installed.
bid=$(readelf -n "$(jq -r '.keys[] | select(.entry == "virLogMessage") | .caller.module' "$out/json" | head -1)" |
	sed -n 's/.*Build ID: \(..\)\(.*\)/\1\/\2/p')
if [ -n "$bid" ] && [ -e "/usr/lib/debug/.build-id/$bid.debug" ]; then
	want="debuginfo"
else
	want="call's arguments"
fi
named=$(jq -r '[.keys[] | select(.entry == "virLogMessage") | .caller.named_by] | unique | join(",")' "$out/json")
expect_eq "$named" "$want" "where the call sites' names came from"
nofile=$(jq -r '.keys[] | select(.entry == "virLogMessage" and (.caller.file == null or .caller.function == null)) | .caller.label' "$out/json")
expect_eq "$nofile" "" "call sites of virLogMessage without a function or file"

"$LOGTAX" report --top 0 "$f" >"$out/report" || fail "report failed"
! grep -q 'libvirt\.so\.0+0x' "$out/report" || { grep 'libvirt\.so\.0+0x' "$out/report" >&2; fail "a call site left as libvirt.so.0+0x..."; }
expect_grep '^  virEventGLibHandleDispatch  *vireventglib\.c:[0-9][0-9]*  *util\.eventglib  .*  call args$' "$out/report" \
	"the text report names a static function of libvirt by the call's arguments"
"$ANALYZE" report --format csv "$f" >"$out/csv" || fail "csv report failed"
! grep -q 'libvirt\.so\.0+0x' "$out/csv" || fail "the CSV report has a call site left as libvirt.so.0+0x..."

# With --stacks: each stack's innermost frame is its keys' call site, named
# the same way (deeper frames of libvirt's static functions, which passed no
# name, may still be addresses).
out=$T/stacks
mkdir -p "$out"
"$LOGTAX" run --stacks 8 -o "$out" -- "$TP/libvirt-evloop" 10 20 >"$out/stdout" 2>"$out/stderr" ||
	fail "libvirt-evloop --stacks failed: $(cat "$out/stderr")"
"$LOGTAX" report --top 0 "$(one_file "$out")" >"$out/report" || fail "--stacks: report failed"
awk '/^  #[0-9]+  / { getline; print }' "$out/report" >"$out/first"
[ -s "$out/first" ] || fail "--stacks: no stack in the report"
! grep -q 'libvirt\.so\.0+0x' "$out/first" || { cat "$out/first" >&2; fail "--stacks: an innermost frame left as libvirt.so.0+0x..."; }
expect_grep '^      virEventGLibHandleDispatch (vireventglib\.c:[0-9]*)$' "$out/first" "--stacks: a static function's call site named"
