# logtax attach on Debian's real libvirtd, started without logtax, under a
# virsh load: attached, every virLogMessage call counted exactly (libvirt's
# own log file, log_level 1, gets one record per call that passes: the
# records written while attached are the ground truth); `ctl filter` drops
# its debug and info messages live (the records written meanwhile are then
# only what the rule kept); detached, the daemon still answers and the data
# file no longer moves. The daemon's CPU per load in each phase is noted.
. "$(dirname "$0")/../lib.sh"

[ "$(uname -m)" = x86_64 ] || skip_by_design "logtax attach is x86-64 only"
daemon=/usr/sbin/libvirtd
[ -x "$daemon" ] || skip "libvirtd is not installed (libvirt-daemon)"
command -v virsh >/dev/null || skip "virsh is not installed (libvirt-clients)"
sanitized address && skip_by_design "a -fsanitize=address shim cannot be loaded into libvirtd (not linked with ASan)"
sanitized thread && skip_by_design "a -fsanitize=thread shim cannot be loaded into libvirtd (not linked with TSan)"

. "$ROOT/scripts/libvirtd-scratch.sh"
libvirtd_scratch "$T" && mkdir -p "$T/out" || fail "scratch folder"
LIBVIRT_DRIVER_DIR=$T/drivers "$daemon" -f "$T/libvirtd.conf" --pid-file "$T/pid" >"$T/daemon.out" 2>&1 &
run=$!
trap 'kill -9 $run 2>/dev/null; rm -rf "$T"' EXIT
wait_until "libvirtd's socket" test -S "$T/sock/libvirt-sock"
wait_until "libvirtd's pid file" test -s "$T/pid"
pid=$(cat "$T/pid")
uri="test+unix:///default?socket=$T/sock/libvirt-sock"

# load N: N rounds of four virsh commands over one connection; checks the answers.
load() {
	local i
	for i in $(seq "$1"); do
		printf 'list --all\ndominfo test\nnet-list\npool-list\n'
	done | virsh -c "$uri" >"$T/virsh.out" 2>&1 || fail "virsh failed: $(tail -5 "$T/virsh.out")"
	expect_eq "$(grep -c '^ *[0-9]* *test *running' "$T/virsh.out")" "$1" "virsh: the test domain listed each round"
}
# libvirt's log records so far (a record starts with its date; a message
# with newlines continues on lines that do not).
records() { libvirtd_records "$T"; }
cpu_ticks() { proc_cpu_ticks "$pid"; }
settled() { libvirtd_quiet "$T"; }
rounds=100
load 5
wait_until "libvirtd idle" settled

c0=$(cpu_ticks)
load $rounds
c1=$(cpu_ticks)
note "daemon CPU for $rounds rounds, not attached: $((c1 - c0)) ticks"

# Attached while idle: the records written from now on are all the calls.
wait_until "libvirtd idle" settled
r0=$(records)
"$LOGTAX" attach -o "$T/out" "$pid" >"$T/attach.out" 2>&1 || fail "attach failed: $(cat "$T/attach.out")"
c0=$(cpu_ticks)
load $rounds
c1=$(cpu_ticks)
note "daemon CPU for $rounds rounds, attached: $((c1 - c0)) ticks"
wait_until "libvirtd idle" settled
r1=$(records)
"$LOGTAX" ctl "$pid" dump >/dev/null || fail "ctl dump failed"
expect_eq "$(find "$T/out" -name "logtax.$pid*.ltx" | wc -l)" 1 "one data file for the attach"
f=$(find "$T/out" -name "logtax.$pid*.ltx")
kept=$("$ANALYZE" report --format json "$f" | jq '[.keys[] | select(.entry == "virLogMessage") | .calls] | add')
expect_eq "$kept" "$((r1 - r0))" "virLogMessage calls while attached: the records libvirt wrote"
"$ANALYZE" report "$f" >"$T/report" || fail "report failed"
expect_grep "attached" "$T/report" "the report says the shim attached"

# A rule, live: debug and info messages dropped; libvirt writes only what is kept.
"$LOGTAX" ctl "$pid" filter 'drop:*@<=info' >/dev/null || fail "ctl filter failed"
wait_until "libvirtd idle" settled
r2=$(records)
c0=$(cpu_ticks)
load $rounds
c1=$(cpu_ticks)
note "daemon CPU for $rounds rounds, attached, drop:*@<=info: $((c1 - c0)) ticks"
wait_until "libvirtd idle" settled
r3=$(records)
"$LOGTAX" ctl "$pid" dump >/dev/null || fail "ctl dump failed"
"$ANALYZE" report --format json "$f" >"$T/j2"
kept2=$(jq '[.keys[] | select(.entry == "virLogMessage" and .generation == 1 and .action == "keep") | .calls] | add // 0' "$T/j2")
dropped2=$(jq '[.keys[] | select(.entry == "virLogMessage" and .generation == 1 and .action == "drop") | .calls] | add // 0' "$T/j2")
expect_eq "$kept2" "$((r3 - r2))" "under the rule: calls kept = records libvirt wrote"
expect_ge "$dropped2" 1000 "under the rule: calls dropped"

# Detached: the data file is final, libvirtd answers, its log grows again.
"$LOGTAX" detach "$pid" >"$T/detach.out" 2>&1 || fail "detach failed: $(cat "$T/detach.out")"
grep -q liblogtax /proc/"$pid"/maps || fail "the shim should stay mapped after detach"
sum=$(md5sum <"$f")
r4=$(records)
c0=$(cpu_ticks)
load $rounds
c1=$(cpu_ticks)
note "daemon CPU for $rounds rounds, detached: $((c1 - c0)) ticks"
[ "$(records)" -gt "$((r4 + 1000))" ] || fail "after detach libvirt's log should grow as before"
expect_eq "$(md5sum <"$f")" "$sum" "the data file does not move after detach"
expect_eq "$(find "$T/out" -name "logtax.$pid*.ltx" | wc -l)" 1 "still one data file after detach"
kill -TERM "$pid"
wait $run
expect_eq "$?" 0 "libvirtd's exit status after attach and detach"
