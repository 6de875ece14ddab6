/* SPDX-License-Identifier: MIT */
/*
 * Issue 13's ACK storm against the Linux kernel's TCP over a TAP, in a
 * private network namespace (root only, 77 otherwise).
 *
 * A netmem client (198.18.0.2) is connected to a kernel server
 * (198.18.0.1).  A raw AF_PACKET socket on the TAP injects segments into
 * netmem as if the kernel had sent them, and the same socket counts every
 * TCP segment of the connection on the wire, each way (it does not see
 * its own injections).
 *  1. One spoofed FIN|ACK (seq = netmem's rcv_nxt, ack = its snd_una):
 *     netmem acknowledges the FIN, that ACK covers a byte the kernel never
 *     sent; the exchange stops within T_STORM_SETTLE segments over 2 s.
 *     Then the kernel's next data lies past the forged FIN: netmem resets
 *     and the kernel reads ECONNRESET, both ends closed.
 *  2. A new connection; 200 forged out-of-window ACKs over ~1 s, then 200
 *     ACKs of unsent data: netmem answers at most once per 500 ms each
 *     (tcp_invalid_ratelimit; before the fix, all 400), counts the rest,
 *     and the connection then carries 256 KiB each way, byte-exact.
 * The segment rates are printed.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp_storm.h"
#include "tcp_util.h"
#include "unit/t_wire_tap_util.h"

#define K_PORT	7301

struct cap {
	int fd, ifindex;
	uint16_t nm_port;		/* the connection's netmem port */
	uint64_t from_nm, from_kernel;	/* its TCP segments seen each way */
	uint64_t rst_from_nm;
};

static struct nm_stack *st;
static struct cap cap;

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Count what crossed the wire since the last call. */
static void cap_drain(void)
{
	uint8_t f[2048];
	struct sockaddr_ll sll;

	for (;;) {
		socklen_t sl = sizeof(sll);
		ssize_t r = recvfrom(cap.fd, f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&sll,
				     &sl);
		const uint8_t *th;

		if (r < 0) {
			T_ASSERT(errno == EAGAIN);
			return;
		}
		if (!t_is_ipv4(f, (size_t)r, IPPROTO_TCP) || r < 14 + 20 + 20)
			continue;
		th = f + 14 + (f[14] & 15) * 4;
		if (get32(f + 26) == 0xc6120002 && t_get16(th) == cap.nm_port &&
		    t_get16(th + 2) == K_PORT) {
			cap.from_nm++;
			cap.rst_from_nm += !!(th[13] & TH_RST);
		} else if (get32(f + 26) == 0xc6120001 && t_get16(th) == K_PORT &&
			   t_get16(th + 2) == cap.nm_port) {
			cap.from_kernel++;
		}
	}
}

/* Run netmem's loop and count the wire for ms milliseconds. */
static void run_for(int ms)
{
	uint64_t end = t_now_us() + (uint64_t)ms * 1000;

	while (t_now_us() < end) {
		T_OK(nm_stack_poll(st, 1));
		cap_drain();
	}
}

