# CET: liblogtax.so carries the IBT and SHSTK properties in its GNU property
# note (readelf -n), and every place in the shim's own code that an indirect
# branch may reach starts with endbr64: its exported functions, every
# function whose address it takes (a lea of it, or a pointer to it in its
# data), lt_calib_target and each 16-byte stub of its two stub pools.
. "$(dirname "$0")/../lib.sh"

[ "$(uname -m)" = x86_64 ] || skip "CET is x86-64 only"
${CC:-cc} -fcf-protection=full -c -x c /dev/null -o /dev/null 2>/dev/null ||
	skip "the compiler has no -fcf-protection: the shim is built without CET"
command -v objdump >/dev/null && command -v readelf >/dev/null || fail "binutils (objdump, readelf) missing"

readelf -n "$SHIM" >"$T/notes"
expect_grep 'x86 feature: IBT, SHSTK' "$T/notes" "liblogtax.so's property note"

objdump -d --no-show-raw-insn "$SHIM" >"$T/dis"
nm "$SHIM" >"$T/syms"
# Candidate targets, one hex address a line (no leading zeros).
{
	nm -D --defined-only "$SHIM" | awk '$2 == "T" || $2 == "W" || $2 == "i" { print $1 }'
	# lea X(%rip) whose target is a function's first byte
	awk '/lea .*\(%rip\)/ && match($0, /# [0-9a-f]+ <[^>+]+>$/) { print substr($0, RSTART + 2, RLENGTH - 2) }' "$T/dis" |
		awk '{ print $1 }'
	readelf -rW "$SHIM" | awk '$3 == "R_X86_64_RELATIVE" { print $4 }'
	awk '$3 == "lt_calib_target" { print $1 }' "$T/syms"
} | sed 's/^0*//' | sort -u >"$T/cands"
# Function starts (code symbols of the shim), and the first instruction at each address.
awk '$2 ~ /^[tTWi]$/ { a = $1; sub(/^0*/, "", a); print a }' "$T/syms" | sort -u >"$T/funcs"
awk '/^ *[0-9a-f]+:\t/ { a = $1; sub(/:$/, "", a); sub(/^0*/, "", a); m = $2; print a, m }' "$T/dis" | sort -u >"$T/insn"
# Targets: candidates that are function starts, plus every stub slot.
nm -S "$SHIM" | awk '$4 == "lt_hook_stubs" || $4 == "lt_gone_stubs" { print $1, $2 }' | while read -r a n; do
	for ((i = 0; i < 16#$n; i += 16)); do printf '%x\n' $((16#$a + i)); done
done >"$T/stubs"
[ -s "$T/stubs" ] || fail "no stub pools found in the symbol table"
# Not branch targets: return addresses the shim takes the address of (the
# timed call's return point, named for its personality routine; dlopen's
# continuation), reached by a ret, which IBT does not check.
rets=$(awk '$3 == "lt_tramp_timed_ret" || $3 == "lt_dl_back" { a = $1; sub(/^0*/, "", a); print a }' "$T/syms")
expect_eq "$(echo "$rets" | wc -l)" 2 "return points found"
sort -u <(comm -12 "$T/cands" "$T/funcs" | grep -vxF "$rets") "$T/stubs" >"$T/targets"
n=$(wc -l <"$T/targets")
expect_ge "$n" 300 "indirect-branch targets found"
bad=$(join "$T/targets" "$T/insn" | awk '$2 != "endbr64"')
missing=$(join -v1 "$T/targets" "$T/insn")
[ -z "$missing" ] || fail "targets with no instruction at their address: $missing"
if [ -n "$bad" ]; then
	echo "$bad" | while read -r a m; do echo "  0x$a $(awk -v a="$a" '{ b = $1; sub(/^0*/, "", b) } b == a { print $3 }' "$T/syms" | head -1): $m"; done >&2
	fail "indirect-branch targets without endbr64"
fi
note "$n indirect-branch targets, each starting with endbr64"
