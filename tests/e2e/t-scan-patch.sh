# logtax scan and entry patching: per defined function, whether its entry
# can be patched (and why not), and the call sites each --patch mode
# reaches. Checked against what the programs are known to contain (their
# source, objdump's disassembly) and against what the shim itself does:
#   - librefuse.so: ref_branchin branches back into its first 5 bytes,
#     ref_short is 3 bytes long: both refused, so entry and auto reach only
#     the program's PLT calls;
#   - direct-demo (plain and -fno-plt): ent_log, in .symtab only, called
#     directly and tail-called: patchable, so entry and auto reach every site
#     objdump shows, got none;
#   - a leaf: refused for a --hook function of the executable, taken in a
#     library; refused for a built-in entry point anywhere;
#   - libc's syslog functions: auto leaves them to GOT patching; entry
#     refuses exactly those the shim refuses when run with --patch entry;
#   - GLib's g_log: patchable, its direct calls and tail jumps reached.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-entry.sh"

command -v jq >/dev/null || skip "jq is not installed"
[ -x "$B/libexec/logtax/logtax-patchcheck" ] || fail "logtax-patchcheck is not built"
# scan FILE [OPTIONS...]: JSON into $T/scan.json (checked by jq), text into $T/scan.txt
scan() {
	local f=$1
	shift
	"$LOGTAX" scan --json "$@" "$f" >"$T/scan.json" 2>"$T/scan.err" || fail "scan $f failed: $(cat "$T/scan.err")"
	jq -e . "$T/scan.json" >/dev/null || fail "scan --json $f: not JSON"
	"$LOGTAX" scan "$@" "$f" >"$T/scan.txt" 2>"$T/scan.err" || fail "text scan $f failed: $(cat "$T/scan.err")"
	# got reaches the PLT/GOT sites only, in every row; entry and auto at least those
	bad=$(jq '[.objects[].functions[] | select(.reached) | select(.reached.got != .via_plt_got.calls + .via_plt_got.jumps
		or .reached.entry < .reached.got or .reached.auto < .reached.got)] | length' "$T/scan.json")
	expect_eq "$bad" 0 "$f: rows whose got column is not their PLT/GOT sites"
}
# fn OBJECT FUNCTION JQ-EXPR: a value from the JSON
fn() { jq -r --arg o "$1" --arg f "$2" ".objects[] | select(.soname == \$o or (.name | split(\"/\") | last) == \$o) | .functions[] | select(.name == \$f) | $3" "$T/scan.json"; }
# sites FILE FUNCTION MNEMONIC-REGEX: objdump's branches to FUNCTION
sites() { objdump -d --no-show-raw-insn "$1" | grep -cE "^ +[0-9a-f]+:[[:space:]]+($3) +[0-9a-f]+ <$2(@@[A-Za-z0-9_.]+)?>\$"; }

# --- refused entries ----------------------------------------------------------
prog=$TPE/refuse-demo
scan "$prog" --hook ref_branchin --hook 'ref_short:name=1'
expect_eq "$(fn librefuse.so ref_branchin .entry_patch.ok)" false "ref_branchin: patchable"
expect_eq "$(fn librefuse.so ref_branchin .entry_patch.refused)" "a branch into its first bytes" "ref_branchin: why"
fn librefuse.so ref_branchin .entry_patch.why | grep -q "lands at +0x2," || fail "ref_branchin: the sentence does not name +0x2: $(fn librefuse.so ref_branchin .entry_patch.why)"
expect_eq "$(fn librefuse.so ref_short .entry_patch.refused)" "function too short" "ref_short: why"
fn librefuse.so ref_short .entry_patch.why | grep -q "3 bytes" || fail "ref_short: the sentence does not say 3 bytes"
for f in ref_branchin ref_short; do
	want=$(sites "$prog" "$f@plt" call)
	[ "$want" -ge 1 ] || fail "refuse-demo calls $f through its PLT nowhere (objdump)"
	for m in got entry auto; do
		expect_eq "$(fn refuse-demo $f .reached.$m)" "$want" "refuse-demo: $f sites reached by $m"
		expect_eq "$(fn librefuse.so $f .reached.$m)" 0 "librefuse.so: $f sites reached by $m"
	done
	expect_eq "$(fn librefuse.so $f .entry_patch.auto)" false "$f: auto patches it"
