/* SPDX-License-Identifier: MIT */
/*
 * The neighbour cache (shared by ARP and ND: entries are keyed by
 * struct nm_addr, IPv4-mapped or IPv6) and ARP itself (RFC 826).
 *
 * States and timers (one timer per entry):
 *   INCOMPLETE  resolving: a solicitation every retrans (1 s), probes (3) in
 *               all, then FAILED; packets wait on a bounded queue (16) and
 *               are sent when the MAC arrives, dropped and counted on FAILED
 *               or when the queue is full.
 *   REACHABLE   confirmed by a reply; after reachable (30 s) -> STALE.
 *   STALE       MAC known but unconfirmed (aged, or learnt from a request):
 *               still used; the first use starts, after delay (5 s, Linux's
 *               DELAY state), unicast probes retrans apart; a reply makes it
 *               REACHABLE again, no reply after probes makes it FAILED.
 *               Unused for gc (60 s): freed.
 *   FAILED      no answer: the next packet restarts resolution; unused for
 *               gc: freed.
 * TCP gives no reachability hints, so an active neighbour costs one
 * unicast probe per reachable time.
 *
 * ARP input: requests for our address are answered and teach us the
 * sender (like Linux); replies update only entries we have; gratuitous ARP
 * (sender == target) updates an existing entry and is ignored otherwise.
 *
 * Invariants: 1. an entry is in exactly one bucket; 2. pending is empty
 * unless INCOMPLETE; 3. an entry's timer is pending while the entry exists
 * (every state has a timeout), so the wheel always holds it.
 * Workload: a handful of neighbours per interface; lookups on every sent
 * packet (a short hash chain).
 */
#include <stdlib.h>
#include <string.h>

#include "net/ip.h"
#include "nic/pkt.h"
#include "util/err.h"

#define NEIGH_BUCKETS	64
#define NEIGH_MAX	1024

struct nm_neigh {
	struct nm_neigh *hnext;
	struct nm_neigh_table *t;
	struct nm_addr ip;
	uint8_t mac[6];
	enum nm_neigh_state state;
	bool probing;			/* STALE, unicast probes under way */
	uint32_t probes;		/* solicitations sent in this round */
	uint64_t used_us;		/* last packet sent through it */
	struct nm_timer timer;
	struct nm_skb_queue pending;
};

struct nm_neigh_table {
	struct nm_iface *ifc;
	struct nm_neigh_params p;
	uint32_t count;
	struct nm_neigh *buckets[NEIGH_BUCKETS];
};

static unsigned neigh_hash(const struct nm_addr *a)
{
	uint32_t h;

	memcpy(&h, a->b + 12, 4);
	h ^= a->b[0] ^ (uint32_t)a->b[8] << 8;
	h *= 0x9e3779b1u;
	return h >> 26;		/* 64 buckets */
}

static struct nm_neigh *neigh_find(struct nm_neigh_table *t, const struct nm_addr *ip)
{
	for (struct nm_neigh *n = t->buckets[neigh_hash(ip)]; n; n = n->hnext)
		if (nm_addr_same(&n->ip, ip))
			return n;
	return NULL;
}

static struct nm_stack_stats *neigh_stats(struct nm_neigh *n)
{
	return &n->t->ifc->st->stats;
}

static void neigh_solicit(struct nm_neigh *n, const uint8_t *mac)
{
	if (nm_addr_is_v4(&n->ip))
		nm_arp_solicit(n->t->ifc, &n->ip, mac);
	else
		nm_nd_solicit(n->t->ifc, &n->ip, mac);
	n->probes++;
}

static void neigh_arm(struct nm_neigh *n, uint64_t delay_us)
{
	struct nm_stack *st = n->t->ifc->st;

	/* not st->now_us: output may run between loop iterations (a socket
	 * call), when the loop's time is old */
	nm_timer_mod(st->wheel, &n->timer, nm_now_us() + delay_us);
}

static void neigh_free(struct nm_neigh *n)
{
	struct nm_neigh_table *t = n->t;
	struct nm_neigh **pp = &t->buckets[neigh_hash(&n->ip)];

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
	nm_timer_del(t->ifc->st->wheel, &n->timer);
	n->t->ifc->st->stats.neigh_failed_dropped += n->pending.qlen;
	nm_skb_queue_purge(&n->pending);
	t->count--;
	free(n);
}

/* Send everything that waited for the MAC. */
static void neigh_flush(struct nm_neigh *n)
{
	uint16_t type = nm_addr_is_v4(&n->ip) ? NM_ETH_P_IPV4 : NM_ETH_P_IPV6;
	struct nm_skb *skb;

	while ((skb = nm_skb_dequeue(&n->pending)))
		nm_eth_output(n->t->ifc, skb, n->mac, type);
}

