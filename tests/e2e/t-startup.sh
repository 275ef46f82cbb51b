# Logging before the shim is ready and after it wrote its file: from the
# program's .preinit_array (before libc's own set-up: the shim starts from
# inside that call and must still read its LOGTAX_ settings), from the
# constructors of two libraries linked before and after liblegacylog.so
# (they run before the shim's constructor), from the program's constructor,
# main, an atexit handler, the program's destructor, and the libraries'
# destructors (they run after the shim's own destructor, which writes the
# file: the shim writes it again once every destructor has run). In each
# time mode every count is exact, per source.
. "$(dirname "$0")/../lib.sh"
export LEGACYLOG_MODE=fast

for time in off sample:3 all; do
	out=$T/${time%%:*}
	mkdir -p "$out"
	LOGTAX_TIME=$time LOGTAX_OUTPUT=$out LD_PRELOAD=$SHIM "$TP/startup-demo" 25 >"$out/stdout" 2>"$out/stderr" ||
		fail "$time: startup-demo failed: $(cat "$out/stderr")"
	[ -s "$out/stderr" ] && fail "$time: the shim said something: $(cat "$out/stderr")"
	# the settings were read although the shim started before libc had set environ
	f=$(one_file "$out")
	expect_eq "$("$ANALYZE" report --format json "$f" | jq -r '.processes[0].timing.mode')" "${time%%:*}" "$time: time mode"
	expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$out/stdout")" "$time: calls per source"
	expect_eq "$(program_calls_by_source "$out/stdout" | wc -l)" 9 "$time: stages the program counted"
done
