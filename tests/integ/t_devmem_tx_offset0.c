/* SPDX-License-Identifier: MIT */
/*
 * A devmem send from offset 0 of the dma-buf: iov_base is an offset, so a
 * NULL iov_base is the buffer's first byte, not a bad pointer.  The whole
 * buffer from offset 0, then a vector whose second iovec is offset 0
 * again, arrive byte-exact.  (Host sends still refuse a NULL buffer.)
 */
#include "t_devmem.h"

int main(void)
{
	struct t_net n;
	struct t_dtx d;
	struct t_note o;
	uint64_t got = 0, end;
	int lsd, csd, ssd, one = 1;
	static uint8_t exp[(1u << 20) + 4096 + 4096];

	t_net_up(&n, NULL);
	t_dtx_bind(&d, n.nda, 1u << 20);
	lsd = t_listen(n.sb, AF_INET, 7900, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7900, &ssd);
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));

	T_EQ(t_dtx_send(csd, d.id, 0, d.size, 0), d.size);
	{
		struct iovec v[2] = { { (void *)(uintptr_t)4096, 4096 }, { NULL, 4096 } };

		end = t_now_us() + 5000000u;
		while (t_tcb(n.sa, csd)->snd_una != t_tcb(n.sa, csd)->write_seq) {
			T_ASSERT(t_now_us() < end);
			t_pump(&n);
			t_dtx_recv_check(ssd, d.va, &got, d.size);
		}
		T_EQ(t_dtx_sendv(csd, d.id, v, 2, 0), 8192);
	}
	memcpy(exp, d.va, d.size);
	memcpy(exp + d.size, d.va + 4096, 4096);
	memcpy(exp + d.size + 4096, d.va, 4096);
	end = t_now_us() + 5000000u;
	while (got < sizeof(exp)) {
		T_ASSERT(t_now_us() < end);
		t_pump(&n);
		t_dtx_recv_check(ssd, exp, &got, sizeof(exp));
	}
	while (t_tcb(n.sa, csd)->snd_una != t_tcb(n.sa, csd)->write_seq) {
		T_ASSERT(t_now_us() < end);
		t_pump(&n);
	}
	T_EQ(t_dtx_errq(csd, &o), 0);	/* both calls, one notification */
	T_EQ(o.lo, 0);
	T_EQ(o.hi, 1);
	{
		struct iovec v = { NULL, 10 };
		struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };

		T_ERR(nm_sendmsg(csd, &m, MSG_ZEROCOPY), -EFAULT);
		T_ERR(nm_sendmsg(csd, &m, 0), -EFAULT);
	}
	T_CLOSE_ALL(&n, 50, csd, ssd, lsd);
	t_dtx_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