static void inject(const uint8_t *f, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = cap.ifindex,
				   .sll_halen = 6 };

	memcpy(sll.sll_addr, f, 6);
	if (sendto(cap.fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
		T_FAIL("inject: sendto: %s", strerror(errno));
}

/* A segment from the kernel's end of tp's connection. */
static size_t forge(uint8_t *f, struct nm_tcp_sock *tp, const uint8_t kmac[6], uint32_t seq,
		    uint32_t ack, uint8_t flags)
{
	struct t_tcp4_seg s = { .saddr = 0xc6120001, .daddr = 0xc6120002, .flags = flags,
				.sport = K_PORT, .dport = tp->lport, .seq = seq, .ack = ack,
				.win = (uint16_t)(tp->snd_wnd >> tp->snd_wscale) };

	memcpy(s.src_mac, kmac, 6);
	memcpy(s.dst_mac, t_our_mac, 6);
	return t_tcp4_seg(f, &s);
}

/* A netmem client connected to the kernel listener; *kfd the kernel end. */
static int connect_pair(int lfd, int *kfd)
{
	struct sockaddr_in a = t_sin("198.18.0.1", K_PORT);
	struct sockaddr_in l;
	socklen_t ll = sizeof(l);
	uint64_t end = t_now_us() + 5000000;
	int sd = (int)T_OK(nm_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));

	T_EQ(nm_connect(sd, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
	*kfd = -1;
	while (*kfd < 0 || t_tcp_state(sd) != TCP_ESTABLISHED) {
		T_ASSERT(t_now_us() < end);
		T_OK(nm_stack_poll(st, 1));
		if (*kfd < 0)
			*kfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	}
	T_OK(nm_getsockname(sd, (struct sockaddr *)&l, &ll));
	cap.nm_port = ntohs(l.sin_port);
	return sd;
}

/* n bytes of the i % 251 pattern each way, checked. */
static void exchange(int sd, int kfd, size_t n)
{
	static uint8_t pat[(256 << 10) + 251], buf[64 << 10];
	size_t ks = 0, kr = 0, ns = 0, nr = 0;
	uint64_t end = t_now_us() + 10000000;

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i % 251);
	T_ASSERT(n <= 256 << 10);
	while (kr < n || nr < n) {
		ssize_t r;

		T_ASSERT(t_now_us() < end);
		if (ks < n && (r = send(kfd, pat + ks, n - ks, MSG_DONTWAIT)) > 0)
			ks += (size_t)r;
		if (ns < n && (r = nm_send(sd, pat + ns, n - ns, 0)) > 0)
			ns += (size_t)r;
		while ((r = nm_recv(sd, buf, sizeof(buf), 0)) > 0) {
			T_ASSERT(!memcmp(buf, pat + nr % 251, (size_t)r));
			nr += (size_t)r;
		}
		while ((r = recv(kfd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			T_ASSERT(!memcmp(buf, pat + kr % 251, (size_t)r));
			kr += (size_t)r;
		}
		T_OK(nm_stack_poll(st, 0));
	}
}

static void spoofed_fin(int lfd, const uint8_t kmac[6])
{
	struct nm_stack_stats s0, s1;
	struct nm_tcp_sock *tp;
	uint8_t f[128];
	uint64_t segs, end;
	char buf[64];
	int sd, kfd;

	sd = connect_pair(lfd, &kfd);
	exchange(sd, kfd, 4096);
	run_for(300);	/* both delayed ACKs out */
	cap.from_nm = cap.from_kernel = 0;
	run_for(200);
	T_EQ(cap.from_nm + cap.from_kernel, 0);	/* idle */
	tp = t_tcb(st, sd);
	T_ASSERT(tp);
	T_OK(nm_stack_get_stats(st, &s0));
	inject(f, forge(f, tp, kmac, tp->rcv_nxt, tp->snd_una, TH_FIN | TH_ACK));
	run_for(2000);
	T_OK(nm_stack_get_stats(st, &s1));
	segs = cap.from_nm + cap.from_kernel;
	printf("kernel peer, one spoofed FIN|ACK: %llu segments in 2 s (%.1f/s): netmem sent "
	       "%llu, the kernel %llu; netmem challenge ACKs %llu, skipped: seq %llu, "
	       "challenge %llu\n",
	       (unsigned long long)segs, (double)segs / 2, (unsigned long long)cap.from_nm,
	       (unsigned long long)cap.from_kernel,
	       (unsigned long long)(s1.tcp_challenge_acks - s0.tcp_challenge_acks),
	       (unsigned long long)(s1.tcp_ack_skipped_seq - s0.tcp_ack_skipped_seq),
	       (unsigned long long)(s1.tcp_ack_skipped_challenge - s0.tcp_ack_skipped_challenge));
	T_EQ(t_tcp_state(sd), TCP_CLOSE_WAIT);
	T_ASSERT(cap.from_nm >= 1);	/* the FIN's ACK */
	T_ASSERT(segs <= T_STORM_SETTLE);
	T_EQ(nm_recv(sd, buf, sizeof(buf), 0), 0);

	/* the kernel's data lands past the forged FIN: netmem resets */
	T_EQ(send(kfd, "after the storm", 15, 0), 15);
	end = t_now_us() + 3000000;
	for (;;) {
		ssize_t r = recv(kfd, buf, sizeof(buf), MSG_DONTWAIT);

		if (r < 0 && errno == ECONNRESET)
			break;
		if (r >= 0 || errno != EAGAIN)
			T_FAIL("kernel recv after the reset: %zd %s", r, strerror(errno));
		T_ASSERT(t_now_us() < end);
		run_for(5);
	}
	T_ASSERT(cap.rst_from_nm >= 1);
	T_EQ(t_tcp_state(sd), TCP_CLOSE);
	T_OK(nm_close(sd));
	close(kfd);
}

static void flood(int lfd, const uint8_t kmac[6])
{
	struct nm_stack_stats s0, s1;
	struct nm_tcp_sock *tp;
	uint8_t f[128];
	uint64_t t0, us;
	int sd, kfd;

	sd = connect_pair(lfd, &kfd);
	exchange(sd, kfd, 4096);
	run_for(300);
	tp = t_tcb(st, sd);
	T_ASSERT(tp);
	T_OK(nm_stack_get_stats(st, &s0));
	cap.from_nm = cap.from_kernel = 0;
	t0 = t_now_us();
	for (int i = 0; i < 200; i++) {	/* past the window */
		inject(f, forge(f, tp, kmac, tp->rcv_adv + 100000, tp->snd_una, TH_ACK));
		run_for(5);
	}
	for (int i = 0; i < 200; i++) {	/* ACKs of data never sent */
		inject(f, forge(f, tp, kmac, tp->rcv_nxt, tp->snd_max + 1000, TH_ACK));
		run_for(5);
	}
	us = t_now_us() - t0;
	run_for(50);
	T_OK(nm_stack_get_stats(st, &s1));
	printf("kernel peer, 400 forged segments in %.2f s: netmem answered %llu (%.1f/s), "
	       "skipped: seq %llu, challenge %llu; the kernel sent %llu\n",
	       (double)us / 1e6, (unsigned long long)cap.from_nm,
	       (double)cap.from_nm * 1e6 / (double)us,
	       (unsigned long long)(s1.tcp_ack_skipped_seq - s0.tcp_ack_skipped_seq),
	       (unsigned long long)(s1.tcp_ack_skipped_challenge - s0.tcp_ack_skipped_challenge),
	       (unsigned long long)cap.from_kernel);
	/* one answer per started 500 ms, and the first */
	T_ASSERT(cap.from_nm >= 1 && cap.from_nm <= 2 + us / 500000);
	T_ASSERT(s1.tcp_ack_skipped_seq - s0.tcp_ack_skipped_seq >= 150);
	T_ASSERT(s1.tcp_ack_skipped_challenge - s0.tcp_ack_skipped_challenge >= 150);
	T_ASSERT(cap.from_kernel <= T_STORM_SETTLE);
	/* the connection is unharmed */
	T_EQ(t_tcp_state(sd), TCP_ESTABLISHED);
	exchange(sd, kfd, 256 << 10);
	T_OK(nm_close(sd));
	close(kfd);
	run_for(100);
}

int main(void)
{
	struct nm_netdev_params np = { .name = "nm0", .rx_queues = 1, .tx_queues = 1,
				       .mac = { 0x02, 0, 0, 0, 0, 0x02 } };
	struct nm_iface_params ip = { .addr4 = "198.18.0.2/24" };
	struct nm_stack_params sp = { 0 };
	struct sockaddr_in ka = t_sin("198.18.0.1", K_PORT);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_netdev *nd;
	struct nm_wire *w;
	uint8_t kmac[6];
	int r = t_enter_netns(), lfd, one = 1;

	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(false, NULL);
	t_tap_kernel_mac(w, kmac);
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_device(topo, "nic0", &nic));
	np.dev = nic;
	np.wire = w;
	T_OK(nm_netdev_create(&np, &nd));
	T_OK(nm_stack_create(&sp, &st));
	ip.nd = nd;
	T_OK(nm_stack_add_iface(st, &ip));

	cap.ifindex = nm_wire_tap_ifindex(w);
	T_ASSERT(cap.ifindex > 0);
	cap.fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	T_ASSERT(cap.fd >= 0);
	sll.sll_ifindex = cap.ifindex;
	T_ASSERT(bind(cap.fd, (struct sockaddr *)&sll, sizeof(sll)) == 0);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	T_ASSERT(lfd >= 0);
	T_ASSERT(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	T_ASSERT(bind(lfd, (struct sockaddr *)&ka, sizeof(ka)) == 0);
	T_ASSERT(listen(lfd, 4) == 0);

	spoofed_fin(lfd, kmac);
	flood(lfd, kmac);

	close(lfd);
	close(cap.fd);
	T_OK(nm_stack_destroy(st));
	T_OK(nm_netdev_destroy(nd));
	nm_wire_destroy(w);
	nm_topo_destroy(topo);
	T_PASS();
}
