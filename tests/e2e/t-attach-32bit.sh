#!/usr/bin/env bash
# logtax attach refuses a 32-bit process (the ELF class of /proc/PID/exe)
# with one line, exit status 4. The 32-bit program is made with the
# assembler and linker alone (no 32-bit C library needed): a loop of
# nanosleep through int 0x80. A kernel without IA-32 emulation cannot run
# it: the test does not apply there.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib-attach.sh"

cat >"$T/s32.S" <<'ASM'
	.globl _start
_start:
1:	movl $162, %eax		/* nanosleep */
	leal ts, %ebx
	xorl %ecx, %ecx
	int $0x80
	jmp 1b
	.data
ts:	.long 60, 0
ASM
as --32 -o "$T/s32.o" "$T/s32.S" 2>"$T/err" && ld -m elf_i386 -o "$T/s32" "$T/s32.o" 2>>"$T/err" ||
	skip_by_design "binutils here cannot make a 32-bit program: $(head -n 1 "$T/err")"
"$T/s32" &
pid=$!
LT_PIDS+=("$pid")
sleep 0.2
kill -0 $pid 2>/dev/null || skip_by_design "this kernel runs no 32-bit programs (no IA-32 emulation)"
LOGTAX_SHIM=$STUB "$LOGTAX" attach -o "$T/o" "$pid" 2>"$T/err"
expect_eq $? 4 "32-bit: exit status"
expect_eq "$(cat "$T/err")" "logtax attach: process $pid is a 32-bit program: logtax attaches to 64-bit x86-64 processes only" \
	"32-bit: message"
