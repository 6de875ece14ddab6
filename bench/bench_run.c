/* SPDX-License-Identifier: MIT */
/*
 * `netmem run` benchmark: what the drop-in runtime costs an unmodified
 * server against the same server written with nm_* calls, on the same wire.
 *
 * The server is tests/progs/sink.c (nmp_sink, glibc and the kernel's
 * headers only) under `netmem run --wire shm:NAME`, and sink_nm() below,
 * which mirrors it call for call with nm_socket/nm_accept/nm_recv/nm_poll
 * on a host configured as the runtime configures its NIC (src/rt/up.c:
 * the queues, header split at 0).  Each server is a process of its own;
 * the sender is this process, one netmem stack creating the shm wire
 * (the runtime's wire parameters: 4096 entries, 32 MiB, GSO), so both
 * servers see the same peer over the same wire.  Per run, two connections:
 *
 *  1. a stream of SIZE bytes, sent in 64 KiB nm_send()s; the server times
 *     it from its first byte to the end of stream;
 *  2. ROUNDS rounds of 64 KiB, each sent once the previous is acknowledged
 *     (so it lies queued, whole, at the server when the server reads it);
 *     the server times one recv() of 64 KiB of data already queued (the
 *     median round).
 *
 * Metrics (the runtime's run against the nm_* server's, alternated
 * five times each, medians):
 *   throughput_vs_nm    the runtime's server, Gbit/s; baseline the nm_*
 *                       server's; ratio value/baseline (target >= 0.9)
 *   recv64k_queued_vs_nm  one recv() of 64 KiB already queued under the
 *                       runtime, ns; baseline nm_recv() of the same
 *   recv64k_added       the difference: the added cost of one intercepted
 *                       64 KiB recv, ns
 * Needs the netmem command and nmp_sink of the same build (../netmem,
 * ../progs/nmp_sink next to this program); without them, one "skipped"
 * line.  NM_BENCH_QUICK=1: a quarter of the bytes and rounds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netmem/host.h>
#include <netmem/socket.h>
#include <netmem/wire.h>

#include "bench.h"

#define K64		65536
#define PORT		5201
#define SRV_ADDR	"198.18.0.2"
#define RUNS		5

static const char *const BENCH = "run";

static void skipped(const char *why)
{
	printf("{\"bench\":\"%s\",\"metric\":\"throughput_vs_nm\",\"skipped\":\"%s\"}\n",
	       BENCH, why);
}

/* ---- the nm_* server: tests/progs/sink.c, call for call ------------------------------ */

