# logtax run --no-follow: only the program logtax run starts is traced (and
# its fork children, which run the same program). What it starts with exec,
# posix_spawn, system() or popen() gets an environment without the shim and
# without LOGTAX_*, and writes nothing, while the program itself sees the
# environment it was given. A bad LOGTAX_NO_FOLLOW: one warning, as unset.
. "$(dirname "$0")/../lib.sh"

export PATH=$TP:$PATH
N=5
run() {
	local d=$T/$1
	mkdir -p "$d"
	"$LOGTAX" run --no-follow -o "$d/out" -- "$TP/proc-demo" "$1" $N >"$d/stdout" 2>"$d/stderr" ||
		fail "$1: proc-demo failed: $(cat "$d/stderr")"
}
# only WANT_FILES data files, holding exactly the calls of the processes
# that run proc-demo's first program; every child saw no shim.
check() {
	local d=$T/$1 files pids
	files=$(data_files "$d/out")
	expect_eq "$(echo "$files" | grep -c .)" "$2" "$1: data files"
	pids=$(echo "$files" | sed 's/.*logtax\.\([0-9]*\).*/\1/' | sort -u | tr '\n' '|')
	srcs=$(echo $3 | tr ' ' '|')
	# shellcheck disable=SC2086
	expect_same "$(program_pid_calls "$d/stdout" | grep -E "^(${pids%|}) (${srcs}) ")" "$(files_calls $files)" \
		"$1: calls of the traced processes"
	local envs
	envs=$(grep -c "env LD_PRELOAD=" "$d/stdout")
	expect_eq "$(grep -c "env LD_PRELOAD=no LOGTAX=-$" "$d/stdout")" "$envs" "$1: children without the shim"
	expect_eq "$(cut -d' ' -f2 <<<"$(files_calls $files)" | sort -u | tr '\n' ' ')" "$3" "$1: sources traced"
	"$ANALYZE" report --format json $files | jq -e '[.processes[].output.no_follow] | all' >/dev/null ||
		fail "$1: files not flagged no_follow"
}

run fork-exec
check fork-exec 1 "proc.parent "
run spawn
check spawn 1 "proc.parent "
expect_eq "$(grep -c "env LD_PRELOAD=no" "$T/spawn/stdout")" 2 "spawn: two children ran"
run system
check system 1 "proc.parent "
expect_eq "$(grep -c "env LD_PRELOAD=no" "$T/system/stdout")" 2 "system: two children ran"
# exec of itself: the second program is not traced; the first image's file stays
run exec-self
check exec-self 1 "proc.parent "
# a fork child runs the same program: traced, with its own file
run fork
check fork 2 "proc.parent proc.parent.after proc.worker "

# The first program sees what it was started with (LOGTAX_NO_FOLLOW among it).
mkdir -p "$T/env"
"$LOGTAX" run --no-follow -o "$T/env/out" -- "$TP/proc-demo" env >"$T/env/stdout" 2>/dev/null || fail "env failed"
expect_eq "$(sed -n 's/.*env LD_PRELOAD=\([a-z]*\) LOGTAX=\(.*\)/\1 \2/p' "$T/env/stdout" | tr ', ' '\n\n' | sort | tr '\n' ' ')" \
	"LOGTAX_NO_FOLLOW LOGTAX_OUTPUT yes " "env: what the program sees"

# Without the shim itself among other preloaded libraries: only ours is taken out.
mkdir -p "$T/keep"
printf 'int keep_me;\n' >"$T/keep/k.c"
cc -shared -fPIC -o "$T/keep/libkeep.so" "$T/keep/k.c" || fail "cannot build a library"
LD_PRELOAD=$T/keep/libkeep.so "$LOGTAX" run --no-follow -o "$T/keep/out" -- "$TP/proc-demo" fork-exec 2 \
	>"$T/keep/stdout" 2>/dev/null || fail "keep: failed"
# the leaf prints yes: LD_PRELOAD still names libkeep.so, and only it
expect_grep "env LD_PRELOAD=yes LOGTAX=-$" "$T/keep/stdout" "other preloaded libraries stay"

# A bad value met by the shim: one warning, as if unset (traced, followed).
mkdir -p "$T/bad"
LOGTAX_NO_FOLLOW=abc LOGTAX_OUTPUT=$T/bad LD_PRELOAD=$SHIM "$TP/proc-demo" fork-exec 2 >"$T/bad/stdout" 2>"$T/bad/stderr" ||
	fail "bad: failed"
expect_eq "$(grep -c "LOGTAX_NO_FOLLOW: expected the process id" "$T/bad/stderr")" 2 \
	"bad LOGTAX_NO_FOLLOW: one warning in each of the two processes"
expect_eq "$(data_files "$T/bad" | grep -c .)" 2 "bad LOGTAX_NO_FOLLOW: children followed"
