# exec: what a process counted before it execs is written first (reason
# exec, logtax.PID.N.ltx), and the program it becomes, same pid, writes its
# own logtax.PID.ltx; an exec that fails changes nothing but a flag, the
# process writing everything later to the same file; children are traced by
# default, also those started with a clean environment, through system()
# and popen(); `logtax run` names every file.
. "$(dirname "$0")/../lib.sh"

N=5
run() {
	local d=$T/$1
	mkdir -p "$d"
	"$LOGTAX" run -o "$d/out" -- "$TP/proc-demo" "$1" $N >"$d/stdout" 2>"$d/stderr" ||
		fail "$1: proc-demo failed: $(cat "$d/stderr")"
}
check() {
	local d=$T/$1 files
	files=$(data_files "$d/out")
	expect_eq "$(echo "$files" | grep -c .)" "$2" "$1: data files"
	# shellcheck disable=SC2086
	expect_same "$(program_pid_calls "$d/stdout")" "$(files_calls $files)" "$1: calls per process and source"
	for f in $files; do
		grep -qxF "logtax: wrote $f" "$d/stderr" || fail "$1: logtax run did not name $f"
	done
}
reason() { "$ANALYZE" report --format json "$1" | jq -r '.processes[0].reason'; }

# exec of itself: two images, one pid, two files, each with its own calls.
run exec-self
check exec-self 2
pid=$(sed -n 's/.*\[\([0-9]*\)\]: calls source=proc.pre-exec .*/\1/p;s/.*\[\([0-9]*\)\]: calls source=proc.parent .*/\1/p' \
	"$T/exec-self/stdout" | head -1)
[ -f "$T/exec-self/out/logtax.$pid.1.ltx" ] || fail "exec-self: no logtax.$pid.1.ltx"
expect_eq "$(reason "$T/exec-self/out/logtax.$pid.1.ltx")" exec "exec-self: the first image's file"
expect_eq "$(reason "$T/exec-self/out/logtax.$pid.ltx")" exit "exec-self: the second image's file"
expect_eq "$(files_calls "$T/exec-self/out/logtax.$pid.1.ltx")" "$pid proc.parent $N" "exec-self: the first image's calls"
"$ANALYZE" report "$T/exec-self/out/logtax.$pid.1.ltx" >"$T/exec-self/report"
expect_grep "written before exec" "$T/exec-self/report" "exec-self: report"
expect_grep "has a file of its own" "$T/exec-self/report" "exec-self: report"

# An exec that fails: the process runs on; one file with all its calls,
# flagged (the file written before the exec is replaced, not added to).
run exec-fail
check exec-fail 1
f=$(data_files "$T/exec-fail/out")
expect_eq "$(reason "$f")" exit "exec-fail: reason"
expect_eq "$("$ANALYZE" report --format json "$f" | jq -r '.processes[0].output.exec_failed')" true "exec-fail: flag"

# A child exec'd with only PATH in its environment is still traced: the
# shim puts LD_PRELOAD and the LOGTAX_* settings back into that copy.
run clean-env
check clean-env 2
expect_grep "env LD_PRELOAD=yes LOGTAX=LOGTAX_OUTPUT" "$T/clean-env/stdout" "clean-env: the child's environment"

# system() and popen(): their shells and what those start are traced.
run system
check system 3

# The program's own environment is what it was given: the shim adds or
# takes away nothing there.
mkdir -p "$T/env"
LOGTAX_OUTPUT=$T/env LD_PRELOAD=$SHIM LOGTAX_TIME=all "$TP/proc-demo" env >"$T/env/stdout" ||
	fail "env: proc-demo failed"
expect_eq "$(sed -n 's/.*env LD_PRELOAD=\([a-z]*\) LOGTAX=\(.*\)/\1 \2/p' "$T/env/stdout" | tr ', ' '\n\n' | sort | tr '\n' ' ')" \
	"LOGTAX_OUTPUT LOGTAX_TIME yes " "env: what the program sees"
