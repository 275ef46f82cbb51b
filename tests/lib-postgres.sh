# Sourced by tests that run Debian's PostgreSQL, after tests/lib.sh: a
# private cluster made with initdb in a scratch folder, listening on a unix
# socket there only, writing every message (log_min_messages = debug5) to
# its stderr, each line prefixed with the process id and the SQLSTATE.
# Nothing of the machine's clusters is used but the binaries.
#   pg_need               skips unless postgres, initdb and psql are installed
#   pg_setup DIR          initdb into DIR/data, DIR/postgresql.conf's settings;
#                         sets PG_DIR, PG_LOG (the server's stderr)
#   pg_start [PREFIX...]  starts the postmaster in the background (PREFIX: a
#                         command to run it under: logtax run ... --), waits
#                         until it answers; sets PG_PID (the postmaster's pid)
#   pg_sql SQL            one connection (a new backend) running SQL, its output
#   pg_stop               a fast shutdown (SIGINT), waits for the job; PG_STATUS
#   pg_levels FILE        "pid level count" of the messages in a log, sorted, by
#                         logtax's level names (as PG_LEVELS maps them)
# PostgreSQL refuses to run as root: as root, the cluster belongs to the
# `postgres` user the package makes, and the programs run as that user
# (runuser). logtax is run from a copy of the build inside the scratch
# folder, so that user can read it wherever the build is.
#
# ereport and elog call errstart(elevel, domain), which says whether the
# message is to be written anywhere; with log_min_messages = debug5 every
# level is written to the server's log (WARNING_CLIENT_ONLY, sent to the
# client alone, is not used by the statements run here). One call of
# errstart, one message line "PID SQLSTATE LEVEL:  text"; the DETAIL,
# HINT, CONTEXT and STATEMENT lines that may follow are part of it.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
# errstart's elevel (PostgreSQL 12 onwards): DEBUG5..DEBUG1 10-14, LOG and
# LOG_SERVER_ONLY 15-16, INFO 17, NOTICE 18, WARNING 19-20, ERROR 21,
# FATAL 22, PANIC 23.
PG_LEVELS='10:debug,11:debug,12:debug,13:debug,14:debug,15:notice,16:notice,17:info,18:notice,19:warning,20:warning,21:error,22:error,23:error'
PG_HOOK="errstart:level=1:levels=$PG_LEVELS"

pg_need() {
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/psql" ] ||
		skip "PostgreSQL is not installed (scripts/install-deps.sh test installs postgresql)"
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || skip "no postgres user to run PostgreSQL as (the postgresql package makes it)"
		command -v runuser >/dev/null || skip "runuser is not installed (util-linux)"
	fi
}

# pg_as COMMAND...: as the cluster's owner.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_setup() {
	PG_DIR=$1
	PG_LOG=$PG_DIR/server.log
	PG_LOGTAX=$T/build/bin/logtax
	if [ ! -x "$PG_LOGTAX" ]; then
		mkdir -p "$T/build" && cp -a "$B/bin" "$B/lib" "$B/libexec" "$T/build/" || fail "copying the build"
	fi
	mkdir -p "$PG_DIR"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 0711 "$T" # the postgres user reaches its folder and the copy, nothing else
		chown -R postgres "$PG_DIR"
	fi
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync >"$PG_DIR/initdb.out" 2>&1 ||
		fail "initdb: $(tail -n 5 "$PG_DIR/initdb.out")"
	cat >>"$PG_DIR/data/postgresql.conf" <<-CONF
	listen_addresses = ''
	unix_socket_directories = '$PG_DIR'
	log_min_messages = debug5
	log_destination = 'stderr'
	logging_collector = off
	log_line_prefix = '%p %e '
	fsync = off
	CONF
}

pg_sql() { pg_as "$PG_BIN/psql" -h "$PG_DIR" -d postgres -X -q -A -t -c "$1" 2>&1; }
pg_answers() { [ "$(pg_sql 'select 42' 2>/dev/null)" = 42 ]; }

pg_start() {
	pg_as "$@" "$PG_BIN/postgres" -D "$PG_DIR/data" >"$PG_DIR/stdout" 2>"$PG_LOG" </dev/null &
	PG_JOB=$!
	await_daemon postgres "$PG_JOB" "$PG_DIR/data/postmaster.pid" pg_answers "$PG_LOG" ||
		{ pg_kill; fail "postgres did not answer on $PG_DIR within 60 s"; }
	PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
	trap 'pg_kill; rm -rf "$T"' EXIT
}

pg_kill() {
	[ -n "${PG_PID:-}" ] && kill -QUIT "$PG_PID" 2>/dev/null
	[ -n "${PG_JOB:-}" ] && kill -KILL "$PG_JOB" 2>/dev/null
	return 0
}

pg_stop() {
	stop_daemon postgres INT "$PG_PID" "$PG_JOB" pg_kill
	PG_STATUS=$DAEMON_STATUS
	PG_PID= PG_JOB=
}

pg_levels() {
	sed -n 's/^\([0-9]*\) [0-9A-Z]\{5\} \(DEBUG\|LOG\|INFO\|NOTICE\|WARNING\|ERROR\|FATAL\|PANIC\):  .*/\1 \2/p' "$1" |
		sed 's/ DEBUG$/ debug/; s/ \(LOG\|NOTICE\)$/ notice/; s/ INFO$/ info/; s/ WARNING$/ warning/;
			s/ \(ERROR\|FATAL\|PANIC\)$/ error/' | sort | uniq -c | awk '{ print $2, $3, $1 }' | sort
}
