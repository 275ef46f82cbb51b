/* Entry trampolines for x86-64 (System V ABI).
 *
 * Each exported entry point loads its descriptor into r11 (a scratch
 * register free at function entry) and jumps to the count path made for
 * where its name and level arrive (entryargs.h), which does the common
 * cases itself (see LT_COUNT_PATH below); a hook stub jumps where its
 * descriptor says (desc->fast, set by got.c): a count path, or lt_tramp,
 * the generic trampoline, for arguments on the stack. lt_tramp saves the
 * argument registers and al (the vector-register count of a variadic call),
 * asks the hook what to do, and then:
 *   PASS  restores everything and jumps to the real function, leaving no
 *         frame of ours behind (the caller's return address is untouched);
 *   DROP  returns the family's "nothing logged" value at once;
 *   TIME  reads the clock, pops the caller's return address (the hook saved
 *         it in the per-thread shadow stack), calls the real function, which sees
 *         its stack arguments at the same offsets, reads the clock again and
 *         pushes the address back before returning: calls and returns pair, so return
 *         prediction and CET shadow stacks are satisfied. rbx holds the shadow
 *         entry meanwhile, and the CFI reads the caller's return address and
 *         rbx from it: exceptions, thread cancellation and backtraces go
 *         through (see shim/unwind.c);
 *   SLOW  saves xmm0-7, runs the slow path (which may call libc), restores
 *         them, and acts on the slow path's answer;
 *   STACK the same with the stack path (captures the call stack with
 *         libunwind, which unwinds through this region's CFI to the caller).
 * On entry rsp is 8 mod 16; seven pushes align it for the calls.
 *
 * CET: every place reached by an indirect branch starts with endbr64 (the
 * entry points, the stubs, lt_calib_target); no return address is
 * rewritten where a shadow stack would check it (dlopen falls back when one
 * is active, see lt_dl_tramp); built with -fcf-protection, this file says
 * so in its GNU property note, and the shim is linked without the C start
 * files (Debian's crti.o has none, and its _init has no endbr64), so it
 * defines __dso_handle here. */

#include "../common/ltx_entries.h"
#include "entryargs.h"

#define LT_SHADOW_T0 24		/* offsets in struct lt_shadow (shim/state.h) */
#define LT_DESC_SIZE 104	/* sizeof(struct lt_desc) (checked in entries.c) */
#define LT_HOOK_STUB_SIZE 16
#define LT_SHADOW_TARGET 32
#define LT_SHADOW_RBX 56
/* The rest is checked in hotpath.c. struct lt_desc: */
#define LT_DESC_REAL 0
#define LT_DESC_DROP 8
#define LT_DESC_META 32
#define LT_DESC_FAST 96
/* struct lt_slot: */
#define LT_SLOT_NAME 8
#define LT_SLOT_META 16
#define LT_SLOT_CALLS 24
#define LT_SLOT_RL 48
#define LT_SLOT_RL_COUNT 48
#define LT_SLOT_RL_EVERY 52
#define LT_SLOT_ACTION 56
#define LT_SLOT_SIZE 64
/* struct lt_thread, struct lt_shadow: */
#define LT_EXT_RL_LEFT 0x1b0
#define LT_EXT_RL_ACTION 0x1b4
#define LT_EXT_RL_END 0x1b8
#define LT_EXT_RL_KEPT 0x1c8
#define LT_THR_SDEPTH 0x118
#define LT_THR_SHADOW 0x1d8
#define LT_SHADOW_DEPTH 64
#define LT_SHADOW_RET 0
#define LT_SHADOW_SP 8
#define LT_SHADOW_SLOT 16
#define LT_SHADOW_EXT 40
#define LT_SHADOW_FIRST 48
/* struct lt_tls: */
#define LT_TLS_COUNTDOWN 8
#define LT_TLS_THR 16
#define LT_TLS_SLOTS 80
#define LT_TLS_MASK6 88
#define LT_TLS_EXT_BIAS 96
#define LT_TLS_COUNTING 104
/* enum lt_slot_action: the words the count path acts on itself */
#define LT_SA_SAMPLE 0
#define LT_SA_DROP 1
#define LT_SA_TIME 2
#define LT_SA_RULED_SAMPLE 35	/* KEEP | RULED */
#define LT_SA_RULED_LIMIT 99	/* KEEP | RULED | LIMIT */

	.text

