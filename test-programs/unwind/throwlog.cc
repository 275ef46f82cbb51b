// libthrowlog.so: a program's own logging function, written in C++, that
// throws. Nothing in logtax knows it:  --hook 'throw_log:name=1:level=2'
#include <stdexcept>
#include <string>

extern "C" int throw_log(const char *category, int level, int n);

// Returns n + 1; at level 3 or more it throws instead, with n in the message.
extern "C" int throw_log(const char *category, int level, int n)
{
	if (level >= 3)
		throw std::runtime_error(std::string(category) + ":" + std::to_string(n));
	return n + 1;
}
