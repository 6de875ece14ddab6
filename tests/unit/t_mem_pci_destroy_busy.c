/* nm_topo_destroy() refuses with -EBUSY, and frees nothing, while any device
 * still has users; once the last reference is dropped it succeeds. */
#include <netmem/pci.h>

#include "mem/mem_internal.h"
#include "t_util.h"

int main(void)
{
	struct nm_topo *t;
	struct nm_device *nic0, *gpu1, *d;
	enum nm_p2p_map_type type;

	T_OK(nm_topo_create("rc0(p2p) { sw0 { nic0 gpu0(mem=64K) } gpu1(mem=1M) }", &t));
	T_OK(nm_topo_get_device(t, "nic0", &nic0));
	T_OK(nm_topo_get_device(t, "gpu1", &gpu1));

	/* The last device busy: every device is checked before any is freed
	 * (ASan would catch a use of a freed first device below). */
	nm_device_ref(gpu1);
	T_ERR(nm_topo_destroy(t), -EBUSY);
	T_ASSERT(strstr(nm_last_error(), "gpu1"));
	T_EQ(nm_topo_num_devices(t), 3);
	T_OK(nm_topo_get_device(t, "nic0", &d));
	T_ASSERT(d == nic0);
	T_EQ(nm_p2p_distance(nic0, gpu1, &type), 3);
	T_EQ(type, NM_P2P_MAP_THRU_HOST_BRIDGE);

	/* Two users of the first device, one of the last. */
	nm_device_ref(nic0);
	nm_device_ref(nic0);
	T_ERR(nm_topo_destroy(t), -EBUSY);
	T_ASSERT(strstr(nm_last_error(), "nic0"));
	nm_device_unref(gpu1);
	T_ERR(nm_topo_destroy(t), -EBUSY);
	nm_device_unref(nic0);
	T_ERR(nm_topo_destroy(t), -EBUSY);
	nm_device_unref(nic0);
	T_OK(nm_topo_destroy(t));
	T_PASS();
}
