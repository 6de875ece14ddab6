/* SPDX-License-Identifier: MIT */
#ifndef NM_NET_INTERNAL_H
#define NM_NET_INTERNAL_H

/*
 * Internals of the net/ layer (and what sock/ and TCP use of it).
 *
 *	stack.c   the loop: netdevs -> skbs -> eth; timers; blocking/busy poll
 *	dev.c     the one way out: skb -> the NIC's transmit (dev_queue_xmit)
 *	eth.c     Ethernet in/out, ethertype demux
 *	arp.c     ARP cache, resolution with queued packets, timeouts
 *	ipv4.c    IPv4 in (checks, fragments counted and dropped) and out
 *	ipv6.c    IPv6 in (extension headers) and out
 *	nd.c      IPv6 neighbour discovery (NS/NA), the neighbour cache
 *	icmp.c    ICMP and ICMPv6 echo, errors to TCP
 *	route.c   connected subnets and default gateways
 *	tcp_*.c   TCP (see tcp.h)
 *
 * Addresses inside the stack are struct nm_addr: 16 bytes, IPv4 as
 * IPv4-mapped (::ffff:a.b.c.d) so TCP keys one table for both families.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <netmem/netdev.h>
#include <netmem/stack.h>

#include "net/skb.h"
#include "net/timer.h"

#define NM_STACK_MAX_IFACES	8

struct nm_addr {
	uint8_t b[16];
};

static inline bool nm_addr_is_v4(const struct nm_addr *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	for (int i = 0; i < 12; i++)
		if (a->b[i] != pfx[i])
			return false;
	return true;
}

/* A neighbour entry (ARP or ND): IP -> MAC, with packets waiting for it. */
enum nm_neigh_state { NM_NEIGH_NONE = 0, NM_NEIGH_INCOMPLETE, NM_NEIGH_REACHABLE,
		      NM_NEIGH_STALE, NM_NEIGH_FAILED };

struct nm_iface {
	struct nm_stack *st;
	int idx;
	struct nm_netdev *nd;
	uint8_t mac[6];
	uint32_t mtu;
	/* IPv4 */
	bool has4;
	struct nm_addr addr4, gw4;
	uint8_t plen4;
	bool has_gw4;
	/* IPv6: global (optional) and link-local (always) */
	bool has6;
	struct nm_addr addr6, ll6, gw6;
	uint8_t plen6;
	bool has_gw6;
	struct nm_neigh_table *neigh;	/* ARP and ND share the table */
	struct nm_dev_tx *tx;		/* dev.c: the transmit side */
};

struct nm_tcp_table;	/* tcp_*.c */

struct nm_stack {
	uint32_t flags;
	/* hooks (stack_hook.c): rings of other threads served in each pass */
	_Atomic(unsigned) nr_hooks;	/* read every pass without the lock */
	pthread_mutex_t hooks_lock;	/* held while hooks run and change */
	struct nm_stack_hook *hooks;
	bool in_hooks;			/* a hook called back into the loop */
	_Atomic(unsigned long) owner;	/* pthread_self() of the last poller, 0: none */
	struct nm_iface *ifaces[NM_STACK_MAX_IFACES];
	int nr_ifaces;
	struct nm_timer_wheel *wheel;
	uint64_t now_us;		/* of the current loop iteration */
	uint32_t spin_us;		/* before a sleep; 0: never (stack.c) */
	bool spin_hot;			/* traffic flows: spin before the next sleep */
	uint8_t spin_misses;		/* spins in a row that found nothing (capped) */
	uint32_t spin_skip;		/* short sleeps left before the next spin */
	int epfd, timerfd;
	struct nm_tcp_table *tcp;
	struct nm_stack_stats stats;
	uint32_t ip4_id;		/* next IPv4 identification */
	/* net layer (stack.c, icmp.c) */
	uint64_t timer_armed_us;	/* absolute expiry the timerfd is armed for */
	uint16_t echo_last_id, echo_last_seq;	/* the last echo reply received */
	uint32_t echo_last_len;		/* its payload bytes */
};

/* ---- dev.c: the one way out ------------------------------------------- */

/* Set up (add_iface) and free (stack destroy, or a failed add) ifc's
 * transmit side: a bounce buffer mapped for its NIC.  fini is safe after
 * a partial init. */
/* size bytes of host memory mapped for dev to read (a bounce buffer, a
 * TCP send ring); 0 or -errno, *obj and *map NULL then. */
int nm_dev_tx_buf(struct nm_device *dev, uint32_t size, struct nm_memobj **obj,
		  struct nm_dma_mapping **map);
int nm_dev_init(struct nm_iface *ifc);
void nm_dev_fini(struct nm_iface *ifc);
/* Hand a finished frame (Ethernet header at data) to ifc's NIC, TX queue
 * 0: linear part as headers, frags as payload.  Every frame net/ sends
 * leaves here.  Consumes skb. */
int nm_dev_queue_xmit(struct nm_iface *ifc, struct nm_skb *skb);

/* ---- eth.c --------------------------------------------------------------- */

void nm_eth_rcv(struct nm_iface *ifc, struct nm_skb *skb);
/* Push an Ethernet header and send.  Consumes skb. */
int nm_eth_output(struct nm_iface *ifc, struct nm_skb *skb, const uint8_t dst[6],
		  uint16_t ethertype);

/* ---- neighbours (arp.c, nd.c) ------------------------------------------ */

int nm_neigh_table_create(struct nm_iface *ifc, struct nm_neigh_table **out);
void nm_neigh_table_destroy(struct nm_neigh_table *t);
/* Send skb (network header at data) to nexthop: at once if its MAC is
 * known, else queued while ARP / ND resolves it (a bounded queue; dropped
 * and counted when resolution fails).  Consumes skb. */
