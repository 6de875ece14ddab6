/* nm_topo_create_default() builds "rc0(p2p) { sw0 { nic0 gpu0(mem=16G) } }":
 * a NIC and a 16 GiB GPU behind one switch, reachable by bus address. */
#include <netmem/pci.h>

#include "mem/mem_internal.h"
#include "t_util.h"

static void check(struct nm_topo *t)
{
	struct nm_device *nic, *gpu;
	enum nm_p2p_map_type type;

	T_EQ(nm_topo_num_devices(t), 2);
	T_OK(nm_topo_get_device_at(t, 0, &nic));
	T_OK(nm_topo_get_device_at(t, 1, &gpu));
	T_ASSERT(strcmp(nm_device_name(nic), "nic0") == 0);
	T_ASSERT(strcmp(nm_device_name(gpu), "gpu0") == 0);
	T_EQ(nm_device_mem_size(nic), 0);
	T_EQ(nm_device_mem_size(gpu), 16ULL << 30);
	T_ASSERT(nm_device_has_iommu(nic));
	T_ASSERT(nm_device_has_iommu(gpu));
	T_EQ(gpu->node->parent->kind, NM_PCI_SWITCH);
	T_ASSERT(strcmp(gpu->node->parent->name, "sw0") == 0);
	T_EQ(gpu->node->parent->parent->kind, NM_PCI_RC);
	T_EQ(gpu->node->parent->parent->flags, NM_PCI_F_HOST_P2P);
	T_EQ(nm_p2p_distance(gpu, nic, &type), 2);
	T_EQ(type, NM_P2P_MAP_BUS_ADDR);
}

int main(void)
{
	struct nm_topo *a, *b;

	T_ERR(nm_topo_create_default(NULL), -EINVAL);
	/* Two instances side by side are independent. */
	T_OK(nm_topo_create_default(&a));
	T_OK(nm_topo_create_default(&b));
	T_ASSERT(a != b);
	check(a);
	check(b);
	T_OK(nm_topo_destroy(a));
	check(b);
	T_OK(nm_topo_destroy(b));
	T_PASS();
}
