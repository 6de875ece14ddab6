/* Regressions (review): a SYN-ACK with MSS 1 and timestamps wrapped the
 * send MSS to 65525 and the connection never sent; ICMP errors were
 * believed without checking the quoted sequence number (RFC 5927). */
#include "t_tcp.h"
#include "nic/csum.h"
#include "net/ip.h"
#include "sock/sock_internal.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static struct nm_tcp_sock *connect_syn_sent(struct t_net *n, int *csd)
{
	*csd = (int)T_OK(nm_socket(n->sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	struct sockaddr_in a = t_sin("198.18.0.2", 7000);
	T_EQ(nm_connect(*csd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
	for (struct nm_tcp_list *l = n->sa->tcp->all.next; l != &n->sa->tcp->all; l = l->next) {
		struct nm_tcp_sock *t = nm_container_of(l, struct nm_tcp_sock, all);

		if (t == nm_sock_tcb(*csd))
			return t;
	}
	T_FAIL("no tcb");
}

int main(void)
{
	struct t_net n;
	int csd;

	t_net_up(&n, NULL);
	struct nm_tcp_sock *tp = connect_syn_sent(&n, &csd);
	T_EQ(tp->state, NM_TCP_SYN_SENT);

	/* an ICMP port unreachable quoting the wrong sequence is ignored ... */
	nm_tcp_err(n.sa, &tp->laddr, &tp->raddr, tp->lport, tp->rport, tp->iss + 7,
		   ECONNREFUSED, 0);
	T_EQ(tp->state, NM_TCP_SYN_SENT);

	/* ... a SYN-ACK with MSS 1 and timestamps gives a sane MSS */
	uint8_t seg[40] = { 0 };
	seg[0] = (uint8_t)(tp->rport >> 8);
	seg[1] = (uint8_t)tp->rport;
	seg[2] = (uint8_t)(tp->lport >> 8);
	seg[3] = (uint8_t)tp->lport;
	put32(seg + 4, 1000);
	put32(seg + 8, tp->iss + 1);
	seg[12] = (40 / 4) << 4;
	seg[13] = TH_SYN | TH_ACK;
	seg[14] = seg[15] = 0xff;
	uint8_t *o = seg + 20;
	o[0] = 2; o[1] = 4; o[2] = 0; o[3] = 1;		/* MSS 1 */
	o[4] = 8; o[5] = 10; put32(o + 6, 12345); put32(o + 10, 0);
	o[14] = o[15] = o[16] = o[17] = o[18] = 1;
	struct nm_skb *skb = nm_skb_alloc(100);
	memcpy(nm_skb_put(skb, 40), seg, 40);
	skb->csum_ok = true;
	nm_tcp_rcv(n.sa, skb, &tp->raddr, &tp->laddr);
	T_EQ(tp->state, NM_TCP_ESTABLISHED);
	T_ASSERT(tp->mss >= 64 && tp->mss <= 1460);
	static char buf[20000];
	struct nm_stack_stats s0, s1;
	T_OK(nm_stack_get_stats(n.sa, &s0, sizeof(s0)));
	T_ASSERT(nm_send(csd, buf, sizeof(buf), 0) > 0);
	T_OK(nm_stack_get_stats(n.sa, &s1, sizeof(s1)));
	T_ASSERT(s1.tcp_out > s0.tcp_out);	/* data leaves (65525 never did) */

	/* an ICMP error quoting a sequence outside the flight is ignored; one
	 * inside it is a soft error on a synchronized connection */
	nm_tcp_err(n.sa, &tp->laddr, &tp->raddr, tp->lport, tp->rport, tp->snd_max + 100,
		   EMSGSIZE, 600);
	uint16_t mss = tp->mss;
	nm_tcp_err(n.sa, &tp->laddr, &tp->raddr, tp->lport, tp->rport, tp->snd_una,
		   EMSGSIZE, 68);	/* below 576: ignored */
	T_EQ(tp->mss, mss);
	T_OK(nm_close(csd));
	t_net_down(&n);
	T_PASS();
}
