/* SPDX-License-Identifier: MIT */
/*
 * Two hosts on an shm wire (t_net.h): the set-up of every two-stack test,
 * of the TCP fuzz harnesses and of the shm benchmarks.  Each side is an
 * nm_host on the caller's topology (nic0 for A, nic1 for B); the stacks
 * can come and go while the links stay (t_net_stacks_up/down).
 */
#include "net/tcp.h"	/* nm_tcp_check_stack() in t_pump() */
#include "t_net.h"

#define T_NET_TOPO "rc0(p2p) { sw0 { nic0 nic1 } }"

static const struct nm_wire_shm_params wire_default = { .ring_entries = 4096,
							 .arena_bytes = 32 << 20 };

static struct nm_host *net_host(const struct t_net_params *p, struct nm_device *dev,
				struct nm_wire *w, const char *name, const uint8_t mac[6],
				const char *a4, const char *a6)
{
	struct nm_host_params hp = {
		.netdev = { .name = name, .dev = dev, .wire = w, .rx_queues = 1, .tx_queues = 1,
			    .rx_ring = p->rx_ring ? p->rx_ring : 1024, .tx_ring = p->tx_ring,
			    .mtu = p->wire ? p->wire->mtu : 0 },
		.stack = { .flags = p->stack_flags },
		.iface = { .addr4 = a4, .addr6 = p->no_addr6 ? NULL : a6 },
		.flags = NM_HOST_LINK_ONLY,
	};
	struct nm_host *h;

	memcpy(hp.netdev.mac, mac, 6);
	T_OK(nm_host_create(&hp, &h));
	return h;
}

void t_net_create(struct t_net *n, const struct t_net_params *p)
{
	memset(n, 0, sizeof(*n));
	T_OK(nm_topo_create(p->topo ? p->topo : T_NET_TOPO, &n->topo));
	T_OK(nm_topo_get_device(n->topo, "nic0", &n->nic0));
	T_OK(nm_topo_get_device(n->topo, "nic1", &n->nic1));
	T_OK(nm_wire_shm_pair(p->wire ? p->wire : &wire_default, &n->wa, &n->wb));
	n->ha = net_host(p, n->nic0, n->wa, "nma", t_mac_a, "198.18.0.1/24", "2001:2::1/64");
	n->hb = net_host(p, n->nic1, n->wb, "nmb", t_mac_b, "198.18.0.2/24", "2001:2::2/64");
	n->nda = nm_host_netdev(n->ha);
	n->ndb = nm_host_netdev(n->hb);
	if (!p->links_only)
		t_net_stacks_up(n);
}

void t_net_up_topo(struct t_net *n, const struct nm_wire_shm_params *wp, const char *topo)
{
	t_net_create(n, &(struct t_net_params){ .wire = wp, .topo = topo });
}

void t_net_up(struct t_net *n, const struct nm_wire_shm_params *wp)
{
	t_net_up_topo(n, wp, NULL);
}

void t_net_up_mtu(struct t_net *n, uint32_t mtu)
{
	struct nm_wire_shm_params wp = { .mtu = mtu, .ring_entries = 1024,
					 .arena_bytes = 8 << 20 };

	t_net_create(n, &(struct t_net_params){ .wire = &wp, .rx_ring = 256, .tx_ring = 256 });
}

void t_net_stacks_up(struct t_net *n)
{
	T_OK(nm_host_stack_up(n->ha));
	T_OK(nm_host_stack_up(n->hb));
	n->sa = nm_host_stack(n->ha);
	n->sb = nm_host_stack(n->hb);
}

void t_net_stacks_down(struct t_net *n)
{
	if (nm_host_stack(n->ha))
		T_OK(nm_host_stack_down(n->ha));
	if (nm_host_stack(n->hb))
		T_OK(nm_host_stack_down(n->hb));
	n->sa = n->sb = NULL;
}

void t_net_down(struct t_net *n)
{
	t_net_stacks_down(n);
	T_OK(nm_host_destroy(n->ha));
	T_OK(nm_host_destroy(n->hb));
	/* -EBUSY while a device still has users: a pool kept alive by a
	 * buffer never given back, a binding, a mapping */
	T_OK(nm_topo_destroy(n->topo));
	memset(n, 0, sizeof(*n));
}

/* ---- pumping ------------------------------------------------------------------ */

void t_pump(struct t_net *n)
{
	if (n->flush_wires) {
		(void)nm_wire_shm_flush(n->wa);	/* -EAGAIN (full): next time */
		(void)nm_wire_shm_flush(n->wb);
	}
	T_OK(nm_stack_poll(n->sa, 0));
	T_OK(nm_stack_poll(n->sb, 0));
	/* every TCP invariant (tcp_input.c) holds after every pass */
	T_OK(nm_tcp_check_stack(n->sa));
	T_OK(nm_tcp_check_stack(n->sb));
}

bool t_pump_until(struct t_net *n, bool (*cond)(void *), void *arg, int timeout_ms)
{
	uint64_t end = t_now_us() + (uint64_t)timeout_ms * 1000u;

	while (!cond(arg)) {
		if (t_now_us() > end)
			return false;
		t_pump(n);
	}
	return true;
}

void t_pump_for(struct t_net *n, int ms)
{
	uint64_t end = t_now_us() + (uint64_t)ms * 1000u;

	while (t_now_us() < end)
		t_pump(n);
}

int t_net_poll1(struct t_net *n)
{
	int k = (int)T_OK(nm_stack_poll(n->sa, 0));

	if (!n->b_gone)
		k += (int)T_OK(nm_stack_poll(n->sb, 0));
	return k;
}

void t_net_poll(struct t_net *n, uint64_t ms)
{
	uint64_t end = t_now_ms() + ms;

	while (t_now_ms() < end)
		if (!t_net_poll1(n))
			nm_stack_poll(n->sa, 1);	/* sleep a little on A's fds */
}

bool t_net_until(struct t_net *n, t_net_pred pred, void *arg, uint64_t timeout_ms)
{
	uint64_t end = t_now_ms() + timeout_ms;

	while (!pred(n, arg)) {
		if (t_now_ms() >= end)
			return false;
		if (!t_net_poll1(n))
			nm_stack_poll(n->sa, 1);
	}
	return true;
}

/* ---- the default topology ------------------------------------------------------- */

void t_env_init(struct t_env *e)
{
	T_OK(nm_topo_create_default(&e->topo));
	T_OK(nm_topo_get_device(e->topo, "nic0", &e->nic));
	T_OK(nm_topo_get_device(e->topo, "gpu0", &e->gpu));
}

void t_env_fini(struct t_env *e)
{
	T_OK(nm_topo_destroy(e->topo));
}
