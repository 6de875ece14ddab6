/* SPDX-License-Identifier: MIT */
/*
 * The receiver reports duplicates (RFC 2883): a segment that arrives a
 * second time draws an ACK whose first SACK block is that segment, below
 * the cumulative ACK when it was in order, or inside the second block when
 * it sat in the out-of-order queue.  Without DSACKs a sender cannot tell
 * reordering from loss, nor undo a spurious retransmission.
 */
#include "t_tcp.h"

static struct t_frames fa, fb;

/* Deliver A's frames in the order given (indexes into fa), then let B
 * answer; true if one of B's ACKs has the block [s, e) first, checked by
 * ok(ack, blocks, nb). */
static bool deliver_find_dsack(struct t_net *n, const int *order, int cnt, uint32_t s, uint32_t e,
			       bool in_order)
{
	bool found = false;

	for (int i = 0; i < cnt; i++)
		t_put(n, true, &fa, order[i]);
	t_take(n, false, &fb);
	for (int i = 0; i < fb.n; i++) {
		struct t_seg g;
		int nb = t_seg_parse(fb.b[i], fb.len[i], &g) ? g.nsack : -1;

		if (nb < 1 || g.sack[0][0] != s || g.sack[0][1] != e)
			continue;
		if (in_order)
			found |= seq_lt(s, g.ack);
		else
			found |= nb >= 2 && seq_le(g.sack[1][0], s) && seq_ge(g.sack[1][1], e) &&
				 seq_lt(g.ack, s);
	}
	for (int i = 0; i < fb.n; i++)
		t_put(n, false, &fb, i);
	return found;
}

int main(void)
{
	static uint8_t buf[64 << 10];
	struct t_net n;
	struct nm_tcp_sock *tc;
	uint64_t sent = 256 << 10;
	struct t_seg g;
	uint32_t mss, w;
	int lsd, csd, ssd, one = 1;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 6816, 16);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6816, &ssd);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	tc = t_tcb(n.sa, csd);
	t_stream(&n, csd, ssd, sent, 10000);
	mss = tc->mss;

	/* in order: segments 1 2 2 3 4 */
	w = tc->write_seq;
	t_pat_fill(buf, 4 * mss, sent);
	T_EQ(nm_send(csd, buf, 4 * mss, 0), 4 * mss);
	t_take(&n, true, &fa);
	T_EQ(fa.n, 4);
	T_ASSERT(t_seg_parse(fa.b[1], fa.len[1], &g) && g.seq == w + mss);
	T_ASSERT(deliver_find_dsack(&n, (const int[]){ 0, 1, 1, 2, 3 }, 5, w + mss, w + 2 * mss,
				    true));
	t_recv_pattern(&n, ssd, sent, 4 * mss, 5000);
	sent += 4 * mss;

	/* out of order: segment 1 lost, then 2 3 3 4 */
	w = tc->write_seq;
	t_pat_fill(buf, 4 * mss, sent);
	T_EQ(nm_send(csd, buf, 4 * mss, 0), 4 * mss);
	t_take(&n, true, &fa);
	T_EQ(fa.n, 4);
	T_ASSERT(deliver_find_dsack(&n, (const int[]){ 1, 2, 2, 3 }, 4, w + 2 * mss,
				    w + 3 * mss, false));
	/* and the sender repairs the hole */
	t_recv_pattern(&n, ssd, sent, 4 * mss, 5000);

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
