/* TCP over an shm wire that carries GSO super-frames (as veth or virtio-net
 * do): a 16 MiB stream arrives intact, mostly as super-frames of tens of
 * KiB that the receiving NIC hands up whole; one super-frame of 20 full
 * segments is acknowledged at once, not after the 40 ms delayed-ACK timer
 * (it counts the segments it carries); and two stacks that poll with
 * timeout 0 and never sleep leave the wires' wakeups unarmed (no eventfd
 * write per frame). */
#include "nic/wire_shm.h"
#include "t_tcp.h"

struct t_acked_arg {
	struct nm_tcp_sock *tp;
};

static bool t_all_acked(void *p)
{
	struct nm_tcp_sock *tp = ((struct t_acked_arg *)p)->tp;

	return tp->snd_una == tp->snd_nxt;
}

static int t_want_signal(struct nm_wire *w, int dir)
{
	struct nm_shm_hdr *h;
	struct nm_shm_ctrl *ctrl;
	size_t size;
	void *base;

	T_OK(nm__wire_shm_region(w, &base, &size));
	h = base;
	ctrl = (struct nm_shm_ctrl *)((uint8_t *)base + h->dir[dir].ctrl_off);
	return (int)atomic_load(&ctrl->want_signal);
}

int main(void)
{
	struct nm_wire_shm_params wp = { .gso = true, .ring_entries = 4096,
					 .arena_bytes = 32 << 20 };
	static uint8_t buf[20 * 1448], rx[64 << 10];
	struct t_acked_arg aa;
	struct nm_queue_stats qs;
	struct t_net n;
	uint64_t t0, dt, got = 0;
	int lsd, csd, ssd, one = 1;

	t_net_up(&n, &wp);
	lsd = t_listen(n.sb, AF_INET, 5000, 8);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 5000, &ssd);
	t_stream(&n, csd, ssd, 16u << 20, 20000);

	/* the payload crossed as super-frames, handed up whole */
	T_OK(nm_netdev_get_rxq_stats(n.ndb, 0, &qs, sizeof(qs)));
	printf("%llu frames, %llu bytes: %llu bytes per frame\n",
	       (unsigned long long)qs.packets, (unsigned long long)qs.bytes,
	       (unsigned long long)(qs.bytes / qs.packets));
	T_ASSERT(qs.bytes / qs.packets > 8192);

	/* polling with timeout 0, nobody sleeping: no wakeups armed */
	T_EQ(t_want_signal(n.wa, 0), 0);
	T_EQ(t_want_signal(n.wa, 1), 0);

	/* one super-frame of 20 segments, quick ACKs long used up: the ACK
	 * comes at once */
	T_OK(nm_setsockopt(csd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	aa.tp = t_tcb(n.sa, csd);
	T_ASSERT(aa.tp != NULL);
	T_ASSERT(t_all_acked(&aa));
	T_EQ(t_tcb(n.sb, ssd)->quick_acks, 0);
	T_EQ(nm_send(csd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	t0 = t_now_us();
	T_ASSERT(t_pump_until(&n, t_all_acked, &aa, 1000));
	dt = t_now_us() - t0;
	printf("20-segment super-frame acknowledged after %llu us\n", (unsigned long long)dt);
	T_ASSERT(dt < 20000);	/* the delayed-ACK timer is 40 ms */
	while (got < sizeof(buf)) {
		ssize_t r = nm_recv(ssd, rx, sizeof(rx), 0);

		if (r > 0)
			got += (uint64_t)r;
		else
			T_EQ(r, -EAGAIN);
		t_pump(&n);
	}
	T_EQ(got, sizeof(buf));

	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
