# Processes made past fork() and its atfork handlers: a clone() child
# without CLONE_VM (whose function returns, or which calls exit) and a
# child of syscall(SYS_fork) each write a file of their own with their own
# calls, as a fork child does; a process that ends with quick_exit writes
# its file, with the call its at_quick_exit handler made. Counts exact per
# process (by pid), against what each process printed.
. "$(dirname "$0")/../lib.sh"

p=$TP/unwind/newproc-demo
[ -x "$p" ] || fail "$p not built"
for mode in clone-return clone-exit sysfork quick; do
	out=$T/$mode
	mkdir -p "$out"
	LEGACYLOG_MODE=fast "$LOGTAX" run -o "$out" -- "$p" $mode 50 >"$out/stdout" 2>"$out/stderr" ||
		fail "$mode: exit status $? ($(cat "$out/stderr"))"
	want=$(sed -n 's/^newproc-demo\[\([0-9]*\)\]: calls source=\([^ ]*\) count=\([0-9]*\)$/\1 \2 \3/p' "$out/stdout" | sort)
	files=$(find "$out" -name 'logtax.*.ltx')
	[ -n "$files" ] || fail "$mode: no data file"
	# shellcheck disable=SC2086
	got=$(csv_awk '{ n[$c["pid"] " " $c["source"]] += $c["calls"] } END { for (k in n) print k, n[k] }' $files | sort)
	expect_eq "$got" "$want" "$mode: calls per process and source"
	n=$(echo "$want" | awk '{ print $1 }' | sort -u | wc -l)
	expect_eq "$(echo "$files" | wc -l)" "$n" "$mode: data files (one per process)"
done
