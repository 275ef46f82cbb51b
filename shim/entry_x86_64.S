/* Entry trampolines for x86-64 (System V ABI).
 *
 * Each exported entry point loads its descriptor into r11 (a scratch
 * register free at function entry) and jumps to lt_tramp. lt_tramp saves the
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

#define LT_SHADOW_T0 24		/* offsets in struct lt_shadow (shim/state.h) */
#define LT_DESC_SIZE 96		/* sizeof(struct lt_desc) (checked in entries.c) */
#define LT_HOOK_STUB_SIZE 16
#define LT_SHADOW_TARGET 32
#define LT_SHADOW_RBX 56

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

.macro LT_ENTRY name, desc
	.globl \name
	.type \name, @function
	.p2align 4
\name:
	.cfi_startproc
	.byte 0xf3, 0x0f, 0x1e, 0xfa	/* endbr64 */
	leaq \desc(%rip), %r11
	jmp lt_tramp
	.cfi_endproc
	.size \name, . - \name
.endm

	.p2align 4
	.type lt_tramp, @function
lt_tramp:
	.cfi_startproc
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
LT_ENTRY lt_calib_entry, lt_desc_calib
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
#define LT_ENTRY_OF(id, fam, sym) LT_ENTRY sym, lt_desc_##sym ;
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
	.byte 0xe9			/* jmp rel32: a fixed size */
	.long lt_tramp - . - 4
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
