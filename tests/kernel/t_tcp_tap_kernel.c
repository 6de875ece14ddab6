/* SPDX-License-Identifier: MIT */
/*
 * Interoperability with the Linux kernel's TCP over a TAP (offloads on) in
 * a private network namespace: a kernel client (a plain socket of this
 * process) sends a stream to a netmem server at 198.18.0.2, then a netmem
 * client sends one to a kernel server at 198.18.0.1; both verified byte
 * for byte, both closed with FIN; then 4 MiB over IPv6 (2001:2::/64).
 * 1 GiB each way by default in both builds (measured on a 2-core box:
 * ~8 s optimized, ~12 s under ASan); NM_TCP_TAP_MB overrides it.  Root
 * only (77 otherwise).  The kernel's ends are the test bed's kernel sender
 * and receiver (t_ksend, t_krecv: each on a thread of its own).
 */
#include "t_kernel.h"

/* A blocking netmem server on port: accepts one connection and receives
 * until EOF, checking every byte against the stream pattern; returns the
 * bytes received.  *ks is the kernel client, started once listening. */
static uint64_t serve(struct nm_stack *st, int family, uint16_t port, struct t_ksend *ks,
		      const char *what)
{
	static uint8_t buf[256 << 10];
	struct timeval tv = { 30, 0 };
	uint64_t got = 0;
	int lsd = (int)T_OK(nm_socket(st, family, SOCK_STREAM, 0)), sd;

	if (family == AF_INET6) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

		T_OK(nm_bind(lsd, (struct sockaddr *)&a, sizeof(a)));
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

		T_OK(nm_bind(lsd, (struct sockaddr *)&a, sizeof(a)));
	}
	T_OK(nm_listen(lsd, 8));
	T_OK(nm_setsockopt(lsd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t_ksend_start(ks);
	sd = (int)T_OK(nm_accept(lsd, NULL, NULL));
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	for (;;) {
		ssize_t n = nm_recv(sd, buf, sizeof(buf), 0);

		if (n == 0)
			break;
		if (n < 0)
			T_FAIL("%s recv after %llu bytes: %zd %s", what, (unsigned long long)got, n,
			       nm_last_error());
		if (!t_pat_ok(buf, (uint64_t)n, got))
			for (ssize_t i = 0; i < n; i++)
				if (buf[i] != T_PAT(got + (uint64_t)i))
					T_FAIL("%s byte %llu wrong", what,
					       (unsigned long long)(got + (uint64_t)i));
		got += (uint64_t)n;
	}
	T_EQ(t_ksend_join(ks), 0);
	T_OK(nm_close(sd));
	T_OK(nm_close(lsd));
	return got;
}

int main(void)
{
	static uint8_t buf[256 << 10];
	struct timeval tv = { 30, 0 };
	struct t_ksend ks = { .chunk = 256 << 10 };
	struct t_krecv kr = { .verify = true };
	struct t_tap_net t;
	uint64_t got, sent = 0, t0, mb = 1024, total;
	const char *env = getenv("NM_TCP_TAP_MB");
	struct sockaddr_in ka = t_sin("198.18.0.1", 5001);
	int r = t_tap_net_create(&t, &(struct t_tap_params){ .offloads = true, .ipv6 = true });
	int sd;

	if (r)
		return r;
	if (env)
		mb = strtoull(env, NULL, 10);
	total = mb << 20;

	/* 1. kernel client -> netmem server */
	t_ksend_to4(&ks, "198.18.0.2", 5000);
	ks.total = total;
	t0 = t_now_us();
	got = serve(t.st, AF_INET, 5000, &ks, "kernel->netmem");
	printf("kernel -> netmem: %llu MiB, %.1f MB/s\n", (unsigned long long)mb,
	       (double)got / (double)(t_now_us() - t0));
	T_EQ(got, total);

	/* 2. netmem client -> kernel server */
	kr.lfd = t_kernel_listen("198.18.0.1", 5001, 4);
	T_ASSERT(kr.lfd >= 0);
	t_krecv_start(&kr);
	sd = (int)T_OK(nm_socket(t.st, AF_INET, SOCK_STREAM, 0));
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	T_OK(nm_connect(sd, (struct sockaddr *)&ka, sizeof(ka)));
	t0 = t_now_us();
	while (sent < total) {
		size_t n = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);
		ssize_t rr;

		t_pat_fill(buf, n, sent);
		rr = nm_send(sd, buf, n, 0);
		if (rr <= 0)
			T_FAIL("send after %llu: %zd %s", (unsigned long long)sent, rr,
			       nm_last_error());
		sent += (uint64_t)rr;
	}
	T_OK(nm_close(sd));
	for (uint64_t end = t_now_us() + 30000000; !atomic_load(&kr.done);) {
		T_ASSERT(t_now_us() < end);
		T_OK(nm_stack_poll(t.st, 5));
	}
	printf("netmem -> kernel: %llu MiB, %.1f MB/s\n", (unsigned long long)mb,
	       (double)kr.got / (double)(t_now_us() - t0));
	if (t_krecv_join(&kr))
		T_FAIL("kernel server: %s (at byte %llu)", strerror(kr.err),
		       (unsigned long long)(kr.err == EBADMSG ? kr.bad_at : kr.got));
	T_EQ(kr.got, total);
	close(kr.lfd);
	{
		struct nm_stack_stats s = t_stats(t.st);

		printf("retransmits %llu, rto %llu, bad csum %llu\n",
		       (unsigned long long)s.tcp_retransmits, (unsigned long long)s.tcp_rto,
		       (unsigned long long)s.tcp_bad_csum);
	}

	/* 3. IPv6: a kernel client sends 4 MiB to a netmem AF_INET6 server */
	memset(&ks, 0, sizeof(ks));
	t_ksend_to6(&ks, "2001:2::2", 5002);
	ks.total = 4u << 20;
	ks.chunk = 64 << 10;
	T_EQ(serve(t.st, AF_INET6, 5002, &ks, "v6"), 4u << 20);
	printf("kernel -> netmem over IPv6: 4 MiB ok\n");
	t_tap_net_down(&t);
	T_PASS();
}
