/* SPDX-License-Identifier: MIT */
/*
 * sendmsg/recvmsg with no iovecs (msg_iov NULL, msg_iovlen 0) move nothing
 * and return 0, as in Linux, on a connected socket with data queued both
 * ways, and the data is still all there afterwards.  (Found by
 * fuzz/fuzz_cmsg.c: the socket layer passed the NULL array to memcpy, which
 * UBSan reports in the .asan build, where this test fails without the
 * fix.)
 */
#include "t_tcp.h"

static bool readable(void *p)
{
	uint8_t b;

	return nm_recv(*(int *)p, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}

int main(void)
{
	struct msghdr m = { .msg_iov = NULL, .msg_iovlen = 0 };
	struct t_net n;
	uint8_t buf[100];
	int lsd, csd, ssd;

	t_net_up(&n, NULL);
	lsd = t_listen(n.sb, AF_INET, 7200, 1);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7200, &ssd);
	memset(buf, 0x5a, sizeof(buf));
	T_EQ(nm_send(csd, buf, sizeof(buf), 0), sizeof(buf));
	T_ASSERT(t_pump_until(&n, readable, &ssd, 5000));

	T_EQ(nm_sendmsg(csd, &m, MSG_DONTWAIT), 0);
	T_EQ(nm_recvmsg(ssd, &m, MSG_DONTWAIT), 0);
	T_EQ(nm_recvmsg(ssd, &m, MSG_DONTWAIT | MSG_PEEK), 0);
	memset(buf, 0, sizeof(buf));
	T_EQ(nm_recv(ssd, buf, sizeof(buf), MSG_DONTWAIT), sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		T_EQ(buf[i], 0x5a);
	T_OK(nm_close(csd));
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	t_net_down(&n);
	T_PASS();
}
