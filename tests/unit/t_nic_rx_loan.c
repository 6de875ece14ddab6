/* SPDX-License-Identifier: MIT */
/*
 * Payload on loan from the shm wire: a host-memory queue gets each large
 * payload in place (one frag inside the wire's region, headers copied to
 * a header buffer), intact.  A packet the application keeps holds its frame
 * on the wire; released packets give the room back at the next poll, or
 * at once on nm_netdev_rx_reclaim().  When
 * held frames fill half the wire, the oldest are copied out (their packets
 * still read the same bytes after the producer reuses the room).  A netdev
 * destroyed under held packets copies them out too: they outlive the wire.
 * Small payloads, device-memory queues and the feature turned off all get
 * the copy path.
 */
#include "t_net.h"
#include "nic/netdev_drv.h"
#include "nic/wire_shm.h"
#include "pool/memory_provider.h"
#include <netmem/dmabuf.h>

#define PAY	8000u
#define NPKT	64

struct env {
	struct t_nic t;
	struct nm_device *nic, *gpu;
	struct nm_wire *a, *b;
	struct nm_netdev *nd;
	struct t_flow f;
	uint64_t sent;			/* payload bytes sent: the next pattern offset */
};

/* A 256 KiB arena: a few dozen frames fill half of it. */
static void up(struct env *e)
{
	memset(e, 0, sizeof(*e));
	t_nic_up_wire(&e->t, 1, 9000, false, 256 << 10, 256);
	e->nic = e->t.nic;
	e->gpu = e->t.gpu;
	e->a = e->t.a;
	e->b = e->t.b;
	e->nd = e->t.nd;
	t_flow_v4(&e->f, 0xc6120001, 0xc6120002, 1, 2);
}

static struct nm_queue_stats stats(struct env *e)
{
	struct nm_queue_stats st;

	T_OK(nm_netdev_get_stats(e->nd, &st, sizeof(st)));
	return st;
}

/* Send one frame with len payload bytes; -EAGAIN when the wire is full. */
static int send1(struct env *e, uint32_t len)
{
	static uint8_t frame[9100];
	uint32_t n;
	int r;

	e->f.seq = (uint32_t)e->sent;
	n = t_flow_frame(frame, &e->f, len, 0);
	r = t_wire_send(e->b, frame, n, NULL);
	if (r == 0)
		e->sent += len;
	return r;
}

/* Poll until n packets are out (the frames were sent before). */
static void take(struct env *e, struct nm_rx_pkt *p, int n)
{
	int got = 0;

	for (int i = 0; i < 100 && got < n; i++) {
		nm_netdev_poll(e->nd, 64);
		got += nm_netdev_rx_poll(e->nd, 0, p + got, (uint32_t)(n - got));
	}
	T_EQ(got, n);
}

static bool in_wire(struct env *e, const void *p)
{
	void *base;
	size_t size;

	T_OK(nm__wire_shm_region(e->a, &base, &size));
	return (const uint8_t *)p >= (const uint8_t *)base &&
	       (const uint8_t *)p < (const uint8_t *)base + size;
}

/* pkt's payload is len bytes of the pattern at stream offset off; returns
 * whether it lies in the wire (lent) */
static bool check_payload(struct env *e, const struct nm_rx_pkt *pkt, uint64_t off, uint32_t len)
{
	static uint8_t want[PAY];
	uint32_t got = 0;
	bool lent = false;

	t_pat_fill(want, len, off);
	for (int k = 0; k < pkt->nr_frags; k++) {
		const struct nm_rx_frag *fr = &pkt->frags[k];
		const uint8_t *p = (const uint8_t *)nm_netmem_address(fr->netmem) + fr->off;

		T_ASSERT(got + fr->len <= len);
		T_ASSERT(!memcmp(p, want + got, fr->len));
		lent |= in_wire(e, p);
		got += fr->len;
	}
	T_EQ(got, len);
	return lent;
}

static void release_all(struct nm_rx_pkt *p, int n)
{
	for (int i = 0; i < n; i++)
		nm_rx_pkt_release(&p[i]);
}

/* Lent in place, one frag each; small payloads copied. */
static void lend_basic(struct env *e)
{
	struct nm_rx_pkt p[4];
	uint64_t off = e->sent, loaned = stats(e).rx_loaned;

	T_OK(send1(e, PAY));
	T_OK(send1(e, 100));
	take(e, p, 2);
	T_ASSERT(p[0].flags & NM_RX_F_SPLIT);
	T_EQ(p[0].nr_frags, 1);
	T_ASSERT(nm_netmem_address(p[0].hdr) && !in_wire(e, nm_netmem_address(p[0].hdr)));
	T_ASSERT(check_payload(e, &p[0], off, PAY));
	T_ASSERT(!check_payload(e, &p[1], off + PAY, 100));
	T_EQ(stats(e).rx_loaned, loaned + 1);
	release_all(p, 2);
}