/* The argument registers and al, as the caller left them (the frame
 * struct lt_frame describes), and the vector registers that may carry a
 * variadic call's floating-point arguments: saved around anything that
 * calls libc. CFI follows each push and pop. */
.macro LT_PUSH_ARGS
	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %r9
	.cfi_adjust_cfa_offset 8
	pushq %r8
	.cfi_adjust_cfa_offset 8
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	pushq %rdi
	.cfi_adjust_cfa_offset 8
.endm

.macro LT_POP_ARGS
	popq %rdi
	.cfi_adjust_cfa_offset -8
	popq %rsi
	.cfi_adjust_cfa_offset -8
	popq %rdx
	.cfi_adjust_cfa_offset -8
	popq %rcx
	.cfi_adjust_cfa_offset -8
	popq %r8
	.cfi_adjust_cfa_offset -8
	popq %r9
	.cfi_adjust_cfa_offset -8
	popq %rax
	.cfi_adjust_cfa_offset -8
.endm

.macro LT_SAVE_XMM cfi=1
	subq $128, %rsp
	.if \cfi
	.cfi_adjust_cfa_offset 128
	.endif
	movaps %xmm0, 0(%rsp)
	movaps %xmm1, 16(%rsp)
	movaps %xmm2, 32(%rsp)
	movaps %xmm3, 48(%rsp)
	movaps %xmm4, 64(%rsp)
	movaps %xmm5, 80(%rsp)
	movaps %xmm6, 96(%rsp)
	movaps %xmm7, 112(%rsp)
.endm

.macro LT_RESTORE_XMM cfi=1
	movaps 0(%rsp), %xmm0
	movaps 16(%rsp), %xmm1
	movaps 32(%rsp), %xmm2
	movaps 48(%rsp), %xmm3
	movaps 64(%rsp), %xmm4
	movaps 80(%rsp), %xmm5
	movaps 96(%rsp), %xmm6
	movaps 112(%rsp), %xmm7
	addq $128, %rsp
	.if \cfi
	.cfi_adjust_cfa_offset -128
	.endif
.endm

.macro LT_ENTRY name, desc, narg, larg, level16
	.globl \name
	.type \name, @function
	.p2align 4
\name:
	.cfi_startproc
	.byte 0xf3, 0x0f, 0x1e, 0xfa	/* endbr64 */
	leaq \desc(%rip), %r11
	/* straight to the count path for its registers (entryargs.h), past
	 * the endbr64 only an indirect jump needs */
	.if \level16
	jmp lt_count_ident_body
	.else
	jmp lt_count_\narg\()_\larg\()_body
	.endif
	.cfi_endproc
	.size \name, . - \name
.endm

/* The count paths. An entry stub jumps to the one its descriptor names
 * (lt_desc_prepare picks it): each is made for where its entries keep the
 * name and the level, so it reads them from their registers, and saves
 * only rax and rbx (r10 and r11 are free at a function's entry). It keys
 * the call as lt_hook_enter does, probes the thread's table without
 * wrapping (a table ends with an empty guard slot), and counts. Then:
 * a SAMPLE key whose countdown has not run out goes on to the real
 * function, a dropped one returns, a sample rule's dropped call and a
 * limit rule's call inside a full window return; anything else goes to
 * lt_tramp_rare with the slot (its low bits say what was done already),
 * and a key not found to lt_tramp, which looks again and wraps.
 * From reading the table until it is done with the slot a count path
 * holds lt_tls.counting up: a signal handler that logs a new key meanwhile
 * must not grow the table (the slot would be left behind, its count lost
 * and its ext computed from the new table's bias). lt_hook_rare takes the
 * count over and ends it. */
/* reg = the ext of the slot in rbx: the same index in the table's ext
 * array, whose entries are 8 slots long (clobbers r10) */
.macro LT_EXT_OF_RBX reg
	movq lt_tls@gottpoff(%rip), %r10
	movq %fs:LT_TLS_EXT_BIAS(%r10), \reg
	leaq (\reg,%rbx,8), \reg
.endm

.macro LT_COUNT_PATH label, name, level, lev16=0
	.p2align 4
	.type \label, @function
