/* IP input robustness: 10^5 random and mutated frames (IPv4, IPv6 with
 * extension headers, ICMP/ICMPv6 incl. ND, TCP, ARP, VLAN, foreign MACs)
 * with lying lengths, bad versions and IHLs, fragments, broken extension
 * headers and ICMP; half of them from the peer end of an shm wire through
 * the NIC (which drops what it cannot parse), half handed straight to
 * nm_eth_rcv so that the stack's own checks see everything.  The stack
 * must not crash (run under ASan), its counters must add up, and it must
 * still answer a ping afterwards. */
#include "t_net.h"

#define FRAMES		100000
#define BATCH		256

static uint64_t rs = 0xfeedf00d;
static const uint8_t our_ip[4] = { 198, 18, 0, 2 }, peer_ip[4] = { 198, 18, 0, 1 };
static const uint8_t our_ip6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
static const uint8_t peer_ip6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(t_rand(&rs) % n);
}

static uint32_t eth(uint8_t *f, uint16_t type)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint32_t r = rnd(20);

	memcpy(f, r == 0 ? bcast : t_mac_b, 6);
	if (r == 1) {	/* solicited-node / all-nodes / foreign multicast */
		static const uint8_t m[3][6] = { { 0x33, 0x33, 0xff, 0, 0, 2 },
						 { 0x33, 0x33, 0, 0, 0, 1 },
						 { 0x01, 0x00, 0x5e, 0, 0, 1 } };
		memcpy(f, m[rnd(3)], 6);
	}
	if (r == 2)
		f[5] ^= 0x40;	/* someone else */
	memcpy(f + 6, t_mac_a, 6);
	nm_put16(f + 12, type);
	return 14;
}

static uint32_t ipv4(uint8_t *p, uint8_t proto, uint32_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	nm_put16(p + 2, (uint16_t)(20 + payload));
	nm_put16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, peer_ip, 4);
	p[15] = rnd(4) ? 1 : (uint8_t)rnd(256);
	memcpy(p + 16, our_ip, 4);
	return 20;
}

static uint32_t ipv6(uint8_t *p, uint8_t nh, uint32_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	nm_put16(p + 4, (uint16_t)payload);
	p[6] = nh;
	p[7] = rnd(2) ? 255 : 64;
	memcpy(p + 8, peer_ip6, 16);
	if (!rnd(4))
		p[23] = (uint8_t)rnd(256);
	memcpy(p + 24, our_ip6, 16);
	if (!rnd(8)) {	/* to our solicited-node group */
		static const uint8_t sol[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 2 };
		memcpy(p + 24, sol, 16);
	}
	return 40;
}

/* An L4 body for proto into p; returns its length. */
static uint32_t l4(uint8_t *p, uint8_t proto, bool v6)
{
	uint32_t len;

	if (proto == NM_IPPROTO_TCP) {
		len = 20 + rnd(100);
		memset(p, 0, len);
		nm_put16(p, 40000);
		nm_put16(p + 2, 80);
		p[12] = 0x50;
		p[13] = (uint8_t)rnd(256);
		return len;
	}
	len = 8 + rnd(4) * rnd(400);
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)rnd(256);
	p[2] = p[3] = 0;
	switch (rnd(6)) {
	case 0:		/* echo request */
		p[0] = v6 ? 128 : 8;
		p[1] = 0;
		break;
	case 1:		/* an error about a TCP segment */
		p[0] = v6 ? (uint8_t)(1 + rnd(4)) : (rnd(2) ? 3 : 11);
		p[1] = (uint8_t)rnd(5);
		if (len < 8 + 48)
			len = 8 + 48;
		if (v6) {
			ipv6(p + 8, NM_IPPROTO_TCP, 20);
		} else {
			ipv4(p + 8, NM_IPPROTO_TCP, 20);
		}
		break;
	case 2:		/* neighbour solicitation / advertisement */
		if (v6) {
			p[0] = (uint8_t)(135 + rnd(2));
			p[1] = 0;
			len = 24 + 8 * rnd(3);
			memcpy(p + 8, rnd(2) ? our_ip6 : peer_ip6, 16);
			for (uint32_t o = 24; o < len; o += 8) {
				p[o] = (uint8_t)(1 + rnd(2));
				p[o + 1] = (uint8_t)rnd(3);
			}
		}
		break;
	case 3:		/* echo reply */
		p[0] = v6 ? 129 : 0;
		break;
	default:
		break;
	}
	return len;
}

