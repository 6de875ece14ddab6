/* SPDX-License-Identifier: MIT */
/*
 * Interoperability with the Linux kernel's TCP over a TAP (offloads on) in
 * a private network namespace: a kernel client (a plain socket of this
 * process) sends a stream to a netmem server at 198.18.0.2, then a netmem
 * client sends one to a kernel server at 198.18.0.1; both verified byte
 * for byte, both closed with FIN; then 4 MiB over IPv6 (2001:2::/64).
 * 1 GiB each way by default in both builds (measured on a 2-core box:
 * ~8 s optimized, ~12 s under ASan); NM_TCP_TAP_MB overrides it.  Root
 * only (77 otherwise).
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "t_kernel.h"
#include "t_util.h"
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>
#include <arpa/inet.h>

static uint64_t total;
static volatile int k_done;
static volatile int k_result;	/* 0 ok, else an error code */
static uint64_t k_bytes;
static int k_lfd;

static void *kernel_client(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5000) };
	static uint8_t buf[256 << 10];
	uint64_t sent = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)arg;
	inet_pton(AF_INET, "198.18.0.2", &a.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		k_result = 1;
		goto out;
	}
	while (sent < total) {
		size_t n = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);
		ssize_t r;

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)((sent + i) % 251);
		r = send(fd, buf, n, 0);
		if (r <= 0) {
			k_result = 2;
			goto out;
		}
		sent += (uint64_t)r;
	}
out:
	if (fd >= 0)
		close(fd);
	k_done = 1;
	return NULL;
}

static void *kernel_client6(void *arg)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(5002) };
	static uint8_t buf[64 << 10];
	uint64_t sent = 0;
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	(void)arg;
	inet_pton(AF_INET6, "2001:2::2", &a.sin6_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		k_result = 6;
		goto out;
	}
	while (sent < total) {
		size_t n = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);
		ssize_t r;

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)((sent + i) % 251);
		r = send(fd, buf, n, 0);
		if (r <= 0) {
			k_result = 7;
			goto out;
		}
		sent += (uint64_t)r;
	}
out:
	if (fd >= 0)
		close(fd);
	k_done = 1;
	return NULL;
}

static void *kernel_server(void *arg)
{
	static uint8_t buf[256 << 10];
	uint64_t got = 0;
	int fd = accept(k_lfd, NULL, NULL);

	(void)arg;
	if (fd < 0) {
		k_result = 3;
		goto out;
	}
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r < 0) {
			k_result = 4;
			break;
		}
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != (uint8_t)((got + (uint64_t)i) % 251)) {
				k_result = 5;
				goto out;
			}
		got += (uint64_t)r;
	}
out:
	k_bytes = got;
	if (fd >= 0)
		close(fd);
	k_done = 1;
	return NULL;
}

