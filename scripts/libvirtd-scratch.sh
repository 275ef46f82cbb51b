# Sourced by the demo, the tests and the benchmarks that run Debian's real
# libvirtd: libvirtd_scratch DIR makes DIR/sock, DIR/drivers (empty: no
# hypervisor driver loads, only the test driver serves) and DIR/libvirtd.conf,
# whose sockets are in DIR/sock without authentication and whose log, level 1
# (every message), goes to DIR/libvirtd.log: one record per call that passes.
# Start it with: LIBVIRT_DRIVER_DIR=DIR/drivers libvirtd -f DIR/libvirtd.conf --pid-file DIR/pid
# and reach it with virsh -c "test+unix:///default?socket=DIR/sock/libvirt-sock".
libvirtd_scratch() {
	mkdir -p "$1/sock" "$1/drivers" || return 1
	cat >"$1/libvirtd.conf" <<CONF
unix_sock_dir = "$1/sock"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_level = 1
log_outputs = "1:file:$1/libvirtd.log"
CONF
}

# libvirtd_records DIR: the records libvirt's log holds so far (a record
# starts with its date; a message with newlines goes on over lines that do
# not): one per logging call that passed its level.
libvirtd_records() {
	grep -c '^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] ' "$1/libvirtd.log"
}

# libvirtd_quiet DIR: whether the log stays the same for half a second (the
# daemon idle: its clients gone, its timers still).
libvirtd_quiet() {
	local a b
	a=$(libvirtd_records "$1")
	sleep 0.5
	b=$(libvirtd_records "$1")
	[ "$a" = "$b" ]
}

# proc_cpu_ticks PID: the process's user + system time so far, in clock ticks.
proc_cpu_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
