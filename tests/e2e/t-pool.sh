# An event loop feeding a pool of 4 workers through condition variables
# (pool-demo, libvirtd's shape), run with --jobs: the calls per source and
# per thread, the loop's iterations, each worker's jobs and calls per job
# equal what the program counted; the workers are one group "pool-worker
# x4" in every format; the threads' CPU times add up to at most the
# process's, each at least what the thread itself read at its end; the
# headline (logging's share of the process's CPU time) is at most 100%.
# Then glibc's pre-2.3.2 condition variables (COMPAT=1) still work, and
# without --jobs no job is counted.
. "$(dirname "$0")/../lib.sh"

workers=4 jobs=60 calls=20 loop_calls=3
out=$T/jobs
mkdir -p "$out"
"$LOGTAX" run --jobs -o "$out" -- "$TP/pool-demo" $workers $jobs $calls $loop_calls >"$out/stdout" 2>"$out/stderr" ||
	fail "pool-demo failed: $(cat "$out/stderr")"
f=$(one_file "$out")
expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$out/stdout")" "calls per source"
"$ANALYZE" report --format json "$f" >"$out/json" || fail "json report failed"

# The loop thread: iterations and calls.
read -r its lcalls < <(sed -n 's/^pool-demo: thread=loop iterations=\([0-9]*\) calls=\([0-9]*\)$/\1 \2/p' "$out/stdout")
expect_eq "$(jq -r '.threads[] | select(.name == "pool-loop") | "\(.waits) \(.kept)"' "$out/json")" "$its $lcalls" \
	"loop thread: iterations and calls"
# The workers: jobs = the waits each counted, calls, calls per job (sorted:
# logtax knows them by tid, the program by number).
want=$(sed -n 's/^pool-demo: thread=worker\.[0-9]* waits=\([0-9]*\) jobs=\([0-9]*\) calls=\([0-9]*\) .*$/\1 \3/p' "$out/stdout" | sort)
expect_eq "$(wc -l <<<"$want")" $workers "workers the program reported"
got=$(jq -r '.threads[] | select(.name == "pool-worker") | "\(.jobs.jobs) \(.kept)"' "$out/json" | sort)
expect_eq "$got" "$want" "workers: jobs (= the program's condition waits) and calls"
# Each job follows a wait (the program hands a job only to a waiting
# worker): where the program saw as many waits as jobs, calls per job are exact.
if ! sed -n 's/^pool-demo: thread=worker.* waits=\([0-9]*\) jobs=\([0-9]*\) .*/\1 \2/p' "$out/stdout" | awk '$1 != $2 { bad = 1 } END { exit bad }'; then
	note "a spurious wake-up: calls per job not compared"
else
	expect_eq "$(jq -r '[.threads[] | select(.name == "pool-worker") | .jobs.calls_per_job] | unique | join(" ")' "$out/json")" \
		"$calls" "calls per job"
fi
expect_eq "$(jq -r '[.threads[] | select(.name == "pool-loop") | .jobs] | .[0]' "$out/json")" null "the loop thread has no jobs"

# Thread groups in every format.
expect_eq "$(jq -r '.thread_groups[] | select(.name == "pool-worker") | "\(.nthreads) \(.kept) \(.jobs)"' "$out/json")" \
	"$workers $((workers * jobs * calls)) $((workers * jobs))" "json: the worker group"
"$LOGTAX" report "$f" >"$out/text" || fail "text report failed"
expect_grep "^  pool-worker x$workers " "$out/text" "text: the worker group"
expect_grep "^Worker jobs" "$out/text" "text: the jobs table"
"$LOGTAX" report --format html "$f" >"$out/html" || fail "html report failed"
expect_grep "pool-worker x$workers" "$out/html" "html: the worker group"
"$ANALYZE" report --format csv "$f" >"$out/csv" || fail "csv report failed"
expect_eq "$(csv_each '$c["source"] == "pool.worker" { print $c["thread_group"], $c["group_threads"], $c["thread_jobs"] }' <"$out/csv" | sort -u)" \
	"pool-worker $workers $jobs" "csv: the worker keys' group and jobs"

