// A C++ program whose logging function throws (libthrowlog.so), caught two
// or more frames up, ROUNDS times; between them calls that return normally. Its
// output depends on every result and every exception, so a run under logtax
// can be compared with a plain one:
//   throw-demo ROUNDS
//   -> "throw-demo: caught=N sum=S messages=M"
//      "throw-demo: calls entry=throw_log source=... level=... count=N" lines
// A dropped call returns 0 and throws nothing: caught and sum tell.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

extern "C" int throw_log(const char *category, int level, int n);

static unsigned long messages;

// The throwing call is made d frames further down (d from 0 to 79): a
// call left by an exception must not hold on to what the shim keeps per
// call, or calls after it from elsewhere go untimed.
__attribute__((noinline)) static int deeper(int i, int d)
{
	volatile int here = d; // read after the call: a real frame per level, no loop
	if (d > 0) {
		int r = deeper(i, d - 1);
		return r + here - d + 1;
	}
	int r = throw_log("fail", 3, i);
	return r + here;
}

__attribute__((noinline)) static int one_up(int i)
{
	// callee-saved registers live across the call: a wrong rbx shows here
	volatile int keep = i * 3;
	int r = deeper(i, i % 80);
	return r + keep;
}

__attribute__((noinline)) static int two_up(int i)
{
	std::string s = "frame " + std::to_string(i); // a destructor runs in the unwind
	int r = one_up(i);
	return r + (int)s.size();
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10000;
	long sum = 0;
	int caught = 0;
	for (int i = 0; i < rounds; i++) {
		sum += throw_log("ok", 1, i);
		try {
			sum += two_up(i);
		} catch (const std::runtime_error &e) {
			caught++;
			messages += std::string(e.what()) == "fail:" + std::to_string(i);
		}
	}
	printf("throw-demo: caught=%d sum=%ld messages=%lu\n", caught, sum, messages);
	printf("throw-demo: calls entry=throw_log source=ok level=1 level_name=? count=%d\n", rounds);
	printf("throw-demo: calls entry=throw_log source=fail level=3 level_name=? count=%d\n", rounds);
	return 0;
}