done
# ref_after is neither named nor a *log* name: not listed
expect_eq "$(fn librefuse.so ref_after .name)" "" "ref_after listed"
expect_grep "^  librefuse.so *ref_branchin .* refused: a branch into its first bytes$" "$T/scan.txt" "text: ref_branchin's row"
expect_grep "^  librefuse.so *ref_short .* refused: function too short$" "$T/scan.txt" "text: ref_short's row"
expect_grep "^ref_branchin in librefuse.so: entry not patched: a branch .* only calls through a PLT or GOT entry are counted" \
	"$T/scan.txt" "text: ref_branchin's sentence"

# --- an executable's own logger, called directly -------------------------------
for p in direct-demo direct-demo-noplt; do
	scan "$TPE/$p"
	calls=$(sites "$TPE/$p" ent_log call)
	jumps=$(sites "$TPE/$p" ent_log 'j[a-z]+')
	[ "$calls" -ge 1 ] && [ "$jumps" -ge 1 ] || fail "$p: objdump shows $calls calls and $jumps jumps to ent_log"
	expect_eq "$(fn $p ent_log .direct.calls)" "$calls" "$p: direct calls"
	expect_eq "$(fn $p ent_log .direct.jumps)" "$jumps" "$p: tail jumps"
	expect_eq "$(fn $p ent_log .exported)" false "$p: ent_log exported"
	expect_eq "$(fn $p ent_log .entry_patch.ok)" true "$p: ent_log patchable"
	expect_eq "$(fn $p ent_log .reached.got)" 0 "$p: sites got reaches"
	expect_eq "$(fn $p ent_log .reached.entry)" $((calls + jumps)) "$p: sites entry reaches"
	expect_eq "$(fn $p ent_log .reached.auto)" $((calls + jumps)) "$p: sites auto reaches"
	expect_eq "$(jq -r '.objects[0].executable' "$T/scan.json")" true "$p: is the executable"
	expect_grep "^  $p *ent_log .* $((calls + jumps)) *$((calls + jumps))  entry ok$" "$T/scan.txt" "$p: text row"
done

# --- leaves --------------------------------------------------------------------
# leaf_log calls nothing; call_log calls puts through the PLT. Both called
# directly, once each (noinline), from main or from inside the library.
cat >"$T/leaf.c" <<'EOF'
#include <stdio.h>
volatile int sink;
__attribute__((noinline)) int leaf_log(int x) { sink = x; sink = x + 1; sink = x + 2; return x + 3; }
__attribute__((noinline)) int call_log(int x) { puts("call_log"); return x; }
#ifdef LIB
int lib_entry(int x) { return leaf_log(x) + call_log(x); }
#else
int main(int argc, char **argv) { (void)argv; return leaf_log(argc) + call_log(argc) == 5 ? 0 : 1; }
#endif
EOF
cc -O2 -o "$T/leaf-demo" "$T/leaf.c" || fail "cannot build the leaf program"
cc -O2 -fPIC -shared -DLIB -Wl,-Bsymbolic-functions -Wl,-soname,libleaf.so -o "$T/libleaf.so" "$T/leaf.c" ||
	fail "cannot build the leaf library"
"$T/leaf-demo" >/dev/null || fail "the leaf program fails"
scan "$T/leaf-demo"
expect_eq "$(fn leaf-demo leaf_log .entry_patch.leaf)" true "executable: leaf_log is a leaf"
expect_eq "$(fn leaf-demo leaf_log .entry_patch.refused)" "a leaf" "executable: leaf_log refused"
expect_eq "$(fn leaf-demo leaf_log .reached.entry)" 0 "executable: leaf_log sites entry reaches"
expect_eq "$(fn leaf-demo leaf_log .direct.calls)" "$(sites "$T/leaf-demo" leaf_log call)" "executable: leaf_log direct calls"
expect_eq "$(fn leaf-demo call_log .entry_patch.ok)" true "executable: call_log patchable"
expect_eq "$(fn leaf-demo call_log .reached.entry)" "$(sites "$T/leaf-demo" call_log 'call|j[a-z]+')" "executable: call_log sites"
expect_grep "^  leaf-demo *leaf_log .* refused: a leaf$" "$T/scan.txt" "text: the leaf's row"
# the shim agrees: one line refusing leaf_log, none about call_log
out=$T/leafrun
lt_run "$out" --patch entry --hook leaf_log --hook call_log -- "$T/leaf-demo"
expect_eq "$(grep -c 'leaf_log.*leaf' "$out/stderr")" 1 "shim: lines refusing leaf_log"
expect_eq "$(grep -c 'call_log' "$out/stderr")" 0 "shim: lines about call_log"
scan "$T/libleaf.so"
expect_eq "$(fn libleaf.so leaf_log .entry_patch.leaf)" true "library: leaf_log is a leaf"
expect_eq "$(fn libleaf.so leaf_log .entry_patch.ok)" true "library: a hooked leaf is taken"
expect_eq "$(fn libleaf.so leaf_log .reached.entry)" "$(sites "$T/libleaf.so" leaf_log 'call|j[a-z]+')" "library: leaf_log sites"
expect_eq "$(jq -r '.objects[0].executable' "$T/scan.json")" false "library: is the executable"
# a built-in entry point that is a leaf is refused even in a library
sed 's/leaf_log/virLogMessage/g' "$T/leaf.c" >"$T/fakevirt.c"
cc -O2 -fPIC -shared -DLIB -Wl,-Bsymbolic-functions -o "$T/libfakevirt.so" "$T/fakevirt.c" || fail "cannot build libfakevirt"
scan "$T/libfakevirt.so"
expect_eq "$(fn libfakevirt.so virLogMessage .family)" libvirt "built-in leaf: family"
expect_eq "$(fn libfakevirt.so virLogMessage .entry_patch.refused)" "a leaf" "built-in leaf: refused"
expect_eq "$(fn libfakevirt.so virLogMessage .reached.auto)" 0 "built-in leaf: sites auto reaches"
expect_grep "^virLogMessage in libfakevirt.so: entry not patched: it calls nothing" "$T/scan.txt" "built-in leaf: sentence"

