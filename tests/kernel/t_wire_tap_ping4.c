/* SPDX-License-Identifier: MIT */
/*
 * The kernel pings us: an ICMP echo request sent from a raw socket to
 * 198.18.0.2 arrives on the wire; the echo reply we write reaches the raw
 * socket.  Our MAC is installed as a permanent neighbour (rtnetlink), so
 * no ARP exchange comes first.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "t_kernel.h"

#define ECHO_ID		0x4e4d
#define ECHO_SEQ	7
#define DATA_LEN	56

static bool pred_echo(const uint8_t *f, size_t len, void *arg)
{
	(void)arg;
	return t_is_ipv4(f, len, T_IPPROTO_ICMP) && len >= 42 && f[34] == 8 &&
	       t_get16(f + 38) == ECHO_ID;
}

int main(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t req[8 + DATA_LEN], f[2048], out[14 + 20 + 8 + DATA_LEN], in[2048], kmac[6];
	struct pollfd pfd;
	struct nm_wire *w;
	const uint8_t *icmp;
	size_t len, i;
	ssize_t n;
	int r, s;

	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(true, NULL);
	t_tap_kernel_mac(w, kmac);
	t_tap_neigh(w, AF_INET, t_our_ip);

	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	T_ASSERT(s >= 0);
	memset(req, 0, sizeof(req));
	req[0] = 8;				/* echo request */
	t_put16(req + 4, ECHO_ID);
	t_put16(req + 6, ECHO_SEQ);
	for (i = 0; i < DATA_LEN; i++)
		req[8 + i] = (uint8_t)(i * 7 + 1);
	t_put16(req + 2, t_csum(t_sum(req, sizeof(req), 0)));
	memcpy(&to.sin_addr, t_our_ip, 4);
	T_EQ(sendto(s, req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)), sizeof(req));

	/* The request on the wire, unchanged. */
	len = t_tap_wait(w, f, sizeof(f), NULL, pred_echo, NULL, 3000, "ICMP echo request");
	T_EQ(len, 14 + 20 + sizeof(req));
	T_ASSERT(!memcmp(f, t_our_mac, 6));
	T_ASSERT(!memcmp(f + 6, kmac, 6));
	T_ASSERT(!memcmp(f + 26, t_host_ip, 4));
	T_ASSERT(!memcmp(f + 30, t_our_ip, 4));
	icmp = f + 34;
	T_EQ(t_get16(icmp + 6), ECHO_SEQ);
	T_ASSERT(!memcmp(icmp + 8, req + 8, DATA_LEN));
	T_EQ(t_csum(t_sum(icmp, sizeof(req), 0)), 0);

	/* Our reply. */
	t_eth(out, kmac, t_our_mac, T_ETH_IP);
	t_ipv4(out + 14, T_IPPROTO_ICMP, t_our_ip, t_host_ip, sizeof(req));
	memcpy(out + 34, icmp, sizeof(req));
	out[34] = 0;				/* echo reply */
	t_put16(out + 36, 0);
	t_put16(out + 36, t_csum(t_sum(out + 34, sizeof(req), 0)));
	t_tap_send(w, out, sizeof(out), NULL);

	/* The raw socket sees it: IP header, then ICMP. */
	pfd = (struct pollfd){ .fd = s, .events = POLLIN };
	for (;;) {
		T_ASSERT(poll(&pfd, 1, 3000) == 1);
		n = recv(s, in, sizeof(in), 0);
		T_ASSERT(n >= 28);
		if (in[20] == 0 && t_get16(in + 24) == ECHO_ID)
			break;
	}
	T_EQ(n, 20 + sizeof(req));
	T_ASSERT(!memcmp(in + 12, t_our_ip, 4));
	T_EQ(t_get16(in + 26), ECHO_SEQ);
	T_ASSERT(!memcmp(in + 28, req + 8, DATA_LEN));

	close(s);
	nm_wire_destroy(w);
	T_PASS();
}