static void neigh_fail(struct nm_neigh *n)
{
	struct nm_stack_stats *s = neigh_stats(n);

	if (nm_addr_is_v4(&n->ip))
		s->arp_timeouts++;
	else
		s->nd_timeouts++;
	s->neigh_failed_dropped += n->pending.qlen;
	nm_skb_queue_purge(&n->pending);
	n->state = NM_NEIGH_FAILED;
	n->probing = false;
	neigh_arm(n, n->t->p.gc_us);
}

static void neigh_timer(struct nm_timer *tm)
{
	struct nm_neigh *n = (struct nm_neigh *)((char *)tm - offsetof(struct nm_neigh, timer));
	struct nm_neigh_table *t = n->t;
	uint64_t now = t->ifc->st->now_us;

	switch (n->state) {
	case NM_NEIGH_INCOMPLETE:
		if (n->probes < t->p.probes) {
			neigh_solicit(n, NULL);
			neigh_arm(n, t->p.retrans_us);
		} else {
			neigh_fail(n);
		}
		return;
	case NM_NEIGH_REACHABLE:
		n->state = NM_NEIGH_STALE;
		n->probing = false;
		neigh_arm(n, t->p.gc_us);
		return;
	case NM_NEIGH_STALE:
		if (n->probing) {
			if (n->probes < t->p.probes) {
				neigh_solicit(n, n->mac);
				neigh_arm(n, t->p.retrans_us);
			} else {
				neigh_fail(n);
			}
			return;
		}
		if (now - n->used_us < t->p.gc_us) {
			neigh_arm(n, t->p.gc_us - (now - n->used_us));
			return;
		}
		neigh_free(n);
		return;
	default:	/* FAILED (or NONE): unused for gc */
		neigh_free(n);
		return;
	}
}

static struct nm_neigh *neigh_create(struct nm_neigh_table *t, const struct nm_addr *ip)
{
	struct nm_neigh *n;
	unsigned h = neigh_hash(ip);

	if (t->count >= NEIGH_MAX)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->t = t;
	n->ip = *ip;
	n->used_us = t->ifc->st->now_us;
	nm_timer_init(&n->timer, neigh_timer);
	nm_skb_queue_init(&n->pending);
	n->hnext = t->buckets[h];
	t->buckets[h] = n;
	t->count++;
	return n;
}

int nm_neigh_table_create(struct nm_iface *ifc, struct nm_neigh_table **out)
{
	struct nm_neigh_table *t;

	if (!ifc || !out)
		return nm_err(EINVAL, "NULL argument");
	t = calloc(1, sizeof(*t));
	if (!t)
		return nm_err(ENOMEM, "out of memory");
	t->ifc = ifc;
	t->p = (struct nm_neigh_params){ .reachable_us = 30000000, .retrans_us = 1000000,
					 .gc_us = 60000000, .delay_us = 5000000, .probes = 3,
					 .queue_max = 16 };
	*out = t;
	return 0;
}

void nm_neigh_table_destroy(struct nm_neigh_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < NEIGH_BUCKETS; i++)
		while (t->buckets[i])
			neigh_free(t->buckets[i]);
	free(t);
}

int nm_neigh_set_params(struct nm_iface *ifc, const struct nm_neigh_params *p)
{
	struct nm_neigh_params *c;

	if (!ifc || !ifc->neigh || !p)
		return nm_err(EINVAL, "NULL argument");
	if (p->probes > 100 || p->queue_max > 4096)
		return nm_err(EINVAL, "probes %u / queue %u out of range",
			      p->probes, p->queue_max);
	c = &ifc->neigh->p;
	if (p->reachable_us)
		c->reachable_us = p->reachable_us;
	if (p->retrans_us)
		c->retrans_us = p->retrans_us;
	if (p->gc_us)
		c->gc_us = p->gc_us;
	if (p->delay_us)
		c->delay_us = p->delay_us;
	if (p->probes)
		c->probes = p->probes;
	if (p->queue_max)
		c->queue_max = p->queue_max;
	return 0;
}

enum nm_neigh_state nm_neigh_state(struct nm_iface *ifc, const struct nm_addr *ip,
				   uint8_t mac[6])
{
	struct nm_neigh *n;

	if (!ifc || !ifc->neigh || !ip)
		return NM_NEIGH_NONE;
	n = neigh_find(ifc->neigh, ip);
	if (!n)
		return NM_NEIGH_NONE;
	if (mac && n->state != NM_NEIGH_INCOMPLETE && n->state != NM_NEIGH_FAILED)
		memcpy(mac, n->mac, 6);
	return n->state;
}