# entry-threads-demo: thr_tick a leaf of the executable (the shim refuses
# it: t-entry-patch), thr_log not (it writes what passes)
scan "$TPE/entry-threads-demo" --hook thr_tick --hook thr_log
expect_eq "$(fn entry-threads-demo thr_tick .entry_patch.refused)" "a leaf" "entry-threads-demo: thr_tick"
expect_eq "$(fn entry-threads-demo thr_log .entry_patch.ok)" true "entry-threads-demo: thr_log"
expect_eq "$(fn entry-threads-demo thr_log .reached.auto)" "$(sites "$TPE/entry-threads-demo" thr_log 'call|j[a-z]+')" \
	"entry-threads-demo: thr_log sites auto reaches"

# --- libc's syslog: auto leaves it to GOT; entry agrees with the shim ----------
scan "$TP/syslog-demo"
libc_fns="syslog vsyslog __syslog_chk __vsyslog_chk"
for f in $libc_fns; do
	expect_eq "$(fn libc.so.6 $f .entry_patch.auto)" false "libc: auto patches $f"
	expect_eq "$(fn libc.so.6 $f '.reached.auto == .reached.got')" true "libc: auto reaches more than got for $f"
done
out=$T/entry
lt_run "$out" --patch entry -- "$TP/syslog-demo"
# glibc's syslog family is a leaf by the shim's test: scan says refused, and
# the shim leaves it to its GOT entries without a line (nothing in glibc
# calls it); the program's calls are all counted through the PLT.
for f in $libc_fns; do
	expect_eq "$(fn libc.so.6 $f '.entry_patch.leaf')" true "libc: scan says $f is a leaf"
	expect_eq "$(grep -c "^logtax: $f: entry not patched" "$out/stderr")" 0 "libc: no line for $f under --patch entry"
done
expect_same_calls "$(one_file "$out")" "$out/stdout" "libc: syslog-demo's calls under --patch entry"

# --- GLib ----------------------------------------------------------------------
glib=/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0
if [ -e "$glib" ]; then
	scan "$glib"
	calls=$(sites "$glib" g_log call)
	jumps=$(sites "$glib" g_log 'j[a-z]+')
	expect_eq "$(fn libglib-2.0.so.0 g_log .direct.calls)" "$calls" "GLib: direct calls to g_log"
	expect_eq "$(fn libglib-2.0.so.0 g_log .direct.jumps)" "$jumps" "GLib: tail jumps to g_log"
	expect_eq "$(fn libglib-2.0.so.0 g_log .entry_patch.ok)" true "GLib: g_log patchable"
	expect_eq "$(fn libglib-2.0.so.0 g_log .reached.auto)" $((calls + jumps)) "GLib: g_log sites auto reaches"
	expect_eq "$(fn libglib-2.0.so.0 g_log .reached.got)" 0 "GLib: g_log sites got reaches"
else
	note "libglib2.0-0 not installed: GLib not checked"
fi

# --- options -------------------------------------------------------------------
"$LOGTAX" scan --hook 2>/dev/null
expect_eq "$?" 2 "--hook without a name"
"$LOGTAX" scan --help | grep -q "entry patch" || fail "--help does not explain the entry patch column"
