/* The NIC on a TAP wire, in a network namespace of its own, with the
 * Linux kernel as the peer, on either of the TAP's engines (NM_TAP_IO): frames the kernel sends (an ARP request, an
 * ICMP echo, UDP datagrams) arrive parsed and header-split; frames the NIC
 * transmits are seen by the kernel (it learns our MAC from our ARP reply,
 * answers our echo replies' requests, answers our ARP request).  Root
 * only; skipped otherwise. */
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "t_net.h"
#include "nic/netdev_drv.h"

static struct nm_netdev *nd;
static uint8_t kmac[6];

/* Poll the NIC until pred accepts a packet (or 3 s pass). Packets not
 * accepted are answered by reply() when it is given, then released. */
typedef bool (*pkt_pred)(const struct nm_rx_pkt *p, const uint8_t *h, void *arg);

static bool wait_pkt(pkt_pred pred, void *arg, struct nm_rx_pkt *out)
{
	uint64_t end = t_now_ms() + 3000;

	while (t_now_ms() < end) {
		struct nm_rx_pkt p;

		nm_netdev_poll(nd, 16);
		while (nm_netdev_rx_poll(nd, 0, &p, 1) == 1) {
			const uint8_t *h = (const uint8_t *)nm_netmem_address(p.hdr) + p.hdr_off;

			if (pred(&p, h, arg)) {
				*out = p;
				return true;
			}
			nm_rx_pkt_release(&p);
		}
		poll(&(struct pollfd){ .fd = nm_wire_get_fd(nm_netdev_wire(nd)), .events = POLLIN },
		     1, 20);
	}
	return false;
}

static bool is_arp(const struct nm_rx_pkt *p, const uint8_t *h, void *op)
{
	return p->hdr_len >= 42 && t_get16(h + 12) == T_ETH_ARP && t_get16(h + 20) == *(int *)op;
}

static bool is_udp9(const struct nm_rx_pkt *p, const uint8_t *h, void *arg)
{
	(void)arg;
	return p->hdr_len >= 42 && t_get16(h + 12) == T_ETH_IP && h[23] == T_IPPROTO_UDP &&
	       t_get16(h + 36) == 9;
}

static bool is_icmp(const struct nm_rx_pkt *p, const uint8_t *h, void *type)
{
	return p->hdr_len >= 42 && t_get16(h + 12) == T_ETH_IP && h[23] == T_IPPROTO_ICMP &&
	       h[34] == *(int *)type;
}

static void xmit(const uint8_t *f, uint32_t len)
{
	struct nm_tx_pkt pkt = { .hdr = f, .hdr_len = len };

	T_OK(nm_netdev_xmit(nd, 0, &pkt));
}

