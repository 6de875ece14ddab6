/* SPDX-License-Identifier: MIT */
/*
 * Device sends still queued when things go away (run under ASan to see no
 * leak):
 *  - close() with device bytes queued: the orphaned connection keeps the
 *    binding until the peer's RST ends it, then lets go;
 *  - a connection reset with the descriptor open: every id completes (as
 *    Linux completes what it purges from the write queue), the binding is
 *    let go, sends fail;
 *  - the control handle unbinds while device bytes are in flight: they
 *    still arrive intact, the id is unknown to new sends;
 *  - the stack is destroyed under a connection with device bytes queued;
 *    closing the descriptor afterwards releases everything, so the
 *    topology can be torn down.
 */
#include "t_devmem.h"

/* Fill the connection with device bytes (the receiver does not read). */
static uint64_t fill(struct t_net *n, int csd, uint32_t id, uint32_t *ids)
{
	uint64_t queued = 0;

	for (int i = 0; i < 2000; i++) {
		ssize_t r = t_dtx_send(csd, id, 8 + (uint64_t)(i % 64) * 4096, 64 << 10, 0);

		if (r > 0) {
			queued += (uint64_t)r;
			(*ids)++;
		} else {
			T_EQ(r, -EAGAIN);
		}
		t_pump(n);
	}
	return queued;
}

static int conn(struct t_net *n, int lsd, uint16_t port, int *ssd)
{
	int one = 1, csd = t_connect_pair(n, lsd, "198.18.0.2", port, ssd);

	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	return csd;
}

int main(void)
{
	struct t_net n;
	struct t_dtx d;
	struct t_note o;
	uint32_t ids = 0, next = 0;
	uint64_t q;
	int lsd, csd, ssd;

	t_net_up(&n, NULL);
	t_dtx_bind(&d, n.nda, 4u << 20);
	lsd = t_listen(n.sb, AF_INET, 7600, 8);

	/* close with bytes queued; the peer resets */
	csd = conn(&n, lsd, 7600, &ssd);
	q = fill(&n, csd, d.id, &ids);
	T_ASSERT(q >= (1u << 20));
	T_ASSERT(t_dtx_refs(&d) >= 1);
	T_OK(nm_close(csd));
	t_pump_for(&n, 20);
	T_ASSERT(t_dtx_refs(&d) >= 1);		/* the orphan still sends */
	T_OK(nm_close(ssd));			/* unread data: RST */
	T_EQ(t_dtx_wait_refs(&n, &d, 5000), 0);

	/* reset under an open descriptor: everything completes */
	ids = 0;
	csd = conn(&n, lsd, 7600, &ssd);
	q = fill(&n, csd, d.id, &ids);
	T_ASSERT(ids > 1);
	T_OK(nm_close(ssd));
	t_pump_for(&n, 50);
	T_EQ(t_tcp_state(csd), TCP_CLOSE);
	T_EQ(t_dtx_drain(csd, &next), 1);	/* one merged range */
	T_EQ(next, ids);
	T_EQ(t_dtx_refs(&d), 0);
	T_ERR(t_dtx_send(csd, d.id, 8, 100, 0), -ECONNRESET);
	T_ERR(t_dtx_send(csd, d.id, 8, 100, 0), -EPIPE);
	T_ERR(t_dtx_errq(csd, &o), -EAGAIN);
	T_OK(nm_close(csd));

	/* unbind with bytes in flight: they arrive; the id is gone */
	{
		uint64_t got = 0, end = t_now_us() + 10000000u;

		ids = 0;
		next = 0;
		csd = conn(&n, lsd, 7600, &ssd);
		T_EQ(t_dtx_send(csd, d.id, 8, 3u << 20, 0), 1u << 20);	/* SO_SNDBUF */
		T_OK(nm_ctl_close(d.ctl));
		d.ctl = NULL;
		T_ERR(t_dtx_send(csd, d.id, 8, 100, 0), -EINVAL);
		while (got < (1u << 20)) {
			T_ASSERT(t_now_us() < end);
			t_pump(&n);
			t_dtx_recv_check(ssd, d.va + 8, &got, 1u << 20);
		}
		T_EQ(t_dtx_wait(&n, csd, &o, 2000), 0);
		T_EQ(o.lo, 0);
		T_EQ(o.hi, 0);
		T_EQ(t_dtx_stats(n.sa, csd).maps, 0);	/* the unbound binding is let go */
		T_OK(nm_close(csd));
		T_OK(nm_close(ssd));
		t_pump_for(&n, 20);
		T_OK(nm_ctl_open(&d.ctl));
		T_OK(nm_ctl_bind_tx(d.ctl, nm_netdev_ifindex(n.nda), d.buf, &d.id));
	}

	/* the stack goes away under queued device bytes */
	ids = 0;
	csd = conn(&n, lsd, 7600, &ssd);
	fill(&n, csd, d.id, &ids);
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_stacks_down(&n);		/* nm_stack_destroy() of both */
	T_ASSERT(t_dtx_refs(&d) >= 1);
	T_ERR(t_dtx_send(csd, d.id, 8, 100, 0), -ENOTCONN);
	T_OK(nm_close(csd));
	T_EQ(t_dtx_refs(&d), 0);
	t_dtx_unbind(&d);
	t_net_down(&n);			/* netdevs, wires, topology */
	T_PASS();
}