\label:
	.cfi_startproc
	.byte 0xf3, 0x0f, 0x1e, 0xfa	/* endbr64: a hook stub enters with jmp *LT_DESC_FAST */
\label\()_body:
	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbx, 0
	/* meta: the level, the entry's id (syslog: and its ident), the generation */
	.ifc \level,none
	movq LT_DESC_META(%r11), %rax
	.else
	.if \lev16
	movzwl %\level, %eax
	.else
	movl %\level, %eax
	.endif
	orq LT_DESC_META(%r11), %rax
	.endif
	orq lt_gen_key(%rip), %rax
	/* the hash of lt_key_hash, scaled to a slot's offset */
	.ifc \name,none
	movq 16(%rsp), %rbx
	.else
	movq %\name, %rbx
	shlq $16, %rbx
	xorq 16(%rsp), %rbx
	.endif
	addq %rax, %rbx
	imulq lt_hash_mul(%rip), %rbx
	shrq $26, %rbx
	movq lt_tls@gottpoff(%rip), %r10
	addl $1, %fs:LT_TLS_COUNTING(%r10)	/* no table may grow under us */
	andq %fs:LT_TLS_MASK6(%r10), %rbx
	addq %fs:LT_TLS_SLOTS(%r10), %rbx
	movq 16(%rsp), %r10		/* the caller's return address */
1:	cmpq %r10, (%rbx)
	jne 2f
	.ifc \name,none
	cmpq $0, LT_SLOT_NAME(%rbx)
	.else
	cmpq %\name, LT_SLOT_NAME(%rbx)
	.endif
	jne 2f
	cmpq %rax, LT_SLOT_META(%rbx)
	je lt_count_hit
2:	cmpq $0, (%rbx)
	je lt_count_miss
	addq $LT_SLOT_SIZE, %rbx
	jmp 1b
	.cfi_endproc
	.size \label, . - \label
.endm

/* lt_count_N_L: the name in argument N, the level in argument L (0-5;
 * 6: none) */
.macro LT_COUNT_PATHS_NAMED n, nreg
	LT_COUNT_PATH lt_count_\n\()_0, \nreg, edi
	LT_COUNT_PATH lt_count_\n\()_1, \nreg, esi
	LT_COUNT_PATH lt_count_\n\()_2, \nreg, edx
	LT_COUNT_PATH lt_count_\n\()_3, \nreg, ecx
	LT_COUNT_PATH lt_count_\n\()_4, \nreg, r8d
	LT_COUNT_PATH lt_count_\n\()_5, \nreg, r9d
	LT_COUNT_PATH lt_count_\n\()_6, \nreg, none
.endm
	LT_COUNT_PATHS_NAMED 0, rdi
	LT_COUNT_PATHS_NAMED 1, rsi
	LT_COUNT_PATHS_NAMED 2, rdx
	LT_COUNT_PATHS_NAMED 3, rcx
	LT_COUNT_PATHS_NAMED 4, r8
	LT_COUNT_PATHS_NAMED 5, r9
	LT_COUNT_PATHS_NAMED 6, none
/* syslog: no name argument, the level is the priority's low 16 bits (the
 * ident's number is in the descriptor's meta) */
	LT_COUNT_PATH lt_count_ident, none, di, 1

	/* A count path found the key's slot (rbx) and counted the call; rax
	 * and rbx wait on the stack. */
	.p2align 4
	.type lt_count_hit, @function
lt_count_hit:
	.cfi_startproc
	.cfi_adjust_cfa_offset 16
	.cfi_rel_offset rbx, 0
	addq $1, LT_SLOT_CALLS(%rbx)
#ifdef LT_DELIBERATE_SLOWDOWN
	/* only in the build that proves the CI guard catches a slower path */
	.rept LT_DELIBERATE_SLOWDOWN * 4
	nop
	.endr
#endif
	cmpl $LT_SA_SAMPLE, LT_SLOT_ACTION(%rbx)
	jne 3f
	movq lt_tls@gottpoff(%rip), %r10
	subq $1, %fs:LT_TLS_COUNTDOWN(%r10)
	jle 8f				/* time it, take its stack: the C path */
