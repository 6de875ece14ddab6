/* SPDX-License-Identifier: MIT */
/*
 * A TAP with the kernel on the other side (t_kernel.h): opened in the
 * test's namespace, frames waited for and sent by hand, and a netmem host
 * on it (an nm_host, as the command's `--wire tap`).
 */
#include <fcntl.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "nic/rtnl.h"
#include "nic/wire_drv.h"
#include "util/fd.h"

const uint8_t t_our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
const uint8_t t_host_ip[4] = { 198, 18, 0, 1 };
const uint8_t t_our_ip[4] = { 198, 18, 0, 2 };
const uint8_t t_host_ip6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
const uint8_t t_our_ip6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };

struct nm_wire *t_tap_open(bool offloads, const char *addr6)
{
	struct nm_wire_tap_params p = {
		.ifname = "nmtap0",
		.offloads = offloads,
		.host_addr = "198.18.0.1/24",
		.host_addr6 = addr6,
		.up = true,
	};
	struct nm_wire *w = NULL;

	T_OK(nm_wire_tap_open(&p, &w));
	T_ASSERT(w != NULL);
	return w;
}

int t_tap_plain(const char *ifname)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		T_FAIL("/dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	T_OK(ioctl(fd, TUNSETIFF, &ifr));
	return fd;
}

void t_tap_kernel_mac(struct nm_wire *w, uint8_t mac[6])
{
	struct nm_rtnl_link l;
	struct nm_rtnl nl;

	T_OK(nm_rtnl_open(&nl));
	T_OK(nm_rtnl_link_get(&nl, nm_wire_tap_ifindex(w), &l));
	T_ASSERT(l.has_mac);
	memcpy(mac, l.mac, 6);
	nm_rtnl_close(&nl);
}

void t_tap_neigh(struct nm_wire *w, int family, const uint8_t *ip)
{
	struct nm_rtnl nl;

	T_OK(nm_rtnl_open(&nl));
	T_OK(nm_rtnl_neigh_add(&nl, nm_wire_tap_ifindex(w), family, ip, t_our_mac));
	nm_rtnl_close(&nl);
}

bool t_sysctl(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(val, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	return ok;
}

void t_no_ipv6(void)
{
	t_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
}

bool t_pred_arp(const uint8_t *f, size_t len, void *arg)
{
	const struct t_arp_match *m = arg;

	return len >= 42 && t_get16(f + 12) == T_ETH_ARP && t_get16(f + 14 + 6) == m->op &&
	       !memcmp(f + 14 + 24, m->tpa, 4);
}

size_t t_tap_wait(struct nm_wire *w, uint8_t *buf, size_t cap, struct nm_wire_meta *meta,
		  t_frame_pred pred, void *arg, int timeout_ms, const char *what)
{
	uint64_t end = t_now_ms() + (uint64_t)timeout_ms;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	unsigned skipped = 0;

	T_ASSERT(pfd.fd >= 0);
	for (;;) {
		int r = nm_wire_rx_copy(w, &iov, 1, meta);
		uint64_t now;

		if (r >= 0) {
			T_ASSERT((size_t)r <= cap);
			if (pred(buf, (size_t)r, arg))
				return (size_t)r;
			skipped++;
			continue;
		}
		if (r != -EAGAIN)
			T_FAIL("waiting for %s: recv = %d: %s", what, r, nm_last_error());
		now = t_now_ms();
		if (now >= end)
			T_FAIL("no %s within %d ms (%u other frames skipped)", what, timeout_ms,
			       skipped);
		poll(&pfd, 1, (int)(end - now));
	}
}

void t_tap_send(struct nm_wire *w, const uint8_t *f, size_t len, const struct nm_wire_meta *meta)
{
	T_OK(t_wire_send(w, f, (uint32_t)len, meta));
}

int t_anon_fds_below(int floor)
{
	int n = 0;

	for (int fd = 0; fd < floor; fd++) {
		char path[64], link[64];
		ssize_t l;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		l = readlink(path, link, sizeof(link) - 1);
		if (l < 0)
			continue;
		link[l] = 0;
		n += strncmp(link, "anon_inode:", 11) == 0;
	}
	return n;
}

void t_tap_check_fd_floor(int io)
{
	struct nm_wire *w;
	int below = t_anon_fds_below(256);
	const uint8_t *f;
	uint32_t len;

	nm_fd_set_floor(256);
	w = t_tap_open(true, NULL);
	T_EQ(nm_wire_tap_io(w), io);
	T_ASSERT(nm_wire_get_fd(w) >= 256);
	/* the first receive makes what the engine needs (a ring, a thread) */
	T_ASSERT(nm_wire_peek(w, &f, &len, NULL) == -EAGAIN || len > 0);
	T_EQ(t_anon_fds_below(256), below);
	nm_wire_destroy(w);
	nm_fd_set_floor(0);
}

/* ---- ICMP echo requests from the kernel ------------------------------------------ */

int t_echo_sock(void)
{
	int s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);

	T_ASSERT(s >= 0);
	return s;
}

