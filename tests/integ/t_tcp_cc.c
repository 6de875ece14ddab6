/* SPDX-License-Identifier: MIT */
/*
 * Congestion control is selectable per socket (TCP_CONGESTION "cubic",
 * the default, or "reno") and inherited by accepted sockets; on a loss
 * NewReno halves the flight (RFC 5681) and CUBIC keeps 0.7 of cwnd
 * (RFC 9438 beta) and remembers W_max; slow start grows cwnd per ACK;
 * both carry a lossy 4 MiB stream intact.
 */
#include "t_tcp.h"

static void run(const char *cc)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20 };
	struct t_net n;
	int lsd, csd, ssd;
	char name[16];
	socklen_t l = sizeof(name);
	struct nm_tcp_sock *tc;
	uint32_t mss, before;

	wp.faults[0].seed = 77;
	wp.faults[0].loss = 0.01;
	t_net_up(&n, &wp);
	lsd = t_listen(n.sb, AF_INET, 6701, 16);
	T_OK(nm_setsockopt(lsd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)));
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 6701, &ssd);
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)));
	T_OK(nm_getsockopt(ssd, IPPROTO_TCP, TCP_CONGESTION, name, &l));
	T_ASSERT(!strcmp(name, cc));	/* inherited from the listener */
	t_stream(&n, csd, ssd, 4u << 20, 30000);

	/* the algorithms' loss response, white-box */
	tc = t_tcb(n.sa, csd);
	mss = tc->mss;
	tc->cc->init(tc);
	tc->cwnd = 100 * mss;
	tc->snd_max = tc->snd_una + 100 * mss;	/* pretend a full flight */
	if (!strcmp(cc, "reno")) {
		T_EQ(tc->cc->ssthresh(tc), 50 * mss);
	} else {
		T_EQ(tc->cc->ssthresh(tc), 70 * mss);
		/* a second loss below W_max: fast convergence lowers W_max */
		tc->cwnd = 80 * mss;
		T_EQ(tc->cc->ssthresh(tc), 56 * mss);
	}
	tc->snd_max = tc->snd_una;
	/* slow start: one ACK of 2 MSS grows cwnd by 2 MSS */
	tc->ssthresh = 1000 * mss;
	before = tc->cwnd;
	tc->cc->cong_avoid(tc, 2 * mss);
	T_EQ(tc->cwnd - before, 2 * mss);
	/* avoidance: a whole window of ACKs grows cwnd by about one MSS or more */
	tc->ssthresh = tc->cwnd;
	before = tc->cwnd;
	for (uint32_t a = 0; a < before; a += mss)
		tc->cc->cong_avoid(tc, mss);
	T_ASSERT(tc->cwnd > before && tc->cwnd < before * 2);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
}

int main(void)
{
	run("reno");
	run("cubic");
	T_PASS();
}