/* IPv6 extension headers before nh; returns their length, *first set. */
static uint32_t ext6(uint8_t *p, uint8_t nh, uint8_t *first)
{
	static const uint8_t kinds[] = { NM_IPPROTO_HOPOPTS, NM_IPPROTO_DSTOPTS,
					 NM_IPPROTO_ROUTING, NM_IPPROTO_FRAGMENT };
	uint32_t n = rnd(4), off = 0;
	uint8_t types[3];

	for (uint32_t i = 0; i < n; i++)
		types[i] = kinds[rnd(4)];
	*first = n ? types[0] : nh;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t elen = 8 * (1 + rnd(2));

		memset(p + off, 0, elen);
		p[off] = i + 1 < n ? types[i + 1] : nh;
		p[off + 1] = (uint8_t)(elen / 8 - 1);
		if (types[i] == NM_IPPROTO_ROUTING)
			p[off + 3] = (uint8_t)rnd(2);	/* segments left */
		else if (types[i] != NM_IPPROTO_FRAGMENT) {
			p[off + 2] = rnd(3) ? 1 : (uint8_t)rnd(256);	/* PadN or junk */
			p[off + 3] = (uint8_t)(elen - 4);
		}
		if (types[i] == NM_IPPROTO_FRAGMENT)
			elen = 8, p[off + 1] = 0;
		off += elen;
	}
	return off;
}

static uint32_t build(uint8_t *f)
{
	uint32_t len, k = rnd(10);

	if (k < 3) {		/* IPv4 */
		uint8_t proto = rnd(3) ? NM_IPPROTO_ICMP : (rnd(2) ? NM_IPPROTO_TCP : 17);
		uint32_t b = l4(f + 34, proto == 17 ? NM_IPPROTO_ICMP : proto, false);

		eth(f, NM_ETH_P_IPV4);
		ipv4(f + 14, proto, b);
		len = 34 + b;
	} else if (k < 7) {	/* IPv6 */
		uint8_t proto = rnd(3) ? NM_IPPROTO_ICMPV6 : NM_IPPROTO_TCP, first;
		uint8_t ext[64];
		uint32_t e = ext6(ext, proto, &first);
		uint32_t b;

		eth(f, NM_ETH_P_IPV6);
		memcpy(f + 54, ext, e);
		b = l4(f + 54 + e, proto, true);
		ipv6(f + 14, first, e + b);
		len = 54 + e + b;
	} else if (k < 9) {	/* ARP */
		static const uint8_t zero[6];
		uint8_t spa[4], tpa[4];

		eth(f, NM_ETH_P_ARP);
		memcpy(spa, peer_ip, 4);
		memcpy(tpa, our_ip, 4);
		if (!rnd(3))
			spa[3] = (uint8_t)rnd(256);
		if (!rnd(4))
			memcpy(tpa, spa, 4);	/* gratuitous */
		if (!rnd(8))
			memset(spa, 0, 4);	/* probe */
		nm_put16(f + 14, 1);
		nm_put16(f + 16, NM_ETH_P_IPV4);
		f[18] = 6;
		f[19] = 4;
		nm_put16(f + 20, (uint16_t)(1 + rnd(2)));
		memcpy(f + 22, t_mac_a, 6);
		if (!rnd(6))
			f[22 + rnd(6)] ^= (uint8_t)rnd(256);
		memcpy(f + 28, spa, 4);
		memcpy(f + 32, zero, 6);
		memcpy(f + 38, tpa, 4);
		len = 42;
	} else {		/* VLAN tag or junk ethertype */
		eth(f, rnd(2) ? NM_ETH_P_8021Q : (uint16_t)rnd(65536));
		len = 14 + rnd(100);
		for (uint32_t i = 14; i < len; i++)
			f[i] = (uint8_t)rnd(256);
	}
	/* fix checksums so mutations below get past them half the time */
	t_fill_csums(f, len);
	/* mutate */
	for (uint32_t m = rnd(4); m; m--) {
		switch (rnd(8)) {
		case 0:
			f[rnd(len < 80 ? len : 80)] ^= (uint8_t)(1u << rnd(8));
			break;
		case 1:		/* version / IHL */
			f[14] = (uint8_t)rnd(256);
			break;
		case 2:		/* total / payload length lies */
			nm_put16(f + (f[12] == 0x86 ? 18 : 16), (uint16_t)rnd(3000));
			break;
		case 3:		/* fragment bits */
			nm_put16(f + 20, (uint16_t)rnd(65536));
			break;
		case 4:
			len = 14 + rnd(len - 13);
			break;
		case 5: {
			uint32_t add = rnd(64);

			for (uint32_t i = 0; i < add; i++)
				f[len + i] = (uint8_t)rnd(256);
			len += add;
			break;
		}
		case 6:		/* next header / protocol */
			f[f[12] == 0x86 ? 20 : 23] = (uint8_t)rnd(256);
			break;
		default:
			break;
		}
		if (rnd(2))
			t_fill_csums(f, len);
	}
	return len;
}

