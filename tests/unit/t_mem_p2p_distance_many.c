/* nm_p2p_distance_many(): the sum of the distances to every client, or
 * -EREMOTEIO naming the first client that cannot do P2P with the provider;
 * argument errors are -EINVAL. */
#include <netmem/pci.h>

#include "mem/mem_internal.h"
#include "t_util.h"

static struct nm_device *dev(struct nm_topo *t, const char *name)
{
	struct nm_device *d;

	T_OK(nm_topo_get_device(t, name, &d));
	return d;
}

int main(void)
{
	struct nm_topo *t, *t2;
	struct nm_device *gpu0, *nic0, *gpu1, *nic1, *nic2, *nic3, *other;

	T_OK(nm_topo_create("rc0(p2p) { sw0 { nic0 gpu0(mem=1G) } sw1(acs) { nic1 gpu1(mem=1G) } } "
			    "rc1 { sw2 { nic2 gpu2(mem=1G) } nic3 }", &t));
	gpu0 = dev(t, "gpu0");
	nic0 = dev(t, "nic0");
	gpu1 = dev(t, "gpu1");
	nic1 = dev(t, "nic1");
	nic2 = dev(t, "nic2");
	nic3 = dev(t, "nic3");

	{
		struct nm_device *c[] = { nic0 };
		T_EQ(nm_p2p_distance_many(gpu0, c, 1), 2);
	}
	{
		struct nm_device *c[] = { nic0, gpu0 };
		T_EQ(nm_p2p_distance_many(gpu0, c, 2), 2);
	}
	{	/* BUS_ADDR and THRU_HOST_BRIDGE clients both count */
		struct nm_device *c[] = { nic0, nic1, gpu1 };
		T_EQ(nm_p2p_distance_many(gpu0, c, 3), 2 + 4 + 4);
	}
	{	/* ACS redirect inside sw1 is still usable through rc0 */
		struct nm_device *c[] = { nic1 };
		T_EQ(nm_p2p_distance_many(gpu1, c, 1), 2);
	}
	{	/* one unusable client spoils the set, and is named */
		struct nm_device *c[] = { nic0, nic2, nic1 };
		T_ERR(nm_p2p_distance_many(gpu0, c, 3), -EREMOTEIO);
		T_ASSERT(strstr(nm_last_error(), "nic2"));
	}
	{
		struct nm_device *c[] = { nic3 };
		T_ERR(nm_p2p_distance_many(dev(t, "gpu2"), c, 1), -EREMOTEIO);
		T_ASSERT(strstr(nm_last_error(), "nic3"));
	}
	{	/* argument errors */
		struct nm_device *c[] = { nic0, NULL };
		T_ERR(nm_p2p_distance_many(gpu0, NULL, 1), -EINVAL);
		T_ERR(nm_p2p_distance_many(gpu0, c, 0), -EINVAL);
		T_ERR(nm_p2p_distance_many(NULL, c, 1), -EINVAL);
		T_ERR(nm_p2p_distance_many(gpu0, c, 2), -EINVAL);
	}
	{	/* a client from another topology */
		T_OK(nm_topo_create_default(&t2));
		other = dev(t2, "nic0");
		struct nm_device *c[] = { nic0, other };
		T_ERR(nm_p2p_distance_many(gpu0, c, 2), -EINVAL);
		T_OK(nm_topo_destroy(t2));
	}
	T_OK(nm_topo_destroy(t));
	T_PASS();
}
