/* SPDX-License-Identifier: MIT */
/*
 * NIC benchmarks over the shm wire: device memory held per payload byte
 * when the application holds every received packet (MTU 1500 and 9000,
 * payloads packed into 4 KiB net_iovs), and RX throughput through header
 * split into device memory against the same frames into host pages.
 */
#include <string.h>

#include "bench.h"
#include "t_net.h"
#include "nic/netdev_drv.h"
#include "pool/memory_provider.h"
#include <netmem/dmabuf.h>

static void die(const char *what)
{
	fprintf(stderr, "bench_nic: %s: %s\n", what, nm_last_error());
	exit(1);
}

/* Receive n frames of payload bytes into queue 0; keep them all. */
static void fill(struct t_nic *t, uint32_t payload, uint32_t n, struct nm_rx_pkt *held)
{
	static uint8_t frame[10000];
	struct t_flow f;
	uint32_t got = 0;

	t_flow_v4(&f, 0xc6120001, 0xc6120002, 1, 2);
	for (uint32_t i = 0; i < n; i++) {
		f.seq = i * payload;
		uint32_t len = t_flow_frame(frame, &f, payload, 12);
		if (t_wire_send(t->b, frame, len, NULL))
			die("send");
		if ((i & 63) == 63 || i == n - 1) {
			nm_netdev_poll(t->nd, 64);
			int k;
			while ((k = nm_netdev_rx_poll(t->nd, 0, held + got, n - got)) > 0)
				got += (uint32_t)k;
		}
	}
	if (got != n)
		die("frames lost");
}

static void held_per_byte(uint32_t mtu)
{
	struct t_nic t;
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	uint32_t payload = mtu - 20 - 32, n = (64u << 20) / mtu;
	struct nm_rx_pkt *held = calloc(n, sizeof(*held));

	t_nic_up(&t, 1, mtu, false);
	struct nm_ringparam rp;
	nm_netdev_get_ringparam(t.nd, &rp);
	rp.rx = 1024;
	nm_netdev_set_ringparam(t.nd, &rp);
	if (!held || nm_dmabuf_create_device(t.gpu, 256u << 20, &buf) ||
	    nm_dmabuf_binding_create(buf, t.nic, NM_DMA_FROM_DEVICE, 4096, &b) ||
	    nm_netdev_rxq_bind_dmabuf(t.nd, 0, b))
		die("setup");
	fill(&t, payload, n, held);
	/* net_iovs out of the binding: held by packets, posted in the ring */
	uint64_t out = nm_dmabuf_binding_num_niovs(b) - nm_dmabuf_binding_avail(b);
	uint64_t posted = rp.rx;
	double ratio = (double)((out - posted) * 4096) / ((double)n * payload);
	char metric[64];
	snprintf(metric, sizeof(metric), "devmem_held_per_payload_byte_mtu%u", mtu);
	nm_bench_emit("nic", metric, ratio, "bytes/byte", -1, 0);
	for (uint32_t i = 0; i < n; i++)
		nm_rx_pkt_release(&held[i]);
	nm_netdev_rxq_set_provider(t.nd, 0, NULL, NULL);
	nm_dmabuf_binding_unbind(b);
	nm_dmabuf_put(buf);
	t_nic_down(&t);
	free(held);
}

/* Frames per second through poll + rx_poll + release, device vs host. */
static double rx_rate(bool dev, uint32_t payload)
{
	static uint8_t frame[10000];
	struct t_nic t;
	struct nm_dmabuf *buf = NULL;
	struct nm_dmabuf_binding *b = NULL;
	struct t_flow f;
	struct nm_rx_pkt pk[64];
	uint64_t frames = nm_bench_quick() ? 100000 : 1000000, done = 0, ns = 0;

	t_nic_up(&t, 1, 9000, false);
	if (dev && (nm_dmabuf_create_device(t.gpu, 64u << 20, &buf) ||
		    nm_dmabuf_binding_create(buf, t.nic, NM_DMA_FROM_DEVICE, 4096, &b) ||
		    nm_netdev_rxq_bind_dmabuf(t.nd, 0, b)))
		die("setup");
	t_flow_v4(&f, 0xc6120001, 0xc6120002, 1, 2);
	uint32_t len = t_flow_frame(frame, &f, payload, 12);
	while (done < frames) {
		for (int i = 0; i < 64; i++)
			if (t_wire_send(t.b, frame, len, NULL))
				die("send");
		uint64_t t0 = t_now_ns();
		nm_netdev_poll(t.nd, 64);
		int k = nm_netdev_rx_poll(t.nd, 0, pk, 64);
		for (int i = 0; i < k; i++)
			nm_rx_pkt_release(&pk[i]);
		ns += t_now_ns() - t0;
		done += (uint64_t)k;
		if (k != 64)
			die("frames lost");
	}
	if (dev) {
		nm_netdev_rxq_set_provider(t.nd, 0, NULL, NULL);
		nm_dmabuf_binding_unbind(b);
		nm_dmabuf_put(buf);
	}
	t_nic_down(&t);
	return (double)done / ((double)ns / 1e9) / 1e6;
}

int main(void)
{
	held_per_byte(1500);
	held_per_byte(9000);
	uint32_t sizes[] = { 1448, 8948 };
	for (int i = 0; i < 2; i++) {
		double d = rx_rate(true, sizes[i]), h = rx_rate(false, sizes[i]);
		char metric[64];

		snprintf(metric, sizeof(metric), "rx_hds_devmem_%ub", sizes[i]);
		nm_bench_emit("nic", metric, d, "Mframes/s", h, d / h);
	}
	return 0;
}
