# Debian's nginx as it usually runs: a master started as root and worker
# processes that give up root for www-data. Under `logtax run` as root the
# workers cannot write into the output directory root made; they write
# into its .logtax-users (sticky, writable by all), and logtax run moves
# their files up. Per process, the calls of ngx_log_error_core counted
# equal the messages that process wrote (each message carries its pid).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-nginx.sh"
. "$(dirname "$0")/../lib-entry.sh"
nginx_need
[ "$(id -u)" -eq 0 ] || skip "needs root (nginx's workers give up root for www-data)"
id www-data >/dev/null 2>&1 || skip "no user www-data (nginx-common makes it)"
hook='ngx_log_error_core:level=1:fmt=4:levels=8:debug,7:info,6:notice,5:warning,4:error,3:error,2:error,1:error'
n=20

nginx_setup "$T/nginx" 2
mkdir -p "$T/lt"
nginx_start "$LOGTAX" run -o "$T/lt" --hook "$hook" --
workers=$(pgrep -P "$NGINX_PID" | sort)
expect_eq "$(echo "$workers" | wc -l)" 2 "worker processes"
for w in $workers; do
	expect_eq "$(stat -c %U "/proc/$w")" www-data "worker $w's user"
done
for i in $(seq $n); do
	expect_eq "$(nginx_get "/probe/$i")" 200 "request $i"
done
nginx_idle
nginx_stop
expect_eq "$NGINX_STATUS" 0 "nginx's exit status under logtax"
expect_eq "$(find "$T/lt" -mindepth 1 -maxdepth 1 -name '.logtax-users' | wc -l)" 0 "the users' directory, emptied, is gone"
mapfile -t files < <(data_files "$T/lt")
expect_eq "${#files[@]}" 3 "data files: the master and two workers"
for w in $workers; do
	expect_eq "$(stat -c %U "$T/lt/logtax.$w.ltx")" www-data "worker $w's data file, written as www-data"
done
# "pid count": messages per process in the error log, calls per process in the files.
want=$(sed -n 's/^[0-9/]* [0-9:]* \[[a-z]*\] \([0-9]*\)#[0-9]*: .*/\1/p' "$NGINX_LOG" | sort | uniq -c | awk '{ print $2, $1 }' | sort)
note "messages per process: $(echo $want)"
got=$("$ANALYZE" report --format json "${files[@]}" |
	jq -r '.keys[] | select(.entry == "ngx_log_error_core" and .action == "keep") | "\(.pid) \(.calls)"' |
	awk '{ n[$1] += $2 } END { for (p in n) print p, n[p] }' | sort)
expect_same "$want" "$got" "calls of ngx_log_error_core per process against its messages"
served=$(for w in $workers; do echo "$want" | awk -v p="$w" '$1 == p { print $2 }'; done | awk '{ n += $1 } END { print n + 0 }')
expect_ge "$served" $((10 * n)) "messages from the workers (the requests were served there)"
