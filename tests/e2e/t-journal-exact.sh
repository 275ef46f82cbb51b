# The systemd journal: sd_journal_print/printv/send/sendv/perror, as
# sd-journal.h makes them (*_with_location) and without locations. Names
# from SYSLOG_IDENTIFIER= (else the program), levels from PRIORITY= (-1
# when absent), read from sd_journal_send's printf-style arguments (doubles
# and long longs before them) and from sd_journal_sendv's vector. Each call
# counted once, although libsystemd calls print -> printv -> sendv through
# its own PLT. Return values (no journald: the sends fail) unchanged.
. "$(dirname "$0")/../lib.sh"

need_program "$TP/journal-demo" libsystemd-dev
for prog in journal-demo journal-demo-noloc; do
	"$TP/$prog" 3 >"$T/$prog.plain" || fail "$prog failed alone"
	grep -q '^journal-demo: returns ' "$T/$prog.plain" || fail "$prog printed no return values"
	for time in off all; do
		out=$T/$prog.$time
		mkdir -p "$out"
		"$LOGTAX" run --time "$time" -o "$out" -- "$TP/$prog" 3 >"$out/stdout" 2>"$out/stderr" ||
			fail "$prog under logtax ($time) failed: $(cat "$out/stderr")"
		cmp -s "$T/$prog.plain" "$out/stdout" || {
			diff "$T/$prog.plain" "$out/stdout" >&2
			fail "$prog ($time): output (return values) changed"
		}
		expect_same_calls "$(one_file "$out")" "$out/stdout" "$prog ($time)"
	done
done
