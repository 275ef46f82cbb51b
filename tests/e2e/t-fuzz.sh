# The data-file reader and everything the analyzer does with what it read
# (model, every report), fuzzed with libFuzzer for 30 s (FUZZ_SECONDS) on a
# corpus seeded with real data files: no crash, no leak, no hang, no
# allocation above 512 MB (fuzz/run.sh; make fuzz runs it longer).
. "$(dirname "$0")/../lib.sh"
[ -n "$SANITIZE" ] && skip_by_design "a -fsanitize=$SANITIZE build: the fuzzer runs in the plain build (it builds its own sanitized harness)"
command -v clang >/dev/null || skip "clang is not installed (scripts/install-deps.sh test installs clang and libclang-rt-14-dev)"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$T/probe.c"
clang -fsanitize=fuzzer,address,undefined -o "$T/probe" "$T/probe.c" 2>"$T/probe.err" ||
	skip "clang cannot build a fuzzer here (libclang-rt-14-dev missing?): $(head -n 1 "$T/probe.err")"
FUZZ_SECONDS=${FUZZ_SECONDS:-30} "$ROOT/fuzz/run.sh" >"$T/out" 2>&1
rc=$?
cat "$T/out"
[ $rc -eq 0 ] || fail "the fuzzer stopped with exit $rc (reproducer in $B/fuzz)"
grep -q '^Done [0-9]* runs' "$B/fuzz/fuzz.log" || fail "the fuzzer did not finish its run"
expect_ge "$(sed -n 's/^fuzz: corpus now \([0-9]*\) inputs.*/\1/p' "$T/out")" 1 "corpus"