/* Start resolving (a new entry, or a FAILED one that is used again). */
static void neigh_resolve(struct nm_neigh *n)
{
	n->state = NM_NEIGH_INCOMPLETE;
	n->probing = false;
	n->probes = 0;
	neigh_solicit(n, NULL);
	neigh_arm(n, n->t->p.retrans_us);
}

int nm_neigh_output(struct nm_iface *ifc, const struct nm_addr *nexthop, struct nm_skb *skb)
{
	struct nm_neigh_table *t;
	struct nm_neigh *n;
	uint16_t type;

	if (!ifc || !nexthop || !skb) {
		nm_skb_free(skb);
		return nm_err(EINVAL, "NULL argument");
	}
	t = ifc->neigh;
	type = nm_addr_is_v4(nexthop) ? NM_ETH_P_IPV4 : NM_ETH_P_IPV6;
	if (type == NM_ETH_P_IPV6 && nm_addr6_mcast(nexthop)) {
		uint8_t mac[6];

		nm_eth_mcast6(mac, nexthop);
		return nm_eth_output(ifc, skb, mac, type);
	}
	n = neigh_find(t, nexthop);
	if (!n) {
		n = neigh_create(t, nexthop);
		if (!n) {
			ifc->st->stats.neigh_queue_overflow++;
			nm_skb_free(skb);
			return nm_err(ENOBUFS, "neighbour table full");
		}
		n->state = NM_NEIGH_FAILED;	/* resolved below */
	}
	n->used_us = ifc->st->now_us;
	switch (n->state) {
	case NM_NEIGH_REACHABLE:
		return nm_eth_output(ifc, skb, n->mac, type);
	case NM_NEIGH_STALE:
		if (!n->probing) {
			/* Linux's DELAY: give the peer delay_us to confirm
			 * itself (a reply, a solicited NA) before probing */
			n->probing = true;
			n->probes = 0;
			neigh_arm(n, t->p.delay_us);
		}
		return nm_eth_output(ifc, skb, n->mac, type);
	case NM_NEIGH_FAILED:
	case NM_NEIGH_NONE:
		if (skb->tx && skb->nr_frags) {
			/* see below */
			ifc->st->stats.neigh_queue_overflow++;
			nm_skb_free(skb);
			neigh_resolve(n);
			return nm_err(EHOSTUNREACH, "resolving; payload segment dropped");
		}
		nm_skb_queue_tail(&n->pending, skb);
		ifc->st->stats.neigh_queued++;
		neigh_resolve(n);
		return 0;
	case NM_NEIGH_INCOMPLETE:
		/*
		 * A segment whose payload is named by device address (TX frags
		 * into a TCP send ring) must not wait here: the ring may be
		 * unmapped and its addresses reused by another socket before
		 * resolution ends, and the NIC would then send that socket's
		 * bytes.  Drop it; TCP retransmits once the neighbour is known.
		 * Linear packets (SYNs, ICMP, ARP-independent control) wait.
		 */
		if (skb->tx && skb->nr_frags) {
			ifc->st->stats.neigh_queue_overflow++;
			nm_skb_free(skb);
			return nm_err(EHOSTUNREACH, "resolving; payload segment dropped");
		}
		if (n->pending.qlen >= t->p.queue_max) {
			ifc->st->stats.neigh_queue_overflow++;
			nm_skb_free(skb);
			return nm_err(ENOBUFS, "%u packets already wait", t->p.queue_max);
		}
		nm_skb_queue_tail(&n->pending, skb);
		ifc->st->stats.neigh_queued++;
		return 0;
	}
	nm_skb_free(skb);
	return nm_err(EINVAL, "bad state");
}

void nm_neigh_update(struct nm_iface *ifc, const struct nm_addr *ip, const uint8_t mac[6],
		     enum nm_neigh_update how)
{
	struct nm_neigh_table *t = ifc->neigh;
	struct nm_neigh *n = neigh_find(t, ip);
	bool was_incomplete;