/* Held packets hold the wire; releasing them frees it at the next poll. */
static void hold_and_give_back(struct env *e)
{
	static struct nm_rx_pkt p[NPKT];
	uint64_t off = e->sent;
	int n = 0;

	/* up to a third of the arena: no pressure */
	while (n < 10) {
		T_OK(send1(e, PAY));
		n++;
	}
	take(e, p, n);
	for (int i = 0; i < n; i++)
		T_ASSERT(check_payload(e, &p[i], off + (uint64_t)i * PAY, PAY));
	/* the rest of the arena fills, and stays full while they are held */
	while (send1(e, PAY) == 0)
		;
	T_ERR(send1(e, PAY), -EAGAIN);
	release_all(p, n);
	/* given back on request, before any poll: room for the sender */
	T_OK(nm_netdev_rx_reclaim(e->nd));
	T_OK(send1(e, PAY));
	T_ERR(nm_netdev_rx_reclaim(NULL), -EINVAL);
	/* the frames queued behind are taken (and lent) by the next polls,
	 * then given back once released */
	for (int round = 0; round < 8; round++) {
		int k;

		nm_netdev_poll(e->nd, 64);
		k = nm_netdev_rx_poll(e->nd, 0, p, NPKT);
		release_all(p, k);
	}
	nm_netdev_poll(e->nd, 64);
	T_OK(send1(e, PAY));
	take(e, p, 1);
	T_ASSERT(check_payload(e, &p[0], e->sent - PAY, PAY));
	release_all(p, 1);
	T_OK(nm__wire_shm_assert_ok(e->a));
}

/* Packets held past half the arena: the oldest are copied out, the wire
 * moves on, and the kept packets still read their own bytes. */
static void pressure(struct env *e)
{
	static struct nm_rx_pkt p[4 * NPKT];
	uint64_t off0 = e->sent, migrated0 = stats(e).loan_migrated;
	int n = 0;

	for (int round = 0; round < 12; round++) {
		int k;

		while (send1(e, PAY) == 0)
			;
		for (int i = 0; i < 4; i++) {
			nm_netdev_poll(e->nd, 64);
			k = nm_netdev_rx_poll(e->nd, 0, p + n, (uint32_t)(4 * NPKT - n));
			n += k;
		}
	}
	/* four arenas' worth went through while every packet was kept */
	T_ASSERT((uint64_t)n * PAY > 4 * (256u << 10));
	T_ASSERT(stats(e).loan_migrated > migrated0);
	for (int i = 0; i < n; i++)
		check_payload(e, &p[i], off0 + (uint64_t)i * PAY, PAY);
	release_all(p, n);
	for (int i = 0; i < 4; i++) {
		nm_netdev_poll(e->nd, 64);
		release_all(p, nm_netdev_rx_poll(e->nd, 0, p, 4 * NPKT));
	}
	T_OK(nm__wire_shm_assert_ok(e->a));
}

/* Feature off, or a device-memory queue: the copy path. */
static void not_lent(struct env *e)
{
	struct nm_dmabuf *buf;
	struct nm_dmabuf_binding *b;
	struct nm_rx_pkt p[2];
	uint64_t loaned = stats(e).rx_loaned, off = e->sent;

	T_OK(nm_netdev_set_features(e->nd, NM_NETIF_F_RX_LOAN, 0));
	T_OK(send1(e, PAY));
	take(e, p, 1);
	T_ASSERT(!check_payload(e, &p[0], off, PAY));
	T_ASSERT(p[0].nr_frags >= 2);
	release_all(p, 1);
	T_OK(nm_netdev_set_features(e->nd, NM_NETIF_F_RX_LOAN, NM_NETIF_F_RX_LOAN));

	T_OK(nm_dmabuf_create_device(e->gpu, 1 << 20, &buf));
	T_OK(nm_dmabuf_binding_create(buf, e->nic, NM_DMA_FROM_DEVICE, 4096, &b));
	T_OK(nm_netdev_rxq_bind_dmabuf(e->nd, 0, b));
	T_OK(send1(e, PAY));
	take(e, p, 1);
	T_ASSERT(p[0].flags & NM_RX_F_UNREADABLE);
	for (int k = 0; k < p[0].nr_frags; k++)
		T_ASSERT(nm_netmem_is_net_iov(p[0].frags[k].netmem));
	release_all(p, 1);
	T_OK(nm_netdev_rxq_set_provider(e->nd, 0, NULL, NULL));
	T_OK(nm_dmabuf_binding_unbind(b));
	nm_dmabuf_put(buf);
	T_EQ(stats(e).rx_loaned, loaned);
}

/* The netdev goes away under held packets; then the wire.  The packets
 * still read their payload, and release cleanly. */
static void destroy_under_loans(struct env *e)
{
	struct nm_rx_pkt p[8];
	uint64_t off = e->sent;

	for (int i = 0; i < 8; i++)
		T_OK(send1(e, PAY));
	take(e, p, 8);
	T_OK(nm_netdev_destroy(e->nd));
	nm_wire_destroy(e->a);
	nm_wire_destroy(e->b);
	e->a = e->b = NULL;
	for (int i = 0; i < 8; i++) {
		static uint8_t want[PAY];
		const struct nm_rx_frag *fr = &p[i].frags[0];

		T_EQ(p[i].nr_frags, 1);
		t_pat_fill(want, PAY, off + (uint64_t)i * PAY);
		T_ASSERT(!memcmp((uint8_t *)nm_netmem_address(fr->netmem) + fr->off, want, PAY));
	}
	release_all(p, 8);
}

int main(void)
{
	struct env e;

	up(&e);
	lend_basic(&e);
	hold_and_give_back(&e);
	pressure(&e);
	not_lent(&e);
	lend_basic(&e);
	destroy_under_loans(&e);
	T_OK(nm_topo_destroy(e.t.topo));
	T_PASS();
}
