# logtax ab --pid: rules alternated on a running daemon under a steady load,
# one rule generation per period; the counts per period from the data file
# add up to what the daemon counted itself; its rules are put back at the
# end and after ^C. Asserts structure and exact counts, never speed.
. "$(dirname "$0")/../lib.sh"

cd "$T" || fail "cd"
D=$TP/req-daemon
PER=50
ORIG='keep:nothing.here'
"$LOGTAX" run -o "$T/data" --filter "$ORIG" -- "$D" "$T/s" $PER 2>"$T/daemon.err" &
wait_until "the daemon's socket" test -S "$T/s"
pid=$(pgrep -n -f "^$D $T/s $PER")
[ -n "$pid" ] || fail "no daemon pid"
"$D" client "$T/s" 0 2>/dev/null &
client=$!
wait_until "the daemon's control thread" "$LOGTAX" ctl "$pid" status >/dev/null 2>&1
stop_all() { kill $client 2>/dev/null; kill "$pid" 2>/dev/null; wait; }
trap 'stop_all; rm -rf "$T"' EXIT

"$LOGTAX" ab --pid "$pid" --period 0.5 -n 2 --warmup 1 --b-filter 'drop:req.debug' \
	--rate-from "$D stats $T/s" --json "$T/live.json" >"$T/out" 2>"$T/err" || fail "ab --pid: $(cat "$T/err")"
j=$T/live.json
expect_eq "$(jq -r '[.periods[].arm] | join("")' "$j")" "AABAB" "periods alternate after a warm-up"
# One generation per period, in order.
gens=$(jq -r '[.periods[].generation] | join(" ")' "$j")
first=${gens%% *}
expect_eq "$gens" "$first $((first + 1)) $((first + 2)) $((first + 3)) $((first + 4))" "a generation per period"
expect_eq "$(jq -c '[.periods[] | select(.arm == "A") | .calls_dropped] | unique' "$j")" "[0]" "A periods drop nothing"
# B: each request's PER debug calls dropped, its req.served call kept (a
# request at a boundary may fall in two generations).
jq -e --argjson per $PER '[.periods[] | select(.arm == "B") | .calls_dropped >= $per * (.calls_kept - 1)
	and .calls_dropped <= $per * (.calls_kept + 1) and .calls_kept > 0] | all' "$j" >/dev/null ||
	fail "B periods: $(jq -c '[.periods[] | select(.arm == "B")]' "$j")"
jq -e '[.periods[] | .cpu_s >= 0 and .seconds > 0 and .rate > 0] | all' "$j" >/dev/null || fail "period figures"
expect_eq "$(jq -r '[.comparisons[].measure] | join(" ")' "$j")" "cpu_per_second cpu_per_rate_unit" "comparisons"
expect_grep "^B/A CPU per second: " "$T/out" "text: ratio"
# The prediction, per A period from its own generation's keys: B's rule
# would drop its req.debug calls, PER per request (a request at a
# boundary may fall in two generations), and keep the req.served ones.
jq -e --argjson per $PER '[.periods[] | select(.arm == "A" and .index > 0) |
	(.calls_kept - .predicted_dropped_calls) as $s | .predicted_dropped_calls >= $per * ($s - 1)
	and .predicted_dropped_calls <= $per * ($s + 1) and $s > 0] | all' "$j" >/dev/null ||
	fail "A periods' predicted drops: $(jq -c '[.periods[] | select(.arm == "A")]' "$j")"
c=$(jq -c '.comparisons[] | select(.measure == "cpu_per_rate_unit")' "$j")
echo "$c" | jq -e '.saving_predicted | type == "number"' >/dev/null || fail "no prediction per unit of the rate: $c"
# Calls per unit of the rate and the saving beyond the prediction per
# dropped call, recomputed from the JSON's own figures.
med='sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end'
# (A generation lasts a little longer than the period's readings: its
# calls are scaled by seconds / generation_seconds.)
jq -e '[.periods[] | select(.arm == "A") | .generation_seconds >= .seconds] | all' "$j" >/dev/null ||
	fail "A generations shorter than their periods: $(jq -c '[.periods[] | select(.arm == "A")]' "$j")"
