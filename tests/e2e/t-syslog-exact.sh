# syslog, built plain (syslog, vsyslog) and with -O2 -D_FORTIFY_SOURCE=2
# (__syslog_chk, __vsyslog_chk): every call counted under the ident openlog
# set (the program name before openlog and after closelog), with its
# priority, facility included; output and exit status unchanged.
. "$(dirname "$0")/../lib.sh"

nm -D "$TP/syslog-demo-fortify" | grep -q ' U __syslog_chk' || fail "syslog-demo-fortify does not call __syslog_chk"
nm -D "$TP/syslog-demo" | grep -q ' U syslog@' || fail "syslog-demo does not call syslog"
for prog in syslog-demo syslog-demo-fortify; do
	"$TP/$prog" 4 >"$T/$prog.plain" || fail "$prog failed alone"
	for time in off sample:3 all; do
		out=$T/$prog.${time%%:*}
		mkdir -p "$out"
		"$LOGTAX" run --time "$time" -o "$out" -- "$TP/$prog" 4 >"$out/stdout" 2>"$out/stderr" ||
			fail "$prog under logtax ($time) failed: $(cat "$out/stderr")"
		cmp -s "$T/$prog.plain" "$out/stdout" || fail "$prog ($time): output changed"
		expect_same_calls "$(one_file "$out")" "$out/stdout" "$prog ($time)"
	done
done
