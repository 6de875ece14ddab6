/* SPDX-License-Identifier: MIT */
/*
 * io_uring zcrx over an shm wire with a netmem sender: the receiver is an
 * application thread with an nm_uring (RECV_ZC multishot, refill ring), the
 * two stacks run on a thread of their own.  Every byte of the stream is
 * validated where it landed in the area, read directly (the area is the
 * application's memory).  Two runs: a user-memory area with 4 KiB buffers
 * and a dma-buf area (a sealed memfd) with 64 KiB buffers; 1 GiB each
 * (128 MiB under the sanitizers).  At the end every buffer is back: the
 * ifq holds none, the NIC holds none (t_rx_idle), and the binding's
 * memory is gone with the ring (the topology tears down).
 */
#include "t_zcrx.h"

#if defined(__SANITIZE_ADDRESS__)
#define TOTAL (128ull << 20)
#else
#define TOTAL (1ull << 30)
#endif

static void run(bool dmabuf, uint32_t rx_buf_len)
{
	struct t_zc_opts o = { .area = 16 << 20, .rx_buf_len = rx_buf_len, .dmabuf = dmabuf };
	struct t_zc_rx rx = { 0 };
	struct nm_uring_zcrx_stats s;
	struct t_zc_flow f = { 0 };

	t_zc_flow_up(&f, 5000, &o, 7, TOTAL, true);
	T_EQ(f.z.reg.rq_entries, 4096u);
	T_EQ(f.z.reg.offsets.rqes >= 128, 1);
	t_zc_recv_all(&f.z, 7, &rx, TOTAL, 120);
	/* the sender closes: the multishot ends with 0 (EOF) */
	for (int i = 0; i < 200 && !rx.ended; i++)
		if (!t_zc_drain(&f.z, 7, &rx))
			t_zc_wait(&f.z, 50);
	T_ASSERT(rx.ended);
	T_EQ(rx.final_res, 0);
	T_EQ(rx.pos, TOTAL);
	s = t_zc_stats(&f.z);
	T_EQ(s.bytes, TOTAL);
	T_EQ(s.copy_bytes, 0);		/* all of it landed in the area */
	T_EQ(s.rqe_bad, 0);
	T_EQ(s.held, 0);		/* every buffer came back through the ring */
	T_EQ(s.rqe_returned, s.cqes);
	printf("%s area, rx_buf_len %u: %llu bytes in %llu CQEs\n",
	       dmabuf ? "dma-buf" : "user", rx_buf_len, (unsigned long long)rx.pos,
	       (unsigned long long)s.cqes);
	t_zc_flow_down(&f);
}

int main(void)
{
	run(false, 4096);
	run(true, 65536);
	T_PASS();
}