int nm_neigh_output(struct nm_iface *ifc, const struct nm_addr *nexthop, struct nm_skb *skb);
void nm_arp_rcv(struct nm_iface *ifc, struct nm_skb *skb);
void nm_nd_rcv(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
	       const struct nm_addr *dst, uint8_t hop_limit);

/* ---- IP (ipv4.c, ipv6.c, route.c) ----------------------------------------- */

struct nm_route {
	struct nm_iface *ifc;
	struct nm_addr nexthop;		/* the destination itself on a connected subnet */
	struct nm_addr src;		/* the address to send from */
};
/* -ENETUNREACH (counted) when nothing routes dst. */
int nm_route_lookup(struct nm_stack *st, const struct nm_addr *dst, struct nm_route *rt);
/* Is a one of our addresses (any interface)? */
bool nm_addr_is_local(struct nm_stack *st, const struct nm_addr *a);

void nm_ipv4_rcv(struct nm_iface *ifc, struct nm_skb *skb);
void nm_ipv6_rcv(struct nm_iface *ifc, struct nm_skb *skb);
/*
 * Send an upper-layer packet: skb->data points at the L4 header (TCP,
 * ICMP); src/dst choose the family.  Pushes the IP header, routes,
 * resolves the neighbour and sends.  Consumes skb.  skb->csum_partial asks
 * the NIC to fill the L4 checksum (the L4 header then holds the pseudo-
 * header sum), skb->gso_size > 0 asks for TSO.
 */
int nm_ip_output(struct nm_stack *st, struct nm_skb *skb, const struct nm_addr *src,
		 const struct nm_addr *dst, uint8_t proto);
/* MTU of the route to dst (0 if none). */
uint32_t nm_ip_route_mtu(struct nm_stack *st, const struct nm_addr *dst);

/* ---- icmp.c ----------------------------------------------------------------- */

void nm_icmp_rcv(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
		 const struct nm_addr *dst);
void nm_icmp6_rcv(struct nm_iface *ifc, struct nm_skb *skb, const struct nm_addr *src,
		  const struct nm_addr *dst, uint8_t hop_limit);

/*
 * Send an echo request to dst (ICMP for an IPv4-mapped dst, else ICMPv6)
 * with id, seq and len bytes of payload (tests, diagnostics).  Replies are
 * counted in icmp_echo_reply_in / icmp6_echo_reply_in and the last one is
 * recorded in st->echo_last_*.
 */
int nm_icmp_echo_send(struct nm_stack *st, const struct nm_addr *dst, uint16_t id,
		      uint16_t seq, const void *payload, uint32_t len);

/* ---- neighbour cache tuning and inspection (arp.c; tests) ------------------ */

struct nm_neigh_params {
	uint64_t reachable_us;		/* REACHABLE -> STALE (30 s) */
	uint64_t retrans_us;		/* between probes (1 s) */
	uint64_t gc_us;			/* STALE / FAILED entries unused this long go (60 s) */
	uint64_t delay_us;		/* STALE used -> first unicast probe (5 s) */
	uint32_t probes;		/* solicitations before FAILED (3) */
	uint32_t queue_max;		/* packets queued per entry (16) */
};
/* Zero fields keep their value. */
int nm_neigh_set_params(struct nm_iface *ifc, const struct nm_neigh_params *p);
/* The state of ip's entry (NM_NEIGH_NONE if none); its MAC into mac if
 * not NULL and known. */
enum nm_neigh_state nm_neigh_state(struct nm_iface *ifc, const struct nm_addr *ip,
				   uint8_t mac[6]);

/* ---- the loop (stack.c) ------------------------------------------------------- */

/* Run the hooks once (stack_hook.c; stack.c calls it each pass).  Returns
 * the work they did.  Inline, so that a pass without hooks (a program
 * without rings) pays one load and no call. */
int nm__stack_run_hooks(struct nm_stack *st);
static inline int nm_stack_run_hooks(struct nm_stack *st)
{
	if (!atomic_load_explicit(&st->nr_hooks, memory_order_acquire))
		return 0;
	return nm__stack_run_hooks(st);
}
void nm_stack_hooks_fini(struct nm_stack *st);
int nm_stack_hooks_init(struct nm_stack *st);

/* For a caller that sleeps on nm_stack_get_fd() while other threads call
 * into the stack between passes (src/rt/'s poller): a call outside a pass
 * may arm a timer (a send's retransmission timer) earlier than the one
 * the timerfd waits for; this re-arms the timerfd then.  O(1) when no
 * earlier timer was armed since the last pass or sync.  Caller must own
 * the stack (its thread or lock). */
void nm_stack_timer_sync(struct nm_stack *st);

/* ---- TCP (tcp_*.c), what the IP layer calls ------------------------------------ */

int nm_tcp_init(struct nm_stack *st);
void nm_tcp_fini(struct nm_stack *st);
/* skb->data at the TCP header, skb->len covering header and payload. */
void nm_tcp_rcv(struct nm_stack *st, struct nm_skb *skb, const struct nm_addr *src,
		const struct nm_addr *dst);
/* An ICMP error (unreachable, too big) about a segment we sent; seq is the
 * sequence number quoted in it (checked against the connection, RFC 5927). */
void nm_tcp_err(struct nm_stack *st, const struct nm_addr *src, const struct nm_addr *dst,
		uint16_t sport, uint16_t dport, uint32_t seq, int err, uint32_t mtu);

#endif