static void drain(struct t_raw *r)
{
	static uint8_t buf[70000];

	while (t_raw_recv(r, buf, sizeof(buf)) > 0)
		;
}

int main(void)
{
	static uint8_t f[4096];
	struct t_raw r;
	uint64_t direct = 0, wired = 0;

	t_raw_up(&r, NM_STACK_BUSY_POLL);
	struct nm_iface *ifc = t_iface(r.st);
	for (int i = 0; i < FRAMES; i++) {
		uint32_t len = build(f);

		if (i & 1) {
			struct nm_skb *skb = nm_skb_alloc(len);

			T_ASSERT(skb);
			memcpy(nm_skb_put(skb, len), f, len);
			r.st->now_us = nm_now_us();
			nm_eth_rcv(ifc, skb);
			direct++;
		} else {
			while (t_raw_send(&r, f, len) == -EAGAIN) {
				nm_stack_poll(r.st, 0);
				drain(&r);
			}
			wired++;
		}
		if (i % BATCH == BATCH - 1) {
			while (nm_stack_poll(r.st, 0) > 0)
				;
			drain(&r);
		}
	}
	while (nm_stack_poll(r.st, 0) > 0)
		;
	drain(&r);

	struct nm_stack_stats s = t_stats(r.st);
	struct nm_queue_stats q;
	T_OK(nm_netdev_get_stats(r.nd, &q, sizeof(q)));
	printf("%" PRIu64 " direct, %" PRIu64 " wired (%" PRIu64 " reached the stack)\n", direct,
	       wired, s.rx_frames);
	printf("eth: bad %" PRIu64 " not_ours %" PRIu64 " vlan %" PRIu64 " unknown %" PRIu64
	       "; arp %" PRIu64 " (bad %" PRIu64 ")\n", s.eth_bad, s.eth_not_ours,
	       s.eth_vlan_dropped, s.eth_unknown_type, s.arp_in, s.arp_bad);
	printf("ip4: in %" PRIu64 " bad %" PRIu64 " frag %" PRIu64 " not_ours %" PRIu64
	       " delivered %" PRIu64 "; ip6: in %" PRIu64 " bad %" PRIu64 " frag %" PRIu64
	       " not_ours %" PRIu64 " delivered %" PRIu64 "\n", s.ip4_in, s.ip4_bad_header,
	       s.ip4_fragments, s.ip4_not_ours, s.ip4_delivered, s.ip6_in, s.ip6_bad_header,
	       s.ip6_fragments, s.ip6_not_ours, s.ip6_delivered);
	printf("icmp: in %" PRIu64 " bad %" PRIu64 " echo %" PRIu64 " errors %" PRIu64
	       "; icmp6: in %" PRIu64 " bad %" PRIu64 " echo %" PRIu64 "; nd bad %" PRIu64 "\n",
	       s.icmp_in, s.icmp_bad, s.icmp_echo_replied, s.icmp_in_errors, s.icmp6_in,
	       s.icmp6_bad, s.icmp6_echo_replied, s.nd_bad);
	t_stats_add_up(&s, direct);
	/* the mix reached every branch */
	T_ASSERT(s.rx_frames > wired / 4);
	T_ASSERT(s.ip4_bad_header && s.ip4_fragments && s.ip4_not_ours && s.ip4_delivered);
	T_ASSERT(s.ip6_bad_header && s.ip6_fragments && s.ip6_not_ours && s.ip6_delivered);
	T_ASSERT(s.icmp_echo_replied && s.icmp6_echo_replied && s.icmp_bad && s.icmp6_bad);
	T_ASSERT(s.icmp_in_errors && s.eth_vlan_dropped && s.eth_not_ours && s.arp_bad);

	/* still alive: the peer announces itself and pings */
	T_ASSERT(t_raw_ping_answered(&r, 2000));
	t_raw_down(&r);
	T_PASS();
}
