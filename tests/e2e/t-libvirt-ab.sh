# logtax ab on libvirt's event loop with debug output on, dropping source
# util.eventglib in arm B: B drops exactly the calls A made from it, and
# libvirt writes none of that source's messages in B while it writes them all
# in A. Structure and counts only: the speed-up is measured by
# bench/b-libvirt-ab.sh (tests make no timed assertions).
. "$(dirname "$0")/../lib.sh"

need_program "$TP/libvirt-evloop" libvirt-dev
command -v jq >/dev/null || skip "jq is not installed"
iters=40
mkdir -p "$T/logs"
LIBVIRT_DEBUG=1 "$LOGTAX" ab -n 2 --warmup 0 -o "$T/ab" --json "$T/ab.json" --b-filter 'drop:util.eventglib' -- \
	sh -c 'LIBVIRT_LOG_OUTPUTS=1:file:'"$T"'/logs/$0.$$.log exec "$@"' x "$TP/libvirt-evloop" $iters 500 \
	>"$T/out" 2>"$T/err" || fail "ab failed: $(cat "$T/err")"
j=$T/ab.json
expect_eq "$(jq -r '[.runs[].arm] | join("")' "$j")" ABAB "runs alternate"
glib_a=$(csv_calls_by_source "$T"/ab/A-01/logtax.*.ltx | awk '$1 == "util.eventglib" { print $2 }')
expect_eq "$glib_a" $((1000 * iters + 1000)) "A: util.eventglib calls (500 handles: 2 per handle per iteration, 2 per handle added)"
expect_eq "$(jq -c '[.runs[] | select(.arm == "B") | .calls_dropped] | unique' "$j")" "[$glib_a]" "B drops them all"
expect_eq "$(jq -c '[.runs[] | select(.arm == "A") | .calls_dropped] | unique' "$j")" "[0]" "A drops nothing"
expect_eq "$(jq '.comparisons[0].predicted_dropped_calls_per_run' "$j")" "$glib_a" "calls B's rule drops on A's runs"
# What libvirt wrote: util.eventglib's messages come from virEventGLib* functions.
for f in "$T"/logs/*.log; do
	n=$(grep -c ' : virEventGLib' "$f")
	case $n in
	0) b=$((${b:-0} + 1)) ;;
	"$glib_a") a=$((${a:-0} + 1)) ;;
	*) fail "$f: $n util.eventglib messages, expected 0 (B) or $glib_a (A)" ;;
	esac
done
expect_eq "${a:-0} ${b:-0}" "2 2" "log files with all (A) and none (B) of util.eventglib's messages"
expect_grep "^B/A wall time: " "$T/out" "ab's comparison"