13:	subl $1, %fs:LT_TLS_COUNTING(%r10)	/* (r10: the TLS offset on every way here) */
	movq LT_DESC_REAL(%r11), %r11
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore rbx
	popq %rax
	.cfi_adjust_cfa_offset -8
	jmp *%r11
	.cfi_adjust_cfa_offset 16
	.cfi_rel_offset rbx, 0
3:	cmpl $LT_SA_DROP, LT_SLOT_ACTION(%rbx)
	jne 4f
5:	movq lt_tls@gottpoff(%rip), %r10
	subl $1, %fs:LT_TLS_COUNTING(%r10)
	movq LT_DESC_DROP(%r11), %rax
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore rbx
	addq $8, %rsp
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_adjust_cfa_offset 16
	.cfi_rel_offset rbx, 0
4:	cmpl $LT_SA_RULED_SAMPLE, LT_SLOT_ACTION(%rbx)
	jne 6f
	/* sample 1 in N: dropped until the count runs out */
	subl $1, LT_SLOT_RL_COUNT(%rbx)
	jne 5b
	/* kept: the count starts again, the key's ext counts it */
	movl LT_SLOT_RL_EVERY(%rbx), %eax
	movl %eax, LT_SLOT_RL_COUNT(%rbx)
	LT_EXT_OF_RBX %rax
	addq $1, LT_EXT_RL_KEPT(%rax)
	cmpl $LT_SA_SAMPLE, LT_EXT_RL_ACTION(%rax)
	jne 14f				/* then as its key says: the C path */
	/* then as any SAMPLE key */
19:	movq lt_tls@gottpoff(%rip), %r10
	subq $1, %fs:LT_TLS_COUNTDOWN(%r10)
	jg 13b
	leaq 4(%rbx), %r10		/* the countdown ran out: sample_fire */
	jmp 7f
14:	leaq 3(%rbx), %r10
	jmp 7f
6:	cmpl $LT_SA_RULED_LIMIT, LT_SLOT_ACTION(%rbx)
	jne 9f
	/* limit: dropped until the tick its full window ends */
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	cmpq LT_SLOT_RL(%rbx), %rax
	jb 15f
	/* The window keeps (or is over, or has no call left: C, ruled_limit,
	 * which starts the next). Its last call sets the tick to drop until. */
	LT_EXT_OF_RBX %rdx
	cmpq LT_EXT_RL_END(%rdx), %rax
	jae 16f
	cmpl $0, LT_EXT_RL_LEFT(%rdx)
	je 16f
	subl $1, LT_EXT_RL_LEFT(%rdx)
	jne 17f
	movq LT_EXT_RL_END(%rdx), %rax
	movq %rax, LT_SLOT_RL(%rbx)
17:	addq $1, LT_EXT_RL_KEPT(%rdx)
	cmpl $LT_SA_SAMPLE, LT_EXT_RL_ACTION(%rdx)
	popq %rdx			/* (keeps the flags) */
	.cfi_adjust_cfa_offset -8
	je 19b
	leaq 3(%rbx), %r10
	jmp 7f
	.cfi_adjust_cfa_offset 8
15:	popq %rdx
	.cfi_adjust_cfa_offset -8
	jmp 5b
	.cfi_adjust_cfa_offset 8
16:	popq %rdx
	.cfi_adjust_cfa_offset -8
	leaq 2(%rbx), %r10
	jmp 7f
