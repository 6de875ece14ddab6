/* SPDX-License-Identifier: MIT */
/*
 * devmem RX against the copy path, on the same wire in the same run.
 *
 *   shm_devmem_rx_vs_copy   MB/s of a receiver that takes payload as
 *                           dma-buf frags (recvmsg(MSG_SOCK_DEVMEM), tokens
 *                           returned with SO_DEVMEM_DONTNEED after each
 *                           call); baseline: the copy path, recv() into a
 *                           host buffer, then a copy into the same dma-buf
 *                           through a lasting mmap of it.  Two netmem
 *                           stacks on an in-process shm wire (MTU 9000),
 *                           the sender on its own thread, the receiver on
 *                           this one.  ratio = devmem / copy.
 *   shm_devmem_tx_rx_vs_memcpy
 *                           MB/s of the devmem receiver above fed by a
 *                           devmem sender (sendmsg(SCM_DEVMEM_DMABUF,
 *                           MSG_ZEROCOPY) from a TX-bound memfd dma-buf,
 *                           completions read as they come): every payload
 *                           byte placed from one dma-buf into another;
 *                           baseline: single-core memcpy of the same total
 *                           (the median of three), the least a byte moved
 *                           from one memory to another can cost.
 *   tap_devmem_rx_vs_copy   the same with a kernel TCP sender (cubic) over
 *                           a TAP in a private network namespace
 *                           (198.18.0.0/15); root only, else one "skipped"
 *                           line.
 *
 * Neither receiver touches the payload beyond what its path needs: a
 * devmem application hands the offsets to the device that owns the memory.
 * 1 GiB per measurement (NM_BENCH_QUICK=1: 128 MiB).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netmem/ctl.h>
#include <netmem/devmem.h>
#include <netmem/dmabuf.h>
#include <netmem/error.h>
#include <netmem/netdev.h>
#include <netmem/pci.h>
#include <netmem/socket.h>
#include <netmem/stack.h>
#include <netmem/wire.h>

#include "bench.h"
#include "t_devmem.h"
#include "t_kernel.h"

#define DMABUF_BYTES	(64u << 20)
#define CHUNK		(256u << 10)

static void die(const char *what, long r)
{
	fprintf(stderr, "bench_devmem_rx: %s failed: %ld (%s)\n", what, r, nm_last_error());
	exit(1);
}

#define CK(x) do { long _r = (long)(x); if (_r < 0) die(#x, _r); } while (0)

/* ---- the dma-buf and its binding, the devmem receiver: the test bed's
 * t_dm_create / t_dm_bind_rx / t_dm_rx_drain (t_devmem.h) ---- */

/* ---- the two receivers ----------------------------------------------------- */

/* Device path: frags reported, tokens returned after each call. */
static uint64_t rx_devmem(int sd)
{
	int64_t got = t_dm_rx_drain(sd);

	CK(got);
	return (uint64_t)got;
}

/* Copy path: into host memory, then into the dma-buf through a lasting
 * CPU mapping of it (the cheapest way an application copies into a
 * udmabuf: no per-copy window). */
static uint64_t rx_copy(int sd, struct nm_dmabuf *buf)
{
	static uint8_t host[CHUNK];
	uint64_t got = 0, off = 0;
	uint8_t *map;

	CK(nm_dmabuf_mmap(buf, 0, DMABUF_BYTES, PROT_READ | PROT_WRITE, (void **)&map));
	for (;;) {
		ssize_t n = nm_recv(sd, host, sizeof(host), 0);

		if (n == 0)
			break;
		CK(n);
		if (off + (uint64_t)n > DMABUF_BYTES)
			off = 0;
		memcpy(map + off, host, (size_t)n);
		off += (uint64_t)n;
		got += (uint64_t)n;
	}
	CK(nm_dmabuf_munmap(buf, map, DMABUF_BYTES));
	return got;
}

/* ---- the senders and one transfer ---------------------------------------- */

static uint8_t txbuf[CHUNK];

/* A sender thread: a netmem socket on st (devmem TX from dtx, else plain
 * sends), or a kernel socket (st NULL). */
struct sender {
	struct nm_stack *st;
	struct t_dtx *dtx;
	uint16_t port;
	uint64_t total;
	int err;
};

/* One send of n bytes: from the TX-bound dma-buf at *off (cycling through
 * it; the completions read as they come, in order), else from txbuf. */
static ssize_t send_some(struct sender *s, int sd, size_t n, uint64_t *off, uint32_t *next)
{
	ssize_t r;

	if (!s->dtx)
		return nm_send(sd, txbuf, n, 0);
	if (*off + n > s->dtx->size)
		*off = 0;
	r = t_dtx_send(sd, s->dtx->id, *off, n, 0);
	if (r > 0) {
		*off += (uint64_t)r;
		t_dtx_drain(sd, next);
	}
	return r;
}

static void *nsend_fn(void *p)
{
	struct sender *s = p;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(s->port) };
	struct timeval tv = { 20, 0 };
	uint64_t sent = 0, off = 0;
	uint32_t next = 0;
	int sd = nm_socket(s->st, AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "198.18.0.2", &a.sin_addr);
	if (sd < 0 || nm_setsockopt(sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    (s->dtx && nm_setsockopt(sd, SOL_SOCKET, SO_ZEROCOPY, &(int){ 1 }, sizeof(int))) ||
	    nm_connect(sd, (struct sockaddr *)&a, sizeof(a))) {
		s->err = 1;
		goto out;
	}
	while (sent < s->total) {
		size_t n = s->total - sent < CHUNK ? (size_t)(s->total - sent) : CHUNK;
		ssize_t r = send_some(s, sd, n, &off, &next);

		if (r <= 0) {
			fprintf(stderr, "bench_devmem_rx: send: %zd (%s)\n", r, nm_last_error());
			s->err = 2;
			goto out;
		}
		sent += (uint64_t)r;
	}
	/* a FIN, then let the receiver drain before the stack stops */
	nm_shutdown(sd, SHUT_WR);
	{
		char c;

		nm_recv(sd, &c, 1, 0);
	}
out:
	if (sd >= 0)
		nm_close(sd);
	return NULL;
}

