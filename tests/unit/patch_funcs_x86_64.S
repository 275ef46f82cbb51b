/* Functions for test_patch.c, each written to put one kind of first
 * instruction (or one reason to refuse) at its entry. Each is aligned and
 * followed by int3 padding, so nothing falls through into a neighbour. */

	.text

.macro FUNC name
	.globl \name
	.type \name, @function
	.p2align 4
\name:
.endm
.macro END name
	.globl \name\()_end
\name\()_end:
	.size \name, . - \name
	.byte 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc
.endm

/* x + 1, with a frame: push/mov cover the 5 bytes */
FUNC tf_plain
	pushq %rbp
	movq %rsp, %rbp
	leaq 1(%rdi), %rax
	popq %rbp
	ret
END tf_plain

/* endbr64 first; then x * 2 */
FUNC tf_endbr
	.byte 0xf3, 0x0f, 0x1e, 0xfa
	movq %rdi, %rax
	addq %rdi, %rax
	nop
	ret
END tf_endbr

/* a RIP-relative load first: tf_data + x */
FUNC tf_riprel
	movq tf_data(%rip), %rax
	addq %rdi, %rax
	ret
END tf_riprel

/* a short jcc in the first 5 bytes: x == 0 ? 100 : 200 */
FUNC tf_jcc
	testq %rdi, %rdi
	je 1f
	movl $200, %eax
	ret
1:	movl $100, %eax
	ret
END tf_jcc

/* a call first: tf_plain(x) + 10 */
FUNC tf_call
	subq $8, %rsp
	call tf_plain
	addq $8, %rsp
	addq $10, %rax
	ret
END tf_call

/* a tail call: the whole function is one jmp rel32 */
FUNC tf_tail
	jmp tf_plain
	.p2align 3, 0xcc
END tf_tail

/* a loop back into its first bytes: counts x up to 10 */
FUNC tf_branchin
	movq %rdi, %rax
1:	addq $1, %rax
	cmpq $10, %rax
	jl 1b
	ret
END tf_branchin

/* 3 bytes */
FUNC tf_short
	movl %edi, %eax
	ret
END tf_short

/* jrcxz in the first bytes: no long form */
FUNC tf_jrcxz
	movq %rdi, %rcx
	jrcxz 1f
	movq %rdi, %rax
1:	ret
END tf_jrcxz

/* The threaded test's function: returns x + 1 and counts its own runs.
 * Two instructions are replaced (a thread may stop between them). */
FUNC tf_spin
	movq %rdi, %rax
	addq $1, %rax
	lock incq tf_spin_runs(%rip)
	ret
END tf_spin

/* A syscall first (the caller sets rax): a thread asleep in it is
 * stopped between the replaced instructions, at +2. Returns 7. */
FUNC tf_wait
	syscall
	nop
	nop
	nop
	movl $7, %eax
	ret
END tf_wait

	.data
	.p2align 3
	.globl tf_data
tf_data:
	.quad 1000
	.globl tf_spin_runs
tf_spin_runs:
	.quad 0

	.section .note.GNU-stack, "", @progbits
