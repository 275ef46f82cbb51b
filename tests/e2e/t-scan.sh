# logtax scan: on Debian's libraries, the facts logtax relies on (libvirt's
# 2,103 calls to virLogMessage all through its PLT; GLib's 176 direct calls
# to g_log and no PLT/GOT call to its own g_* functions); on the test
# programs, PLT or GOT call sites per link mode; bad files refused with one
# line and exit status 2.
. "$(dirname "$0")/../lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
scan() { "$LOGTAX" scan --json "$1" >"$T/scan.json" 2>"$T/scan.err" || fail "scan $1 failed: $(cat "$T/scan.err")"; }
# fn OBJECT-SONAME FUNCTION FIELD: a number from the JSON
fn() { jq -r --arg o "$1" --arg f "$2" ".objects[] | select(.soname == \$o or (.name | split(\"/\") | last) == \$o) | .functions[] | select(.name == \$f) | $3" "$T/scan.json"; }

lib=/usr/lib/x86_64-linux-gnu
if [ -e $lib/libvirt.so.0 ]; then
	scan $lib/libvirt.so.0
	expect_eq "$(fn libvirt.so.0 virLogMessage .via_plt_got.calls)" 2103 "libvirt: virLogMessage calls through the PLT"
	expect_eq "$(fn libvirt.so.0 virLogMessage '.direct.calls + .direct.jumps')" 0 "libvirt: direct calls to virLogMessage"
	expect_eq "$(fn libvirt.so.0 virLogMessage .family)" libvirt "libvirt: family"
	expect_eq "$(fn libglib-2.0.so.0 g_log .direct.calls)" 176 "libvirt's GLib: direct calls to g_log"
	"$LOGTAX" scan $lib/libvirt.so.0 >"$T/scan.txt" || fail "text scan failed"
	expect_grep "^  libvirt.so.0 *virLogMessage *libvirt *defined *2,103 *0 *2,103 *2,103 *2,103  entry ok$" "$T/scan.txt" \
		"text: the virLogMessage row"
	expect_grep "g_log: 190 call sites inside libglib-2.0.so.0 .*counted with --patch auto" "$T/scan.txt" \
		"text: what entry patching adds"
else
	note "libvirt0 not installed: its facts not checked"
fi
if [ -e $lib/libglib-2.0.so.0 ]; then
	scan $lib/libglib-2.0.so.0
	expect_eq "$(fn libglib-2.0.so.0 g_log .direct.calls)" 176 "GLib: direct calls to g_log"
	got=$(jq '[.objects[0].functions[] | select(.name | startswith("g_")) | .via_plt_got.calls + .via_plt_got.jumps] | add' "$T/scan.json")
	expect_eq "$got" 0 "GLib: calls to its own g_* functions through a PLT or GOT"
	expect_eq "$(fn libglib-2.0.so.0 g_log .defined)" true "GLib defines g_log"
else
	note "libglib2.0-0 not installed: its facts not checked"
fi

# The test programs: app_log reached through the PLT, or through GOT entries
# with -fno-plt, from the program and from inside its library.
for mode in lazy now noplt; do
	scan "$TP/applog-$mode/applog-demo"
	expect_eq "$(fn applog-demo app_log '.via_plt_got.calls + .via_plt_got.jumps')" 2 "$mode: the program's calls"
	expect_eq "$(fn libapplog.so app_log '.via_plt_got.calls + .via_plt_got.jumps')" 1 "$mode: the library's own call"
	expect_eq "$(fn libapplog.so app_log .defined)" true "$mode: the library defines it"
	expect_eq "$(jq -r '.objects[] | select(.name == "libapplog.so") | .path' "$T/scan.json")" "$TP/applog-$mode/libapplog.so" \
		"$mode: found through \$ORIGIN"
done
# __syslog_chk's call sites, as objdump sees them
scan "$TP/syslog-demo-fortify"
want=$(objdump -d "$TP/syslog-demo-fortify" | grep -cE 'call +[0-9a-f]+ <__syslog_chk@plt>')
expect_eq "$(fn syslog-demo-fortify __syslog_chk .via_plt_got.calls)" "$want" "syslog-demo-fortify: __syslog_chk sites"
# a name without a slash is looked up in PATH
PATH=$TP:$PATH "$LOGTAX" scan syslog-demo >"$T/scan.txt" || fail "scan by name failed"
expect_grep "^logtax scan: $TP/syslog-demo " "$T/scan.txt" "scan by name"

# Bad input: one line, exit status 2.
check_refused() { # file, pattern, what
	"$LOGTAX" scan "$1" >"$T/out" 2>"$T/err"
	expect_eq "$?" 2 "$3: exit status"
	expect_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "$3: error lines"
	expect_grep "$2" "$T/err" "$3: message"
	[ -s "$T/out" ] && fail "$3: printed a report"
	true
}
echo "not an ELF file" >"$T/text"
check_refused "$T/text" "not an ELF file" "a text file"
good=$TP/applog-now/libapplog.so
size=$(stat -c %s "$good")
for cut in 0 16 63 200 $((size / 2)) $((size - 1)); do
	head -c $cut "$good" >"$T/cut"
	check_refused "$T/cut" "$T/cut: " "truncated to $cut bytes"
done
head -c 100 "$good" >"$T/cut"
check_refused "$T/cut" "truncated ELF file" "truncated: says so"
check_refused "$T" "not a regular file" "a directory"
check_refused "$T/none" "No such file" "a missing file"
"$LOGTAX" scan 2>/dev/null
expect_eq "$?" 2 "scan without a file"
"$LOGTAX" scan --frob "$good" 2>/dev/null
expect_eq "$?" 2 "scan with a bad option"
