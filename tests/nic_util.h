/* SPDX-License-Identifier: MIT */
#ifndef NM_T_NIC_UTIL_H
#define NM_T_NIC_UTIL_H

/*
 * Test helpers for the NIC: frame builders (Ethernet / IPv4 or IPv6 /
 * TCP or UDP with correct checksums) and a netdev on one end of an
 * in-process shm wire whose other end the test drives by hand.
 */
#include <arpa/inet.h>
#include <string.h>

#include "csum_util.h"
#include "t_util.h"
#include "util/err.h"
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/wire.h>

struct t_flow {
	int v6;				/* 0: IPv4, 1: IPv6 */
	int udp;
	uint8_t src[16], dst[16];	/* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq;
};

static const uint8_t t_mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t t_mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static inline void t_flow_v4(struct t_flow *f, uint32_t src_host, uint32_t dst_host, uint16_t sport,
			     uint16_t dport)
{
	uint32_t s = htonl(src_host), d = htonl(dst_host);

	memset(f, 0, sizeof(*f));
	memcpy(f->src, &s, 4);
	memcpy(f->dst, &d, 4);
	f->sport = sport;
	f->dport = dport;
}

/* The ncdevmem-like payload pattern: byte i of a stream is i % 251. */
static inline void t_pattern(uint8_t *p, uint64_t stream_off, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((stream_off + i) % 251);
}

/* Build a frame into buf; payload from pattern at stream offset f->seq.
 * tcp_opt_len: bytes of NOP options (multiple of 4).  Returns its length;
 * checksums correct. */
static inline uint32_t t_build(uint8_t *buf, const struct t_flow *f, uint32_t payload_len,
			       uint32_t tcp_opt_len)
{
	uint32_t l3 = 14, l3len = f->v6 ? 40 : 20;
	uint32_t l4len = f->udp ? 8 : 20 + tcp_opt_len;
	uint32_t len = l3 + l3len + l4len + payload_len;
	uint8_t *ip = buf + l3, *l4 = ip + l3len;

	memcpy(buf, t_mac_b, 6);
	memcpy(buf + 6, t_mac_a, 6);
	buf[12] = f->v6 ? 0x86 : 0x08;
	buf[13] = f->v6 ? 0xdd : 0x00;
	memset(ip, 0, l3len + l4len);
	if (f->v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((l4len + payload_len) >> 8);
		ip[5] = (uint8_t)(l4len + payload_len);
		ip[6] = f->udp ? 17 : 6;
		ip[7] = 64;
		memcpy(ip + 8, f->src, 16);
		memcpy(ip + 24, f->dst, 16);
	} else {
		uint32_t tot = l3len + l4len + payload_len;

		ip[0] = 0x45;
		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[6] = 0x40;	/* DF */
		ip[8] = 64;
		ip[9] = f->udp ? 17 : 6;
		memcpy(ip + 12, f->src, 4);
		memcpy(ip + 16, f->dst, 4);
	}
	l4[0] = (uint8_t)(f->sport >> 8);
	l4[1] = (uint8_t)f->sport;
	l4[2] = (uint8_t)(f->dport >> 8);
	l4[3] = (uint8_t)f->dport;
	if (f->udp) {
		l4[4] = (uint8_t)((8 + payload_len) >> 8);
		l4[5] = (uint8_t)(8 + payload_len);
	} else {
		uint32_t seq = htonl(f->seq);

		memcpy(l4 + 4, &seq, 4);
		l4[12] = (uint8_t)(((20 + tcp_opt_len) / 4) << 4);
		l4[13] = 0x18;	/* PSH|ACK */
		l4[14] = 0xff;
		l4[15] = 0xff;
		memset(l4 + 20, 1, tcp_opt_len);	/* NOPs */
	}
	t_pattern(l4 + l4len, f->seq, payload_len);
	T_ASSERT(t_fill_csums(buf, len));
	return len;
}

static inline int t_send(struct nm_wire *w, const uint8_t *frame, uint32_t len)
{
	struct iovec iov = { (void *)frame, len };
	struct nm_wire_meta meta = { 0 };

	return nm_wire_xmit(w, &iov, 1, &meta);
}

/* A topology, a netdev "nm0" on wire end a, the peer end b for the test. */
struct t_nic {
	struct nm_topo *topo;
	struct nm_device *nic, *gpu;
	struct nm_wire *a, *b;
	struct nm_netdev *nd;
};

/* The topology: nic0 (the netdev's DMA device) and gpu0. */
static inline void t_nic_topo(struct t_nic *t)
{
	T_OK(nm_topo_create_default(&t->topo));
	T_OK(nm_topo_device(t->topo, "nic0", &t->nic));
	T_OK(nm_topo_device(t->topo, "gpu0", &t->gpu));
}

/* The netdev "nm0" on wire end t->a, rx_ring descriptors per RX queue. */
static inline void t_nic_netdev(struct t_nic *t, uint32_t rxq, uint32_t mtu, uint32_t rx_ring)
{
	struct nm_netdev_params np = { .name = "nm0", .rx_queues = rxq, .tx_queues = 1,
				       .mtu = mtu, .rx_ring = rx_ring };

	memcpy(np.mac, t_mac_b, 6);
	np.dev = t->nic;
	np.wire = t->a;
	T_OK(nm_netdev_create(&np, &t->nd));
}

/* The same with a wire of arena_bytes and ring_entries (0: the defaults). */
static inline void t_nic_up_wire(struct t_nic *t, uint32_t rxq, uint32_t mtu, bool gso,
				 uint32_t arena_bytes, uint32_t ring_entries)
{
	struct nm_wire_shm_params wp = { .mtu = mtu, .gso = gso, .ring_entries = ring_entries,
					 .arena_bytes = arena_bytes };

	t_nic_topo(t);
	T_OK(nm_wire_shm_pair(&wp, &t->a, &t->b));
	t_nic_netdev(t, rxq, mtu, 256);
}

static inline void t_nic_up(struct t_nic *t, uint32_t rxq, uint32_t mtu, bool gso)
{
	t_nic_up_wire(t, rxq, mtu, gso, 64 << 20, 4096);
}

static inline void t_nic_down(struct t_nic *t)
{
	T_OK(nm_netdev_destroy(t->nd));
	nm_wire_destroy(t->a);
	nm_wire_destroy(t->b);
	T_OK(nm_topo_destroy(t->topo));
}

#endif
