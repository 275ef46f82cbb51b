# Attached and detached again and again (an operator's hourly look at a
# daemon): what the shim keeps mapped stays bounded. attach-stress with 4
# threads logging without pause and 4 that sleep in poll between attaches
# and make exactly 300 calls each once an attach is done (STRESS_BURST),
# 20 cycles. Before each detach, `logtax ctl PID status`: the earlier
# attaches' thread states still held never exceed one per thread (the 8,
# and the main thread that calls logtax_attach); the states let go of are
# unmapped (by the last cycle, at least one per logging thread and cycle
# after the second); the bytes the shim has mapped at the last cycle are
# within a few thread states of the most seen in cycles 2-4 (before, every
# cycle added a state per thread: about 190 kB each). Counts stay exact:
# every attach's file holds exactly the burst threads' calls of its cycle
# (the program's own count), and every call reached liblegacylog. One
# more thread sits in pthread_cond_wait (a job wait: LOGTAX_JOBS=1) from
# the first attach into the last, and a SIGUSR1 handler logs once on it
# per cycle: the handler lets go of the state the wait holds, a later
# attach unmaps it (and may map another state at its address), and the
# wait's end must not write into it: each file holds the handler's one
# call, and the last one no job wait at all (the only one that ended
# there began on a state unmapped since).
. "$(dirname "$0")/../lib.sh"

export LEGACYLOG_MODE=fast
cycles=20 n=4 k=300
out=$T/o
mkdir -p "$out"
(
	STRESS_BURST=$k STRESS_SLEEPER=1 ATTACH_SHIM=$SHIM ATTACH_SETTINGS="LOGTAX_OUTPUT=$out
LOGTAX_SNAPSHOT=0
LOGTAX_JOBS=1
" "$TP/attach-stress" $n $cycles "$out" >"$out/stdout" 2>"$out/stderr"
	echo "exit $?" >"$out/status"
) &
stress_cycles "$out" $cycles
pid=$STRESS_PID

held() { sed -n "s/^earlier attaches' thread states: \([0-9]*\) held, [0-9]* unmapped$/\1/p" "$out/status.$1"; }
freed() { sed -n "s/^earlier attaches' thread states: [0-9]* held, \([0-9]*\) unmapped$/\1/p" "$out/status.$1"; }
mapped() { sed -n 's/^mapped: \([0-9]*\) bytes$/\1/p' "$out/status.$1"; }
for c in $(seq $cycles); do
	[ -n "$(held "$c")" ] && [ -n "$(mapped "$c")" ] || { cat "$out/status.$c" >&2; fail "cycle $c: status without the memory lines"; }
	expect_le "$(held "$c")" $((2 * n + 2)) "cycle $c: earlier states held: one per thread at most"
done
expect_ge "$(freed $cycles)" $((2 * n * (cycles - 2))) "earlier states unmapped by the last cycle"
base=$(for c in 2 3 4; do mapped "$c"; done | sort -n | tail -n 1)
last=$(mapped $cycles)
expect_le "$last" $((base + 4 * 256 * 1024)) "mapped bytes at cycle $cycles (cycles 2-4: at most $base)"
note "shim's mapped bytes: cycle 2-4 at most $base, cycle $cycles $last; earlier states held $(held $cycles), unmapped $(freed $cycles)"

expect_eq "$(data_files "$out" | wc -l)" "$cycles" "one file per attach"
for c in $(seq $cycles); do
	f=$out/logtax.$pid.a$c.ltx
	[ -f "$f" ] || fail "no $f"
	made=$(sed -n "s/^burst $c \([0-9]*\)$/\1/p" "$out/stdout")
	expect_eq "$made" $((n * k)) "cycle $c: the burst threads' calls made"
	got=$(csv_calls_by_source "$f" | sed -n 's/^stress\.burst \([0-9]*\)$/\1/p')
	expect_eq "$got" "$made" "cycle $c: the burst threads' calls, exactly"
	expect_eq "$(sed -n "s/^signal $c \([0-9]*\)$/\1/p" "$out/stdout")" 1 "cycle $c: the handler's call made"
	got=$(csv_calls_by_source "$f" | sed -n 's/^stress\.signal \([0-9]*\)$/\1/p')
	expect_eq "$got" 1 "cycle $c: the handler's call, inside the long wait"
done
note "$(grep 'sleeper woke' "$out/stdout")"
expect_eq "$("$ANALYZE" report --format json "$out/logtax.$pid.a$cycles.ltx" | jq '[.threads[].jobs.jobs // 0] | add')" 0 \
	"last attach: no job wait counted (the one that ended began under the first attach)"