void t_echo_send(int sock, uint16_t id, uint16_t seq)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t req[8 + T_ECHO_DATA];

	memset(req, 0, sizeof(req));
	req[0] = 8;
	t_put16(req + 4, id);
	t_put16(req + 6, seq);
	for (int i = 0; i < T_ECHO_DATA; i++)
		req[8 + i] = (uint8_t)(seq + i);
	t_put16(req + 2, t_csum(t_sum(req, sizeof(req), 0)));
	memcpy(&to.sin_addr, t_our_ip, 4);
	T_EQ(sendto(sock, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)),
	     sizeof(req));
}

bool t_is_echo(const uint8_t *f, uint32_t len, uint16_t id, uint16_t seq)
{
	if (!t_is_ipv4(f, len, T_IPPROTO_ICMP) || len != T_ECHO_FRAME ||
	    t_get16(f + 38) != id || t_get16(f + 40) != seq)
		return false;
	for (int i = 0; i < T_ECHO_DATA; i++)
		if (f[42 + i] != (uint8_t)(seq + i))
			return false;
	return true;
}

void t_tap_recv_echo(struct nm_wire *w, uint16_t id, uint16_t seq)
{
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	uint64_t end = t_now_ms() + 3000;
	const uint8_t *f;
	uint32_t len;

	for (;;) {
		int r = nm_wire_peek(w, &f, &len, NULL);

		if (r >= 0) {
			bool hit = t_is_echo(f, len, id, seq);

			T_OK(nm_wire_consume(w));
			if (hit)
				return;
			continue;
		}
		T_EQ(r, -EAGAIN);
		T_ASSERT(t_now_ms() < end);
		if (nm_wire_arm(w) == 0)
			poll(&pfd, 1, 20);
	}
}

struct echo_thread {
	struct nm_wire *w;
	int sock, n;
	uint16_t id, seq;
};

static void *echo_thread(void *arg)
{
	struct echo_thread *e = arg;

	for (int i = 0; i < e->n; i++) {
		t_echo_send(e->sock, e->id, (uint16_t)(e->seq + i));
		t_tap_recv_echo(e->w, e->id, (uint16_t)(e->seq + i));
	}
	return NULL;
}

void t_tap_echo_other_thread(struct nm_wire *w, int sock, uint16_t id, uint16_t seq, int n)
{
	struct echo_thread e = { .w = w, .sock = sock, .n = n, .id = id, .seq = seq };
	pthread_t th;

	T_ASSERT(pthread_create(&th, NULL, echo_thread, &e) == 0);
	T_ASSERT(pthread_join(th, NULL) == 0);
	t_echo_send(sock, id, (uint16_t)(seq + n));	/* and this thread again */
	t_tap_recv_echo(w, id, (uint16_t)(seq + n));
}

/* ---- the NIC's way in, driven by hand ---------------------------------------------- */

static int tap_bufs_get(struct nm_wire_rxbufs *b, struct iovec *iov, unsigned max)
{
	struct t_tap_bufs *tb = (struct t_tap_bufs *)b;

	T_ASSERT(max >= 1);
	tb->gets++;
	iov[0] = (struct iovec){ tb->buf, sizeof(tb->buf) };
	return 1;
}

void t_tap_bufs_init(struct t_tap_bufs *tb, bool prefer_copy)
{
	tb->b.get = tap_bufs_get;
	tb->b.prefer_copy = prefer_copy;
	tb->gets = 0;
}

bool t_tap_rx_echo(struct nm_wire *w, struct t_tap_bufs *tb, uint16_t id, uint16_t seq)
{
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	uint64_t end = t_now_ms() + 3000;
	struct nm_wire_frame f;

	for (;;) {
		int gets = tb->gets, r = nm_wire_rx(w, &tb->b, &f);

		if (r == 0) {
			const uint8_t *p = f.data ? f.data : tb->buf;
			bool hit = t_is_echo(p, f.len, id, seq);

			T_EQ(tb->gets, gets + (f.data ? 0 : 1));
			if (f.data)
				T_OK(nm_wire_consume(w));
			if (hit)
				return f.data != NULL;
			continue;
		}
		T_EQ(r, -EAGAIN);
		T_ASSERT(t_now_ms() < end);
		if (nm_wire_arm(w) == 0)
			poll(&pfd, 1, 100);
	}
}