int main(void)
{
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_wire *w;
	struct nm_rx_pkt p;
	uint8_t f[2048];
	int r = t_enter_netns();

	if (r)
		return r;
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_get_device(topo, "nic0", &nic));
	w = t_tap_open(true, NULL);
	struct nm_netdev_params np = { .dev = nic, .wire = w, .rx_ring = 256 };
	memcpy(np.mac, t_our_mac, 6);
	T_OK(nm_netdev_create(&np, &nd));
	t_tap_kernel_mac(w, kmac);

	/* 1. a kernel UDP socket sends to us: first an ARP request */
	int us = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	memcpy(&to.sin_addr, t_our_ip, 4);
	uint8_t msg[1500];
	t_pat_fill(msg, 1000, 0);
	T_ASSERT(sendto(us, msg, 1000, 0, (struct sockaddr *)&to, sizeof(to)) == 1000);
	int op = 1;
	T_ASSERT(wait_pkt(is_arp, &op, &p));
	T_ASSERT(!(p.flags & NM_RX_F_SPLIT));
	const uint8_t *h = (const uint8_t *)nm_netmem_address(p.hdr) + p.hdr_off;
	T_ASSERT(!memcmp(h + 6, kmac, 6));
	T_ASSERT(!memcmp(h + 38, t_our_ip, 4));
	nm_rx_pkt_release(&p);
	/* our reply teaches the kernel our MAC; the datagram follows */
	size_t n = t_eth(f, kmac, t_our_mac, T_ETH_ARP);
	n += t_arp(f + n, 2, t_our_mac, t_our_ip, kmac, t_host_ip);
	xmit(f, (uint32_t)n);
	T_ASSERT(wait_pkt(is_udp9, NULL, &p));
	/* header split: 42 bytes of headers, the payload in payload buffers */
	T_ASSERT(p.flags & NM_RX_F_SPLIT);
	T_ASSERT(p.flags & NM_RX_F_CSUM_OK);
	T_EQ(p.hdr_len, 42);
	uint32_t got = 0;
	for (uint32_t i = 0; i < p.nr_frags; i++) {
		T_ASSERT(!memcmp((uint8_t *)nm_netmem_address(p.frags[i].netmem) + p.frags[i].off,
				 msg + got, p.frags[i].len));
		got += p.frags[i].len;
	}
	T_EQ(got, 1000);
	nm_rx_pkt_release(&p);
	/* more datagrams of other sizes: all arrive whole and in order */
	for (int i = 1; i <= 20; i++) {
		uint32_t len = (uint32_t)(i * 70);
		t_pat_fill(msg, len, (uint64_t)i);
		T_ASSERT(sendto(us, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len);
		T_ASSERT(wait_pkt(is_udp9, NULL, &p));
		T_EQ(p.len, 42 + len);
		got = 0;
		for (uint32_t k = 0; k < p.nr_frags; k++) {
			T_ASSERT(!memcmp((uint8_t *)nm_netmem_address(p.frags[k].netmem) +
					 p.frags[k].off, msg + got, p.frags[k].len));
			got += p.frags[k].len;
		}
		T_EQ(got, len);
		nm_rx_pkt_release(&p);
	}

	/* 300 small datagrams: header buffers fill up and roll over to the
	 * next posted buffer many times, each header in one piece */
	for (int i = 0; i < 300; i++) {
		uint32_t len = 10 + (uint32_t)(i % 90);
		t_pat_fill(msg, len, (uint64_t)i);
		T_ASSERT(sendto(us, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len);
		T_ASSERT(wait_pkt(is_udp9, NULL, &p));
		T_EQ(p.hdr_len, 42);
		T_EQ(p.len, 42 + len);
		T_ASSERT(p.hdr_off + p.hdr_len <= 4096);
		got = 0;
		for (uint32_t k = 0; k < p.nr_frags; k++) {
			T_ASSERT(!memcmp((uint8_t *)nm_netmem_address(p.frags[k].netmem) +
					 p.frags[k].off, msg + got, p.frags[k].len));
			got += p.frags[k].len;
		}
		T_EQ(got, len);
		nm_rx_pkt_release(&p);
	}

	/* a 60000-byte UDP_SEGMENT send arrives as one GSO super-frame (like
	 * LRO), its payload spanning many buffers, when the TAP has USO */
	if (nm_wire_tap_offloads(w) & NM_WIRE_TAP_OFF_USO4) {
		static uint8_t big[60000];
		int gso = 1400;

		T_OK(setsockopt(us, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso)));
		t_pat_fill(big, sizeof(big), 77);
		T_ASSERT(sendto(us, big, sizeof(big), 0, (struct sockaddr *)&to, sizeof(to)) ==
			 (ssize_t)sizeof(big));
		T_ASSERT(wait_pkt(is_udp9, NULL, &p));
		T_ASSERT(p.flags & NM_RX_F_GSO);
		T_ASSERT(p.flags & NM_RX_F_SPLIT);
		T_EQ(p.gso_size, 1400);
		T_EQ(p.gso_type, NM_WIRE_GSO_UDP_L4);
		T_EQ(p.len, 42 + sizeof(big));
		/* read into the RX queue's buffers (readv engine), or lent
		 * where the batched engine's read put it: one frag */
		if (nm_wire_can_lend(w))
			T_EQ(p.nr_frags, 1);
		else
			T_ASSERT(p.nr_frags >= 14);
		got = 0;
		for (uint32_t k = 0; k < p.nr_frags; k++) {
			T_ASSERT(!memcmp((uint8_t *)nm_netmem_address(p.frags[k].netmem) +
					 p.frags[k].off, big + got, p.frags[k].len));
			got += p.frags[k].len;
		}
		T_EQ(got, sizeof(big));
		nm_rx_pkt_release(&p);
		gso = 0;
		T_OK(setsockopt(us, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso)));
	} else {
		printf("no USO on this kernel: GSO receive not exercised\n");
	}

	/* 2. the kernel's ping: an echo request arrives, our reply reaches it */
	int ps = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	T_ASSERT(ps >= 0);
	uint8_t echo[16] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1, 'n', 'e', 't', 'm', 'e', 'm', 0, 0 };
	t_put16(echo + 2, t_csum(t_sum(echo, sizeof(echo), 0)));
	T_ASSERT(sendto(ps, echo, sizeof(echo), 0, (struct sockaddr *)&to, sizeof(to)) == 16);
	int type = 8;
	T_ASSERT(wait_pkt(is_icmp, &type, &p));
	h = (const uint8_t *)nm_netmem_address(p.hdr) + p.hdr_off;
	T_ASSERT(!memcmp(h + 42, "netmem", 6));
	nm_rx_pkt_release(&p);
	n = t_eth(f, kmac, t_our_mac, T_ETH_IP);
	n += t_ipv4(f + n, T_IPPROTO_ICMP, t_our_ip, t_host_ip, sizeof(echo));
	memcpy(f + n, echo, sizeof(echo));
	f[n] = 0;	/* echo reply */
	t_put16(f + n + 2, 0);
	t_put16(f + n + 2, t_csum(t_sum(f + n, sizeof(echo), 0)));
	xmit(f, (uint32_t)(n + sizeof(echo)));
	struct pollfd pfd = { .fd = ps, .events = POLLIN };
	bool replied = false;
	for (int i = 0; i < 10 && !replied; i++) {
		uint8_t in[256];
		if (poll(&pfd, 1, 300) <= 0)
			continue;
		ssize_t k = recv(ps, in, sizeof(in), 0);
		replied = k >= 20 + 16 && in[20] == 0 && !memcmp(in + 28, "netmem", 6);
	}
	T_ASSERT(replied);

	/* 3. our ARP request is answered by the kernel */
	static const uint8_t zero[6];
	n = t_eth(f, t_bcast_mac, t_our_mac, T_ETH_ARP);
	n += t_arp(f + n, 1, t_our_mac, t_our_ip, zero, t_host_ip);
	xmit(f, (uint32_t)n);
	op = 2;
	T_ASSERT(wait_pkt(is_arp, &op, &p));
	h = (const uint8_t *)nm_netmem_address(p.hdr) + p.hdr_off;
	T_ASSERT(!memcmp(h + 22, kmac, 6));	/* sender hardware address */
	T_ASSERT(!memcmp(h + 28, t_host_ip, 4));
	nm_rx_pkt_release(&p);

	struct nm_queue_stats st;
	T_OK(nm_netdev_get_stats(nd, &st, sizeof(st)));
	T_EQ(st.drops[NM_RX_DROP_MALFORMED] + st.drops[NM_RX_DROP_BAD_CSUM] +
		     st.drops[NM_RX_DROP_NO_BUFFER], 0);
	T_ASSERT(st.hds_packets >= 21);
	close(ps);
	close(us);
	T_OK(nm_netdev_destroy(nd));
	nm_wire_destroy(w);
	T_OK(nm_topo_destroy(topo));
	T_PASS();
}