static uint64_t sink_now_ns(void)
{
	return t_now_ns();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t sink_drain(int sd, uint8_t *buf, uint64_t *ns)
{
	uint64_t got = 0, t0 = 0;
	ssize_t k;

	while ((k = nm_recv(sd, buf, K64, 0)) != 0) {
		if (k == -EINTR)
			continue;
		if (k < 0)
			return 0;
		if (!got)
			t0 = sink_now_ns();
		got += (uint64_t)k;
	}
	*ns = got ? sink_now_ns() - t0 : 0;
	return got;
}

static bool sink_await_64k(struct nm_stack *st, int sd, uint8_t *buf)
{
	struct pollfd p = { .fd = sd, .events = POLLIN };

	for (;;) {
		ssize_t k = nm_recv(sd, buf, K64, MSG_PEEK | MSG_DONTWAIT);

		if (k == K64)
			return true;
		if (k == 0)
			return false;
		if (k < 0 && k != -EAGAIN && k != -EINTR)
			return false;
		nm_poll(st, &p, 1, 1000);
	}
}

/* The same socket work as nmp_sink; one line on stdout the same. */
static int sink_nm(struct nm_stack *st, long rounds)
{
	static uint8_t buf[K64];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	uint64_t bytes, ns, rest, *lat = calloc((size_t)rounds + 1, sizeof(*lat));
	long done = 0;
	int lsd, sd, one = 1;

	inet_pton(AF_INET, SRV_ADDR, &sa.sin_addr);
	lsd = nm_socket(st, AF_INET, SOCK_STREAM, 0);
	if (!lat || lsd < 0 || nm_setsockopt(lsd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    nm_bind(lsd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || nm_listen(lsd, 128) < 0)
		return 1;
	if ((sd = nm_accept(lsd, NULL, NULL)) < 0)
		return 1;
	bytes = sink_drain(sd, buf, &ns);
	nm_close(sd);
	if ((sd = nm_accept(lsd, NULL, NULL)) < 0)
		return 1;
	while (done < rounds && sink_await_64k(st, sd, buf)) {
		uint64_t t0 = sink_now_ns();
		ssize_t k = nm_recv(sd, buf, K64, 0);

		lat[done++] = sink_now_ns() - t0;
		if (k != K64)
			return 1;
	}
	sink_drain(sd, buf, &rest);
	nm_close(sd);
	nm_close(lsd);
	if (done < rounds)
		return 1;
	qsort(lat, (size_t)rounds, sizeof(*lat), cmp_u64);
	printf("bytes %llu ns %llu recv64k_ns %llu\n", (unsigned long long)bytes,
	       (unsigned long long)ns, (unsigned long long)lat[rounds / 2]);
	fflush(stdout);
	free(lat);
	return 0;
}

/* The server's host: the runtime's NIC (src/rt/up.c host_up()). */
static int sink_nm_main(const char *wire, long rounds)
{
	struct nm_host_params hp = { .flags = NM_HOST_LINK_ONLY };
	uint64_t end = t_now_ns() + 10000000000ull;
	struct nm_ringparam rp;
	struct nm_host *h;
	struct nm_wire *w;
	int r;

	while ((r = nm_wire_shm_connect(wire, 1000, &w)) == -ECONNREFUSED || r == -ENOENT) {
		if (t_now_ns() > end)
			break;
		usleep(10000);
	}
	if (r < 0)
		return 1;
	hp.netdev.name = "nm0";
	hp.netdev.wire = w;
	hp.netdev.mac[0] = 0x02;
	hp.netdev.mac[4] = 0x4e;
	hp.netdev.mac[5] = 2;
	hp.netdev.mtu = 1500;
	hp.netdev.rx_queues = hp.netdev.tx_queues = 2;
	hp.iface.addr4 = SRV_ADDR "/24";
	if (nm_host_create(&hp, &h) < 0)
		return 1;
	r = nm_netdev_get_ringparam(nm_host_netdev(h), &rp);
	rp.tcp_data_split = NM_TCP_DATA_SPLIT_ENABLED;
	rp.hds_thresh = 0;
	if (r < 0 || nm_netdev_set_ringparam(nm_host_netdev(h), &rp) < 0 || nm_host_stack_up(h) < 0)
		return 1;
	r = sink_nm(nm_host_stack(h), rounds);
	nm_host_destroy(h);
	return r;
}

/* ---- the servers' processes ------------------------------------------------------------ */

struct server {
	pid_t pid;
	int out;		/* its stdout */
};

static int spawn(struct server *s, const char *netmem, const char *sink, const char *wire,
		 long rounds)
{
	int p[2];

	if (pipe(p) < 0)
		return -errno;
	fflush(stdout);
	s->pid = fork();
	if (s->pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (s->pid == 0) {
		char w[96], rs[32];

		setpgid(0, 0);		/* server_kill() reaches netmem run's program too */
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		if (!netmem)
			_exit(sink_nm_main(wire, rounds));
		snprintf(w, sizeof(w), "shm:%s", wire);
		snprintf(rs, sizeof(rs), "%ld", rounds);
		execl(netmem, netmem, "run", "--quiet", "--wire", w, "--addr", SRV_ADDR "/24", "--",
		      sink, SRV_ADDR, "5201", rs, (char *)NULL);
		_exit(127);
	}
	setpgid(s->pid, s->pid);	/* both sides, whichever runs first */
	close(p[1]);
	s->out = p[0];
	return 0;
}

/* ---- the sender -------------------------------------------------------------------------- */

static int connect_srv(struct nm_stack *st)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	uint64_t end = t_now_ns() + 10000000000ull;

	inet_pton(AF_INET, SRV_ADDR, &sa.sin_addr);
	for (;;) {
		int sd = nm_socket(st, AF_INET, SOCK_STREAM, 0), r;

		if (sd < 0)
			return sd;
		r = nm_connect(sd, (struct sockaddr *)&sa, sizeof(sa));
		if (r == 0)
			return sd;
		nm_close(sd);
		if ((r != -ECONNREFUSED && r != -ETIMEDOUT && r != -EHOSTUNREACH) ||
		    t_now_ns() > end)
			return r;
		nm_stack_poll(st, 10);
	}
}

static int send_all(int sd, const uint8_t *buf, size_t n)
{
	while (n) {
		ssize_t k = nm_send(sd, buf, n, MSG_NOSIGNAL);

		if (k < 0 && k != -EINTR)
			return (int)k;
		if (k > 0) {
			buf += k;
			n -= (size_t)k;
		}
	}
	return 0;
}

/* Until everything sent on sd is acknowledged (5 s). */
static int acked(struct nm_stack *st, int sd)
{
	uint64_t end = t_now_ns() + 5000000000ull;

	for (;;) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);
		int r = nm_getsockopt(sd, IPPROTO_TCP, TCP_INFO, &ti, &len);

		if (r < 0)
			return r;
		if (ti.tcpi_unacked == 0 && ti.tcpi_notsent_bytes == 0)
			return 0;
		if (t_now_ns() > end)
			return -ETIMEDOUT;
		nm_stack_poll(st, 0);
	}
}

/* Both connections of one run. */
static int sender(struct nm_stack *st, uint64_t size, long rounds)
{
	static uint8_t buf[K64];
	int sd, r;

	memset(buf, 0x5a, sizeof(buf));
	if ((sd = connect_srv(st)) < 0)
		return sd;
	for (uint64_t off = 0; off < size; off += K64)
		if ((r = send_all(sd, buf, K64)) < 0)
			return r;
	nm_close(sd);
	if ((sd = connect_srv(st)) < 0)
		return sd;
	for (long i = 0; i < rounds; i++) {
		if ((r = send_all(sd, buf, K64)) < 0 || (r = acked(st, sd)) < 0)
			return r;
		/* the server's timed recv runs in this gap, the wire quiet */
		for (uint64_t t = t_now_ns() + 50000; t_now_ns() < t;)
			nm_stack_poll(st, 0);
	}
	nm_close(sd);
	return 0;
}

/* The stack goes on (the last data, the FINs) until the server has read
 * everything and exited 0 (20 s). */
static int server_wait(struct nm_stack *st, struct server *s)
{
	int status;

	for (uint64_t end = t_now_ns() + 20000000000ull; t_now_ns() < end;) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
		}
		nm_stack_poll(st, 1);
	}
	return -ETIMEDOUT;
}

