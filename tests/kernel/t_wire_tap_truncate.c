/* SPDX-License-Identifier: MIT */
/*
 * A frame longer than the buffers given to recv: recv returns the frame's
 * true length, fills the buffers with its first bytes, counts rx_truncated
 * and consumes the frame, so the next recv gets the next frame whole.
 * Also checks scatter: a frame read into three pieces matches the bytes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

#define DPORT		9999
#define DATA_LEN	1000
#define FRAME_LEN	(14 + 20 + 8 + DATA_LEN)

/* The first n bytes held by iov. */
static void gather(const struct iovec *iov, unsigned cnt, uint8_t *out, size_t n)
{
	for (unsigned i = 0; i < cnt && n; i++) {
		size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;

		memcpy(out, iov[i].iov_base, k);
		out += k;
		n -= k;
	}
}

/* The next IPv4/UDP frame to DPORT, whatever else comes before it. */
static int recv_udp(struct nm_wire *w, struct iovec *iov, unsigned cnt)
{
	uint64_t end = t_now_ms() + 3000;
	struct pollfd pfd = { .fd = nm_wire_get_fd(w), .events = POLLIN };
	uint8_t h[42];

	for (;;) {
		int r = nm_wire_rx_copy(w, iov, cnt, NULL);

		if (r == -EAGAIN) {
			T_ASSERT(t_now_ms() < end);
			poll(&pfd, 1, 100);
			continue;
		}
		T_ASSERT(r >= 0);
		gather(iov, cnt, h, sizeof(h));
		if (t_is_ipv4(h, (size_t)r, T_IPPROTO_UDP) && t_get16(h + 36) == DPORT)
			return r;
	}
}

int main(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(DPORT) };
	uint8_t data[DATA_LEN], a[40], b[60], c[FRAME_LEN + 100], p1[7], p2[500];
	struct nm_wire_stats st0, st;
	struct iovec iov[3];
	struct nm_wire *w;
	size_t i;
	int r, s;

	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(true, NULL);
	t_tap_neigh(w, AF_INET, t_our_ip);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T_ASSERT(s >= 0);
	memcpy(&to.sin_addr, t_our_ip, 4);
	for (i = 0; i < DATA_LEN; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	for (i = 0; i < 3; i++) {
		data[0] = (uint8_t)i;
		T_EQ(sendto(s, data, sizeof(data), 0, (struct sockaddr *)&to, sizeof(to)),
		     DATA_LEN);
	}

	/* 1. 100 bytes of room for a 1042-byte frame. */
	T_OK(nm_wire_get_stats(w, &st0, sizeof(st0)));
	iov[0] = (struct iovec){ a, sizeof(a) };
	iov[1] = (struct iovec){ b, sizeof(b) };
	r = recv_udp(w, iov, 2);
	T_EQ(r, FRAME_LEN);
	T_ASSERT(!memcmp(a, t_our_mac, 6));
	T_EQ(t_get16(a + 16), 20 + 8 + DATA_LEN);
	T_EQ(b[42 - 40], 0);				/* payload byte 0: datagram 0 */
	T_ASSERT(!memcmp(b + 3, data + 1, sizeof(b) - 3));
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.rx_truncated - st0.rx_truncated, 1);

	/* 2. The next datagram whole, in one buffer. */
	iov[0] = (struct iovec){ c, sizeof(c) };
	r = recv_udp(w, iov, 1);
	T_EQ(r, FRAME_LEN);
	T_EQ(c[42], 1);
	T_ASSERT(!memcmp(c + 43, data + 1, DATA_LEN - 1));

	/* 3. The third scattered over 7 + 500 + rest bytes. */
	iov[0] = (struct iovec){ p1, sizeof(p1) };
	iov[1] = (struct iovec){ p2, sizeof(p2) };
	iov[2] = (struct iovec){ c, sizeof(c) };
	memset(c, 0xee, sizeof(c));
	r = recv_udp(w, iov, 3);
	T_EQ(r, FRAME_LEN);
	T_EQ(p2[42 - 7], 2);
	T_ASSERT(!memcmp(p2 + 36, data + 1, sizeof(p2) - 36));
	T_ASSERT(!memcmp(c, data + sizeof(p2) - 35, FRAME_LEN - sizeof(p1) - sizeof(p2)));
	T_EQ(c[FRAME_LEN - sizeof(p1) - sizeof(p2)], 0xee);	/* nothing beyond */

	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.rx_truncated - st0.rx_truncated, 1);
	T_ASSERT(st.rx_bytes - st0.rx_bytes >= 3 * FRAME_LEN);

	close(s);
	nm_wire_destroy(w);
	T_PASS();
}
