# `logtax ctl PID status` lists the --hook targets whose entry the patcher
# refused, as it lists refused built-in entries ("entry not patched:
# TARGET: WHY"): an attached shim patches on its control thread, whose
# warnings never reach the program's stderr, so status is where they are
# told. refuse-demo's librefuse.so (test-programs/entry/refuse.S) has
# ref_short (3 bytes), ref_after (4 bytes, hooked by address),
# ref_branchin (its loop branches back into its first 5 bytes) and
# ref_nosize (no symbol size, no .eh_frame entry): refused, each with its
# reason, through both paths (a plain function name, and a target naming
# its object); ref_branchin_bodies is patched and not listed.
# Under logtax run, and under logtax attach twice: the second attach, with
# only the patched hook, lists nothing (the first one's refusals are not
# carried over). And late_fn (late-patch-demo), refused at an attach, then
# patched after a dlopen, drops out of the list.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-entry.sh"

prog=$TPE/refuse-demo
off=$(nm "$TPE/librefuse.so" | awk '$3 == "ref_after" { sub(/^0+/, "", $1); print $1 }')
[ -n "$off" ] || fail "no ref_after in librefuse.so"
expect_eq "$(nm -S "$TPE/librefuse.so" | awk '$NF == "ref_nosize" { print NF }')" 3 "ref_nosize has no size"
hooks=(--hook ref_short --hook ref_branchin@librefuse.so --hook "librefuse.so+0x$off" --hook ref_nosize@librefuse.so
	--hook ref_branchin_bodies)

# expect_refusals STATUS WHAT: the four refused targets, once each, with
# their reasons; nothing else refused (ref_branchin_bodies was patched).
expect_refusals() {
	expect_grep "^entry not patched: ref_short: it is 3 bytes long: a jmp needs 5$" "$1" "$2: ref_short, too short"
	expect_grep "^entry not patched: ref_branchin@librefuse.so: a branch .* lands at +0x2, inside the 5 bytes" "$1" \
		"$2: ref_branchin@librefuse.so, branched into"
	expect_grep "^entry not patched: librefuse.so+0x$off: it is 4 bytes long: a jmp needs 5$" "$1" \
		"$2: librefuse.so+0x$off (ref_after), too short"
	expect_grep "^entry not patched: ref_nosize@librefuse.so: its size is unknown$" "$1" "$2: ref_nosize@librefuse.so, no size"
	expect_eq "$(grep -c '^entry not patched: ' "$1")" 4 "$2: entries listed as not patched"
	expect_eq "$(grep -c ref_branchin_bodies "$1")" 0 "$2: the patched hook listed"
}

# ---- logtax run ----
out=$T/run
mkdir -p "$out"
"$LOGTAX" run -o "$out" --control thread --patch entry "${hooks[@]}" -- "$prog" 5 "$out/stop" \
	>"$out/stdout" 2>"$out/stderr" &
lpid=$!
started() { pgrep -P $lpid -x refuse-demo >/dev/null; }
wait_until "refuse-demo started" started
pid=$(pgrep -P $lpid -x refuse-demo)
wait_alive "control thread" "$pid" "$out/stderr" "$LOGTAX" ctl "$pid" status >"$out/status" 2>/dev/null
expect_refusals "$out/status" "run"
touch "$out/stop"
wait $lpid || fail "logtax run: exit $?: $(cat "$out/stderr")"
# Patched: no line said otherwise on stderr, and its one call was counted.
expect_eq "$(grep -c ref_branchin_bodies "$out/stderr")" 0 "run: lines about the patched hook"
n=$("$ANALYZE" report --format csv "$(one_file "$out")" |
	csv_each '$c["entry"] == "ref_branchin_bodies" { n += $c["calls"] } END { print n + 0 }')
expect_eq "$n" 1 "run: ref_branchin_bodies's calls (refuse-demo makes one)"

