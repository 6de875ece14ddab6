/* Regression (review): TCP segments waiting for ARP kept device addresses
 * into their send ring; the ring was unmapped (it grew) and another
 * connection's ring reused the address, so B received connection 2's bytes
 * inside connection 1's stream.  Payload segments no longer wait on an
 * unresolved neighbour: they are dropped and retransmitted. */
#include "t_tcp.h"
#include "net/ip.h"
#include "sock/sock_internal.h"

static struct nm_tcp_sock *find(struct nm_stack *st, int sd)
{
	for (struct nm_tcp_list *l = st->tcp->all.next; l != &st->tcp->all; l = l->next) {
		struct nm_tcp_sock *t = nm_container_of(l, struct nm_tcp_sock, all);

		if (t == nm_sock_tcb(sd))
			return t;
	}
	return NULL;
}

struct acc {
	int lsd, csd, ssd;
};

static bool ready6(void *p)
{
	struct acc *a = p;

	if (a->ssd < 0) {
		int r = nm_accept4(a->lsd, NULL, NULL, SOCK_NONBLOCK);
		if (r >= 0)
			a->ssd = r;
	}
	return a->ssd >= 0 && t_tcp_state(a->csd) == TCP_ESTABLISHED;
}

int main(void)
{
	static uint8_t A[300000], E[65536], rx[400000];
	struct t_net n;
	int ssd1;

	t_net_up(&n, NULL);
	/* short neighbour lifetimes from the start, so entries age out */
	struct nm_neigh_params p = { .reachable_us = 1000, .gc_us = 1000 };
	T_OK(nm_neigh_set_params(n.sa->ifaces[0], &p));
	int l4 = t_listen(n.sb, AF_INET, 7001, 16);
	int l6 = t_listen(n.sb, AF_INET6, 7002, 16);
	int c1 = t_connect_pair(&n, l4, "198.18.0.2", 7001, &ssd1);
	struct acc a = { l6, -1, -1 };
	a.csd = (int)T_OK(nm_socket(n.sa, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0));
	struct sockaddr_in6 s6 = t_sin6("2001:2::2", 7002);
	T_EQ(nm_connect(a.csd, (struct sockaddr *)&s6, sizeof(s6)), -EINPROGRESS);
	T_ASSERT(t_pump_until(&n, ready6, &a, 3000));
	struct nm_tcp_sock *t1 = find(n.sa, c1);
	struct nm_iface *ifa = n.sa->ifaces[0];
	struct nm_addr b4 = { .b = { [10] = 0xff, [11] = 0xff, [12] = 198, [13] = 18, [15] = 2 } };

	/* A forgets B's MAC */
	for (int i = 0; i < 3000 && nm_neigh_state(ifa, &b4, NULL) != NM_NEIGH_NONE; i++)
		nm_stack_poll(n.sa, 1);
	T_EQ(nm_neigh_state(ifa, &b4, NULL), NM_NEIGH_NONE);
	p = (struct nm_neigh_params){ .reachable_us = 30000000, .gc_us = 60000000 };
	T_OK(nm_neigh_set_params(ifa, &p));

	/* c1 sends while unresolved, then grows its ring; c2 maps a ring */
	memset(A, 'A', sizeof(A));
	memset(E, 'E', sizeof(E));
	T_ASSERT(nm_send(c1, A, 20000, 0) > 0);
	T_ASSERT(t1->sbuf_vecs);
	uint64_t old_ring = t1->sbuf_vecs[0].addr;
	T_ASSERT(nm_send(c1, A, 200000, 0) > 0);
	T_ASSERT(t1->sbuf_vecs[0].addr != old_ring);	/* the old ring is gone */
	T_ASSERT(nm_send(a.csd, E, sizeof(E), 0) > 0);

	/* everything c1 sent arrives as 'A', however late */
	size_t got = 0;
	uint64_t end = t_now_us() + 10000000;
	while (got < 220000) {
		ssize_t k;

		if (t_now_us() >= end)
			T_FAIL("got %zu; state %d una %u nxt %u max %u write %u rto %d neigh %d "
			       "overflow %llu out %llu",
			       got, t1->state, t1->snd_una, t1->snd_nxt, t1->snd_max, t1->write_seq,
			       nm_timer_pending(&t1->rtx_timer), nm_neigh_state(ifa, &b4, NULL),
			       (unsigned long long)n.sa->stats.neigh_queue_overflow,
			       (unsigned long long)n.sa->stats.tcp_out);
		t_pump(&n);
		while ((k = nm_recv(ssd1, rx, sizeof(rx), 0)) > 0) {
			for (ssize_t i = 0; i < k; i++)
				if (rx[i] != 'A')
					T_FAIL("byte %zu of connection 1 is %#x", got + (size_t)i, rx[i]);
			got += (size_t)k;
		}
		while (nm_recv(a.ssd, rx, sizeof(rx), 0) > 0)
			;
	}
	T_EQ(got, 220000);
	T_OK(nm_close(c1));
	T_OK(nm_close(a.csd));
	T_OK(nm_close(ssd1));
	T_OK(nm_close(a.ssd));
	t_net_down(&n);
	T_PASS();
}
