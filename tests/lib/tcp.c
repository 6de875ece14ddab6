/* SPDX-License-Identifier: MIT */
/*
 * White-box access to a TCP connection (t_tcp.h): the tcb behind a
 * socket, segments injected as if from its peer, and the persist timer's
 * backoff as a check.
 */
#include <arpa/inet.h>

#include "t_tcp.h"

struct nm_tcp_sock *t_tcb(struct nm_stack *st, int sd)
{
	struct sockaddr_in6 l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	struct nm_addr la = { .b = { [10] = 0xff, [11] = 0xff } }, ra = la;

	if (nm_getsockname(sd, (struct sockaddr *)&l, &ll) < 0 ||
	    nm_getpeername(sd, (struct sockaddr *)&r, &rl) < 0)
		return NULL;
	if (l.sin6_family == AF_INET6) {
		memcpy(la.b, &l.sin6_addr, 16);
		memcpy(ra.b, &r.sin6_addr, 16);
	} else {
		memcpy(la.b + 12, &((struct sockaddr_in *)&l)->sin_addr, 4);
		memcpy(ra.b + 12, &((struct sockaddr_in *)&r)->sin_addr, 4);
	}
	return nm_tcp_lookup_conn(st->tcp, &la, ntohs(l.sin6_port), &ra, ntohs(r.sin6_port));
}

void t_assert_backoff(const uint64_t *at, int n)
{
	for (int i = 0; i < n; i++)
		printf("probe %d at +%llu ms\n", i, (unsigned long long)((at[i] - at[0]) / 1000));
	T_ASSERT(n >= 3);
	for (int i = 2; i < n; i++) {
		double prev = (double)(at[i - 1] - at[i - 2]), cur = (double)(at[i] - at[i - 1]);

		if (cur < 1.5 * prev || cur > 2.6 * prev)
			T_FAIL("probe interval %d: %.0f ms after %.0f ms: no exponential backoff", i,
			       cur / 1000, prev / 1000);
	}
}

void t_inject(struct nm_stack *st, struct nm_tcp_sock *tp, const struct t_inj *s)
{
	uint32_t hlen = s->sack_start != s->sack_end ? 32 : 20;
	struct nm_skb *skb = nm_skb_alloc(NM_SKB_HEADROOM + hlen + s->len);
	uint8_t *th;

	T_ASSERT(skb);
	th = nm_skb_put(skb, hlen + s->len);
	T_ASSERT(th);
	memset(th, 0, hlen);
	t_put16(th, tp->rport);
	t_put16(th + 2, tp->lport);
	t_put32(th + 4, s->seq);
	t_put32(th + 8, s->ack);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = s->flags;
	t_put16(th + 14, 0xffff);
	if (hlen > 20) {
		th[20] = th[21] = 1;	/* NOP NOP SACK */
		th[22] = 5;
		th[23] = 10;
		t_put32(th + 24, s->sack_start);
		t_put32(th + 28, s->sack_end);
	}
	memset(th + hlen, s->c, s->len);
	skb->csum_ok = true;	/* as if the NIC checked it */
	nm_tcp_rcv(st, skb, &tp->raddr, &tp->laddr);
}

bool t_quiet(void *arg)
{
	struct t_net *n = arg;

	return nm_stack_poll(n->sa, 0) == 0 && nm_stack_poll(n->sb, 0) == 0;
}
