# Sourced by tests that run Debian's redis-server, after tests/lib.sh: a
# private redis in a scratch folder, listening on a unix socket only (port
# 0), no persistence, writing every message of loglevel LEVEL and above to
# one log file. Nothing of the machine's redis is used but the binary.
#   redis_need               skips unless redis-server and redis-cli are installed
#   redis_setup DIR [LEVEL]  writes DIR/redis.conf (LEVEL: debug, the default, or
#                            verbose, notice, warning); sets REDIS_DIR, REDIS_SOCK,
#                            REDIS_LOG
#   redis_start [PREFIX...]  starts redis in the background (PREFIX: a command to
#                            run it under: logtax run ... --), waits until it
#                            answers PING; sets REDIS_PID (redis's own pid)
#   redis_load N             N connections, one PING each (redis-cli, one process
#                            each); each makes redis log "Accepted connection" and
#                            "Client closed connection" at level verbose
#   redis_idle               waits until redis has logged the close of every
#                            connection it logged the accept of
#   redis_stop               stops it by pid (SIGTERM: redis saves nothing here and
#                            exits 0), waits for the job; REDIS_STATUS its status
#   redis_levels FILE        "level count" of the messages in a log, sorted, by
#                            logtax's level names (redis's debug, verbose, notice,
#                            warning are debug, info, notice, warning)
# redis writes one line per message that passes its loglevel: `serverLog`
# tests the level and then calls _serverLog, which formats it and has
# serverLogRaw open the file, write the line and close it. Lines written
# from a signal handler ("PID:signal-handler (...) ...", SIGTERM's) come
# from serverLogFromHandler, not _serverLog: they are not messages here.
REDIS=${REDIS:-/usr/bin/redis-server}
REDIS_CLI=${REDIS_CLI:-/usr/bin/redis-cli}
# _serverLog(int level, const char *fmt, ...), levels LL_DEBUG 0 .. LL_WARNING 3.
REDIS_HOOK='_serverLog:level=1:fmt=2:levels=0:debug,1:info,2:notice,3:warning'

redis_need() {
	[ -x "$REDIS" ] || skip "redis-server is not installed (scripts/install-deps.sh test installs redis-server)"
	[ -x "$REDIS_CLI" ] || skip "redis-cli is not installed (scripts/install-deps.sh test installs redis-tools)"
}

redis_setup() {
	REDIS_DIR=$1
	REDIS_SOCK=$REDIS_DIR/redis.sock
	REDIS_LOG=$REDIS_DIR/redis.log
	mkdir -p "$REDIS_DIR"
	cat >"$REDIS_DIR/redis.conf" <<-CONF
	port 0
	unixsocket $REDIS_SOCK
	unixsocketperm 700
	daemonize no
	supervised no
	dir $REDIS_DIR
	pidfile $REDIS_DIR/redis.pid
	logfile $REDIS_LOG
	loglevel ${2:-debug}
	syslog-enabled no
	save ""
	appendonly no
	CONF
}

redis_cli() { "$REDIS_CLI" -s "$REDIS_SOCK" "$@"; }
redis_answers() { [ "$(redis_cli ping 2>/dev/null)" = PONG ]; }

redis_start() {
	"$@" "$REDIS" "$REDIS_DIR/redis.conf" >"$REDIS_DIR/stdout" 2>"$REDIS_DIR/stderr" </dev/null &
	REDIS_JOB=$!
	await_daemon redis "$REDIS_JOB" "$REDIS_DIR/redis.pid" redis_answers "$REDIS_DIR/stderr" "$REDIS_LOG" ||
		{ redis_kill; fail "redis did not answer on $REDIS_SOCK within 60 s"; }
	REDIS_PID=$(cat "$REDIS_DIR/redis.pid")
	# The test's scratch folder goes at exit: redis must not outlive it.
	trap 'redis_kill; rm -rf "$T"' EXIT
}

redis_kill() {
	[ -n "${REDIS_PID:-}" ] && kill -KILL "$REDIS_PID" 2>/dev/null
	[ -n "${REDIS_JOB:-}" ] && kill -KILL "$REDIS_JOB" 2>/dev/null
	return 0
}

redis_load() {
	local i
	for i in $(seq "$1"); do
		expect_eq "$(redis_cli ping)" PONG "redis: PING $i"
	done
}

redis_idle() {
	local i accepted closed
	for i in $(seq 600); do
		accepted=$(grep -c ' - Accepted connection to ' "$REDIS_LOG")
		closed=$(grep -c ' - Client closed connection ' "$REDIS_LOG")
		[ "$accepted" = "$closed" ] && return 0
		sleep 0.1
	done
	fail "redis did not log the close of every connection within 60 s ($accepted accepted, $closed closed)"
}

redis_stop() {
	stop_daemon redis TERM "$REDIS_PID" "$REDIS_JOB" redis_kill
	REDIS_STATUS=$DAEMON_STATUS
	REDIS_PID= REDIS_JOB=
}

# A message line: "PID:ROLE DD Mon YYYY HH:MM:SS.mmm C text", C the level's
# mark (. debug, - verbose, * notice, # warning).
redis_levels() {
	sed -n 's/^[0-9]*:[XCSM] [0-9]* [A-Z][a-z]* [0-9]* [0-9:.]* \([-.*#]\) .*/\1/p' "$1" |
		sed 's/^\.$/debug/; s/^-$/info/; s/^\*$/notice/; s/^#$/warning/' | sort | uniq -c | awk '{ print $2, $1 }' | sort
}
