/* libdlpad.so: only takes address space, so that the plugin's second load
 * lands elsewhere than its first. */
char dlpad_space[4 << 20] = { 1 };
