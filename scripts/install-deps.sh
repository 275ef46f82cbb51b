#!/bin/sh
# Installs what logtax needs on a Debian machine, only if something is
# missing: as root with apt-get, otherwise it prints the exact command.
#   install-deps.sh build    to build (make) and run the unit and end-to-end tests
#   install-deps.sh test     the same plus a browser for the HTML report's test
#                            (make check, CI)
#   install-deps.sh demo     the same as build, plus what `make demo` runs (nginx, wrk)
set -eu

want=${1:-build}
# The real logging libraries (libvirt, GLib, the systemd journal) are in the
# build set: test programs are built against them and the tests run on them.
# Capstone decodes x86-64 code for `logtax scan`. libunwind-dev: its runtime
# (libunwind.so.8) is what LOGTAX_STACKS loads. protobuf-c (library and
# compiler) and zlib: `report --format pprof` (a gzipped profile.proto).
build_pkgs="gcc make pkg-config libc6-dev libelf-dev libdw-dev libunwind-dev check jq valgrind bc libcapstone-dev
	libvirt-dev libglib2.0-dev libsystemd-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev"
case $want in
build) pkgs=$build_pkgs ;;
# Every program a test runs (under CI=true a test that cannot run fails):
# chromium: the HTML report opened headless (t-html); clang and its
# sanitizer runtimes: the reader's fuzzer (t-fuzz, make fuzz); binutils:
# objcopy, readelf, nm, objdump, addr2line (t-debuginfo, t-stacks,
# t-hook-object, t-scan); util-linux and mount: unshare, setpriv, findmnt,
# mount (t-full-disk, t-ctl-errors, t-setid-static); perl (exit_status in
# tests/lib.sh); nginx-core, curl, wrk, gdb, iproute2: a real daemon whose
# logger is in its own executable, its load and its ground truth
# (tests/lib-nginx.sh, t-nginx-harness); libvirt-daemon and libvirt-clients:
# the real libvirt daemon and virsh. prometheus (with promtool) and
# prometheus-node-exporter: the live metrics scraped for real
# (t-prometheus); golang-go: `go tool pprof` reads the pprof output (t-pprof).
# strace and gdb: a process already traced, which logtax attach refuses
# (t-attach-refuse; also setpriv, and as/ld for a 32-bit program in
# t-attach-32bit). redis-server and redis-tools (redis-cli), postgresql
# (postgres, initdb, psql, and the postgres user it runs as): daemons whose
# loggers are in their own executables (tests/lib-redis.sh, t-entry-redis;
# tests/lib-postgres.sh, t-entry-postgres).
test) pkgs="$build_pkgs chromium clang libclang-rt-14-dev binutils util-linux mount perl coreutils
	nginx-core curl wrk gdb iproute2 libvirt-daemon libvirt-clients prometheus prometheus-node-exporter golang-go strace
	redis-server redis-tools postgresql" ;;
# make demo: nginx (its logger lives in its executable: scripts/demo-nginx.sh)
# under wrk's load, curl to see it answer, perl for a free port.
demo) pkgs="$build_pkgs nginx-core curl wrk perl" ;;
*) echo "install-deps.sh: unknown set '$want' (build, test, demo)" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps.sh: not a Debian system; make sure these (or their equivalents) are installed: $pkgs" >&2
	exit 0
fi

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "install-deps.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Daemons (nginx, libvirtd, prometheus, node_exporter, redis, postgresql) must not be started by their packages: the
	# tests start their own. policy-rc.d exiting 101 forbids it while we
	# install; one that was there before is left as it was.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e $policy ]; then
		trap 'rm -f $policy' EXIT
		printf '#!/bin/sh\n# install-deps.sh: no service started while installing\nexit 101\n' >$policy
		chmod 0755 $policy
	fi
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "install-deps.sh: missing packages:$missing" >&2
	echo "install-deps.sh: run: sudo apt-get install$missing" >&2
	exit 1
fi
