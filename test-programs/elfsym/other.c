/* The second static dup_fn of elfsym-demo. */
int dup_fn_other(int x);

__attribute__((noinline)) static int dup_fn(int x)
{
	return x * 5 + 1;
}

int dup_fn_other(int x)
{
	return dup_fn(x) + 2;
}