/* The test bed's kernel sender (t_kernel.h: cubic). */
static void *ksend_fn(void *p)
{
	struct sender *k = p;
	struct t_ksend ks = { .total = k->total, .buf = txbuf, .chunk = CHUNK };

	t_ksend_to4(&ks, "198.18.0.2", k->port);
	k->err = t_ksend_run(&ks);
	return NULL;
}

/* One transfer into a listener on st: the sender in a thread of its own,
 * the receiver on this one (devmem, or the copy path into copy_into).
 * MB/s. */
static double run(struct nm_stack *st, struct sender *s, struct nm_dmabuf *copy_into)
{
	struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons(s->port) };
	struct timeval tv = { 20, 0 };
	pthread_t th;
	uint64_t t0, got;
	int lsd = nm_socket(st, AF_INET, SOCK_STREAM, 0), sd;

	CK(lsd);
	CK(nm_bind(lsd, (struct sockaddr *)&la, sizeof(la)));
	CK(nm_listen(lsd, 4));
	CK(nm_setsockopt(lsd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	if (pthread_create(&th, NULL, s->st ? nsend_fn : ksend_fn, s))
		die("pthread_create", -1);
	sd = nm_accept(lsd, NULL, NULL);
	CK(sd);
	CK(nm_setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t0 = t_now_ns();
	got = copy_into ? rx_copy(sd, copy_into) : rx_devmem(sd);
	t0 = t_now_ns() - t0;
	/* close first: a netmem sender waits for our FIN, and its stack
	 * needs this thread to run ours */
	nm_close(sd);
	nm_close(lsd);
	pthread_join(th, NULL);
	if (s->err || got != s->total)
		die("stream", -(long)(s->err ? s->err : EIO));
	return (double)got * 1e3 / (double)t0;
}

/* ---- shm: netmem sender thread -> netmem receiver ------------------------- */

static void bench_shm(uint64_t total)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 64 << 20,
					 .mtu = 9000 };
	struct t_net n;
	struct t_dm d;
	struct t_dtx tx;
	double copy, dev, base;

	/* the test bed's two hosts (t_net.h), IPv4 only */
	t_net_create(&n, &(struct t_net_params){ .wire = &wp, .rx_ring = 1024,
						  .no_addr6 = true });
	t_dm_create(&d, DMABUF_BYTES);
	copy = run(n.sb, &(struct sender){ .st = n.sa, .port = 5401, .total = total }, d.buf);
	t_dm_bind_rx(&d, n.ndb);
	dev = run(n.sb, &(struct sender){ .st = n.sa, .port = 5402, .total = total }, NULL);
	nm_bench_emit("devmem_rx", "shm_devmem_rx_vs_copy", dev, "MB/s", copy, dev / copy);
	t_dtx_bind(&tx, n.nda, DMABUF_BYTES);
	dev = run(n.sb, &(struct sender){ .st = n.sa, .dtx = &tx, .port = 5403, .total = total },
		  NULL);
	base = nm_bench_memcpy_mbps(total);
	nm_bench_emit("devmem_rx", "shm_devmem_tx_rx_vs_memcpy", dev, "MB/s", base, dev / base);
	t_net_stacks_down(&n);
	t_dtx_unbind(&tx);
	t_dm_destroy(&d);
	t_net_down(&n);
}

/* ---- TAP: kernel sender -> netmem receiver, in a namespace ---------------- */

static void tap_child(uint64_t total)
{
	struct t_tap_net t;
	struct t_dm d;
	double copy, dev;

	/* the test bed's TAP host (t_kernel.h) */
	if (unshare(CLONE_NEWNET) ||
	    t_tap_net_create_here(&t, &(struct t_tap_params){ .ifname = "nmdtap0",
							     .offloads = true }) < 0) {
		printf("{\"bench\":\"devmem_rx\",\"metric\":\"tap_devmem_rx_vs_copy\","
		       "\"skipped\":\"no network namespace or TAP\"}\n");
		exit(0);
	}
	t_dm_create(&d, DMABUF_BYTES);
	copy = run(t.st, &(struct sender){ .port = 5501, .total = total }, d.buf);
	t_dm_bind_rx(&d, t.nd);
	dev = run(t.st, &(struct sender){ .port = 5502, .total = total }, NULL);
	nm_bench_emit("devmem_rx", "tap_devmem_rx_vs_copy", dev, "MB/s", copy, dev / copy);
	T_OK(nm_host_stack_down(t.h));
	t_dm_destroy(&d);
	t_tap_net_down(&t);
	exit(0);
}

static void bench_tap(uint64_t total)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		printf("{\"bench\":\"devmem_rx\",\"metric\":\"tap_devmem_rx_vs_copy\","
		       "\"skipped\":\"needs root\"}\n");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (pid == 0)
		tap_child(total);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("tap child", -EIO);
}

int main(void)
{
	uint64_t total = nm_bench_quick() ? 128ull << 20 : 1ull << 30;

	for (size_t i = 0; i < sizeof(txbuf); i++)
		txbuf[i] = (uint8_t)i;
	bench_shm(total);
	bench_tap(total);
	return 0;
}