9:	cmpl $LT_SA_TIME, LT_SLOT_ACTION(%rbx)
	jne 8f
	/* Time it: time_start's work (hotpath.c), then the trampoline's. A
	 * full shadow stack, or an entry left by longjmp on this stack slot,
	 * goes to C. */
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	.cfi_remember_state
	movq lt_tls@gottpoff(%rip), %r10
	movq %fs:LT_TLS_THR(%r10), %r10
	movl LT_THR_SDEPTH(%r10), %eax
	cmpl $LT_SHADOW_DEPTH, %eax
	jae 10f
	leaq 24(%rsp), %rcx		/* the return address's slot */
	shll $6, %eax
	leaq LT_THR_SHADOW(%r10,%rax), %rax	/* the entry */
	/* (with none below, this reads the field before the stack: a false
	 * match only sends the call to C, which looks properly) */
	cmpq %rcx, LT_SHADOW_SP - 64(%rax)
	je 10f
	addl $1, LT_THR_SDEPTH(%r10)	/* reserved before it is filled */
	movq %rcx, LT_SHADOW_SP(%rax)
	movq (%rcx), %rcx
	movq %rcx, LT_SHADOW_RET(%rax)
	movq %rbx, LT_SHADOW_SLOT(%rax)
	movl $0, LT_SHADOW_FIRST(%rax)
	movq LT_DESC_REAL(%r11), %r11
	movq %r11, LT_SHADOW_TARGET(%rax)
	LT_EXT_OF_RBX %rcx
	movq %rcx, LT_SHADOW_EXT(%rax)
	subl $1, %fs:LT_TLS_COUNTING(%r10)	/* the entry holds the slot: a grown table moves it */
	popq %rcx
	.cfi_adjust_cfa_offset -8
	/* The caller's rbx goes to the entry, which rbx then holds. */
	movq (%rsp), %r10
	movq %r10, LT_SHADOW_RBX(%rax)
	movq %rax, %rbx
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, LT_SHADOW_T0(%rbx)
	popq %rdx
	.cfi_adjust_cfa_offset -8
	movq 8(%rsp), %rax
	addq $24, %rsp			/* rbx's and rax's copies, the return address */
	.cfi_adjust_cfa_offset -24
	/* DW_CFA_expression rbx, [rbx + LT_SHADOW_RBX]; rip, [rbx + 0] */
	.cfi_escape 0x10, 0x03, 0x02, 0x73, LT_SHADOW_RBX
	.cfi_escape 0x10, 0x10, 0x02, 0x73, 0x00
	jmp lt_time_call
	.cfi_restore_state
10:	popq %rcx
	.cfi_adjust_cfa_offset -8
8:	movq %rbx, %r10			/* the rest: act on the slot's action */
7:	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore rbx
	popq %rax
	.cfi_adjust_cfa_offset -8
	jmp lt_tramp_rare
	.cfi_endproc
	.size lt_count_hit, . - lt_count_hit

	/* Not found: lt_tramp looks again (wrapping) or makes the key. */
	.p2align 4
	.type lt_count_miss, @function
lt_count_miss:
	.cfi_startproc
	.cfi_adjust_cfa_offset 16
	.cfi_rel_offset rbx, 0
	movq lt_tls@gottpoff(%rip), %r10	/* lt_hook_enter looks again */
	subl $1, %fs:LT_TLS_COUNTING(%r10)
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore rbx
	popq %rax
	.cfi_adjust_cfa_offset -8
	jmp lt_tramp
	.cfi_endproc
	.size lt_count_miss, . - lt_count_miss

	.section .data.rel.ro, "aw"
	.p2align 3
	.globl lt_count_paths
	.hidden lt_count_paths
	.type lt_count_paths, @object
lt_count_paths:			/* [name * 7 + level], 6 = none */
.irp n, 0, 1, 2, 3, 4, 5, 6
.irp l, 0, 1, 2, 3, 4, 5, 6
	.quad lt_count_\n\()_\l
.endr
.endr
	.size lt_count_paths, . - lt_count_paths

	.section .rodata
	.p2align 3
lt_hash_mul:			/* lt_key_hash's multiplier */
	.quad 0x9e3779b97f4a7c15
	.text

	/* The C path for a key the count path found: the frame as lt_tramp
	 * makes it, r10 the slot (and in its low bits what was done). */
	.p2align 4
	.type lt_tramp_rare, @function
lt_tramp_rare:
	.cfi_startproc
	LT_PUSH_ARGS
	movq %rsp, %rdi
	movq %r11, %rsi
	movq %r10, %rdx
	call lt_hook_rare
	jmp .Ldispatch
	.cfi_endproc
	.size lt_tramp_rare, . - lt_tramp_rare

	.p2align 4
	.globl lt_tramp
	.hidden lt_tramp
	.type lt_tramp, @function
lt_tramp:
	.cfi_startproc
	.byte 0xf3, 0x0f, 0x1e, 0xfa	/* endbr64: a descriptor's fast may name it */
	LT_PUSH_ARGS
	movq %rsp, %rdi
	movq %r11, %rsi
	call lt_hook_enter
.Ldispatch:
	testl %eax, %eax
	jne .Lnot_pass
	movq %rdx, %r11
	LT_POP_ARGS
	jmp *%r11
	.cfi_adjust_cfa_offset 56
