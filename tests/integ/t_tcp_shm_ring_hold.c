/* SPDX-License-Identifier: MIT */
/*
 * A receiver that keeps what a sender's ring holds (docs/nic.md, "Two
 * copies from send to recv"): over an in-process shm pair the payload of a
 * plain send is lent to the receiver where it lies in the sender's send
 * ring, so the ring must not write over those bytes while the receiver
 * keeps them, acknowledged or not.
 *  1. A receiver that waits for much more than the sender's ring holds
 *     before it reads (it peeks until 2 MiB are queued; the sender's
 *     SO_SNDBUF is 64 KiB): the sender runs out of ring, asks for its
 *     bytes back, the receiving NIC copies the held payloads out
 *     (loan_migrated), and the stream goes on; byte-exact.  Without the
 *     asking it would wait for ever.
 *  2. The sender closes with its bytes still lent: they stay readable
 *     until read (the ring's memory outlives the connection), then EOF.
 *  3. The sender's host (stack, NIC, wire end) is destroyed with its bytes
 *     still lent: the revoke does not wait for this thread's own loans,
 *     the bytes stay readable, and their references go back at the read.
 *  4. The receiver's host is destroyed with the sender's bytes lent: its
 *     NIC copies them out and gives the frames back, so the sender gets
 *     every reference back and closes.
 */
#include "t_tcp.h"
#include "t_wire.h"
#include "nic/wire_shm.h"

static uint8_t buf[4u << 20];

/* Bytes queued on sd, by peeking (nothing is taken). */
static uint32_t queued(int sd)
{
	ssize_t r = nm_recv(sd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

	return r > 0 ? (uint32_t)r : 0;
}

/* Send len bytes of the pattern from *sent on, pumping, until queued(ssd)
 * reaches want (or 20 s). */
static void fill(struct t_net *n, int csd, int ssd, uint64_t *sent, uint64_t len, uint32_t want)
{
	uint64_t end = *sent + len, t0 = t_now_ns();

	while (queued(ssd) < want) {
		T_ASSERT(t_now_ns() - t0 < 20000000000ull);
		if (*sent < end) {
			uint64_t k = end - *sent < T_PAT_RUN ? end - *sent : T_PAT_RUN;
			ssize_t r = nm_send(csd, t_pat(*sent), k, MSG_DONTWAIT);

			T_ASSERT(r > 0 || r == -EAGAIN);
			if (r > 0)
				*sent += (uint64_t)r;
		}
		t_pump(n);
	}
}

static void read_all(struct t_net *n, int ssd, uint64_t *got, uint64_t len)
{
	uint64_t end = *got + len;

	while (*got < end) {
		ssize_t r = nm_recv(ssd, buf, end - *got < sizeof(buf) ? end - *got : sizeof(buf),
				    MSG_DONTWAIT);

		if (r > 0) {
			T_ASSERT(t_pat_ok(buf, (uint64_t)r, *got));
			*got += (uint64_t)r;
		} else {
			t_pump(n);
		}
	}
}

static uint64_t migrated(struct nm_netdev *nd)
{
	struct nm_queue_stats q;

	T_OK(nm_netdev_get_stats(nd, &q, sizeof(q)));
	return q.loan_migrated;
}

int main(void)
{
	int snd = 64 << 10, rcv = 4 << 20, lsd, csd, ssd;
	uint64_t sent = 0, got = 0;
	struct nm_wire_stats w;
	struct t_net n;

	T_NEED_SHM_REFS();
	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7430, 4);
	T_OK(nm_setsockopt(lsd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)));
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7430, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)));

	/* 1: 2 MiB wait unread for a 64 KiB SO_SNDBUF */
	fill(&n, csd, ssd, &sent, 2u << 20, 2u << 20);
	T_ASSERT(migrated(n.ndb) > 0);
	T_OK(nm_wire_get_stats(n.wa, &w, sizeof(w)));
	T_ASSERT(w.tx_ref_bytes > (1u << 20));
	read_all(&n, ssd, &got, 2u << 20);

	/* 2: the sender closes with its bytes lent */
	fill(&n, csd, ssd, &sent, 256u << 10, 256u << 10);
	T_OK(nm_close(csd));
	for (int i = 0; i < 50; i++)
		t_pump(&n);
	read_all(&n, ssd, &got, 256u << 10);
	T_EQ(nm_recv(ssd, buf, 1, MSG_DONTWAIT), 0);	/* EOF */
	T_OK(nm_close(ssd));

	/* 3: the sender's host goes with its bytes lent */
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7430, &ssd);
	sent = got = 0;
	fill(&n, csd, ssd, &sent, 256u << 10, 256u << 10);
	T_ASSERT(nm__wire_shm_refs_out(n.wa) > 0);
	T_OK(nm_host_destroy(n.ha));
	n.ha = NULL;
	n.sa = NULL;
	while (got < (256u << 10)) {
		ssize_t r = nm_recv(ssd, buf, sizeof(buf), MSG_DONTWAIT);

		T_ASSERT(r > 0);
		T_ASSERT(t_pat_ok(buf, (uint64_t)r, got));
		got += (uint64_t)r;
	}
	T_OK(nm_stack_poll(n.sb, 0));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	T_OK(nm_host_stack_down(n.hb));
	T_OK(nm_host_destroy(n.hb));
	T_OK(nm_topo_destroy(n.topo));

	/* 4: the receiver's host goes with the sender's bytes lent */
	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7430, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7430, &ssd);
	sent = 0;
	fill(&n, csd, ssd, &sent, 256u << 10, 256u << 10);
	T_ASSERT(nm__wire_shm_refs_out(n.wa) > 0);
	T_OK(nm_host_destroy(n.hb));
	n.hb = NULL;
	n.sb = NULL;
	T_OK(nm_stack_poll(n.sa, 0));
	T_EQ(nm__wire_shm_refs_out(n.wa), 0);
	T_OK(nm_close(csd));
	T_OK(nm_host_stack_down(n.ha));
	T_OK(nm_host_destroy(n.ha));
	T_OK(nm_topo_destroy(n.topo));
	T_PASS();
}
