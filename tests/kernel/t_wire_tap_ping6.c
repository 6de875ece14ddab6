/* SPDX-License-Identifier: MIT */
/*
 * IPv6 through the TAP: the kernel (2001:2::1/64, no DAD) pings 2001:2::2
 * from a raw ICMPv6 socket.  It first asks for our MAC with a neighbour
 * solicitation; we answer with a neighbour advertisement, then the echo
 * request arrives and our echo reply reaches the raw socket.  The kernel
 * verifies ICMPv6 checksums (pseudo-header included), so a wrong one of
 * ours would lose the reply and fail the test.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "t_kernel.h"

#define ECHO_ID		0x6e6d
#define ECHO_SEQ	3
#define DATA_LEN	40

/* ICMPv6 of this type whose target/destination is 2001:2::2. */
static bool pred_icmp6(const uint8_t *f, size_t len, void *arg)
{
	uint8_t type = *(const uint8_t *)arg;

	if (!t_is_ipv6(f, len, T_IPPROTO_ICMP6) || f[54] != type)
		return false;
	if (type == 135)	/* NS: the target address field */
		return len >= 78 && !memcmp(f + 62, t_our_ip6, 16);
	return !memcmp(f + 38, t_our_ip6, 16);
}

/* Ethernet + IPv6 + ICMPv6 of len bytes from us to dst, checksum filled. */
static size_t build6(uint8_t *out, const uint8_t *kmac, const uint8_t *dst, const uint8_t *icmp,
		     size_t len, uint8_t hlim)
{
	t_eth(out, kmac, t_our_mac, T_ETH_IP6);
	t_ipv6(out + 14, T_IPPROTO_ICMP6, t_our_ip6, dst, len, hlim);
	memcpy(out + 54, icmp, len);
	t_put16(out + 56, 0);
	t_put16(out + 56, t_csum(t_pseudo6(t_our_ip6, dst, T_IPPROTO_ICMP6, len) +
				 t_sum(out + 54, len, 0)));
	return 54 + len;
}

int main(void)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	uint8_t req[8 + DATA_LEN], f[2048], out[2048], na[32], in[2048], kmac[6], ns_src[16];
	uint8_t type;
	struct pollfd pfd;
	struct nm_wire *w;
	size_t len, i;
	ssize_t n;
	int r, s;

	r = t_enter_netns();
	if (r)
		return r;
	w = t_tap_open(true, "2001:2::1/64");
	t_tap_kernel_mac(w, kmac);

	s = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	T_ASSERT(s >= 0);
	memset(req, 0, sizeof(req));
	req[0] = 128;			/* echo request; the kernel fills the checksum */
	t_put16(req + 4, ECHO_ID);
	t_put16(req + 6, ECHO_SEQ);
	for (i = 0; i < DATA_LEN; i++)
		req[8 + i] = (uint8_t)(0xa0 + i);
	memcpy(&to.sin6_addr, t_our_ip6, 16);
	T_EQ(sendto(s, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)), sizeof(req));

	/* 1. Neighbour solicitation for 2001:2::2, hop limit 255. */
	type = 135;
	len = t_tap_wait(w, f, sizeof(f), NULL, pred_icmp6, &type, 3000, "neighbour solicitation");
	T_ASSERT(!memcmp(f + 6, kmac, 6));
	T_EQ(f[21], 255);
	T_EQ(t_fold(t_pseudo6(f + 22, f + 38, T_IPPROTO_ICMP6, t_get16(f + 18)) +
		    t_sum(f + 54, t_get16(f + 18), 0)), 0xffff);
	if (len >= 86 && f[78] == 1)			/* source link-layer option */
		T_ASSERT(!memcmp(f + 80, kmac, 6));
	memcpy(ns_src, f + 22, 16);

	/* 2. Our advertisement: solicited, override, with our MAC. */
	memset(na, 0, sizeof(na));
	na[0] = 136;
	na[4] = 0x60;					/* S | O */
	memcpy(na + 8, t_our_ip6, 16);
	na[24] = 2;					/* target link-layer address */
	na[25] = 1;
	memcpy(na + 26, t_our_mac, 6);
	len = build6(out, kmac, ns_src, na, sizeof(na), 255);
	t_tap_send(w, out, len, NULL);

	/* 3. The echo request, then our reply. */
	type = 128;
	len = t_tap_wait(w, f, sizeof(f), NULL, pred_icmp6, &type, 3000, "ICMPv6 echo request");
	T_EQ(len, 54 + sizeof(req));
	T_ASSERT(!memcmp(f, t_our_mac, 6));		/* it learned our MAC */
	T_ASSERT(!memcmp(f + 22, t_host_ip6, 16));
	T_EQ(t_get16(f + 58), ECHO_ID);
	T_EQ(t_get16(f + 60), ECHO_SEQ);
	T_ASSERT(!memcmp(f + 62, req + 8, DATA_LEN));
	memcpy(req, f + 54, sizeof(req));
	req[0] = 129;
	len = build6(out, kmac, t_host_ip6, req, sizeof(req), 64);
	t_tap_send(w, out, len, NULL);

	/* 4. The raw socket gets the ICMPv6 message (no IPv6 header). */
	pfd = (struct pollfd){ .fd = s, .events = POLLIN };
	for (;;) {
		T_ASSERT(poll(&pfd, 1, 3000) == 1);
		n = recv(s, in, sizeof(in), 0);
		T_ASSERT(n >= 8);
		if (in[0] == 129 && t_get16(in + 4) == ECHO_ID)
			break;
	}
	T_EQ(n, sizeof(req));
	T_EQ(t_get16(in + 6), ECHO_SEQ);
	T_ASSERT(!memcmp(in + 8, req + 8, DATA_LEN));

	close(s);
	nm_wire_destroy(w);
	T_PASS();
}