.Lnot_pass:
	cmpl $1, %eax
	jne .Lnot_drop
	movq %rdx, %rax
	addq $56, %rsp
	.cfi_adjust_cfa_offset -56
	ret
	.cfi_adjust_cfa_offset 56
.Lnot_drop:
	cmpl $2, %eax
	jne .Lslow
	.cfi_endproc

	/* TIME: a region of its own, whose personality routine (unwind.c)
	 * frees the shadow entry when an exception or a thread's cancellation
	 * unwinds past it. rbx holds the entry across the call (the real
	 * function keeps it, as it must) and the caller's rbx waits in the entry,
	 * so the rules below find the caller's return address and rbx there:
	 * unwinders, debuggers and backtraces see the real caller. */
	.cfi_startproc
	.cfi_personality 0x1b, lt_unwind_personality
	.cfi_adjust_cfa_offset 56
	/* falls through from .Lnot_drop */
	movq %rbx, LT_SHADOW_RBX(%rdx)
	movq %rdx, %rbx
	/* DW_CFA_expression rbx, [rbx + LT_SHADOW_RBX] */
	.cfi_escape 0x10, 0x03, 0x02, 0x73, LT_SHADOW_RBX
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, LT_SHADOW_T0(%rbx)
	movq LT_SHADOW_TARGET(%rbx), %r11
	LT_POP_ARGS
	/* From here until the address is pushed back, the caller's return
	 * address lives only in the shadow entry (offset 0). */
	addq $8, %rsp
	.cfi_adjust_cfa_offset -8
	/* DW_CFA_expression rip, [rbx + 0] */
	.cfi_escape 0x10, 0x10, 0x02, 0x73, 0x00
	.globl lt_time_call
	.hidden lt_time_call
lt_time_call:			/* also entered from lt_count_hit, in this state */
	call *%r11
	.globl lt_tramp_timed_ret
	.hidden lt_tramp_timed_ret
lt_tramp_timed_ret:		/* the personality routine knows the call by this */
	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, %rsi		/* t1 */
	movq %rbx, %rdi		/* the entry */
	call lt_hook_exit	/* rax: the return address; rdx: the caller's rbx */
	.cfi_register rip, rax
	.cfi_register rbx, rdx
	movq %rax, %r11
	.cfi_register rip, r11
	movq %rdx, %rbx
	.cfi_restore rbx
	popq %rdx
	.cfi_adjust_cfa_offset -8
	popq %rax
	.cfi_adjust_cfa_offset -8
	pushq %r11
	.cfi_adjust_cfa_offset 8
	.cfi_restore rip
	ret
	.cfi_endproc

	/* Slow path: its own CFI region, with the full saved frame. It runs
	 * with cancellation disabled: what it calls (open, write) may be
	 * cancellation points, and its state (lt_tls.busy, locks) must not be
	 * left behind by an unwind. */
	.cfi_startproc
	.cfi_adjust_cfa_offset 56
.Lslow:
	/* A patched entry may be reached with rsp aligned any way (a caller
	 * that knows its callee needs no alignment may skip it); the hot path
	 * does not care, but the slow path calls libc: rsp is aligned here,
	 * the saved frame found through rbp. */
	pushq %rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbp, 0
	movq %rsp, %rbp
	.cfi_def_cfa_register rbp
	andq $-16, %rsp
	LT_SAVE_XMM 0
	subq $32, %rsp		/* 0: old cancel state; 8: action; 16, 24: the answer */
	movl %eax, 8(%rsp)
	movq %rdx, 16(%rsp)
	movl $1, %edi		/* PTHREAD_CANCEL_DISABLE */
	movq %rsp, %rsi
	call pthread_setcancelstate@PLT
	leaq 8(%rbp), %rdi
	movq 16(%rsp), %rsi
	cmpl $3, 8(%rsp)
	jne .Lstack
	call lt_slow_path
	jmp .Lrestore
.Lstack:
	call lt_stack_path