	if (!n) {
		if (how != NM_NEIGH_UPD_LEARN)
			return;
		n = neigh_create(t, ip);
		if (!n)
			return;
		n->state = NM_NEIGH_FAILED;
	}
	was_incomplete = n->state == NM_NEIGH_INCOMPLETE;
	if (how == NM_NEIGH_UPD_CONFIRM) {
		memcpy(n->mac, mac, 6);
		n->state = NM_NEIGH_REACHABLE;
		n->probing = false;
		neigh_arm(n, t->p.reachable_us);
		if (was_incomplete) {
			if (nm_addr_is_v4(ip))
				ifc->st->stats.arp_resolved++;
			else
				ifc->st->stats.nd_resolved++;
		}
	} else {
		bool changed = memcmp(n->mac, mac, 6) != 0;

		if (n->state == NM_NEIGH_REACHABLE && !changed)
			return;
		if (n->state == NM_NEIGH_STALE && !changed)
			return;
		memcpy(n->mac, mac, 6);
		n->state = NM_NEIGH_STALE;
		n->probing = false;
		neigh_arm(n, t->p.gc_us);
		if (was_incomplete) {
			if (nm_addr_is_v4(ip))
				ifc->st->stats.arp_resolved++;
			else
				ifc->st->stats.nd_resolved++;
		}
	}
	neigh_flush(n);
}

/* ---- ARP ------------------------------------------------------------------ */

#define ARP_LEN		28
#define ARP_REQUEST	1
#define ARP_REPLY	2

static const uint8_t eth_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void arp_send(struct nm_iface *ifc, uint16_t op, const uint8_t *eth_dst,
		     const uint8_t *tha, const uint8_t *tpa)
{
	struct nm_skb *skb = nm_skb_alloc(ARP_LEN);
	uint8_t *p;

	if (!skb)
		return;
	p = nm_skb_put(skb, ARP_LEN);
	nm_put16(p, 1);
	nm_put16(p + 2, NM_ETH_P_IPV4);
	p[4] = 6;
	p[5] = 4;
	nm_put16(p + 6, op);
	memcpy(p + 8, ifc->mac, 6);
	memcpy(p + 14, ifc->addr4.b + 12, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, tpa, 4);
	if (op == ARP_REQUEST)
		ifc->st->stats.arp_requests++;
	else
		ifc->st->stats.arp_replies++;
	nm_eth_output(ifc, skb, eth_dst, NM_ETH_P_ARP);
}

void nm_arp_solicit(struct nm_iface *ifc, const struct nm_addr *ip, const uint8_t *mac)
{
	static const uint8_t zero[6];

	if (!ifc->has4)
		return;
	arp_send(ifc, ARP_REQUEST, mac ? mac : eth_bcast, zero, ip->b + 12);
}

static bool mac_is_unicast(const uint8_t *m)
{
	static const uint8_t zero[6];

	return !(m[0] & 1) && memcmp(m, zero, 6) != 0;
}

void nm_arp_rcv(struct nm_iface *ifc, struct nm_skb *skb)
{
	struct nm_stack_stats *s = &ifc->st->stats;
	uint8_t a[ARP_LEN];
	const uint8_t *sha = a + 8, *spa = a + 14, *tpa = a + 24;
	struct nm_addr sip;
	uint16_t op;
	bool for_us, gratuitous;

	s->arp_in++;
	if (skb->len < ARP_LEN || nm_skb_copy_bits(skb, 0, a, ARP_LEN) < 0 ||
	    nm_get16(a) != 1 || nm_get16(a + 2) != NM_ETH_P_IPV4 || a[4] != 6 || a[5] != 4 ||
	    ((op = nm_get16(a + 6)) != ARP_REQUEST && op != ARP_REPLY) || !mac_is_unicast(sha) ||
	    nm_addr4_mcast_or_bcast(spa)) {
		s->arp_bad++;
		goto out;
	}
	for_us = ifc->has4 && !memcmp(tpa, ifc->addr4.b + 12, 4);
	gratuitous = !memcmp(spa, tpa, 4);
	nm_addr_set_v4(&sip, spa);
	if (ifc->has4 && !memcmp(spa, ifc->addr4.b + 12, 4)) {
		s->arp_ignored++;	/* someone else claims our address */
		goto out;
	}
	if (spa[0] == 0 && spa[1] == 0 && spa[2] == 0 && spa[3] == 0) {
		/* an address probe (RFC 5227): answer, learn nothing */
		if (op == ARP_REQUEST && for_us)
			arp_send(ifc, ARP_REPLY, sha, sha, spa);
		else
			s->arp_ignored++;
		goto out;
	}
	if (gratuitous) {
		nm_neigh_update(ifc, &sip, sha, NM_NEIGH_UPD_WEAK);
		goto out;
	}
	if (!for_us) {
		s->arp_ignored++;
		goto out;
	}
	if (op == ARP_REQUEST) {
		nm_neigh_update(ifc, &sip, sha, NM_NEIGH_UPD_LEARN);
		arp_send(ifc, ARP_REPLY, sha, sha, spa);
	} else {
		nm_neigh_update(ifc, &sip, sha, NM_NEIGH_UPD_CONFIRM);
	}
out:
	nm_skb_free(skb);
}
