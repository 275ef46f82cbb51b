/* librefuse.so: two functions whose entries cannot be patched safely, each
 * called from refuse-demo through the PLT (so GOT patching, the fallback,
 * counts every call).
 *
 * ref_branchin(n): loops n times, returns n (n >= 1). Its loop branches
 * back to offset 2, inside the 5 bytes a jmp rel32 would overwrite: a
 * patched entry would send the loop into the middle of the jump.
 * It counts the times its body ran; ref_branchin_bodies() returns that.
 *
 * ref_short(n): returns n, in 3 bytes (mov, ret); the next function starts
 * right after it, so 5 bytes cannot be written without breaking that one.
 *
 * ref_nosize(n): returns n + 2, with no symbol size (no .size) and no
 * .eh_frame entry: its end is unknown, so its body cannot be checked.
 * Never called (a hook naming it is refused: tests/e2e/t-hook-targets.sh).
 *
 * No endbr64: the bytes at the entry are exactly the ones described. */
	.text
	.globl	ref_branchin
	.type	ref_branchin, @function
	.p2align 4
ref_branchin:
	xorl	%eax, %eax		/* 31 c0: offset 0 */
1:	addl	$1, %eax		/* 83 c0 01: offset 2, the loop's target */
	cmpl	%edi, %eax		/* 39 f8 */
	jl	1b			/* 7c f9: back into the first 5 bytes */
	lock incq .Lbody(%rip)	/* local: not copied into the program */
	ret
	.size	ref_branchin, .-ref_branchin

	.globl	ref_short
	.type	ref_short, @function
	.p2align 4
ref_short:
	movl	%edi, %eax		/* 89 f8 */
	ret				/* c3 */
	.size	ref_short, .-ref_short
	/* Right after it, with no padding: ref_after. */
	.globl	ref_after
	.type	ref_after, @function
ref_after:
	leal	1(%rdi), %eax
	ret
	.size	ref_after, .-ref_after

	.globl	ref_branchin_bodies
	.type	ref_branchin_bodies, @function
	.p2align 4
ref_branchin_bodies:
	movq	.Lbody(%rip), %rax
	ret
	.size	ref_branchin_bodies, .-ref_branchin_bodies

	.globl	ref_nosize
	.type	ref_nosize, @function
	.p2align 4
ref_nosize:
	leal	2(%rdi), %eax
	nop
	nop
	nop
	nop
	ret
	/* no .size */

	.data
	.p2align 3
.Lbody:
	.quad	0

	.section .note.GNU-stack, "", @progbits
