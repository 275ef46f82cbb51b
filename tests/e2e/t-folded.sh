# Folded stacks ("frame;frame;frame count", outermost first). With stacks
# captured for every call (--stacks 16:1), callsites-demo's three-deep chain
# main -> chain_outer -> chain_middle -> chain_inner -> legacy_log appears in
# that order with the calls the program counted, an inlined function sits
# under the function it was inlined into, and the counts add up to all
# calls. With stacks sampled (1 in 4), a key's calls are shared out over its
# stacks: the total stays exact. Without stacks: entry;source;call site.
. "$(dirname "$0")/../lib.sh"

count_of() { program_calls_by_source "$1" | awk -v s="$2" '$1 == s { print $2 }'; }
total_of() { program_calls_by_source "$1" | awk '{ n += $2 } END { print n }'; }
sum_folded() { awk '{ n += $NF } END { print n + 0 }' "$1"; }

mkdir -p "$T/all" "$T/some" "$T/none"
"$LOGTAX" run -o "$T/all" --stacks 16:1 -- "$TP/callsites-demo" 4 >"$T/all.out" 2>"$T/err" || fail "run: $(cat "$T/err")"
"$LOGTAX" report --format folded "$(one_file "$T/all")" >"$T/all.folded" || fail "folded report failed"
cat "$T/all.folded"
chain=$(count_of "$T/all.out" site.chain)
expect_eq "$(grep -Ec "(^|;)main;chain_outer;chain_middle;chain_inner;legacy_log $chain\$" "$T/all.folded")" 1 \
	"the three-deep chain, outermost first, with its $chain calls"
expect_eq "$(grep -Ec "(^|;)main;site_gamma;gamma_inlined;legacy_log $(count_of "$T/all.out" site.gamma)\$" "$T/all.folded")" 1 \
	"an inlined function under the one it was inlined into"
expect_eq "$(grep -Ec "(^|;)main;plugin_log;legacy_log $(count_of "$T/all.out" site.plugin)\$" "$T/all.folded")" 1 \
	"a function in a library loaded with dlopen"
expect_eq "$(sum_folded "$T/all.folded")" "$(total_of "$T/all.out")" "folded counts add up to all calls"
grep -Ev '^[^ ;][^;]*(;[^;]+)* [0-9]+$' "$T/all.folded" && fail "lines not in 'frame;frame count' form"

"$LOGTAX" run -o "$T/some" --stacks 16:4 -- "$TP/callsites-demo" 40 >"$T/some.out" 2>"$T/err" || fail "run: $(cat "$T/err")"
"$LOGTAX" report --format folded "$(one_file "$T/some")" >"$T/some.folded" || fail "folded report failed"
expect_eq "$(sum_folded "$T/some.folded")" "$(total_of "$T/some.out")" "sampled stacks: counts add up to all calls"
# One stack per call site here, so each site's line has its exact calls.
expect_eq "$(grep -Ec "main;chain_outer;chain_middle;chain_inner;legacy_log $(count_of "$T/some.out" site.chain)\$" "$T/some.folded")" 1 \
	"sampled stacks: the chain's calls"
"$LOGTAX" report --format json "$(one_file "$T/some")" >"$T/some.json" || fail "json report failed"
expect_eq "$(jq '.processes[0].stacks.every' "$T/some.json")" 4 "the stack setting is in the JSON"

"$LOGTAX" run -o "$T/none" -- "$TP/callsites-demo" 2 >"$T/none.out" 2>"$T/err" || fail "run: $(cat "$T/err")"
"$LOGTAX" report --format folded "$(one_file "$T/none")" >"$T/none.folded" || fail "folded report failed"
expect_eq "$(grep -c "^legacy_log;site.chain;chain_inner (more.c:$(site_line chain | cut -d: -f2)) $(count_of "$T/none.out" site.chain)\$" "$T/none.folded")" 1 \
	"without stacks: entry;source;call site"
expect_eq "$(sum_folded "$T/none.folded")" "$(total_of "$T/none.out")" "without stacks: counts add up to all calls"