int main(void)
{
	struct nm_wire_tap_params tp = { .ifname = "nmtap0", .offloads = true,
					 .host_addr = "198.18.0.1/24",
					 .host_addr6 = "2001:2::1/64", .up = true };
	struct nm_netdev_params np = { .name = "nm0", .rx_queues = 1, .tx_queues = 1,
				       .mac = { 0x02, 0, 0, 0, 0, 0x02 } };
	struct nm_stack_params sp = { 0 };
	struct nm_iface_params ip = { .addr4 = "198.18.0.2/24", .addr6 = "2001:2::2/64" };
	struct nm_topo *topo;
	struct nm_device *nic;
	struct nm_wire *w;
	struct nm_netdev *nd;
	struct nm_stack *st;
	pthread_t th;
	static uint8_t buf[256 << 10];
	struct timeval tv = { 30, 0 };
	uint64_t got = 0, sent = 0, t0, mb = 1024;
	const char *env = getenv("NM_TCP_TAP_MB");
	int r = t_enter_netns(), lsd, sd;

	if (r)
		return r;
	if (env)
		mb = strtoull(env, NULL, 10);
	total = mb << 20;
	T_OK(nm_wire_tap_open(&tp, &w));
	T_OK(nm_topo_create_default(&topo));
	T_OK(nm_topo_device(topo, "nic0", &nic));
	np.dev = nic;
	np.wire = w;
	T_OK(nm_netdev_create(&np, &nd));
	T_OK(nm_stack_create(&sp, &st));
	ip.nd = nd;
	T_OK(nm_stack_add_iface(st, &ip));

	/* 1. kernel client -> netmem server */
	lsd = (int)T_OK(nm_socket(st, AF_INET, SOCK_STREAM, 0));
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5000) };

		T_OK(nm_bind(lsd, (struct sockaddr *)&a, sizeof(a)));
	}
	T_OK(nm_listen(lsd, 8));
	T_OK(nm_setsockopt(lsd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	T_ASSERT(pthread_create(&th, NULL, kernel_client, NULL) == 0);
	sd = (int)T_OK(nm_accept(lsd, NULL, NULL));
	T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = t_now_us();
	for (;;) {
		ssize_t n = nm_recv(sd, buf, sizeof(buf), 0);

		if (n == 0)
			break;
		if (n < 0)
			T_FAIL("recv after %llu bytes: %zd %s", (unsigned long long)got, n,
			       nm_last_error());
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != (uint8_t)((got + (uint64_t)i) % 251))
				T_FAIL("kernel->netmem byte %llu wrong",
				       (unsigned long long)(got + (uint64_t)i));
		got += (uint64_t)n;
	}
	printf("kernel -> netmem: %llu MiB, %.1f MB/s\n", (unsigned long long)mb,
	       (double)got / (double)(t_now_us() - t0));
	pthread_join(th, NULL);
	T_EQ(k_result, 0);
	T_EQ(got, total);
	T_OK(nm_close(sd));
	T_OK(nm_close(lsd));

	/* 2. netmem client -> kernel server */
	k_done = 0;
	k_lfd = socket(AF_INET, SOCK_STREAM, 0);
	T_ASSERT(k_lfd >= 0);
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5001) };

		inet_pton(AF_INET, "198.18.0.1", &a.sin_addr);
		T_ASSERT(bind(k_lfd, (struct sockaddr *)&a, sizeof(a)) == 0);
		T_ASSERT(listen(k_lfd, 4) == 0);
		T_ASSERT(pthread_create(&th, NULL, kernel_server, NULL) == 0);
		sd = (int)T_OK(nm_socket(st, AF_INET, SOCK_STREAM, 0));
		T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
		T_OK(nm_connect(sd, (struct sockaddr *)&a, sizeof(a)));
	}
	t0 = t_now_us();
	while (sent < total) {
		size_t n = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);
		ssize_t rr;

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)((sent + i) % 251);
		rr = nm_send(sd, buf, n, 0);
		if (rr <= 0)
			T_FAIL("send after %llu: %zd %s", (unsigned long long)sent, rr,
			       nm_last_error());
		sent += (uint64_t)rr;
	}
	T_OK(nm_close(sd));
	for (uint64_t end = t_now_us() + 30000000; !k_done;) {
		T_ASSERT(t_now_us() < end);
		T_OK(nm_stack_poll(st, 5));
	}
	printf("netmem -> kernel: %llu MiB, %.1f MB/s\n", (unsigned long long)mb,
	       (double)k_bytes / (double)(t_now_us() - t0));
	pthread_join(th, NULL);
	T_EQ(k_result, 0);
	T_EQ(k_bytes, total);
	close(k_lfd);
	{
		struct nm_stack_stats s;

		T_OK(nm_stack_get_stats(st, &s));
		printf("retransmits %llu, rto %llu, bad csum %llu\n",
		       (unsigned long long)s.tcp_retransmits, (unsigned long long)s.tcp_rto,
		       (unsigned long long)s.tcp_bad_csum);
	}
	/* 3. IPv6: a kernel client sends 4 MiB to a netmem AF_INET6 server */
	{
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(5002) };

		k_done = 0;
		k_result = 0;
		total = 4u << 20;
		lsd = (int)T_OK(nm_socket(st, AF_INET6, SOCK_STREAM, 0));
		T_OK(nm_bind(lsd, (struct sockaddr *)&a6, sizeof(a6)));
		T_OK(nm_listen(lsd, 8));
		T_OK(nm_setsockopt(lsd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
		T_ASSERT(pthread_create(&th, NULL, kernel_client6, NULL) == 0);
		sd = (int)T_OK(nm_accept(lsd, NULL, NULL));
		T_OK(nm_setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
		got = 0;
		for (;;) {
			ssize_t n = nm_recv(sd, buf, sizeof(buf), 0);

			if (n == 0)
				break;
			if (n < 0)
				T_FAIL("v6 recv after %llu: %zd %s", (unsigned long long)got, n,
				       nm_last_error());
			for (ssize_t i = 0; i < n; i++)
				if (buf[i] != (uint8_t)((got + (uint64_t)i) % 251))
					T_FAIL("v6 byte %llu wrong", (unsigned long long)(got + (uint64_t)i));
			got += (uint64_t)n;
		}
		pthread_join(th, NULL);
		T_EQ(k_result, 0);
		T_EQ(got, total);
		printf("kernel -> netmem over IPv6: 4 MiB ok\n");
		T_OK(nm_close(sd));
		T_OK(nm_close(lsd));
	}
	T_OK(nm_stack_destroy(st));
	T_OK(nm_netdev_destroy(nd));
	nm_wire_destroy(w);
	nm_topo_destroy(topo);
	T_PASS();
}
