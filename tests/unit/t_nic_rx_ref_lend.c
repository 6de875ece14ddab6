/* SPDX-License-Identifier: MIT */
/*
 * A referenced payload lent by the receiving NIC (docs/nic.md, "Two copies
 * from send to recv"): on an in-process shm pair a host queue gets a
 * referenced host payload where the sender keeps it (one frag whose address
 * is the sender's buffer, nothing copied), and its reference goes back only
 * once the packet was released and the NIC gave the frame back; a payload
 * the sender marks as device memory is copied by the NIC, as is one in two
 * pieces.  Of 2000 lent packets kept, those the wire's pressure has the NIC
 * copy out go back early, the rest hold their references until released,
 * and every packet reads its bytes.
 */
#include "t_net.h"
#include "t_frame.h"
#include "nic/netdev_drv.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

#define PAY	8000u
#define NMAX	2100
#define NPKT	8192

static uint8_t frames[NMAX][PAY + 128];
static int released;

static void on_release(void *arg)
{
	(void)arg;
	released++;
}

struct env {
	struct t_nic t;
	struct t_flow f;
	uint64_t sent;
	int n;
};

/* Frame i (the pattern from e->sent) from b, its payload referenced in
 * frames[i]: host memory or not, in one piece or two. */
static int send_ref(struct env *e, bool host, bool two)
{
	uint8_t *fr = frames[e->n % NMAX];
	uint32_t len, hl;
	struct nm_wire_ref ref = { .len = PAY, .release = on_release, .host = host };
	struct iovec h;
	int r;

	e->f.seq = (uint32_t)e->sent;
	len = t_flow_frame(fr, &e->f, PAY, 0);
	hl = len - PAY;
	h = (struct iovec){ fr, hl };
	ref.n = two ? 2 : 1;
	ref.iov[0] = (struct iovec){ fr + hl, two ? 1000 : PAY };
	ref.iov[1] = (struct iovec){ fr + hl + 1000, PAY - 1000 };
	r = nm_wire_xmit_ref(e->t.b, &h, 1, &ref, NULL);
	if (r == 0) {
		e->sent += PAY;
		e->n++;
	}
	return r;
}

static struct nm_queue_stats stats(struct env *e)
{
	struct nm_queue_stats st;

	T_OK(nm_netdev_get_stats(e->t.nd, &st, sizeof(st)));
	return st;
}

static int take(struct env *e, struct nm_rx_pkt *p, int n)
{
	int got = 0;

	for (int i = 0; i < 100 && got < n; i++) {
		nm_netdev_poll(e->t.nd, 64);
		got += nm_netdev_rx_poll(e->t.nd, 0, p + got, (uint32_t)(n - got));
	}
	return got;
}

static const uint8_t *payload(const struct nm_rx_pkt *p)
{
	T_EQ(p->nr_frags, 1);
	return (const uint8_t *)nm_netmem_address(p->frags[0].netmem) + p->frags[0].off;
}

/* p's payload is PAY bytes of the pattern from off, none of it in frames. */
static void copied_ok(const struct nm_rx_pkt *p, uint64_t off)
{
	uint32_t got = 0;

	for (int k = 0; k < p->nr_frags; k++) {
		const uint8_t *b = (const uint8_t *)nm_netmem_address(p->frags[k].netmem) +
				   p->frags[k].off;

		T_ASSERT(b + p->frags[k].len <= frames[0] || b >= frames[NMAX]);
		T_ASSERT(t_pat_ok(b, p->frags[k].len, off + got));
		got += p->frags[k].len;
	}
	T_EQ(got, PAY);
}

int main(void)
{
	static struct nm_rx_pkt p[NPKT];
	struct nm_queue_stats s0;
	struct env e = { 0 };
	int got, want;

	unsetenv("NM_SHM_REFS");
	t_nic_up_wire(&e.t, 1, 9000, false, 4 << 20, 1024);
	t_flow_v4(&e.f, 0xc6120001, 0xc6120002, 1, 2);
	nm_netdev_poll(e.t.nd, 1);		/* it asks for references */
	T_ASSERT(nm_wire_ref_ok(e.t.b, true));
	T_ASSERT(!nm_wire_ref_ok(e.t.b, false));	/* device payloads: the arena */

	/* lent where it lies; back only after the release */
	s0 = stats(&e);
	T_OK(send_ref(&e, true, false));
	T_EQ(take(&e, p, 1), 1);
	T_ASSERT(payload(&p[0]) > frames[0] && payload(&p[0]) < frames[0] + 128);
	T_ASSERT(t_pat_ok(payload(&p[0]), PAY, 0));
	T_EQ(stats(&e).rx_loaned, s0.rx_loaned + 1);
	nm_netdev_poll(e.t.nd, 1);
	nm_wire_tx_complete(e.t.b);
	T_EQ(released, 0);			/* the packet still reads it */
	nm_rx_pkt_release(&p[0]);
	T_OK(nm_netdev_rx_reclaim(e.t.nd));
	nm_wire_tx_complete(e.t.b);
	T_EQ(released, 1);

	/* device memory, or two pieces: copied by the NIC, back at once */
	T_OK(send_ref(&e, false, false));
	T_OK(send_ref(&e, true, true));
	T_EQ(take(&e, p, 2), 2);
	for (int i = 0; i < 2; i++)
		copied_ok(&p[i], (uint64_t)(1 + i) * PAY);
	nm_wire_tx_complete(e.t.b);
	T_EQ(released, 3);
	T_EQ(stats(&e).rx_loaned, s0.rx_loaned + 1);
	nm_rx_pkt_release(&p[0]);
	nm_rx_pkt_release(&p[1]);

	/* 2000 packets kept: nothing comes back before their release, then
	 * every reference does */
	s0 = stats(&e);
	want = got = 0;
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 100 && send_ref(&e, true, false) == 0; i++)
			want++;
		got += take(&e, p + got, NPKT - got);
		nm_wire_tx_complete(e.t.b);
	}
	T_EQ(want, 2000);
	T_EQ(got, want);
	T_EQ(stats(&e).rx_loaned - s0.rx_loaned, (uint64_t)want);
	/* what came back early was copied out under the wire's pressure
	 * (half its ring lent); the packets read the same bytes either way */
	T_EQ((uint64_t)released - 3, stats(&e).loan_migrated - s0.loan_migrated);
	T_ASSERT(released - 3 < want);
	T_EQ(nm__wire_shm_refs_out(e.t.b), want - (released - 3));
	T_OK(nm__wire_shm_assert_ok(e.t.a));
	for (int i = 0; i < got; i++) {
		T_ASSERT(t_pat_ok(payload(&p[i]), PAY, (uint64_t)(3 + i) * PAY));
		nm_rx_pkt_release(&p[i]);
	}
	T_OK(nm_netdev_rx_reclaim(e.t.nd));
	nm_wire_tx_complete(e.t.b);
	T_EQ(released, 3 + want);
	T_EQ(nm__wire_shm_refs_out(e.t.b), 0);
	T_OK(nm__wire_shm_assert_ok(e.t.a));
	t_nic_down(&e.t);
	T_PASS();
}
