/* When a device cannot be initialised (here: the physical map runs out of
 * BAR regions), nm_topo_create() fails with that device's error and rolls
 * back every device it had already built: the regions come back, so the
 * largest topology that fitted before fits again, repeatedly, and ASan sees
 * no leak. */
#include <netmem/pci.h>

#include "mem/mem_internal.h"
#include "t_util.h"

static char buf[8192];

/* One root complex with n endpoints that each own a BAR. */
static const char *bars(int n)
{
	size_t len = (size_t)snprintf(buf, sizeof(buf), "r(p2p) { s {");

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " e%d(mem=64K)", i);
	snprintf(buf + len, sizeof(buf) - len, " } nic }");
	return buf;
}

int main(void)
{
	struct nm_topo *t, *hold;
	int cap = 0, r = 0;
	char name[16];

	/* Find how many BARs fit. */
	for (int n = 1; n <= 250; n++) {
		r = nm_topo_create(bars(n), &t);
		if (r < 0)
			break;
		T_OK(nm_topo_destroy(t));
		cap = n;
	}
	if (r == 0) {
		printf("SKIP: 250 device regions fit, cannot exhaust the physical map\n");
		return T_SKIP;
	}
	T_ASSERT(cap >= 1);
	T_ASSERT(r != -EINVAL);	/* not a parse error */

	for (int round = 0; round < 3; round++) {
		t = (struct nm_topo *)&t;
		nm_clear_error();
		r = nm_topo_create(bars(cap + 1), &t);
		T_ASSERT(r < 0 && r != -EINVAL);
		T_ASSERT(t == NULL);
		/* The message names the device that did not fit. */
		snprintf(name, sizeof(name), "'e%d'", cap);
		if (!strstr(nm_last_error(), name))
			T_FAIL("message '%s' lacks %s", nm_last_error(), name);
		/* Everything built before it was undone. */
		T_OK(nm_topo_create(bars(cap), &t));
		T_OK(nm_topo_destroy(t));
	}

	/* Regions are shared by all topologies: holding one leaves one fewer. */
	T_OK(nm_topo_create("q { g(mem=4K) }", &hold));
	T_ASSERT(nm_topo_create(bars(cap), &t) < 0);
	T_OK(nm_topo_create(bars(cap - 1), &t));
	T_OK(nm_topo_destroy(t));
	T_OK(nm_topo_destroy(hold));
	T_OK(nm_topo_create(bars(cap), &t));
	T_OK(nm_topo_destroy(t));
	T_PASS();
}
