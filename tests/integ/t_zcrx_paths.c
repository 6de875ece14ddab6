/* SPDX-License-Identifier: MIT */
/*
 * zcrx beyond the straight stream, the stacks on their own thread:
 *  1. copy fallback: the flow is steered to queue 1 (host pages) while the
 *     ifq owns queue 0: every byte is copied into area buffers, reported
 *     by RECV_ZC all the same and counted as COPY (copy_bytes == total);
 *  2. backpressure: an application that stops refilling a 1 MiB area
 *     holds every buffer; the stream stalls (the window closes with the
 *     queue's memory, the sender stops short) and alloc_fail counts the
 *     empty area; released, the stream resumes; 16 MiB arrive, every byte
 *     checked: nothing acknowledged was lost;
 *  3. teardown with buffers held: unregistering the ifq while the
 *     application holds buffers keeps them readable (the bytes still
 *     check) and the refill ring still takes them back; the queue runs on
 *     host pages again; after queue_exit nothing is in flight (t_rx_idle)
 *     and the binding's memory is gone (the topology tears down).
 */
#include "t_zcrx.h"

static void steer(struct nm_netdev *nd, uint16_t port, int32_t q)
{
	struct nm_flow_rule r = { .id = NM_FLOW_ID_ANY, .flow_type = NM_FLOW_TCP4,
				  .dst_port = port, .dst_port_mask = 0xffff, .action = q };

	T_ASSERT(nm_netdev_flow_add(nd, &r) >= 0);
}

static void copy_fallback(void)
{
	const uint64_t total = 32u << 20;
	struct t_zc_opts o = { .area = 16 << 20 };	/* more than the queue posts */
	struct t_zc_rx rx = { 0 };
	struct nm_uring_zcrx_stats s;
	struct nm_channels ch;
	struct t_zc_flow f = { .have_net = true };

	t_net_create(&f.n, &(struct t_net_params){ .links_only = true });
	T_OK(nm_netdev_get_channels(f.n.ndb, &ch));
	ch.rx = 2;
	T_OK(nm_netdev_set_channels(f.n.ndb, &ch));
	t_net_stacks_up(&f.n);
	steer(f.n.ndb, 6001, 1);	/* not the ifq's queue */
	t_zc_flow_up(&f, 6001, &o, 1, total, true);
	t_zc_recv_all(&f.z, 1, &rx, total, 60);
	s = t_zc_stats(&f.z);
	T_EQ(rx.pos, total);
	T_EQ(s.copy_bytes, total);
	T_EQ(s.copy_cqes, s.cqes);
	T_EQ(s.held, 0);
	printf("copy fallback: %llu bytes in %llu COPY CQEs\n", (unsigned long long)s.copy_bytes,
	       (unsigned long long)s.copy_cqes);
	t_zc_flow_down(&f);
}

static void backpressure(void)
{
	const uint64_t total = 16u << 20;
	struct t_zc_opts o = { .area = 1 << 20 };
	struct t_zc_rx rx = { .hold = true };
	struct nm_uring_zcrx_stats s;
	struct t_zc_flow f = { 0 };
	int stalls = 0;
	uint64_t t0 = t_now_ms();

	t_zc_flow_up(&f, 6002, &o, 2, total, false);
	while (rx.pos < total) {
		uint64_t last = t_now_ms();

		if (t_now_ms() - t0 > 60000)
			T_FAIL("backpressure: %llu of %llu bytes after 60 s",
			       (unsigned long long)rx.pos, (unsigned long long)total);
		/* hoard until nothing comes for 300 ms: the area is held */
		while (t_now_ms() - last < 300) {
			if (t_zc_drain(&f.z, 2, &rx))
				last = t_now_ms();
			else
				t_zc_wait(&f.z, 20);
			if (rx.pos >= total)
				break;
		}
		if (rx.pos >= total)
			break;
		stalls++;
		s = t_zc_stats(&f.z);
		T_EQ(s.held, rx.held);
		/* the application holds most of the 1 MiB area (fragments pack
		 * 2 x 1448 bytes into each 4 KiB buffer) */
		uint64_t bytes = 0;

		for (uint64_t i = 0; i < rx.held; i++)
			bytes += rx.held_len[i];
		T_ASSERT(bytes >= (1u << 20) / 2);
		T_ASSERT(rx.pos < total);	/* stalled short of the end */
		t_zc_release(&f.z, &rx);
	}
	t_zc_release(&f.z, &rx);
	T_EQ(rx.pos, total);
	T_ASSERT(stalls >= 4);		/* 16 MiB through 1 MiB: many stalls */
	s = t_zc_stats(&f.z);
	T_ASSERT(s.alloc_fail > 0);
	T_EQ(s.rqe_bad, 0);
	printf("backpressure: %d stalls, alloc_fail %llu, %llu bytes, none lost\n", stalls,
	       (unsigned long long)s.alloc_fail, (unsigned long long)rx.pos);
	t_zc_rx_free(&rx);
	t_zc_flow_down(&f);
}

static void teardown_held(void)
{
	const uint64_t total = 4u << 20;
	struct t_zc_opts o = { .area = 8 << 20 };
	struct t_zc_rx rx = { .hold = true };
	struct nm_uring_zcrx_stats s;
	struct t_zc_flow f = { 0 };
	uint64_t pos = 0;

	t_zc_flow_up(&f, 6003, &o, 3, total, false);
	t_zc_recv_all(&f.z, 3, &rx, total, 30);
	T_EQ(rx.pos, total);
	T_ASSERT(rx.held > 0);
	/* off the queue with every buffer held: the multishot ends */
	T_OK(nm_uring_unregister_ifq(&f.z.ring, f.z.id));
	for (int i = 0; i < 100 && !rx.ended; i++)
		if (!t_zc_drain(&f.z, 3, &rx))
			t_zc_wait(&f.z, 20);
	T_ASSERT(rx.ended);
	T_EQ(rx.final_res, -ECANCELED);
	/* the held buffers still hold the stream */
	for (uint64_t i = 0; i < rx.held; i++) {
		uint64_t off = rx.held_off[i] & ~IORING_ZCRX_AREA_MASK;

		if (!t_pat_ok(f.z.area + off, rx.held_len[i], pos))
			T_FAIL("held buffer %llu changed after unregistration",
			       (unsigned long long)i);
		pos += rx.held_len[i];
	}
	T_EQ(pos, total);
	s = t_zc_stats(&f.z);
	T_EQ(s.held, rx.held);
	/* half come back through the ring, the ring's close takes the rest */
	uint64_t all = rx.held;

	rx.held /= 2;
	t_zc_release(&f.z, &rx);
	s = t_zc_stats(&f.z);
	T_EQ(s.rqe_bad, 0);
	T_EQ(s.held, all - all / 2);
	t_zc_rx_free(&rx);
	t_zc_flow_down(&f);
}

int main(void)
{
	copy_fallback();
	backpressure();
	teardown_held();
	T_PASS();
}
