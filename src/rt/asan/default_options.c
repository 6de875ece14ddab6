/* SPDX-License-Identifier: MIT */
/*
 * Built only into libnetmem-preload.asan.so (the rt_*.asan tests): the
 * options that library needs wherever it is loaded, environment or not
 * (sudo and env -i clear ASAN_OPTIONS, and the runtime puts only its own
 * variables back).  It brings the ASan runtime in as its own dependency,
 * behind the program in the library list, which ASan accepts with
 * verify_asan_link_order=0; leaks at exit are the programs' (python3's,
 * ethtool's), not the runtime's, so they are not checked there.
 */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "verify_asan_link_order=0:detect_leaks=0";
}
