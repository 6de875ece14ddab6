/* SPDX-License-Identifier: MIT */
/*
 * Edge arguments found in review (each once crashed UBSan or answered
 * wrongly):
 *  - SO_DEVMEM_DONTNEED with NULL and length 0 frees nothing: 0;
 *  - recvmsg(MSG_SOCK_DEVMEM) with no iovecs returns 0 and loses nothing;
 *  - iovec lengths whose sum wraps size_t are -EINVAL (Linux
 *    import_iovec), not a 0 that reads as end of stream;
 *  - a zero-length MSG_ZEROCOPY send still reports the socket's state
 *    (-EPIPE after SHUT_WR), as nm_send(len 0) does.
 */
#include "t_devmem.h"

int main(void)
{
	struct t_net n;
	struct t_dm d;
	struct t_dm_rx r = { 0 };
	uint64_t txpos = 0, rxpos = 0;
	uint8_t b[16];
	int one = 1, lsd, csd, ssd;

	t_net_up(&n, NULL);
	t_dm_bind(&d, n.ndb, 4u << 20);
	lsd = t_listen(n.sb, AF_INET, 7005, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7005, &ssd);
	while (txpos < 4096)
		T_ASSERT(t_dm_send(csd, &txpos, 4096 - txpos) > 0);
	t_pump_for(&n, 30);

	T_EQ(nm_setsockopt(ssd, SOL_SOCKET, SO_DEVMEM_DONTNEED, NULL, 0), 0);
	{
		struct msghdr m = { 0 };

		T_EQ(nm_recvmsg(ssd, &m, MSG_SOCK_DEVMEM | MSG_DONTWAIT), 0);
	}
	{
		struct iovec iov[2] = { { b, (size_t)1 << 63 }, { b, (size_t)1 << 63 } };
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

		T_ERR(nm_recvmsg(ssd, &m, MSG_SOCK_DEVMEM | MSG_DONTWAIT), -EINVAL);
		T_ERR(nm_recvmsg(ssd, &m, MSG_DONTWAIT), -EINVAL);
		iov[0].iov_len = SIZE_MAX;
		m.msg_iovlen = 1;
		T_ERR(nm_recvmsg(ssd, &m, MSG_DONTWAIT), -EINVAL);
	}
	/* all 4096 bytes still there */
	while (rxpos < 4096) {
		ssize_t k = t_dm_recv(&d, ssd, 1 << 20, 64, &rxpos, &r);

		T_ASSERT(k > 0);
		t_dm_return(ssd, &r);
	}
	T_EQ(rxpos, 4096);

	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	T_OK(nm_shutdown(csd, SHUT_WR));
	{
		struct iovec iov = { b, 0 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		T_ERR(nm_send(csd, b, 0, 0), -EPIPE);
		T_ERR(nm_sendmsg(csd, &m, MSG_ZEROCOPY), -EPIPE);
	}

	T_CLOSE_ALL(&n, 20, csd, ssd, lsd);
	t_dm_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
