/* bind-rx of device memory the NIC cannot reach (a root complex that does
 * not forward peer-to-peer) is -EREMOTEIO and installs nothing. */
#include "t_util.h"
#include "nic/netdev_drv.h"
#include <netmem/ctl.h>
#include <netmem/dmabuf.h>
#include <netmem/netdev.h>
#include <netmem/pci.h>

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_wire *a, *b;
	struct nm_netdev *nd;
	struct nm_dmabuf *buf;
	struct nm_ctl *c;
	struct nm_wire_shm_params wp = { 0 };
	uint32_t id;

	T_OK(nm_topo_create("rc0 { nic0 } rc1 { gpu0(mem=64M) }", &topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	T_OK(nm_topo_get_device(topo, "gpu0", &gpu));
	T_OK(nm_wire_shm_pair(&wp, &a, &b));
	struct nm_netdev_params np = { .dev = nic, .wire = a, .rx_ring = 64 };
	T_OK(nm_netdev_create(&np, &nd));
	T_OK(nm_dmabuf_create_device(gpu, 1 << 20, &buf));
	T_OK(nm_ctl_open(&c));
	struct nm_queue_id q = { 0, NETDEV_QUEUE_TYPE_RX };
	T_ERR(nm_ctl_bind_rx(c, nm_netdev_ifindex(nd), buf, &q, 1, &id), -EREMOTEIO);
	T_ASSERT(nm_netdev_rxq_provider(nd, 0, NULL) == NULL);
	T_OK(nm_ctl_close(c));
	nm_dmabuf_put(buf);
	T_OK(nm_netdev_destroy(nd));
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
