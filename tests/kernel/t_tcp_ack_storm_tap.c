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
#include "t_tcp.h"
#include "t_kernel.h"

#define K_PORT	7301

struct cap {
	int fd, ifindex;
	uint16_t nm_port;		/* the connection's netmem port */
	uint64_t from_nm, from_kernel;	/* its TCP segments seen each way */
	uint64_t rst_from_nm;
};

static struct t_tap_net tn;
static struct cap cap;

/* Count what crossed the wire since the last call. */
static void cap_drain(void)
{
	struct t_seg t;
	uint8_t f[2048];
	bool from_nm;
	size_t len;

	while ((len = t_cap_next(cap.fd, f, sizeof(f), &from_nm)) > 0) {
		if (!t_seg_parse(f, len, &t))
			continue;
		if (from_nm && t.sport == cap.nm_port && t.dport == K_PORT) {
			cap.from_nm++;
			cap.rst_from_nm += !!(t.flags & TH_RST);
		} else if (!from_nm && t.sport == K_PORT && t.dport == cap.nm_port) {
			cap.from_kernel++;
		}
	}
}

/* Run netmem's loop and count the wire for ms milliseconds. */
static void run_for(int ms)
{
	uint64_t end = t_now_us() + (uint64_t)ms * 1000;

	while (t_now_us() < end) {
		T_OK(nm_stack_poll(tn.st, 1));
		cap_drain();
	}
}

static void inject(const uint8_t *f, size_t len)
{
	t_cap_inject(cap.fd, cap.ifindex, f, len);
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
	int sd = t_tap_connect(&tn, lfd, K_PORT, kfd);

	cap.nm_port = t_tap_local_port(sd);
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
		T_OK(nm_stack_poll(tn.st, 0));
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
	tp = t_tcb(tn.st, sd);
	T_ASSERT(tp);
	T_OK(nm_stack_get_stats(tn.st, &s0, sizeof(s0)));
	inject(f, forge(f, tp, kmac, tp->rcv_nxt, tp->snd_una, TH_FIN | TH_ACK));
	run_for(2000);
	T_OK(nm_stack_get_stats(tn.st, &s1, sizeof(s1)));
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
	tp = t_tcb(tn.st, sd);
	T_ASSERT(tp);
	T_OK(nm_stack_get_stats(tn.st, &s0, sizeof(s0)));
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
	T_OK(nm_stack_get_stats(tn.st, &s1, sizeof(s1)));
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
	int r = t_tap_net_up(&tn), lfd;

	if (r)
		return r;
	cap.ifindex = tn.ifindex;
	cap.fd = t_cap_open(cap.ifindex);
	lfd = t_tap_kernel_listen(K_PORT, 0);
	spoofed_fin(lfd, tn.kmac);
	flood(lfd, tn.kmac);
	close(lfd);
	close(cap.fd);
	t_tap_net_down(&tn);
	T_PASS();
}
