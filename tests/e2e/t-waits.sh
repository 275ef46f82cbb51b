# Every wait function the shim wraps (shim/waits.c), each in its own thread
# of waits-demo: the iterations logtax counts per thread equal the waits the
# program counted, and the calls per source equal the program's. The
# program is built fortified (-O2 -D_FORTIFY_SOURCE=2): its poll_chk and
# ppoll_chk threads call __poll_chk and __ppoll_chk, checked with nm first.
. "$(dirname "$0")/../lib.sh"

prog=$TP/waits-demo
syms=$(nm -D "$prog")
for s in __poll_chk __ppoll_chk poll ppoll select pselect epoll_wait epoll_pwait epoll_pwait2; do
	# "U poll@GLIBC_2.2.5", or unversioned where a sanitizer's runtime defines it
	grep -Eq " U $s(@|\$)" <<<"$syms" || fail "waits-demo does not call $s (nm -D)"
done
# ... and each wait the shim's source defines is tested: here, or the
# condition waits (jobs) in t-pool with pool-demo.
pool=$(nm -D "$TP/pool-demo")
for s in $(sed -n 's/^LT_EXPORT int \([a-z_0-9]*\)(.*/\1/p' "$ROOT/shim/waits.c"); do
	nm -D --defined-only "$SHIM" | grep -Eq " T $s(@@.*)?$" || fail "the shim does not export $s"
	case $s in
	pthread_cond_*) grep -Eq " U $s(@|\$)" <<<"$pool" || fail "pool-demo does not call the shim's $s" ;;
	*) grep -Eq " U $s(@|\$)" <<<"$syms" || fail "waits-demo has no thread for the shim's $s" ;;
	esac
done

iters=700
"$LOGTAX" run -o "$T" -- "$prog" $iters >"$T/stdout" 2>"$T/stderr" || fail "waits-demo failed: $(cat "$T/stderr")"
f=$(one_file "$T")
expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$T/stdout")" "calls per source"
want=$(sed -n 's/^waits-demo: thread=\([^ ]*\) waits=\([0-9]*\)$/\1 \2/p' "$T/stdout" | sort)
expect_eq "$(wc -l <<<"$want")" 9 "threads the program reported"
got=$("$ANALYZE" report --format json "$f" | jq -r '.threads[] | select(.name | startswith("w-")) | "\(.name) \(.waits)"' | sort)
expect_eq "$got" "$want" "iterations per wait function"
