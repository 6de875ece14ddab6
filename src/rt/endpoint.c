/* SPDX-License-Identifier: MIT */
/* placeholder */
#include "rt/rt_internal.h"

bool rt_nic_here(void)
{
	return true;
}

int rt_endpoint_call(unsigned long req, void *buf, size_t in, size_t cap, size_t *out)
{
	(void)req; (void)buf; (void)in; (void)cap;
	*out = 0;
	return -ENODEV;
}