.Lrestore:
	movq %rax, 16(%rsp)
	movq %rdx, 24(%rsp)
	movl 0(%rsp), %edi
	xorl %esi, %esi
	call pthread_setcancelstate@PLT
	movq 16(%rsp), %rax
	movq 24(%rsp), %rdx
	addq $32, %rsp
	LT_RESTORE_XMM 0
	movq %rbp, %rsp
	.cfi_def_cfa_register rsp
	popq %rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore rbp
	jmp .Ldispatch
	.cfi_endproc
	.size lt_tramp, . - lt_tramp

/* Calibration: a private entry point and an empty target, used at start-up
 * to measure what the shim adds to a call in each mode. */
LT_ENTRY lt_calib_entry, lt_desc_calib, LT_ARGS_calib
	.hidden lt_calib_entry

	.globl lt_calib_target
	.hidden lt_calib_target
	.type lt_calib_target, @function
	.p2align 4
lt_calib_target:
	.cfi_startproc
	.byte 0xf3, 0x0f, 0x1e, 0xfa	/* endbr64: reached by the TIME path's call */
	ret
	.cfi_endproc
	.size lt_calib_target, . - lt_calib_target

/* The entry points logtax stands in for: one per name in common/ltx_entries.h. */
#define LT_ENTRY_OF(id, fam, sym) LT_ENTRY sym, lt_desc_##sym, LT_ARGS_##sym ;
LTX_ENTRIES(LT_ENTRY_OF)

/* Stand-ins for a real function whose library was unloaded (dlclose):
 * dlclose.c points a descriptor's `real` at its stand-in when no loaded
 * object defines the function any more, so the hot path never jumps into
 * unmapped memory. A call that reaches one (the library came back, maybe at
 * another address) finds the definition again and goes on to it. Stand-in
 * i belongs to lt_descs[i] (the same list, in the same order), 16 bytes each. */
#define LT_GONE_OF(id, fam, sym) \
	.byte 0xf3, 0x0f, 0x1e, 0xfa ; \
	leaq lt_desc_##sym(%rip), %r11 ; \
	.byte 0xe9 ; \
	.long lt_gone_tramp - . - 4 ;
	.p2align 4
	.globl lt_gone_stubs
	.hidden lt_gone_stubs
	.type lt_gone_stubs, @function
lt_gone_stubs:
	.cfi_startproc
LTX_ENTRIES(LT_GONE_OF)
	.cfi_endproc
	.size lt_gone_stubs, . - lt_gone_stubs

	/* At the entry of the function the caller meant (the trampoline has
	 * restored every register): keep the arguments and vector registers,
	 * find the definition, enter it. */
	.p2align 4
	.type lt_gone_tramp, @function
lt_gone_tramp:
	.cfi_startproc
	LT_PUSH_ARGS
	LT_SAVE_XMM
	movq %r11, %rdi
	call lt_gone_resolve
	movq %rax, %r11
	LT_RESTORE_XMM
	LT_POP_ARGS
	jmp *%r11
	.cfi_endproc
	.size lt_gone_tramp, . - lt_gone_tramp

/* User hooks (LOGTAX_HOOK): a pool of stubs, stub i passing lt_hook_descs[i].
 * Nothing refers to them by symbol: got.c points GOT entries at them.
 * Each is 16 bytes (endbr64, lea, jmp), so stub i is at lt_hook_stubs + 16 i. */
	.p2align 4
	.globl lt_hook_stubs
	.hidden lt_hook_stubs
	.type lt_hook_stubs, @function
lt_hook_stubs:
	.cfi_startproc
	.set lt_stub_i, 0
	.rept LTX_HOOK_STUBS
	.byte 0xf3, 0x0f, 0x1e, 0xfa	/* endbr64 */
	leaq lt_hook_descs + lt_stub_i * LT_DESC_SIZE(%rip), %r11
	.byte 0x41, 0xff, 0x63, LT_DESC_FAST	/* jmp *LT_DESC_FAST(%r11): a fixed size */
	nop
	.set lt_stub_i, lt_stub_i + 1
	.endr
	.cfi_endproc
	.size lt_hook_stubs, . - lt_hook_stubs
	.if (. - lt_hook_stubs) - LTX_HOOK_STUBS * LT_HOOK_STUB_SIZE
	.error "a hook stub is not 16 bytes"
	.endif