/* ---- UDP datagrams to the kernel ----------------------------------------------------- */

void t_tap_send_udp(struct nm_wire *w, const uint8_t *kmac, uint16_t port, uint32_t len,
		    uint8_t tag)
{
	static uint8_t f[2048];
	size_t o = t_eth(f, kmac, t_our_mac, 0x0800);

	T_ASSERT(len <= sizeof(f) - 64);
	o += t_ipv4(f + o, T_IPPROTO_UDP, t_our_ip, t_host_ip, 8 + len);
	t_put16(f + o, 4000);
	t_put16(f + o + 2, port);
	t_put16(f + o + 4, (uint16_t)(8 + len));
	t_put16(f + o + 6, 0);		/* no checksum (IPv4) */
	memset(f + o + 8, tag, len);
	T_OK(nm_wire_xmit(w, &(struct iovec){ f, o + 8 + len }, 1, NULL));
}

int t_udp_host_sock(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int us = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	T_ASSERT(us >= 0);
	memcpy(&a.sin_addr, t_host_ip, 4);
	T_OK(bind(us, (struct sockaddr *)&a, sizeof(a)));
	return us;
}

int t_udp_tag(int us, uint32_t *len, int wait_ms)
{
	struct pollfd pfd = { .fd = us, .events = POLLIN };
	uint8_t buf[2048];
	ssize_t r;

	if (wait_ms)
		T_ASSERT(poll(&pfd, 1, wait_ms) == 1);
	r = recv(us, buf, sizeof(buf), MSG_DONTWAIT);
	if (r < 0) {
		T_EQ(errno, EAGAIN);
		return -1;
	}
	*len = (uint32_t)r;
	return buf[0];
}

/* ---- a netmem host on the TAP ------------------------------------------------------ */

int t_tap_net_create_here(struct t_tap_net *t, const struct t_tap_params *p)
{
	struct nm_wire_tap_params tp = {
		.ifname = p->ifname ? p->ifname : "nmtap0",
		.offloads = p->offloads,
		.host_addr = "198.18.0.1/24",
		.host_addr6 = p->ipv6 ? "2001:2::1/64" : NULL,
		.up = true,
	};
	struct nm_host_params hp = {
		.netdev = { .name = "nm0", .rx_queues = p->rx_queues ? p->rx_queues : 1,
			    .tx_queues = 1 },
		.iface = { .addr4 = "198.18.0.2/24", .addr6 = p->ipv6 ? "2001:2::2/64" : NULL },
	};

	int r;

	memset(t, 0, sizeof(*t));
	r = nm_wire_tap_open(&tp, &t->w);
	if (r < 0)
		return r;
	t_tap_kernel_mac(t->w, t->kmac);
	t->ifindex = nm_wire_tap_ifindex(t->w);
	T_OK(nm_topo_create_default(&t->topo));
	T_OK(nm_topo_get_device(t->topo, "nic0", &t->nic));
	memcpy(hp.netdev.mac, t_our_mac, 6);
	hp.netdev.dev = t->nic;
	hp.netdev.wire = t->w;
	T_OK(nm_host_create(&hp, &t->h));
	t->nd = nm_host_netdev(t->h);
	t->st = nm_host_stack(t->h);
	return 0;
}

int t_tap_net_create(struct t_tap_net *t, const struct t_tap_params *p)
{
	int r = t_enter_netns();

	if (r)
		return r;
	T_OK(t_tap_net_create_here(t, p));
	return 0;
}

int t_tap_net_up(struct t_tap_net *t)
{
	int r = t_enter_netns();

	if (r)
		return r;
	t_no_ipv6();
	T_OK(t_tap_net_create_here(t, &(struct t_tap_params){ .offloads = false }));
	return 0;
}

void t_tap_net_down(struct t_tap_net *t)
{
	if (nm_host_stack(t->h))
		T_OK(nm_host_stack_down(t->h));
	T_OK(nm_host_destroy(t->h));	/* the netdev and the TAP */
	T_OK(nm_topo_destroy(t->topo));
	memset(t, 0, sizeof(*t));
}
