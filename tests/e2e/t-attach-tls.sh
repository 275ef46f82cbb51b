#!/usr/bin/env bash
# The shim is loaded late by logtax attach, so its initial-exec TLS comes
# out of the static TLS surplus glibc keeps for such libraries
# (glibc.rtld.optional_static_tls, 512 bytes by default, shared with every
# other late one): logtax-attach refuses a shim whose PT_TLS is larger than
# 256 bytes before it touches the process. The built shim must be below
# that: read from the real file, and checked against readelf.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-attach.sh"

"$ATTACH" --tls-check "$SHIM" >"$T/tls" 2>&1 || fail "the built shim's TLS: $(cat "$T/tls")"
n=$(sed -n 's/.*: PT_TLS \([0-9]*\) bytes (bound 256)$/\1/p' "$T/tls")
[ -n "$n" ] || fail "no PT_TLS size in: $(cat "$T/tls")"
# the same as readelf says (MemSiz of the TLS program header; none: 0)
want=$(readelf -lW "$SHIM" | awk '$1 == "TLS" { print $6 }')
expect_eq "$n" "$((${want:-0}))" "PT_TLS memsz, as readelf reads it"
expect_le "$n" 256 "the shim's TLS"
note "the shim's TLS: $n bytes"

# A library with more is refused, and the process is not touched.
command -v cc >/dev/null || { ci_needs "no C compiler to build a library with a large TLS"; exit 0; }
cat >"$T/big.c" <<'C'
__thread char big[1024] __attribute__((tls_model("initial-exec")));
int logtax_attach(const char *s, char *m, unsigned n) { (void)s; (void)m; (void)n; return big[0]; }
C
cc -shared -fPIC -o "$T/libbig.so" "$T/big.c" || fail "building libbig.so"
"$ATTACH" --tls-check "$T/libbig.so" 2>"$T/err"
expect_eq $? 4 "large TLS: --tls-check's exit status"
start_blocked read
LOGTAX_SHIM=$T/libbig.so "$LOGTAX" attach -o "$T/o" "$BPID" 2>"$T/err"
expect_eq $? 4 "large TLS: attach's exit status"
expect_grep "^logtax attach: the shim $T/libbig.so has 1024 bytes of thread-local storage, more than the 256 bytes a library loaded into a running process may take" \
	"$T/err" "large TLS: message"
grep -q libbig "/proc/$BPID/maps" && fail "large TLS: the library was loaded"
feed
finish read
