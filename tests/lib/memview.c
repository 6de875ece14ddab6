/* SPDX-License-Identifier: MIT */
/*
 * What a CPU view of memory allows, seen from outside the library: the
 * permissions the kernel gives its mapping (/proc/self/maps), and mem/'s
 * checking mode for the tests whose point is a fault (t_util.h).
 */
#include <stdlib.h>

#include "t_util.h"
#include "mem/mem_internal.h"

void t_map_perms(const void *p, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi, a = (unsigned long)p;
	char line[512], pr[5];
	bool found = false;

	T_ASSERT(f);
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, pr) == 3 && lo <= a && a < hi) {
			memcpy(perms, pr, 5);
			found = true;
		}
	fclose(f);
	if (!found)
		T_FAIL("%p is in no mapping of /proc/self/maps", p);
}

void t_mem_check_mode(void)
{
	setenv("NM_MEM_CHECK", "1", 1);
	if (!nm_mem_checking())
		T_FAIL("mem/'s checking mode was read off before this test asked for it");
}
