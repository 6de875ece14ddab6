/* SPDX-License-Identifier: MIT */
/*
 * recvmsg(MSG_SOCK_DEVMEM) takes every iovec it is given, as the kernel
 * does up to UIO_MAXIOV (the iovecs' total bounds the bytes one call
 * reports): 200 iovecs of 512 bytes report 100 KiB of a 256 KiB stream,
 * not the 32 KiB of the first 64 (it once copied only 64 and dropped the
 * rest silently); 1024 is the most, 1025 is -EMSGSIZE.  Every byte is
 * checked and the stream ends where it should.
 */
#include "t_devmem.h"

#define TOTAL (256u << 10)

int main(void)
{
	struct t_net n;
	struct t_dm d;
	struct t_dm_rx r = { 0 };
	uint64_t txpos = 0, rxpos = 0;
	struct iovec many[1025];
	uint8_t b[1];
	int lsd, csd, ssd;
	ssize_t k;

	t_net_up(&n, NULL);
	t_dm_bind(&d, n.ndb, 8u << 20);
	lsd = t_listen(n.sb, AF_INET, 7006, 4);
	csd = t_connect_pair(&n, lsd, "198.18.0.2", 7006, &ssd);
	for (uint64_t end = t_now_ns() + 5000000000ull; txpos < TOTAL && t_now_ns() < end;) {
		if (t_dm_send(csd, &txpos, TOTAL - txpos) <= 0)
			t_pump_for(&n, 1);
	}
	T_EQ(txpos, TOTAL);
	t_pump_for(&n, 50);

	k = t_dm_recv_iov(&d, ssd, 200 * 512, 200, 512, &rxpos, &r);
	T_EQ(k, 200 * 512);
	T_EQ(rxpos, 200 * 512);
	t_dm_return(ssd, &r);
	k = t_dm_recv_iov(&d, ssd, 1024 * 16, 1024, 512, &rxpos, &r);
	T_EQ(k, 1024 * 16);
	t_dm_return(ssd, &r);

	for (int i = 0; i < 1025; i++)
		many[i] = (struct iovec){ b, 1 };
	{
		struct msghdr m = { .msg_iov = many, .msg_iovlen = 1025 };

		T_ERR(nm_recvmsg(ssd, &m, MSG_SOCK_DEVMEM | MSG_DONTWAIT), -EMSGSIZE);
	}
	/* the rest, every byte, nothing lost to the calls above */
	for (uint64_t end = t_now_ns() + 5000000000ull; rxpos < TOTAL && t_now_ns() < end;) {
		if (t_dm_recv(&d, ssd, 1 << 20, 512, &rxpos, &r) <= 0)
			t_pump_for(&n, 1);
		t_dm_return(ssd, &r);
	}
	T_EQ(rxpos, TOTAL);

	T_CLOSE_ALL(&n, 20, csd, ssd, lsd);
	t_dm_unbind(&d);
	t_net_down(&n);
	T_PASS();
}