# ---- refused, then patched: no longer listed ----
# late-patch-demo attaches the shim itself (as logtax attach does) while a
# thread that blocks every signal runs through late_fn: refused. That
# thread stops, a dlopen has the entries patched again, and late_fn's
# entry is patched: status lists it no more, and its direct calls after
# the dlopen are all counted (only a patched entry sees them).
out=$T/late
mkdir -p "$out"
ATTACH_SHIM=$SHIM ATTACH_SETTINGS="LOGTAX_OUTPUT=$out
LOGTAX_PATCH=entry
LOGTAX_HOOK=late_fn
LOGTAX_SNAPSHOT=0
" "$TPE/late-patch-demo" "$out" "$TPE/libentrylate.so" 50 >"$out/stdout" 2>"$out/stderr" &
pid=$!
wait_alive "attached" "$pid" "$out/stderr" test -e "$out/attached"
"$LOGTAX" ctl "$pid" status >"$out/status.1" 2>&1 || { cat "$out/status.1" >&2; fail "late: status 1"; }
expect_grep "^entry not patched: late_fn: thread [0-9]* blocks SIGTRAP and is running" "$out/status.1" "late: refused first"
touch "$out/go"
wait_alive "the dlopen" "$pid" "$out/stderr" test -e "$out/loaded"
"$LOGTAX" ctl "$pid" status >"$out/status.2" 2>&1 || { cat "$out/status.2" >&2; fail "late: status 2"; }
expect_eq "$(grep -c '^entry not patched: ' "$out/status.2")" 0 "late: entries listed as not patched after the dlopen"
"$LOGTAX" ctl "$pid" detach >"$out/detach" 2>&1 || { cat "$out/detach" >&2; fail "late: detach"; }
touch "$out/end"
wait $pid || fail "late-patch-demo: exit $?: $(cat "$out/stderr")"
n=$("$ANALYZE" report --format csv "$out/logtax.$pid.a1.ltx" |
	csv_each '$c["entry"] == "late_fn" { n += $c["calls"] } END { print n + 0 }')
expect_eq "$n" "$(sed -n 's/^late-patch-demo: calls after the dlopen entry=late_fn count=//p' "$out/stdout")" \
	"late: late_fn's calls after the dlopen"

# ---- logtax attach ----
[ -x "$B/libexec/logtax/logtax-attach" ] ||
	skip_by_design "no injector in this tree (logtax attach); the run part passed"
out=$T/attach
mkdir -p "$out"
"$prog" 5 "$out/stop" >"$out/stdout" 2>"$out/stderr" &
pid=$!
"$LOGTAX" attach -o "$out" --patch entry "${hooks[@]}" "$pid" >"$out/attach.1" 2>&1 ||
	{ cat "$out/attach.1" >&2; fail "attach 1"; }
"$LOGTAX" ctl "$pid" status >"$out/status.1" 2>&1 || { cat "$out/status.1" >&2; fail "status 1"; }
expect_refusals "$out/status.1" "attach 1"
"$LOGTAX" ctl "$pid" detach >"$out/detach.1" 2>&1 || { cat "$out/detach.1" >&2; fail "detach 1"; }
expect_grep "^detached: .* and 1 function entries restored" "$out/detach.1" "attach 1: ref_branchin_bodies was entry patched"

"$LOGTAX" attach -o "$out" --patch entry --hook ref_branchin_bodies "$pid" >"$out/attach.2" 2>&1 ||
	{ cat "$out/attach.2" >&2; fail "attach 2"; }
"$LOGTAX" ctl "$pid" status >"$out/status.2" 2>&1 || { cat "$out/status.2" >&2; fail "status 2"; }
expect_eq "$(grep -c '^entry not patched: ' "$out/status.2")" 0 "attach 2: entries listed as not patched"
"$LOGTAX" ctl "$pid" detach >"$out/detach.2" 2>&1 || { cat "$out/detach.2" >&2; fail "detach 2"; }
expect_grep "^detached: .* and 1 function entries restored" "$out/detach.2" "attach 2: ref_branchin_bodies was entry patched"
touch "$out/stop"
wait $pid || fail "refuse-demo: exit $?: $(cat "$out/stderr")"
"$prog" 5 >"$T/plain.out" || fail "refuse-demo failed alone"
expect_same "$(cat "$T/plain.out")" "$(cat "$out/stdout")" "attached twice: output as without logtax"
