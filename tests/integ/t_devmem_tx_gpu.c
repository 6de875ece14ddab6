/* SPDX-License-Identifier: MIT */
/*
 * devmem TX from GPU memory: a device-memory dma-buf of a GPU on the NIC's
 * PCIe switch (peer-to-peer), bound for TX.  Device memory is PROT_NONE
 * outside CPU-access windows, so had the stack read the payload (to copy
 * or checksum it) the test would die of SIGSEGV: the NIC's DMA reads it
 * straight onto the wire.  32 MiB from random offsets arrive byte-exact at a
 * copy-path receiver, with every completion.  A connection over a netdev
 * without TX checksum offload is refused (-EOPNOTSUPP).
 */
#include "t_devmem.h"

/* t_net_up() with a GPU beside the NICs. */
static void net_up_gpu(struct t_net *n, struct nm_device **gpu)
{
	t_net_up_topo(n, NULL, "rc0(p2p) { sw0 { nic0 nic1 gpu0(mem=256M) } }");
	T_OK(nm_topo_get_device(n->topo, "gpu0", gpu));
}

int main(void)
{
	const uint64_t size = 16u << 20;
	struct t_net n;
	struct nm_device *gpu;
	struct t_dtx d;
	struct t_run r = { .total = 32ull << 20, .seed = 5, .timeout_ms = 60000 };
	struct nm_tcp_zc_stats zs;
	uint8_t *shadow, *w;
	int lsd, csd, ssd, one = 1;

	net_up_gpu(&n, &gpu);
	/* the dma-buf in GPU memory, written through a CPU window; d.va is a
	 * host shadow the checks compare against */
	memset(&d, 0, sizeof(d));
	d.size = size;
	d.memfd = -1;
	T_OK(nm_dmabuf_create_device(gpu, size, &d.buf));
	shadow = malloc(size);
	T_ASSERT(shadow);
	for (uint64_t i = 0; i < size; i++)
		shadow[i] = t_dtx_byte(i * 3 + 1);
	T_OK(nm_dmabuf_begin_cpu_access(d.buf, 0, size, NM_DMA_TO_DEVICE, (void **)&w));
	memcpy(w, shadow, size);
	T_OK(nm_dmabuf_end_cpu_access(d.buf, 0, size, NM_DMA_TO_DEVICE));
	d.va = shadow;
	T_OK(nm_ctl_open(&d.ctl));
	T_OK(nm_ctl_bind_tx(d.ctl, nm_netdev_ifindex(n.nda), d.buf, &d.id));

	lsd = t_listen(n.sb, AF_INET, 7700, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7700, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	t_dtx_run(&n, &d, csd, ssd, &r);
	zs = t_dtx_stats(n.sa, csd);
	printf("32 MiB from GPU memory in %.2f s: %u ids in %u notifications, %llu device "
	       "segments\n", (double)r.us / 1e6, r.ids, r.notes, (unsigned long long)zs.dev_segs);
	T_EQ(r.dev_bytes, r.total);
	T_EQ(zs.next_id, r.ids);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));

	/* no TX checksum offload: refused before anything is queued */
	T_OK(nm_netdev_set_features(n.nda, NM_NETIF_F_HW_CSUM | NM_NETIF_F_TSO | NM_NETIF_F_TSO6,
				    0));
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7700, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	T_ERR(t_dtx_send(csd, d.id, 8, 1000, 0), -EOPNOTSUPP);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	T_EQ(t_dtx_wait_refs(&n, &d, 5000), 0);

	T_OK(nm_ctl_close(d.ctl));
	nm_dmabuf_put(d.buf);
	free(shadow);
	t_net_down(&n);
	T_PASS();
}