calls=$(jq -r '[.periods[] | select(.arm == "A" and .index > 0) |
	.predicted_dropped_calls * .seconds / .generation_seconds / .rate] | add / length' "$j")
awk -v g="$(echo "$c" | jq .predicted_dropped_calls_per_rate_unit)" -v w="$calls" \
	'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= 1e-6 * (w < 0 ? -w : w) + 1e-9) }' ||
	fail "predicted calls per unit of the rate: $c, from the periods $calls"
want=$(jq -r "([.periods[] | select(.arm == \"A\" and .index > 0) | .cpu_s / .rate] | $med) as \$a |
	.comparisons[] | select(.measure == \"cpu_per_rate_unit\") |
	(.saving_measured - .saving_predicted) * \$a * 1e9 / .predicted_dropped_calls_per_rate_unit" "$j")
beyond=$(echo "$c" | jq -r .saving_beyond_prediction_ns_per_dropped_call)
awk -v g="$beyond" -v w="$want" 'BEGIN { d = g - w; if (d < 0) d = -d; m = w < 0 ? -w : w
	exit !(g != "null" && d <= 0.01 + 1e-6 * m) }' ||
	fail "saving beyond the prediction per dropped call: $beyond, from the JSON's figures $want"
expect_grep "^  saved beyond the prediction: [-+][0-9]* ns per dropped call" "$T/out" "text: saving beyond the prediction"
# A closed-loop client serves more when the daemon logs less: when the
# rate per second moved by more than 10%, the text says so and CPU per
# second has no prediction; otherwise it has one and no note.
moved=$(jq '.rate_per_second_b_over_a | . < 0.9 or . > 1.1' "$j")
if [ "$moved" = true ]; then
	expect_eq "$(jq '.comparisons[0].saving_predicted' "$j")" null "rate moved: no prediction per second"
	expect_grep "^  note: B's periods ran at [0-9.]*x A's rate" "$T/out" "rate moved: the note"
else
	jq -e '.comparisons[0].saving_predicted | type == "number"' "$j" >/dev/null || fail "no prediction per second"
	grep -q "^  note: B's periods ran" "$T/out" && fail "a note on the rate, though it moved by 10% or less"
fi
expect_grep "its rules are back to '$ORIG'" "$T/err" "rules restored: message"
expect_grep "^rules: $ORIG\$" <("$LOGTAX" ctl "$pid" status) "rules restored"

# Interrupted in the middle of a period: the rules are put back, exit 130.
"$LOGTAX" ab --pid "$pid" --period 30 -n 2 --b-filter 'drop:*' >/dev/null 2>"$T/err2" &
ab=$!
wait_until "a period under way" grep -q "A B A B" "$T/err2"
sleep 0.3
kill -INT $ab
wait $ab
expect_eq "$?" 130 "interrupted: exit status"
expect_grep "^rules: $ORIG\$" <("$LOGTAX" ctl "$pid" status) "interrupted: rules restored"

# Every call the daemon made is in its data file, kept or dropped, exactly.
kill $client
wait $client 2>/dev/null
kill "$pid"
wait_until "the daemon's end" sh -c "! kill -0 $pid 2>/dev/null"
wait
want=$(sed -n 's/^req-daemon: calls source=\([^ ]*\) count=\([0-9]*\)$/\1 \2/p' "$T/daemon.err" | sort)
got=$("$ANALYZE" report --format json "$T/data/logtax.$pid.ltx" |
	jq -r '.keys | group_by(.source) | .[] | "\(.[0].source) \(map(.calls) | add)"' | sort)
expect_same "$want" "$got" "calls per source: the daemon's own counts"

# The CPU per period comes from the process's CPU clock, to the
# nanosecond: it agrees with what the process reads itself. The program
# reads its CLOCK_PROCESS_CPUTIME_ID when --rate-from's command asks (just
# after ab's reading at a period's start, just after the one at its end),
# then burns 35 ms of CPU before it answers, idle otherwise: each period's
# CPU is that burst, and whole clock ticks (10 ms) would miss it by 4 ms
# or more. No speed is assumed: the burst is CPU time, and the two
# readings bracket the same work.
if command -v cc >/dev/null; then
	cat >"$T/burst.c" <<'C'
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
static long long ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static void *idle(void *a)
{
	for (;;)
		pause();
	return a;
}
int main(int argc, char **argv)
{
	char tmp[4200], ans[4200], b[64];
	pthread_t t;
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
	snprintf(ans, sizeof ans, "%s", argv[2]);
	/* The shim's control thread: in a process of two threads, from its first logging call. */
	pthread_create(&t, NULL, idle, NULL);
	syslog(LOG_INFO, "ready");
	for (;;) {
		int fd = open(argv[1], O_RDONLY); /* waits for a writer */
		while (fd >= 0 && read(fd, b, sizeof b) > 0)
			;
		long long self = ns(CLOCK_PROCESS_CPUTIME_ID), t0 = ns(CLOCK_THREAD_CPUTIME_ID);
		while (ns(CLOCK_THREAD_CPUTIME_ID) - t0 < 35000000)
			;
		FILE *f = fopen(tmp, "w");
		fprintf(f, "%lld\n", self);
		fclose(f);
		rename(tmp, ans);
		close(fd);
	}
	(void)argc;
}
C
	cc -O2 -pthread -o "$T/burst" "$T/burst.c" || fail "building the burst program"
	mkfifo "$T/ask"
	"$LOGTAX" run -o "$T/bdata" -- "$T/burst" "$T/ask" "$T/ans" 2>/dev/null &
	wait_until "the burst program" pgrep -f "^$T/burst $T/ask" >/dev/null
	bp=$(pgrep -f "^$T/burst $T/ask")
	trap 'kill "$bp" 2>/dev/null; stop_all; rm -rf "$T"' EXIT
	wait_until "its control thread" "$LOGTAX" ctl "$bp" status >/dev/null 2>&1
	cat >"$T/ask.sh" <<SH
rm -f "$T/ans"
echo >"$T/ask"
while [ ! -e "$T/ans" ]; do sleep 0.005; done
cat "$T/ans"
SH
	"$LOGTAX" ab --pid "$bp" --period 0.3 -n 2 --warmup 1 --b-filter 'drop:*' --rate-from "sh $T/ask.sh" \
		--json "$T/burst.json" >"$T/bout" 2>"$T/berr" || fail "ab --pid on the burst program: $(cat "$T/berr")"
	kill "$bp"
	expect_eq "$(jq -r '"\(.cpu_source) \(.cpu_resolution_s)"' "$T/burst.json")" "clock 1e-09" "CPU source"
	expect_grep "from its CPU clock" "$T/bout" "text: the CPU source"
	# Each period: logtax's CPU and the program's own differ by < 1 ms.
	jq -e '[.periods[] | (.cpu_s * 1e9 - .rate) | fabs < 1e6] | all' "$T/burst.json" >/dev/null ||
		fail "CPU per period against the program's own: $(jq -c '[.periods[] | [.cpu_s, .rate]]' "$T/burst.json")"
	jq -e '[.periods[] | .rate >= 35e6] | all' "$T/burst.json" >/dev/null ||
		fail "a period without its burst: $(jq -c '[.periods[] | .rate]' "$T/burst.json")"
else
	ci_needs "no C compiler for the CPU burst program"
fi

# Not a process under logtax: ctl's exit status.
"$LOGTAX" ab --pid $$ --b-filter 'drop:*' 2>"$T/err"
expect_eq "$?" 4 "not traced: exit status"
exit 0
