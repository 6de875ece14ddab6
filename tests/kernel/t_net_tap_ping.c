/* The Linux kernel pings our stack over a TAP in a private network
 * namespace: raw ICMP and ICMPv6 sockets in this process send echo
 * requests of several sizes (up to the MTU) to 198.18.0.2 and 2001:2::2;
 * the kernel resolves us by ARP / ND first, our stack answers both and
 * the echoes, and every reply reaches the socket intact.  Root only. */
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "t_net.h"

static struct nm_stack *st;

/* Send one echo request from a raw socket and wait (polling the stack)
 * for the reply with the same id, seq and payload. */
static void ping(int fd, bool v6, const struct sockaddr *to, socklen_t tolen, uint16_t seq,
		 uint32_t len)
{
	static uint8_t req[2048], in[2048];
	uint16_t id = 0x7e57;

	memset(req, 0, 8);
	req[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	req[4] = (uint8_t)(id >> 8);
	req[5] = (uint8_t)id;
	req[6] = (uint8_t)(seq >> 8);
	req[7] = (uint8_t)seq;
	for (uint32_t i = 0; i < len; i++)
		req[8 + i] = (uint8_t)(i * 31 + seq);
	if (!v6) {
		uint16_t c = t_csum(t_sum(req, 8 + len, 0));	/* the kernel fills ICMPv6's */

		req[2] = (uint8_t)(c >> 8);
		req[3] = (uint8_t)c;
	}
	T_ASSERT(sendto(fd, req, 8 + len, 0, to, tolen) == (ssize_t)(8 + len));
	uint64_t end = t_now_ms() + 3000;
	while (t_now_ms() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		T_OK(nm_stack_poll(st, 0));
		if (poll(&pfd, 1, 1) <= 0)
			continue;
		ssize_t n = recv(fd, in, sizeof(in), 0);
		const uint8_t *m = in;

		if (n <= 0)
			continue;
		if (!v6) {	/* raw IPv4 sockets see the IP header */
			size_t ihl = (size_t)(in[0] & 0xf) * 4;

			if ((size_t)n < ihl + 8)
				continue;
			m = in + ihl;
			n -= (ssize_t)ihl;
		}
		if (m[0] != (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) ||
		    (m[4] << 8 | m[5]) != id || (m[6] << 8 | m[7]) != seq)
			continue;
		T_EQ(n, 8 + len);
		T_ASSERT(!memcmp(m + 8, req + 8, len));
		return;
	}
	T_FAIL("no IPv%d echo reply for seq %u (%u bytes)", v6 ? 6 : 4, seq, len);
}

int main(void)
{
	struct t_tap_net t;
	int r = t_tap_net_create(&t, &(struct t_tap_params){ .offloads = true, .ipv6 = true });

	if (r)
		return r;
	st = t.st;

	int s4 = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	int s6 = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	T_ASSERT(s4 >= 0 && s6 >= 0);
	struct sockaddr_in to4 = { .sin_family = AF_INET };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
	T_ASSERT(inet_pton(AF_INET, "198.18.0.2", &to4.sin_addr) == 1);
	T_ASSERT(inet_pton(AF_INET6, "2001:2::2", &to6.sin6_addr) == 1);

	static const uint32_t sizes[] = { 56, 0, 1, 100, 511, 512, 1000, 1400, 1440, 1472 };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ping(s4, false, (struct sockaddr *)&to4, sizeof(to4), (uint16_t)(i + 1), sizes[i]);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t len = sizes[i] > 1452 ? 1452 : sizes[i];

		ping(s6, true, (struct sockaddr *)&to6, sizeof(to6), (uint16_t)(i + 1), len);
	}

	struct nm_stack_stats s = t_stats(st);
	printf("echo replied: %" PRIu64 " v4, %" PRIu64 " v6; arp replies %" PRIu64
	       ", nd adverts %" PRIu64 "\n", s.icmp_echo_replied, s.icmp6_echo_replied,
	       s.arp_replies, s.nd_adverts);
	T_EQ(s.icmp_echo_replied, 10);
	T_EQ(s.icmp6_echo_replied, 10);
	T_ASSERT(s.arp_replies >= 1);
	T_ASSERT(s.nd_adverts >= 1);
	T_EQ(s.icmp_bad + s.icmp6_bad + s.ip4_bad_header + s.ip6_bad_header + s.tx_errors, 0);
	close(s4);
	close(s6);
	t_tap_net_down(&t);
	T_PASS();
}
