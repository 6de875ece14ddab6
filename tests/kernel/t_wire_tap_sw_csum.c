/* SPDX-License-Identifier: MIT */
/*
 * Without offloads the wire finishes NEEDS_CSUM checksums itself.  Three
 * UDP frames go to a kernel socket: (1) NEEDS_CSUM with only the
 * pseudo-header sum in the field, gathered from odd-sized pieces, odd
 * payload length; (2) a wrong checksum, no meta: the kernel must drop it,
 * which shows it checks; (3) a correct checksum, no meta.  The socket
 * must see exactly (1) and (3).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

#define PORT		6000
#define HDRS		42

static size_t build(uint8_t *f, const uint8_t *kmac, const char *msg)
{
	size_t dlen = strlen(msg);

	t_eth(f, kmac, t_our_mac, T_ETH_IP);
	t_ipv4(f + 14, T_IPPROTO_UDP, t_our_ip, t_host_ip, 8 + dlen);
	t_put16(f + 34, 4321);
	t_put16(f + 36, PORT);
	t_put16(f + 38, (uint16_t)(8 + dlen));
	t_put16(f + 40, 0);
	memcpy(f + HDRS, msg, dlen);
	return HDRS + dlen;
}

int main(void)
{
	static const char m1[] = "one: checksum filled by the wire (odd)!";
	static const char m2[] = "two: wrong checksum";
	static const char m3[] = "three: checksum by the test";
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct nm_wire_meta meta = { .flags = NM_WIRE_F_NEEDS_CSUM, .csum_start = 34,
				     .csum_offset = 6 };
	struct timeval tv = { .tv_sec = 2 };
	uint8_t f[256], copy[256], kmac[6], buf[256];
	struct iovec iov[4];
	struct nm_wire *w;
	size_t len, ulen;
	ssize_t n;
	int r, s;

	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(false, NULL);
	T_ASSERT(!w->gso);
	T_EQ(nm_wire_tap_offloads(w), 0);
	t_tap_kernel_mac(w, kmac);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T_ASSERT(s >= 0);
	memcpy(&me.sin_addr, t_host_ip, 4);
	T_OK(bind(s, (struct sockaddr *)&me, sizeof(me)));
	T_OK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));

	/* 1 */
	T_EQ(strlen(m1) % 2, 1);			/* the odd-byte path of the sum */
	len = build(f, kmac, m1);
	ulen = len - 34;
	t_put16(f + 40, t_fold(t_pseudo4(t_our_ip, t_host_ip, T_IPPROTO_UDP, ulen)));
	memcpy(copy, f, len);
	iov[0] = (struct iovec){ f, 35 };
	iov[1] = (struct iovec){ f + 35, 6 };		/* splits the checksum field */
	iov[2] = (struct iovec){ f + 41, 0 };
	iov[3] = (struct iovec){ f + 41, len - 41 };
	T_OK(nm_wire_xmit(w, iov, 4, &meta));
	T_ASSERT(!memcmp(f, copy, len));		/* the caller's bytes untouched */

	/* 2 */
	len = build(f, kmac, m2);
	t_put16(f + 40, 0x1234);
	t_tap_send(w, f, len, NULL);

	/* 3 */
	len = build(f, kmac, m3);
	ulen = len - 34;
	t_put16(f + 40, t_csum(t_pseudo4(t_our_ip, t_host_ip, T_IPPROTO_UDP, ulen) +
			       t_sum(f + 34, ulen, 0)));
	t_tap_send(w, f, len, NULL);

	n = recv(s, buf, sizeof(buf), 0);
	T_EQ(n, strlen(m1));
	T_ASSERT(!memcmp(buf, m1, strlen(m1)));
	n = recv(s, buf, sizeof(buf), 0);
	T_EQ(n, strlen(m3));
	T_ASSERT(!memcmp(buf, m3, strlen(m3)));

	close(s);
	nm_wire_destroy(w);
	T_PASS();
}
