# logtax's control thread keeps no reference to the program's files and
# shares no descriptor table with it: a pipe the program closes reaches
# end-of-file at once, and the thread's own table is empty. (A shared table
# made the kernel count references on every descriptor lookup: twice the
# system time for a poll loop over 500 pipes.)
. "$(dirname "$0")/../lib.sh"

LOGTAX_CONTROL=thread LOGTAX_OUTPUT=$T LD_PRELOAD=$SHIM "$TP/fdshare-demo" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 3 ] && fail "the read end never saw end-of-file: the control thread holds the pipe"
expect_eq "$rc" 0 "fdshare-demo exit status ($(cat "$T/err"))"
expect_grep 'end-of-file seen' "$T/out" "end-of-file"
expect_grep 'comm=logtax fds=0$' "$T/out" "the control thread's descriptor table is empty"
f=$(one_file "$T")
expect_eq "$(csv_calls_by_source "$f")" "$(program_calls_by_source "$T/out")" "calls per source"
