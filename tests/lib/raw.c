/* SPDX-License-Identifier: MIT */
/*
 * One host whose peer the test plays by hand, and a netdev alone (t_net.h):
 * the set-ups of the single-stack net/ tests and of the NIC tests, with
 * the peer end of the shm wire left to the test.  The NIC tests' netdev
 * is no host (nm_host belongs to net/, above the NIC they test): they
 * create and destroy it themselves as often as not.
 */
#include <arpa/inet.h>

#include "t_net.h"

static const struct nm_wire_shm_params raw_wire = { .ring_entries = 4096,
						     .arena_bytes = 32 << 20 };

void t_raw_link(struct t_raw *r, uint32_t flags)
{
	struct nm_host_params hp = {
		.netdev = { .name = "nm0", .rx_ring = 256, .tx_ring = 256 },
		.stack = { .flags = flags },
		.iface = { .addr4 = "198.18.0.2/24", .addr6 = "2001:2::2/64" },
		.flags = NM_HOST_LINK_ONLY,
	};

	memset(r, 0, sizeof(*r));
	T_OK(nm_topo_create_default(&r->topo));
	T_OK(nm_topo_get_device(r->topo, "nic0", &r->nic));
	T_OK(nm_wire_shm_pair(&raw_wire, &r->w, &r->peer));
	hp.netdev.dev = r->nic;
	hp.netdev.wire = r->w;
	memcpy(hp.netdev.mac, t_mac_b, 6);
	T_OK(nm_host_create(&hp, &r->h));
	r->nd = nm_host_netdev(r->h);
}

void t_raw_stack(struct t_raw *r)
{
	T_OK(nm_host_stack_up(r->h));
	r->st = nm_host_stack(r->h);
}

void t_raw_stack_down(struct t_raw *r)
{
	T_OK(nm_host_stack_down(r->h));
	r->st = NULL;
}

void t_raw_up(struct t_raw *r, uint32_t flags)
{
	t_raw_link(r, flags);
	t_raw_stack(r);
}

void t_raw_down(struct t_raw *r)
{
	if (r->st)
		t_raw_stack_down(r);
	T_OK(nm_host_destroy(r->h));	/* the netdev and wire end w */
	nm_wire_destroy(r->peer);
	T_OK(nm_topo_destroy(r->topo));
	memset(r, 0, sizeof(*r));
}

int t_raw_send(struct t_raw *r, const uint8_t *f, uint32_t len)
{
	return t_wire_send(r->peer, f, len, NULL);
}

int t_raw_recv(struct t_raw *r, uint8_t *buf, uint32_t cap)
{
	int n = t_wire_recv(r->peer, buf, cap, NULL);

	return n == -EAGAIN ? 0 : n;
}

bool t_raw_ping_answered(struct t_raw *r, uint64_t timeout_ms)
{
	static const uint8_t our_ip[4] = { 198, 18, 0, 2 }, peer_ip[4] = { 198, 18, 0, 1 };
	uint8_t f[142], in[2048];
	bool got = false;
	uint64_t end;

	T_OK(t_raw_send(r, f, t_arp_frame(f, t_mac_b, 1, t_mac_a, "198.18.0.1", "198.18.0.2")));
	/* ICMP echo request, id 0x5151, 100 bytes of 0xab */
	t_put16(f + 12, 0x0800);
	memset(f + 14, 0, 20);
	f[14] = 0x45;
	t_put16(f + 16, 128);
	f[22] = 64;
	f[23] = 1;
	memcpy(f + 26, peer_ip, 4);
	memcpy(f + 30, our_ip, 4);
	memset(f + 34, 0xab, 108);
	f[34] = 8;
	f[35] = 0;
	t_put16(f + 38, 0x5151);
	T_ASSERT(t_fill_csums(f, 142));
	T_OK(t_raw_send(r, f, 142));
	end = t_now_ms() + timeout_ms;
	while (!got && t_now_ms() < end) {
		int k;

		nm_stack_poll(r->st, 0);
		while ((k = t_raw_recv(r, in, sizeof(in))) > 0)
			if (k == 142 && t_get16(in + 12) == 0x0800 && in[23] == 1 && in[34] == 0 &&
			    t_get16(in + 38) == 0x5151 && !memcmp(in, t_mac_a, 6))
				got = true;
	}
	return got;
}

/* ---- a netdev alone -------------------------------------------------------------- */

void t_nic_topo(struct t_nic *t)
{
	T_OK(nm_topo_create_default(&t->topo));
	T_OK(nm_topo_get_device(t->topo, "nic0", &t->nic));
	T_OK(nm_topo_get_device(t->topo, "gpu0", &t->gpu));
}

void t_nic_up_wire(struct t_nic *t, uint32_t rxq, uint32_t mtu, bool gso, uint32_t arena_bytes,
		   uint32_t ring_entries)
{
	struct nm_wire_shm_params wp = { .mtu = mtu, .gso = gso, .ring_entries = ring_entries,
					 .arena_bytes = arena_bytes };
	struct nm_netdev_params np = { .name = "nm0", .rx_queues = rxq, .tx_queues = 1,
				       .mtu = mtu, .rx_ring = 256 };

	t_nic_topo(t);
	T_OK(nm_wire_shm_pair(&wp, &t->a, &t->b));
	memcpy(np.mac, t_mac_b, 6);
	np.dev = t->nic;
	np.wire = t->a;
	T_OK(nm_netdev_create(&np, &t->nd));
}

void t_nic_up(struct t_nic *t, uint32_t rxq, uint32_t mtu, bool gso)
{
	t_nic_up_wire(t, rxq, mtu, gso, 64 << 20, 4096);
}

void t_nic_down(struct t_nic *t)
{
	T_OK(nm_netdev_destroy(t->nd));
	nm_wire_destroy(t->a);
	nm_wire_destroy(t->b);
	T_OK(nm_topo_destroy(t->topo));
}
