/* SPDX-License-Identifier: MIT */
/*
 * TCP benchmarks over an in-process shm wire, both stacks driven by this
 * thread (so figures include both ends' work on one core):
 *   stream_1conn   one connection's payload throughput, MB/s (TSO on)
 *   connect_close  connect + accept + close cycles per second
 * NM_BENCH_QUICK=1 shortens the runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

#include "bench.h"

static struct nm_stack *sa, *sb;

static void die(const char *what, long r)
{
	fprintf(stderr, "bench_tcp: %s failed: %ld\n", what, r);
	exit(1);
}

#define CK(x) do { long _r = (long)(x); if (_r < 0) die(#x, _r); } while (0)

static void pump(void)
{
	nm_stack_poll(sa, 0);
	nm_stack_poll(sb, 0);
}

static int connect_pair(int lsd, int *ssd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5201) };
	int csd = nm_socket(sa, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), r;

	CK(csd);
	inet_pton(AF_INET, "198.18.0.2", &a.sin_addr);
	r = nm_connect(csd, (struct sockaddr *)&a, sizeof(a));
	if (r != -EINPROGRESS)
		die("connect", r);
	for (uint64_t end = nm_bench_now_ns() + 5000000000ull;;) {
		r = nm_accept4(lsd, NULL, NULL, SOCK_NONBLOCK);
		if (r >= 0)
			break;
		if (nm_bench_now_ns() > end)
			die("accept timeout", r);
		pump();
	}
	*ssd = r;
	return csd;
}

int main(void)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32 << 20 };
	struct nm_netdev_params np = { .rx_queues = 1, .tx_queues = 1, .rx_ring = 1024 };
	struct nm_stack_params sp = { 0 };
	struct nm_iface_params ia = { .addr4 = "198.18.0.1/24" }, ib = { .addr4 = "198.18.0.2/24" };
	struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons(5201) };
	struct nm_topo *topo;
	struct nm_device *n0, *n1;
	struct nm_wire *wa, *wb;
	struct nm_netdev *nda, *ndb;
	static uint8_t buf[256 << 10];
	uint64_t total = (nm_bench_quick() ? 64ull : 512ull) << 20, sent = 0, got = 0, t0;
	int lsd, csd, ssd, one = 1, cycles = nm_bench_quick() ? 100 : 500;

	CK(nm_topo_create("rc0(p2p) { sw0 { nic0 nic1 } }", &topo));
	CK(nm_topo_device(topo, "nic0", &n0));
	CK(nm_topo_device(topo, "nic1", &n1));
	CK(nm_wire_shm_pair(&wp, &wa, &wb));
	np.name = "nma";
	np.dev = n0;
	np.wire = wa;
	np.mac[0] = 2;
	np.mac[5] = 0xa;
	CK(nm_netdev_create(&np, &nda));
	np.name = "nmb";
	np.dev = n1;
	np.wire = wb;
	np.mac[5] = 0xb;
	CK(nm_netdev_create(&np, &ndb));
	CK(nm_stack_create(&sp, &sa));
	CK(nm_stack_create(&sp, &sb));
	ia.nd = nda;
	ib.nd = ndb;
	CK(nm_stack_add_iface(sa, &ia));
	CK(nm_stack_add_iface(sb, &ib));
	lsd = nm_socket(sb, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CK(lsd);
	CK(nm_setsockopt(lsd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CK(nm_bind(lsd, (struct sockaddr *)&la, sizeof(la)));
	CK(nm_listen(lsd, 1024));

	csd = connect_pair(lsd, &ssd);
	t0 = nm_bench_now_ns();
	while (got < total) {
		ssize_t r;

		if (sent < total) {
			r = nm_send(csd, buf, sizeof(buf), 0);
			if (r > 0)
				sent += (uint64_t)r;
		}
		pump();
		while ((r = nm_recv(ssd, buf, sizeof(buf), 0)) > 0)
			got += (uint64_t)r;
	}
	nm_bench_emit("tcp", "stream_1conn", (double)total * 1e3 / (double)(nm_bench_now_ns() - t0),
		      "MB/s", -1, 0);
	nm_close(csd);
	nm_close(ssd);

	t0 = nm_bench_now_ns();
	for (int i = 0; i < cycles; i++) {
		csd = connect_pair(lsd, &ssd);
		nm_close(csd);
		nm_close(ssd);
		pump();
	}
	nm_bench_emit("tcp", "connect_close", cycles * 1e9 / (double)(nm_bench_now_ns() - t0),
		      "conn/s", -1, 0);
	nm_close(lsd);
	nm_stack_destroy(sa);
	nm_stack_destroy(sb);
	nm_netdev_destroy(nda);
	nm_netdev_destroy(ndb);
	nm_wire_destroy(wa);
	nm_wire_destroy(wb);
	nm_topo_destroy(topo);
	return 0;
}