/* A server that failed or hangs: its process group (netmem run and its
 * program) killed and reaped. */
static void server_kill(struct server *s)
{
	if (s->pid > 0) {
		kill(-s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = -1;
	}
}

struct result {
	double gbps;
	double recv_ns;
};

/* One run: a server (netmem NULL: the nm_* one), the wire, the sender. */
static int run_one(const char *netmem, const char *sink, uint64_t size, long rounds,
		   struct result *res)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32u << 20,
					 .mtu = 1500, .gso = true };
	struct nm_host_params hp = { 0 };
	unsigned long long bytes = 0, ns = 0, rns = 0;
	struct server s = { .pid = -1, .out = -1 };
	struct nm_host *h;
	struct nm_wire *w;
	char name[64], line[256] = "";
	ssize_t n;
	int r;

	snprintf(name, sizeof(name), "bench-run-%d", (int)getpid());
	if ((r = spawn(&s, netmem, sink, name, rounds)) < 0)
		return r;
	r = nm_wire_shm_create(name, &wp, 10000, &w);
	if (r < 0)
		goto err_kill;
	hp.netdev.name = "nm1";
	hp.netdev.wire = w;
	hp.netdev.mac[0] = 0x02;
	hp.netdev.mac[5] = 1;
	hp.iface.addr4 = "198.18.0.1/24";
	if ((r = nm_host_create(&hp, &h)) < 0) {
		nm_wire_destroy(w);
		goto err_kill;
	}
	r = sender(nm_host_stack(h), size, rounds);
	if (r == 0)
		r = server_wait(nm_host_stack(h), &s);
	nm_host_destroy(h);
	if (r < 0)
		goto err_kill;
	n = read(s.out, line, sizeof(line) - 1);
	close(s.out);
	if (n <= 0 || sscanf(line, "bytes %llu ns %llu recv64k_ns %llu", &bytes, &ns, &rns) != 3 ||
	    bytes != size || ns == 0)
		return -EPROTO;
	res->gbps = (double)bytes * 8 / (double)ns;
	res->recv_ns = (double)rns;
	return 0;
err_kill:
	server_kill(&s);
	close(s.out);
	return r;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_dbl);
	return v[RUNS / 2];
}

/* The netmem command and nmp_sink of this build: next to bench/. */
static bool find_progs(char *netmem, char *sink, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if ((size_t)snprintf(netmem, len, "%.*s/../netmem", PATH_MAX - 64, self) >= len ||
	    (size_t)snprintf(sink, len, "%.*s/../progs/nmp_sink", PATH_MAX - 64, self) >= len)
		return false;
	return access(netmem, X_OK) == 0 && access(sink, X_OK) == 0;
}

int main(void)
{
	uint64_t size = nm_bench_quick() ? 128ull << 20 : 2048ull << 20;
	long rounds = nm_bench_quick() ? 500 : 2000;
	double rt_gbps[RUNS], nm_gbps[RUNS], rt_ns[RUNS], nm_ns[RUNS];
	char netmem[PATH_MAX], sink[PATH_MAX];

	signal(SIGPIPE, SIG_IGN);
	if (!find_progs(netmem, sink, sizeof(netmem))) {
		skipped("no netmem and progs/nmp_sink next to bench/ (build all targets)");
		return 0;
	}
	for (int i = 0; i < RUNS; i++) {
		struct result rt, nm;
		int r;

		if ((r = run_one(netmem, sink, size, rounds, &rt)) < 0 ||
		    (r = run_one(NULL, NULL, size, rounds, &nm)) < 0) {
			fprintf(stderr, "bench_run: run %d: %s\n", i, strerror(-r));
			return 1;
		}
		rt_gbps[i] = rt.gbps;
		nm_gbps[i] = nm.gbps;
		rt_ns[i] = rt.recv_ns;
		nm_ns[i] = nm.recv_ns;
	}
	double g = median(rt_gbps), gb = median(nm_gbps);
	double ns = median(rt_ns), nsb = median(nm_ns);

	nm_bench_emit(BENCH, "throughput_vs_nm", g, "Gbit/s", gb, g / gb);
	nm_bench_emit(BENCH, "recv64k_queued_vs_nm", ns, "ns", nsb, ns / nsb);
	nm_bench_emit(BENCH, "recv64k_added", ns - nsb, "ns", -1, 0);
	return 0;
}
