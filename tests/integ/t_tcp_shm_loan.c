/* SPDX-License-Identifier: MIT */
/*
 * TCP over a lending shm wire: received payload stays in the wire (the
 * receiving NIC copies no payload: rx_loaned counts every data frame),
 * the stream arrives byte-exact, and a recv that takes everything gives
 * the wire all of its frames back at once, without another poll: the
 * sender then finds the whole arena free (and starts again at its front,
 * where it is still in the cache).
 */
#include "nic/wire_shm.h"
#include "t_tcp.h"

#define LEN	(256u << 10)

static uint8_t tx[LEN], rx[LEN];

/* Frames of direction a -> b published and not yet given back by b. */
static uint64_t outstanding(struct nm_wire *wa)
{
	const struct nm_shm_hdr *h;
	const struct nm_shm_ctrl *c;
	void *base;
	size_t size;

	T_OK(nm__wire_shm_region(wa, &base, &size));
	h = base;
	c = (const struct nm_shm_ctrl *)((const uint8_t *)base + h->dir[0].ctrl_off);
	return atomic_load(&c->head) - atomic_load(&c->tail);
}

int main(void)
{
	struct nm_queue_stats st0, st1;
	struct t_net n;
	uint32_t got = 0, sent = 0;
	int lsd, csd, ssd;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 5201, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 5201, &ssd);
	for (uint32_t i = 0; i < LEN; i++)
		tx[i] = (uint8_t)(i * 7 + (i >> 9));
	T_OK(nm_netdev_get_stats(n.ndb, &st0, sizeof(st0)));

	/* all of it into b's socket, none read yet: the frames stay lent */
	for (int i = 0; i < 2000 && sent < LEN; i++) {
		ssize_t r = nm_send(csd, tx + sent, LEN - sent, MSG_DONTWAIT);

		if (r > 0)
			sent += (uint32_t)r;
		t_pump(&n);
	}
	T_EQ(sent, LEN);
	for (int i = 0; i < 100; i++)
		t_pump(&n);
	T_OK(nm_netdev_get_stats(n.ndb, &st1, sizeof(st1)));
	T_ASSERT(st1.rx_loaned - st0.rx_loaned >= LEN / (64u << 10));
	T_ASSERT(outstanding(n.wa) > 0);

	/* recv takes everything: nothing is left lent, with no poll between */
	while (got < LEN) {
		ssize_t r = nm_recv(ssd, rx + got, LEN - got, MSG_DONTWAIT);

		T_ASSERT(r > 0);
		got += (uint32_t)r;
	}
	T_EQ(outstanding(n.wa), 0);
	T_ASSERT(!memcmp(tx, rx, LEN));
	T_OK(nm__wire_shm_assert_ok(n.wb));

	nm_close(csd);
	nm_close(ssd);
	nm_close(lsd);
	t_net_down(&n);
	T_PASS();
}