/* dlopen and dlmopen, so that hooks reach objects loaded later (and the
 * GOT of an object opened with RTLD_DEEPBIND is pointed back at the
 * entry points, see got.c). glibc finds
 * the calling object from dlopen's return address (its RPATH/RUNPATH and
 * $ORIGIN, and its namespace): a wrapper calling the real dlopen would turn
 * every caller into liblogtax. So lt_dl_enter finds a `ret` byte inside the
 * caller's own object, and the real function is entered with that address
 * as its return address and our continuation under it: it returns into the
 * caller's object, whose `ret` returns to lt_dl_back, which patches and
 * returns to the caller. With no hooks and no RTLD_DEEPBIND (or no such
 * byte) the real function is entered directly, as if nothing stood in
 * between. */
	.p2align 4
	.globl dlopen
	.type dlopen, @function
dlopen:
	.cfi_startproc
	.byte 0xf3, 0x0f, 0x1e, 0xfa
	xorl %r11d, %r11d
	jmp lt_dl_tramp
	.cfi_endproc
	.size dlopen, . - dlopen

	.p2align 4
	.globl dlmopen
	.type dlmopen, @function
dlmopen:
	.cfi_startproc
	.byte 0xf3, 0x0f, 0x1e, 0xfa
	movl $1, %r11d
	jmp lt_dl_tramp
	.cfi_endproc
	.size dlmopen, . - dlmopen

	.p2align 4
	.type lt_dl_tramp, @function
lt_dl_tramp:
	.cfi_startproc
	pushq %rdi
	.cfi_adjust_cfa_offset 8
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	pushq %r8
	.cfi_adjust_cfa_offset 8
	movq 40(%rsp), %rdi	/* the caller's return address */
	movq %r11, %rsi		/* 0 dlopen, 1 dlmopen */
	movq 24(%rsp), %rdx	/* dlopen's mode (its rsi) */
	movq 16(%rsp), %rcx	/* dlmopen's mode (its rdx) */
	/* A shadow stack would refuse the return into the caller's object:
	 * rdssp leaves rax at 0 unless one is active (it is a no-op then). */
	xorl %eax, %eax
	rdsspq %rax
	testq %rax, %rax
	jz 2f
	orq $2, %rsi		/* lt_dl_enter: no return through the caller's object */
2:	call lt_dl_enter	/* rax: the `ret` byte or 0; rdx: the real function */
	movq %rax, %r10
	movq %rdx, %r11
	popq %r8
	.cfi_adjust_cfa_offset -8
	popq %rcx
	.cfi_adjust_cfa_offset -8
	popq %rdx
	.cfi_adjust_cfa_offset -8
	popq %rsi
	.cfi_adjust_cfa_offset -8
	popq %rdi
	.cfi_adjust_cfa_offset -8
	testq %r10, %r10
	jz 1f
	leaq lt_dl_back(%rip), %rax
	pushq %rax
	pushq %r10
	/* No CFI describes this state: the real function's unwind ends here. */
1:	jmp *%r11
	.cfi_endproc
	.size lt_dl_tramp, . - lt_dl_tramp

	/* Reached from the `ret` in the caller's object: rsp points at the
	 * caller's return address, rax holds the result. */
	.p2align 4
	.type lt_dl_back, @function
lt_dl_back:
	.cfi_startproc
	pushq %rax
	.cfi_adjust_cfa_offset 8
	movq %rax, %rdi
	call lt_dl_after
	popq %rax
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_endproc
	.size lt_dl_back, . - lt_dl_back

#ifdef __CET__
	/* Linked without crtbeginS.o (see the top): this object's handle, for
	 * __register_atfork (init.c). */
	.section .data.rel.ro, "aw"
	.p2align 3
	.globl __dso_handle
	.hidden __dso_handle
	.type __dso_handle, @object
__dso_handle:
	.quad __dso_handle
	.size __dso_handle, 8

	/* NT_GNU_PROPERTY_TYPE_0: GNU_PROPERTY_X86_FEATURE_1_AND = __CET__
	 * (1 IBT, 2 SHSTK): what this file's code keeps to. */
	.section .note.gnu.property, "a"
	.p2align 3
	.long 4
	.long 16
	.long 5
	.asciz "GNU"
	.long 0xc0000002
	.long 4
	.long __CET__
	.p2align 3
#endif

	.section .note.GNU-stack, "", @progbits
