# fork, vfork and posix_spawn: parent and child each write their own file,
# no call is counted twice (a child's file holds only what it did after the
# fork), a child that only calls exec or _exit works and leaves no file of
# its own, a worker that ends with _exit still writes its file, and a vfork
# child that logs (undefined behaviour) harms nothing: its calls are counted
# in its parent's file, without a key. Counts are compared with what each
# process printed.
. "$(dirname "$0")/../lib.sh"

export PATH=$TP:$PATH # posix_spawnp finds proc-demo there
N=5

# run MODE: proc-demo MODE under logtax run, in $T/MODE; exit status checked.
run() {
	local d=$T/$1
	mkdir -p "$d"
	"$LOGTAX" run -o "$d/out" -- "$TP/proc-demo" "$1" $N >"$d/stdout" 2>"$d/stderr" ||
		fail "$1: proc-demo failed: $(cat "$d/stderr")"
}

# check MODE NFILES: one file per process that logged; calls per process and
# source exactly as printed; logtax run named every file.
check() {
	local d=$T/$1 files
	files=$(data_files "$d/out")
	expect_eq "$(echo "$files" | grep -c .)" "$2" "$1: data files"
	# shellcheck disable=SC2086
	expect_same "$(program_pid_calls "$d/stdout")" "$(files_calls $files)" "$1: calls per process and source"
	for f in $files; do
		grep -qxF "logtax: wrote $f" "$d/stderr" || fail "$1: logtax run did not name $f"
	done
	# a (pid, source) pair in two files would be a count seen twice
	# shellcheck disable=SC2086
	dup=$(for f in $files; do files_calls "$f" | cut -d' ' -f1,2; done | sort | uniq -d)
	expect_eq "$dup" "" "$1: a process's source in two files"
}

# fork: the worker logs, then _exit(0) (no destructor runs): its file is
# written by the _exit wrapper.
run fork
check fork 2
worker=$(sed -n 's/.*\[\([0-9]*\)\]: calls source=proc.worker .*/\1/p' "$T/fork/stdout")
[ -f "$T/fork/out/logtax.$worker.ltx" ] || fail "fork: no file for the worker"
expect_eq "$("$ANALYZE" report --format json "$T/fork/out/logtax.$worker.ltx" | jq -r '.processes[0].reason')" exit \
	"fork: the worker's file (written at _exit)"

# fork, then only _exit(3): no file for the child, the parent sees status 3.
run fork-exit
check fork-exit 1
expect_grep "status=exit:3" "$T/fork-exit/stdout" "fork-exit: the child's status"

# fork + exec (a traced program): the exec'd program's file only.
run fork-exec
check fork-exec 2

# fork, log, exec: the child's calls before exec in logtax.PID.1.ltx (reason
# exec), the program it became in logtax.PID.ltx.
run fork-log-exec
check fork-log-exec 3
child=$(sed -n 's/.*\[\([0-9]*\)\]: calls source=proc.child.pre .*/\1/p' "$T/fork-log-exec/stdout")
expect_eq "$("$ANALYZE" report --format json "$T/fork-log-exec/out/logtax.$child.1.ltx" | jq -r '.processes[0].reason')" \
	exec "fork-log-exec: the file written before exec"

# vfork + exec: the child runs in the parent's memory until exec; nothing of
# the shim's may run there. The exec'd program is traced.
run vfork-exec
check vfork-exec 2

# vfork, log in the child, _exit: counted in the parent's file, without a key.
run vfork-log
files=$(data_files "$T/vfork-log/out")
expect_eq "$(echo "$files" | grep -c .)" 1 "vfork-log: data files"
parent=$(sed -n 's/.*\[\([0-9]*\)\]: calls source=proc.parent .*/\1/p' "$T/vfork-log/stdout")
expect_same "$parent (without-a-key) $((N + 1))
$parent proc.parent $N" "$(files_calls $files)" "vfork-log: the child's calls in the parent's file"
"$ANALYZE" report "$files" >"$T/vfork-log/report"
expect_grep "^  6 calls were counted without a key .*: 11 calls in all = 5 in the tables + 6 without a key" \
	"$T/vfork-log/report" "vfork-log: the report says so"

# posix_spawn (CLONE_VFORK inside glibc) and posix_spawnp of a traced program.
run spawn
check spawn 3
