# The --hook and --patch syntax of issue 11, checked by `logtax run` before
# it starts anything (exit status 2, one line, the position), and by the
# shim (LOGTAX_PATCH, LOGTAX_HOOK: one warning, then as if unset).
#   --hook TARGET[:OPTION]...
#     TARGET   fn | fn@OBJECT-GLOB | OBJECT-GLOB+0xOFFSET
#     OPTION   name=ARG | level=ARG | fmt=ARG | levels=syslog | levels=N:LEVEL[,N:LEVEL]...
#   --patch entry|got|auto
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-entry.sh"

accept() { # SPEC
	rm -f "$T/started"
	"$LOGTAX" run -o "$T" --hook "$1" -- touch "$T/started" 2>"$T/err" || fail "--hook '$1' refused: $(cat "$T/err")"
	[ -e "$T/started" ] || fail "--hook '$1': the command did not run"
}
refuse() { # SPEC [POSITION]
	rm -f "$T/started"
	"$LOGTAX" run --hook "$1" -- touch "$T/started" 2>"$T/err"
	expect_eq "$?" 2 "--hook '$1': exit status"
	[ -e "$T/started" ] && fail "--hook '$1' started the command"
	expect_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "--hook '$1': message lines"
	expect_grep "at character ${2:-[0-9]}" "$T/err" "--hook '$1': the position"
}

accept 'ent_log'
accept 'ent_log@direct-demo'
accept 'ent_log@*/entry/direct-*'
accept 'both_log@libentryboth.so*:name=1'
accept 'direct-static-demo+0x1410'
accept 'direct-static-demo+0x1410:level=2:levels=syslog'
accept 'ent_log:name=1:level=2:fmt=3:levels=syslog'
accept 'ent_log:fmt=3'
accept 'ent_log:level=2:levels=8:debug,7:info,6:notice,5:warning,4:error'
accept 'ngx_log_error_core:level=1:fmt=4:levels=8:debug,7:info,6:notice,5:warning,4:error,3:error,2:error,1:error'
# A ',' followed by a letter ends the list: two hooks.
accept 'a_log:level=1:levels=1:debug,2:error,b_log:level=2'
accept 'a_log:levels=1:debug:name=2 b_log'

refuse 'ent_log:fmt=0' 13
refuse 'ent_log:fmt=17' 13
refuse 'ent_log:fmt=3:fmt=3' 19
refuse 'ent_log:levels=' 16
refuse 'ent_log:levels=loud' 16
refuse 'ent_log:levels=8:verbose' 18
refuse 'ent_log:levels=8' 17
refuse 'ent_log:levels=8:debug,7' 25
refuse 'ent_log:levels=x:debug' 16
refuse 'ent_log:levels=syslog:levels=syslog' 30
refuse 'ent_log@'
refuse '@direct-demo'
refuse 'direct-demo+0x'
refuse 'direct-demo+0xzz'
refuse 'direct-demo+'
refuse '+0x1410'
refuse 'ent_log@lib x.so'
# Unchanged from before: the built-in entry points are not hooks.
refuse 'g_log'

for p in entry got auto; do
	rm -f "$T/started"
	"$LOGTAX" run -o "$T" --patch $p -- touch "$T/started" 2>"$T/err" || fail "--patch $p refused: $(cat "$T/err")"
	[ -e "$T/started" ] || fail "--patch $p: the command did not run"
done
for p in sideways '' ENTRY; do
	rm -f "$T/started"
	"$LOGTAX" run --patch "$p" -- touch "$T/started" 2>"$T/err"
	expect_eq "$?" 2 "--patch '$p': exit status"
	[ -e "$T/started" ] && fail "--patch '$p' started the command"
	expect_eq "$(wc -l <"$T/err" | tr -d ' ')" 1 "--patch '$p': message lines"
done

# The shim, given a bad LOGTAX_PATCH: one warning naming it, then as if
# unset (auto: direct-demo's calls are all counted; ent_log, in .symtab
# only, is found by its plain name and entry patched).
mkdir -p "$T/shim"
LOGTAX_PATCH=sideways LOGTAX_HOOK='ent_log:name=1:level=2:levels=syslog' LOGTAX_OUTPUT=$T/shim LD_PRELOAD=$SHIM \
	"$TPE/direct-demo" 5 >"$T/shim/stdout" 2>"$T/shim/stderr" || fail "bad LOGTAX_PATCH: the program failed"
expect_eq "$(wc -l <"$T/shim/stderr" | tr -d ' ')" 1 "bad LOGTAX_PATCH: warning lines"
expect_grep "LOGTAX_PATCH" "$T/shim/stderr" "bad LOGTAX_PATCH: the warning names it"
expect_same_calls "$(one_file "$T/shim")" "$T/shim/stdout" "bad LOGTAX_PATCH: as if unset (auto)"

# A bad LOGTAX_HOOK with the new options: one warning with the position.
LOGTAX_HOOK='ent_log:levels=8:verbose' LOGTAX_OUTPUT=$T/shim LD_PRELOAD=$SHIM "$TPE/direct-demo" 1 \
	>"$T/bad.out" 2>"$T/bad.err" || fail "bad LOGTAX_HOOK: the program failed"
expect_eq "$(wc -l <"$T/bad.err" | tr -d ' ')" 1 "bad LOGTAX_HOOK: warning lines"
expect_grep "LOGTAX_HOOK='ent_log:levels=8:verbose' ignored: at character 18" "$T/bad.err" "bad LOGTAX_HOOK: the warning"
