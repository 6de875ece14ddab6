/* SPDX-License-Identifier: MIT */
#ifndef NM_T_TCP_TAP_UTIL_H
#define NM_T_TCP_TAP_UTIL_H

/*
 * A netmem stack on a TAP with the kernel's TCP as its peer, for tests
 * that run both ends in one thread (the kernel's sockets non-blocking, the
 * netmem loop pumped by the test).
 *
 *	struct t_tap_net t;
 *	int r = t_tap_net_up(&t);	// 77: skipped (not root), message printed
 *	if (r)
 *		return r;
 *	int lfd = t_tap_kernel_listen(7000, 0);
 *	int kfd, sd = t_tap_connect(&t, lfd, 7000, &kfd);
 *	...
 *	t_tap_net_down(&t);
 *
 * In a private network namespace: the kernel is 198.18.0.1/24 on
 * "nmtap0", netmem 198.18.0.2/24 with MAC t_our_mac; IPv6 off.
 */
#include <netinet/in.h>
#include <unistd.h>

#include "tcp_util.h"
#include "unit/t_wire_tap_util.h"

struct t_tap_net {
	struct nm_wire *w;
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_netdev *nd;
	struct nm_stack *st;
	uint8_t kmac[6];		/* the kernel side's MAC */
	int ifindex;			/* the TAP's */
};

static inline int t_tap_net_up(struct t_tap_net *t)
{
	struct nm_netdev_params np = { .name = "nm0", .rx_queues = 1, .tx_queues = 1 };
	struct nm_iface_params ip = { .addr4 = "198.18.0.2/24" };
	struct nm_stack_params sp = { 0 };
	int r = t_enter_netns();

	if (r)
		return r;
	memset(t, 0, sizeof(*t));
	t_no_ipv6();
	t->w = t_tap_open(false, NULL);
	t_tap_kernel_mac(t->w, t->kmac);
	t->ifindex = nm_wire_tap_ifindex(t->w);
	T_OK(nm_topo_create_default(&t->topo));
	T_OK(nm_topo_device(t->topo, "nic0", &t->nic));
	memcpy(np.mac, t_our_mac, 6);
	np.dev = t->nic;
	np.wire = t->w;
	T_OK(nm_netdev_create(&np, &t->nd));
	T_OK(nm_stack_create(&sp, &t->st));
	ip.nd = t->nd;
	T_OK(nm_stack_add_iface(t->st, &ip));
	return 0;
}

static inline void t_tap_net_down(struct t_tap_net *t)
{
	T_OK(nm_stack_destroy(t->st));
	T_OK(nm_netdev_destroy(t->nd));
	nm_wire_destroy(t->w);
	nm_topo_destroy(t->topo);
}

/* A non-blocking kernel listener on 198.18.0.1:port (rcvbuf 0: default). */
static inline int t_tap_kernel_listen(uint16_t port, int rcvbuf)
{
	struct sockaddr_in a = t_sin("198.18.0.1", port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	T_ASSERT(fd >= 0);
	T_ASSERT(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	if (rcvbuf)
		T_ASSERT(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) == 0);
	T_ASSERT(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	T_ASSERT(listen(fd, 4) == 0);
	return fd;
}

/* A non-blocking netmem client connected to the kernel listener lfd on
 * port; *kfd the kernel's (non-blocking) end. */
static inline int t_tap_connect(struct t_tap_net *t, int lfd, uint16_t port, int *kfd)
{
	struct sockaddr_in a = t_sin("198.18.0.1", port);
	uint64_t end = t_now_us() + 5000000;
	int sd = (int)T_OK(nm_socket(t->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));

	T_EQ(nm_connect(sd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
	*kfd = -1;
	while (*kfd < 0 || t_tcp_state(sd) != TCP_ESTABLISHED) {
		if (t_now_us() > end)
			T_FAIL("netmem could not connect to the kernel in 5 s");
		T_OK(nm_stack_poll(t->st, 1));
		if (*kfd < 0)
			*kfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	}
	return sd;
}

/* The netmem end's local port. */
static inline uint16_t t_tap_local_port(int sd)
{
	struct sockaddr_in l;
	socklen_t ll = sizeof(l);

	T_OK(nm_getsockname(sd, (struct sockaddr *)&l, &ll));
	return ntohs(l.sin_port);
}

#endif /* NM_T_TCP_TAP_UTIL_H */
