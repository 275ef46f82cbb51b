#!/usr/bin/env bash
# make fuzz: builds the libFuzzer harness (clang, ASan, UBSan) and runs it
# for FUZZ_SECONDS (default 60) on a corpus seeded with real data files of
# the test programs. Exits non-zero if the fuzzer found a crash, a leak, a
# hang or an allocation over the limit; the reproducer is left in
# build/fuzz/. tests/e2e/t-fuzz.sh runs it for 30 s in make check.
set -eu -o pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LTX_BUILD:-$root/build}
out=$build/fuzz
secs=${FUZZ_SECONDS:-60}
mkdir -p "$out/corpus" "$out/seeds"
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

srcs=$(ls "$root"/analyzer/*.c "$root"/common/ltx_read.c "$root"/common/ltx_levels.c "$root"/common/ltx_settings.c |
	grep -v '/analyzer/main.c$')
extra=$(ls "$root"/common/*.c | grep -v -e ltx_write.c -e ltx_read.c -e ltx_levels.c -e ltx_settings.c || true)
# shellcheck disable=SC2086
clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$build/gen" -o "$out/fuzz_reader" "$root/fuzz/fuzz_reader.c" $srcs $extra "$build/gen/profile.pb-c.c" \
	-lelf -ldw -lm $(pkg-config --cflags --libs capstone 2>/dev/null || echo -lcapstone) \
	$(pkg-config --libs libprotobuf-c 2>/dev/null || echo -lprotobuf-c) -lz

# Seeds: what the shim really writes, for a few programs and modes.
if [ -z "$(ls -A "$out/seeds")" ]; then
	tp=$build/test-programs
	LOGTAX_OUTPUT=$out/seeds LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/evloop-demo" 3 4 >/dev/null
	LOGTAX_TIME=all LOGTAX_OUTPUT=$out/seeds LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/threads-demo" 3 50 >/dev/null
	LOGTAX_TIME=off LOGTAX_OUTPUT=$out/seeds LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/varargs-demo" 2 >/dev/null 2>&1
	# 1.1 records: histograms, stacks (some lost to a full table), a trace
	LOGTAX_STACKS=8:1 LOGTAX_OUTPUT=$out/seeds LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/stack-demo" chain 20 >/dev/null
	LOGTAX_STACKS=4:1 LOGTAX_OUTPUT=$out/seeds LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/stack-demo" paths 1100 >/dev/null
	LOGTAX_TRACE=16 LOGTAX_OUTPUT=$out/seeds LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/evloop-demo" 3 4 >/dev/null
	# rules (RULES records, dropped keys, generations) with a trace and stacks
	LOGTAX_FILTER='drop:util.event@debug' LOGTAX_TRACE=64 LOGTAX_STACKS=4:2 LOGTAX_OUTPUT=$out/seeds \
		LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/rules-demo" 3 >/dev/null
	# 1.2: exited threads folded into one row (more than 64 of them), and
	# libraries unloaded (MODULE records flagged, keys' unload counts)
	LOGTAX_STACKS=4:8 LOGTAX_OUTPUT=$out/seeds LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/churn-demo" 2 700 70 >/dev/null
	LOGTAX_OUTPUT=$out/seeds LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/dlopen-demo" 2 5 >/dev/null 2>&1
	# the families of issue 4, where their test programs were built
	[ -x "$tp/syslog-demo" ] && LOGTAX_OUTPUT=$out/seeds LD_PRELOAD=$build/lib/logtax/liblogtax.so \
		"$tp/syslog-demo" 1 >/dev/null 2>&1
	[ -x "$tp/glib-demo" ] && LOGTAX_FILTER='drop:glib/*@debug' LOGTAX_OUTPUT=$out/seeds \
		LD_PRELOAD=$build/lib/logtax/liblogtax.so "$tp/glib-demo" 1 >/dev/null 2>&1
	true
fi
cd "$out"
rc=0
ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
	./fuzz_reader -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 -timeout=10 \
	-print_final_stats=1 corpus seeds >fuzz.log 2>&1 || rc=$?
tail -n 25 fuzz.log
echo "fuzz: corpus now $(ls corpus | wc -l) inputs ($(du -sk corpus | cut -f1) kB); exit $rc"
exit $rc
