#!/usr/bin/env bash
# logtax attach's own cost: how long the stopped thread stays stopped,
# from PTRACE_INTERRUPT to PTRACE_DETACH (logtax-attach measures it with
# CLOCK_MONOTONIC and prints it), over N attaches (default 20), each to a
# fresh test-programs/attach/blocked-demo blocked in poll: the first attach
# loads the library (dlopen from the page cache). Then N attaches to one
# process again (the library is loaded: dlopen returns at once; the shim
# detached before each). With the
# stand-in shim (test-programs/attach/stub.c: the injector's own cost), and
# with liblogtax.so when it exports logtax_attach (what an operator sees).
. "$(dirname "$0")/lib.sh"
n=${BENCH_ATTACH_RUNS:-20}
ATTACH=$B/libexec/logtax/logtax-attach
BLOCKED=$B/test-programs/attach/blocked-demo
STUB=$B/test-programs/attach/libattachstub.so
[ -x "$ATTACH" ] || { echo "b-attach: $ATTACH is not built (x86-64 only)"; exit 0; }
mkfifo "$BT/fifo"
exec 7<>"$BT/fifo"

start() { # -> $bpid, blocked in poll
	rm -f "$BT/ready"
	"$BLOCKED" poll-inf "$BT/ready" <"$BT/fifo" >"$BT/out" 2>&1 &
	bpid=$!
	while [ "$(cut -d' ' -f1 "/proc/$bpid/syscall" 2>/dev/null)" != 7 ]; do sleep 0.01; done
}
stop() { printf x >&7; wait "$bpid"; grep -q 'ok$' "$BT/out" || echo "b-attach: blocked-demo: $(cat "$BT/out")" >&2; }
one() { # shim -> stopped ms
	"$ATTACH" --shim "$1" --settings "LOGTAX_OUTPUT=$BT/o"$'\n' "$bpid" 2>&1 >/dev/null |
		sed -n 's/.* stopped \([0-9.]*\) ms (\([0-9.]*\) ms after the stop was seen)$/\1 \2/p'
}
report() { # label, "interrupt-to-detach seen-to-detach" ms lines on stdin
	cat >"$BT/v"
	local col
	for col in 1 2; do
		cut -d' ' -f$col "$BT/v" | sort -g >"$BT/c$col"
	done
	printf '%-46s %9s %9s %9s %9s %4s\n' "$1" "$(stats <"$BT/c1" | cut -d' ' -f1)" "$(tail -n 1 "$BT/c1")" \
		"$(stats <"$BT/c2" | cut -d' ' -f1)" "$(tail -n 1 "$BT/c2")" "$(wc -l <"$BT/v")"
}
mkdir -p "$BT/o"
echo "## Attach: how long the thread is stopped"
echo "command: bench/b-attach.sh (BENCH_ATTACH_RUNS=$n); ms from PTRACE_INTERRUPT to PTRACE_DETACH"
echo "(the thread stops when next scheduled after the interrupt: the stop lasts between the"
echo " two columns; the second counts from when the injector saw it stopped)"
printf '%-46s %9s %9s %9s %9s %4s\n' "" median max "seen med" "seen max" n
shims=("stub:$STUB")
nm -D --defined-only "$SHIM" 2>/dev/null | grep -qw logtax_attach && shims+=("liblogtax.so:$SHIM")
for s in "${shims[@]}"; do
	label=${s%%:*} lib=${s#*:}
	for i in $(seq "$n"); do start; one "$lib"; stop; done | report "$label, first attach (dlopen loads it)"
	start
	one "$lib" >/dev/null
	# (the stub answers every call; the shim is detached before each new attach)
	for i in $(seq "$n"); do
		[ "$label" = stub ] || "$B/bin/logtax" detach "$bpid" >/dev/null
		one "$lib"
	done | report "$label, attached again (loaded already)"
	stop
done
[ ${#shims[@]} -gt 1 ] || echo "(liblogtax.so exports no logtax_attach in this build: the stub only)"
