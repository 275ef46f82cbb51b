# Stacks (LOGTAX_STACKS / logtax run --stacks): a three-deep call chain is
# recorded callee first, down to main, without the shim's own frames, with
# exact counts per stack; the depth limit truncates and says so; a thread's
# tables are bounded and what does not fit is counted; a signal handler
# that logs inside the unwinder or the dynamic loader neither deadlocks nor
# loses a count; with stacks off libunwind is not even loaded.
. "$(dirname "$0")/../lib.sh"
command -v addr2line >/dev/null || skip "addr2line (binutils) is missing"
[ "$(uname -m)" = x86_64 ] || skip_by_design "x86-64 only"
ldconfig -p 2>/dev/null | grep -q 'libunwind\.so\.8' || skip "libunwind8 is not installed (scripts/install-deps.sh)"
prog=$TP/stack-demo
export LEGACYLOG_MODE=fast

run_demo() { # outdir, logtax run options..., -- demo args
	local out=$1
	shift
	mkdir -p "$out"
	"$LOGTAX" run -o "$out" "$@" >"$out/stdout" 2>"$out/stderr" || fail "stack-demo $*: $(cat "$out/stderr")"
	"$ANALYZE" dump "$(one_file "$out")" >"$out/dump" || fail "dump failed"
}
# Sum of the KEY_STACK counts (picked calls, kept or not).
picked() { awk '/^keystack/ { sub("count=", "", $4); n += $4 } END { print n + 0 }' "$1"; }
# The frames of stack N, one per line.
frames() { awk -v n="$2" '$1 == "stack" && $2 == n { sub("frames=", "", $7); gsub(",", "\n", $7); print $7 }' "$1"; }
# Function names of addresses read on stdin, via the modules of the dump
# (module-relative, return address minus 1, as a symbolizer must).
symbolize() {
	local a id bias lo hi path
	while read -r a; do
		while read -r _ id bias lo hi path; do
			if [ $((a)) -ge $((${lo#lo=})) ] && [ $((a)) -lt $((${hi#hi=})) ]; then
				addr2line -f -e "${path#path=}" "$(printf '0x%x' $((a - ${bias#bias=} - 1)))" | head -n 1
				break
			fi
		done < <(grep '^module ' "$1")
	done
}

# 1. The chain, every call picked: two stacks, exact counts, right order.
out=$T/chain
run_demo "$out" --stacks 8:1 -- "$prog" chain 1000
expect_eq "$(grep -c '^stack ' "$out/dump")" 2 "chain: distinct stacks"
expect_eq "$(picked "$out/dump")" 1500 "chain: calls picked (1 in 1)"
key_caller=$(awk '/^key .*name=demo.chain/ { sub("caller=", "", $7); print $7 }' "$out/dump")
for s in 0 1; do
	count=$(awk -v s=$s '$1 == "keystack" && $3 == s { sub("count=", "", $4); print $4 }' "$out/dump")
	fns=$(frames "$out/dump" $s | symbolize "$out/dump" | head -n 4 | tr '\n' ' ')
	note "stack $s: $count calls: $fns"
	expect_eq "$(frames "$out/dump" $s | head -n 1)" "$key_caller" "stack $s: frame 0 is the key's caller"
	case $count in
	1000) expect_eq "$fns" "chain_c chain_b chain_a main " "stack of the a-b-c chain" ;;
	500) expect_eq "$(echo "$fns" | cut -d' ' -f1-3) " "chain_c chain_b main " "stack of the b-c chain" ;;
	*) fail "stack $s: count $count, expected 1000 or 500" ;;
	esac
done
grep '^stack ' "$out/dump" | grep -q 'flags=0 max_depth=8 every=1' || fail "chain: stack settings not recorded"
# No frame of the shim itself.
read -r _ _ _ lo hi _ < <(grep '^module .*liblogtax' "$out/dump")
for s in 0 1; do
	for a in $(frames "$out/dump" $s); do
		[ $((a)) -ge $((${lo#lo=})) ] && [ $((a)) -lt $((${hi#hi=})) ] && fail "stack $s holds a frame of the shim ($a)"
	done
done
"$ANALYZE" report "$(one_file "$out")" >"$out/report"
expect_grep '^Stacks (up to 8 frames, for 1 call in 1): 1,500 calls picked, 2 distinct' "$out/report" "chain: report"
# frames are symbolized: chain_c, called from chain_b (file:line from the debug info)
expect_grep '^      chain_c (stack-demo\.c:[0-9]*)$' "$out/report" "chain: frames in the report"
expect_grep '^      chain_b (stack-demo\.c:[0-9]*)$' "$out/report" "chain: caller frames in the report"

# 2. Sampled: some calls picked, not all; the counts still exact.
out=$T/sampled
run_demo "$out" --stacks 8:10 -- "$prog" chain 20000
p=$(picked "$out/dump")
expect_ge "$p" 1000 "sampled: calls picked of 30000 (mean 3000)"
expect_le "$p" 10000 "sampled: calls picked of 30000 (mean 3000)"
expect_eq "$(csv_calls_by_source "$(one_file "$out")")" "$(program_calls_by_source "$out/stdout")" "sampled: calls per source"

# 3. Deeper than the limit: 8 frames, marked truncated.
out=$T/deep
run_demo "$out" --stacks 8:1 -- "$prog" deep 200 50
expect_eq "$(grep -c '^stack ' "$out/dump")" 1 "deep: distinct stacks"
expect_eq "$(frames "$out/dump" 0 | wc -l)" 8 "deep: frames kept"
grep -q '^stack 0 thread=0 flags=1 ' "$out/dump" || fail "deep: not marked truncated"
expect_eq "$(frames "$out/dump" 0 | sed -n 2p | symbolize "$out/dump")" deep "deep: second frame"

# 4. More distinct stacks than a thread keeps: the rest counted as full.
out=$T/paths
run_demo "$out" --stacks 64:1 -- "$prog" paths 8192
expect_eq "$(picked "$out/dump")" 8192 "paths: every pick counted"
full=$(awk '$1 == "keystack" && $3 == "full" { sub("count=", "", $4); n += $4 } END { print n + 0 }' "$out/dump")
expect_ge "$full" 1 "paths: picks counted as full"
expect_le "$(grep -c '^stack ' "$out/dump")" 1024 "paths: stacks kept"
"$ANALYZE" report "$(one_file "$out")" | grep -q "not kept: [0-9,]* (stack table full)" || fail "paths: losses not reported"

# 5. A handler logs while the loop unwinds or is inside dlopen/dlclose.
out=$T/loader
run_demo "$out" --stacks 16:1 -- timeout 300 "$prog" loader 200000
expect_eq "$(csv_calls_by_source "$(one_file "$out")")" "$(program_calls_by_source "$out/stdout")" "loader: calls per source"
total=$(program_calls_by_source "$out/stdout" | awk '{ n += $2 } END { print n }')
expect_eq "$(picked "$out/dump")" "$total" "loader: every call picked and counted (kept or busy)"

# 6. Stacks off: libunwind is not loaded at all; stacks on: it is.
LD_DEBUG=libs LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$prog" chain 10 >/dev/null 2>"$T/ld.off"
LD_DEBUG=libs LOGTAX_STACKS=4 LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$prog" chain 10 >/dev/null 2>"$T/ld.on"
grep -q 'libunwind' "$T/ld.off" && fail "stacks off: libunwind was loaded"
grep -q 'find library=libunwind' "$T/ld.on" || fail "stacks on: libunwind was not loaded"
exit 0
