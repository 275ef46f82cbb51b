# The hot path (shim/hotpath.c) must not touch vector registers, which carry a
# variadic call's floating-point arguments, and must call nothing outside
# itself (any libc function may use them). Checked on the object code.
. "$(dirname "$0")/../lib.sh"

obj=$B/obj/shim/hotpath.o
[ -f "$obj" ] || fail "$obj not built"
[ "$(uname -m)" = x86_64 ] || skip_by_design "x86-64 only"
objdump -d --no-show-raw-insn "$obj" >"$T/dis"
if grep -E '%[xyz]mm[0-9]|%st|%mm[0-9]' "$T/dis" >"$T/vec"; then
	cat "$T/vec"
	fail "hotpath.o uses vector or x87 registers"
fi
# Every call and jump must stay inside hotpath.o: a call to another object
# shows as a PLT32 relocation (or a GOT load) against an undefined symbol.
undef=$(nm --undefined-only "$obj" | awk '{ print $2 }' | sort -u)
objdump -dr "$obj" | awk '/R_X86_64_(PLT32|GOTPCREL|GOTPCRELX|REX_GOTPCRELX)/ { sub(/[-+].*/, "", $3); print $3 }' |
	sort -u >"$T/targets"
for s in $(cat "$T/targets"); do
	if echo "$undef" | grep -qx "$s"; then
		fail "hotpath.o calls or loads the address of $s, outside itself"
	fi
done
grep -q lt_hook_enter <(nm --defined-only "$obj") || fail "hotpath.o does not define lt_hook_enter"
