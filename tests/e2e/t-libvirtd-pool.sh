# Debian's libvirtd (test driver, its own unix socket, log_level 1 to a
# file), driven by virsh over one connection, under logtax run --jobs:
# - every thread's calls equal the records libvirt wrote with its thread id
#   (the main thread: at least those, its first calls come before the log
#   output is set up);
# - the RPC worker pools are one group each, as many threads as the daemon
#   had of that name while it ran ("rpc-libvirtd x5"), and their jobs are
#   counted;
# - the headline, logging's share of the process's CPU time, is <= 100%,
#   and so is the sum of the sources' shares (the per-source share of busy
#   time passed 100% here: most calls come from the workers).
. "$(dirname "$0")/../lib.sh"

daemon=/usr/sbin/libvirtd
[ -x "$daemon" ] || skip "libvirtd is not installed (libvirt-daemon)"
command -v virsh >/dev/null || skip "virsh is not installed (libvirt-clients)"
sanitized address && skip_by_design "a -fsanitize=address shim cannot be preloaded into libvirtd (not linked with ASan)"
sanitized thread && skip_by_design "a -fsanitize=thread shim cannot be preloaded into libvirtd (not linked with TSan)"

. "$ROOT/scripts/libvirtd-scratch.sh"
libvirtd_scratch "$T" && mkdir -p "$T/out" || fail "scratch folder"
# No hypervisor driver: the daemon serves the test driver only.
LIBVIRT_DRIVER_DIR=$T/drivers "$LOGTAX" run --jobs -o "$T/out" -- "$daemon" -f "$T/libvirtd.conf" \
	--pid-file "$T/pid" >"$T/run.out" 2>&1 &
run=$!
wait_until "libvirtd's socket" test -S "$T/sock/libvirt-sock"
wait_until "libvirtd's pid file" test -s "$T/pid"
pid=$(cat "$T/pid")
uri="test+unix:///default?socket=$T/sock/libvirt-sock"
rounds=50
for i in $(seq $rounds); do
	printf 'list --all\ndominfo test\nnet-list\npool-list\n'
done | virsh -c "$uri" >"$T/virsh.out" 2>&1 || fail "virsh failed: $(tail -5 "$T/virsh.out")"
expect_eq "$(grep -c '^ *[0-9]* *test *running' "$T/virsh.out")" $rounds "virsh: the test domain listed each round"
# The daemon's own threads, by name, while it runs.
for t in /proc/"$pid"/task/*; do cat "$t/comm"; done | sort | uniq -c | awk '{ print $2, $1 }' >"$T/task-names"
kill -TERM "$pid"
wait $run || fail "logtax run: libvirtd ended with status $?: $(tail -5 "$T/run.out")"
f=$(one_file "$T/out")
"$ANALYZE" report --format json "$f" >"$T/json" || fail "json report failed"

# Calls per thread against libvirt's records ("TIME: TID: LEVEL : ...").
awk -F': ' '/^[0-9][0-9][0-9][0-9]-/ { n[$2]++ } END { for (t in n) print t, n[t] }' "$T/libvirtd.log" | sort >"$T/log-tid"
jq -r '.threads[] | select(.kept > 0) | "\(.tid) \(.kept)"' "$T/json" | sort >"$T/ltx-tid"
main_log=$(awk -v p="$pid" '$1 == p { print $2 }' "$T/log-tid")
main_ltx=$(awk -v p="$pid" '$1 == p { print $2 }' "$T/ltx-tid")
expect_ge "$main_ltx" "$main_log" "main thread: calls counted against records written"
expect_eq "$(awk -v p="$pid" '$1 != p' "$T/ltx-tid")" "$(awk -v p="$pid" '$1 != p' "$T/log-tid")" \
	"every other thread: calls counted = records written"

# The pools: one group each, of as many threads as the daemon had.
for name in rpc-libvirtd prio-rpc-libvir; do
	had=$(awk -v n="$name" '$1 == n { print $2 }' "$T/task-names")
	[ -n "$had" ] || fail "libvirtd had no thread named $name: $(cat "$T/task-names")"
	expect_eq "$(jq -r --arg n "$name" '.thread_groups[] | select(.name == $n) | .nthreads' "$T/json")" "$had" \
		"the $name group"
done
workers=$(awk '$1 == "rpc-libvirtd" { print $2 }' "$T/task-names")
expect_eq "$(jq '[.threads[] | select(.name == "rpc-libvirtd") | select(.jobs != null and .jobs.jobs > 0)] | length' "$T/json")" \
	"$workers" "rpc-libvirtd workers with jobs"
"$LOGTAX" report "$f" >"$T/text" || fail "text report failed"
expect_grep "^  rpc-libvirtd x$workers " "$T/text" "text: the rpc-libvirtd group"
share=$(sed -n "s/^Logging took .* of the process's .* CPU time: \([0-9.]*\)%\.$/\1/p" "$T/text")
[ -n "$share" ] || fail "no headline"
note "libvirtd: logging's share of the process's CPU time $share%"
grep -E '^  (libvirtd|rpc-libvirtd|prio-rpc-libvir)' "$T/text" | sed 's/^/# /'
expect_le "$share" 100 "headline"
jq -e '.totals.cpu_share <= 1 and ([.sources[].cpu_share | select(. != null)] | add) <= 1.000001' "$T/json" >/dev/null ||
	fail "a share of CPU time over 100%: $(jq -c '.totals' "$T/json")"