# CPU time: the threads' clocks (each read at its exit, after the program's
# own last read of it) add up to at most the process's.
jq -r '.threads[] | select(.name == "pool-worker") | .cpu_ns' "$out/json" | sort -n >"$out/logtax-cpu"
sed -n 's/^pool-demo: thread=worker.* cpu_ns=\([0-9]*\)$/\1/p' "$out/stdout" | sort -n >"$out/own-cpu"
expect_eq "$(wc -l <"$out/own-cpu")" $workers "CPU times the workers read"
paste "$out/logtax-cpu" "$out/own-cpu" | awk '$1 < $2 { print; bad = 1 } END { exit bad }' ||
	fail "a worker's CPU time in the report is below what it read itself before it ended"
jq -e '.processes[0].totals as $t | ([.threads[].cpu_ns] | add) as $s |
	$s <= $t.cpu_ns and ($s + $t.other_cpu_ns - $t.cpu_ns | fabs) < 1' "$out/json" >/dev/null ||
	fail "threads' CPU times do not add up to the process's: $(jq -c '.processes[0].totals' "$out/json")"
jq -e '.processes[0].totals as $t | [.thread_groups[].process_cpu_part] | add as $s |
	($s + $t.other_cpu_ns / $t.cpu_ns - 1 | fabs) < 1e-6' "$out/json" >/dev/null || fail "groups' CPU parts do not add up to 1"
share=$(sed -n "s/^Logging took .* of the process's .* CPU time: \([0-9.]*\)%\.$/\1/p" "$out/text")
[ -n "$share" ] || fail "no headline in the text report"
note "logging's share of the process's CPU time: $share%"
expect_le "$share" 100 "headline"
jq -e '.totals.cpu_share <= 1 and ([.sources[].cpu_share] | add) <= 1.000001' "$out/json" >/dev/null ||
	fail "a share of CPU time over 100%"
expect_eq "$("$ANALYZE" report --format json "$f" | jq -r '.totals.cpu_share as $h | [.thread_groups[].process_cpu_share] | add as $s | ($s - $h | fabs) < 1e-6')" \
	true "groups' shares add up to the headline"

# Without --jobs, no job; glibc's compat condition variables still work
# (with --jobs: the shim's wrappers are for the default version only).
for mode in off compat; do
	o=$T/$mode
	mkdir -p "$o"
	if [ $mode = off ]; then
		"$LOGTAX" run -o "$o" -- "$TP/pool-demo" 2 10 5 1 >"$o/stdout" 2>"$o/stderr" || fail "$mode: pool-demo failed"
	elif [ "$(uname -m)" = x86_64 ]; then
		COMPAT=1 "$LOGTAX" run --jobs -o "$o" -- "$TP/pool-demo" 2 10 5 1 >"$o/stdout" 2>"$o/stderr" ||
			fail "$mode: pool-demo failed: $(cat "$o/stderr")"
	else
		continue
	fi
	g=$(one_file "$o")
	expect_eq "$(csv_calls_by_source "$g")" "$(program_calls_by_source "$o/stdout")" "$mode: calls per source"
	expect_eq "$("$ANALYZE" report --format json "$g" | jq '[.threads[].jobs | select(. != null)] | length')" 0 "$mode: no jobs"
done

# A bad LOGTAX_JOBS: logtax run refuses it (exit 2, one line); the shim alone
# warns once and counts no jobs.
if LOGTAX_JOBS=yes "$LOGTAX" run -o "$T/bad" -- "$TP/pool-demo" 1 1 1 1 >/dev/null 2>"$T/bad.err"; then
	fail "LOGTAX_JOBS=yes was accepted"
fi
expect_grep "LOGTAX_JOBS='yes': expected 1" "$T/bad.err" "run: the bad setting named"
mkdir -p "$T/bad2"
LOGTAX_JOBS=yes LOGTAX_OUTPUT=$T/bad2 LD_PRELOAD=$SHIM "$TP/pool-demo" 1 2 1 1 >/dev/null 2>"$T/bad2.err" ||
	fail "pool-demo with a bad LOGTAX_JOBS failed"
expect_eq "$(grep -c "LOGTAX_JOBS='yes' ignored" "$T/bad2.err")" 1 "shim: one warning line"
expect_eq "$("$ANALYZE" report --format json "$(one_file "$T/bad2")" | jq '[.threads[].jobs | select(. != null)] | length')" 0 \
	"shim: no jobs counted"
