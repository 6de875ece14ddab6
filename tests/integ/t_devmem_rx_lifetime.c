/* SPDX-License-Identifier: MIT */
/*
 * Token and binding lifetime:
 *  - closing a socket that holds tokens gives every one back: after the
 *    binding is also unbound, all of its net_iovs are free (zero in
 *    flight);
 *  - unbinding while another socket holds tokens keeps that memory valid
 *    (the bytes still read back right through the CPU window) until the
 *    tokens return;
 *  - data queued across the unbind: unreadable bytes first, each devmem
 *    recvmsg reporting only device frags, then the readable bytes that
 *    arrived after the queue restarted on host memory, copied with no
 *    cmsg; a call never mixes the two.
 */
#include "t_devmem.h"

static void fill(struct t_net *n, int csd, uint64_t *txpos, uint64_t upto)
{
	while (*txpos < upto) {
		ssize_t s = t_dm_send(csd, txpos, upto - *txpos);

		T_ASSERT(s > 0 || s == -EAGAIN);
		t_pump(n);
	}
	t_pump_for(n, 50);
}

static void drain(struct t_dm *d, int sd, uint64_t *rxpos, uint64_t upto, struct t_dm_rx *keep,
		  struct t_net *n)
{
	uint64_t t0 = t_now_us();

	while (*rxpos < upto) {
		struct t_dm_rx r = { 0 };
		ssize_t k;

		T_ASSERT(t_now_us() - t0 < 10000000u);
		t_pump(n);
		k = t_dm_recv(d, sd, (size_t)(upto - *rxpos), 64, rxpos, &r);
		T_ASSERT(k > 0 || k == -EAGAIN);
		T_EQ(r.lin_bytes, 0);
		t_dm_keep(keep, &r);
	}
}

int main(void)
{
	struct t_net n;
	struct t_dm d;
	struct t_dm_rx k1 = { 0 }, k2 = { 0 };
	struct nm_dmabuf_binding *b;
	uint64_t tx1 = 0, rx1 = 0, tx2 = 0, rx2 = 0;
	bool tx;
	int ifx, lsd, c1, s1, c2, s2;

	t_net_up(&n, NULL);
	t_dm_bind(&d, n.ndb, 4u << 20);
	b = nm_ctl_binding_get(d.id, &tx, &ifx);
	T_ASSERT(b && !tx);
	lsd = t_listen(n.sb, AF_INET, 7002, 4);
	c1 = t_connect_pair(&n, lsd, "198.18.0.2", 7002, &s1);
	c2 = t_connect_pair(&n, lsd, "198.18.0.2", 7002, &s2);

	/* both connections hold tokens */
	fill(&n, c1, &tx1, 256u << 10);
	fill(&n, c2, &tx2, 256u << 10);
	drain(&d, s1, &rx1, 256u << 10, &k1, &n);
	drain(&d, s2, &rx2, 256u << 10, &k2, &n);
	T_ASSERT(k1.ntok > 0 && k2.ntok > 0);

	/* close with tokens out: they go back (checked below via the binding) */
	T_OK(nm_close(s1));
	T_OK(nm_close(c1));

	/* 64 KiB more on c2 stays unread (device memory) across the unbind */
	fill(&n, c2, &tx2, (256u + 64u) << 10);
	T_OK(nm_ctl_close(d.ctl));
	d.ctl = NULL;
	T_ASSERT(nm_dmabuf_binding_is_unbound(b));
	/* and 64 KiB after it lands in host memory */
	fill(&n, c2, &tx2, (256u + 128u) << 10);

	/* memory of c2's tokens is still valid and holds its bytes */
	T_ASSERT(nm_dmabuf_binding_avail(b) < nm_dmabuf_binding_num_niovs(b));
	for (int i = 0; i < k2.ntok; i++)
		T_ASSERT(t_dm_check(&d, k2.off[i], k2.len[i], k2.pos[i]));

	/* the unread device bytes come first, never mixed with readable */
	uint64_t t0 = t_now_us();

	while (rx2 < (256u + 64u) << 10) {
		struct t_dm_rx r = { 0 };
		ssize_t k = t_dm_recv(&d, s2, 1 << 20, 128, &rx2, &r);

		T_ASSERT(t_now_us() - t0 < 10000000u);
		T_ASSERT(k > 0);
		T_EQ(r.dev_bytes, (uint64_t)k);
		T_ASSERT(rx2 <= (256u + 64u) << 10);
		t_dm_keep(&k2, &r);
	}
	while (rx2 < (256u + 128u) << 10) {
		struct t_dm_rx r = { 0 };
		ssize_t k = t_dm_recv(&d, s2, 1 << 20, 128, &rx2, &r);

		T_ASSERT(t_now_us() - t0 < 10000000u);
		T_ASSERT(k > 0 || k == -EAGAIN);
		T_EQ(r.ncmsg, 0);
		T_EQ(r.dev_bytes, 0);
		t_pump(&n);
	}
	/* plain recv works again on host memory */
	fill(&n, c2, &tx2, (256u + 129u) << 10);
	{
		uint8_t buf[1024];

		T_EQ(nm_recv(s2, buf, sizeof(buf), MSG_DONTWAIT), 1024);
		for (int i = 0; i < 1024; i++)
			T_EQ(buf[i], T_PAT(rx2 + (uint64_t)i));
	}

	/* returning c2's tokens frees the last of the binding's memory */
	T_ASSERT(nm_dmabuf_binding_avail(b) < nm_dmabuf_binding_num_niovs(b));
	t_dm_return(s2, &k2);
	t_pump_for(&n, 20);
	T_EQ(nm_dmabuf_binding_avail(b), nm_dmabuf_binding_num_niovs(b));
	T_EQ(nm_dmabuf_binding_refs(b), 1);
	nm_dmabuf_binding_put(b);
	(void)k1;

	T_CLOSE_ALL(&n, 20, s2, c2, lsd);
	t_dm_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
