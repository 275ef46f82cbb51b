# Rules select calls by each selector part (entry point or family, source,
# level and level bounds, calling function, calling module) and the first
# matching rule wins. For each rule set, every site's calls are counted
# exactly as kept or dropped, and the logging library received exactly the
# kept ones (a dropped call never reaches it).
. "$(dirname "$0")/../lib.sh"

rounds=25
# Sites of rules-demo: util.event debug|warning, rpc.server debug|info, lib.worker debug|error.
check() { # rules, dropped sites ("source level" separated by commas)
	local rules=$1 dropped=$2 out=$T/run
	rm -rf "$out"
	mkdir -p "$out"
	LEGACYLOG_MODE=fast LEGACYLOG_LEVEL=debug LEGACYLOG_OUTPUT=$out/log LOGTAX_FILTER=$rules \
		LOGTAX_OUTPUT=$out LD_PRELOAD=$SHIM "$TP/rules-demo" $rounds >"$out/stdout" 2>"$out/stderr" ||
		fail "'$rules': rules-demo failed: $(cat "$out/stderr")"
	[ -s "$out/stderr" ] && fail "'$rules': unexpected warnings: $(cat "$out/stderr")"
	local f want kept
	f=$(one_file "$out")
	want=$(program_sites "$out/stdout" | while read -r s l n; do
		case ",$dropped," in *",$s $l,"*) echo "$s $l drop $n" ;; *) echo "$s $l keep $n" ;; esac
	done | sort)
	expect_eq "$(csv_actions "$f")" "$want" "'$rules': kept and dropped per site"
	kept=$(echo "$want" | awk '$3 == "keep" { print $1, $2, $4 }' | sort)
	expect_eq "$(legacylog_received "$out/log")" "$kept" "'$rules': calls the library received"
	gens=$("$ANALYZE" report --format csv "$f" | csv_each '{ print $c["generation"] }' | sort -u)
	expect_eq "$gens" "$([ -n "$rules" ] && echo 1 || echo 0)" "'$rules': generation of every key"
}

ED="util.event debug" EW="util.event warning" RD="rpc.server debug" RI="rpc.server info"
LD="lib.worker debug" LE="lib.worker error"
check "drop:util.event" "$ED,$EW"                   # NAME
check "drop:util.ev?n[s-u]" "$ED,$EW"               # NAME, glob
check "drop:legacy_log/rpc.*" "$RD,$RI"             # ENTRY by symbol
check "drop:legacy/lib.*" "$LD,$LE"                 # ENTRY by family
check "drop:virLogMessage/*" ""                     # ENTRY that does not match
check "drop:*@debug" "$ED,$RD,$LD"                  # LEVEL
check "drop:*@<=info" "$ED,$RD,$RI,$LD"             # LEVEL bound
check "drop:*@>=warning" "$EW,$LE"                  # LEVEL bound
check "drop:*<demo_rpc_*" "$RD,$RI"                 # CALLER by symbol
check "drop:*<libcallers.so*" "$LD,$LE"             # CALLER by module
check "drop:*@debug<rules-demo" "$ED,$RD"           # LEVEL and CALLER (the program's own module)
check "keep:rpc.* drop:*@debug" "$ED,$LD"           # first match wins
check "drop:*@debug keep:rpc.*" "$ED,$RD,$LD"       # ... in the other order
check "drop:*" "$ED,$EW,$RD,$RI,$LD,$LE"
check "" ""                                         # empty: no rules (generation 0)

# A rule file: comments, one rule per line; LOGTAX_FILTER's rules come first.
printf '# keep the warnings\nkeep:util.event@warning\n\ndrop:util.*   # the rest of util\n' >"$T/rules"
out=$T/file
mkdir -p "$out"
LOGTAX_FILTER_FILE=$T/rules LOGTAX_OUTPUT=$out LD_PRELOAD=$SHIM "$TP/rules-demo" 5 >"$out/stdout" 2>"$out/stderr"
[ -s "$out/stderr" ] && fail "rule file: warnings: $(cat "$out/stderr")"
f=$(one_file "$out")
expect_eq "$(csv_actions "$f" | awk '$3 == "drop" { print $1, $2 }')" "util.event debug" "rule file: dropped"
rm -f "$f"
LOGTAX_FILTER='drop:util.event@warning' LOGTAX_FILTER_FILE=$T/rules LOGTAX_OUTPUT=$out LD_PRELOAD=$SHIM \
	"$TP/rules-demo" 5 >"$out/stdout" 2>"$out/stderr"
f=$(one_file "$out")
expect_eq "$(csv_actions "$f" | awk '$3 == "drop" { print $1, $2 }' | tr '\n' ,)" "util.event debug,util.event warning," \
	"LOGTAX_FILTER before the file"
