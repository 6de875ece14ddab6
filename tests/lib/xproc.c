/* SPDX-License-Identifier: MIT */
/* Two hosts in two processes over one shm wire (t_xproc.h). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "mem/mem_internal.h"
#include "nic/wire_shm.h"
#include "t_xproc.h"

#define T_XP_PORT	7500
#define T_XP_CHUNK	(256u << 10)
#define T_XP_TXBUF	(8u << 20)

static const struct nm_wire_shm_params t_xp_wire = { .ring_entries = 4096,
						     .arena_bytes = 32 << 20, .mtu = 9000 };

struct nm_wire *t_xp_connect(const char *name)
{
	struct nm_wire *w = NULL;
	int r = -ECONNREFUSED;

	for (int i = 0; i < 5000 && r == -ECONNREFUSED; i++)
		if ((r = nm_wire_shm_connect(name, 5000, &w)) == -ECONNREFUSED)
			usleep(1000);
	T_OK(r);
	return w;
}

void t_xp_expect(int fd, char want)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	T_EQ(poll(&p, 1, 10000), 1);
	T_EQ(read(fd, &c, 1), 1);
	T_EQ(c, want);
}

void t_xp_count(void *arg)
{
	(*(int *)arg)++;
}

struct nm_memobj *t_xp_memfd_obj(uint64_t size, bool sealed, uint8_t (*byte)(uint32_t, uint64_t),
				 uint32_t tag)
{
	int fd = memfd_create("t_xp_obj", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct nm_memobj *obj;
	uint8_t *va;

	T_ASSERT(fd >= 0 && ftruncate(fd, (off_t)size) == 0);
	if (sealed)
		T_ASSERT(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	T_ASSERT(va != MAP_FAILED);
	for (uint64_t i = 0; i < size; i++)
		va[i] = byte(tag, i);
	munmap(va, size);
	T_OK(nm_memobj_create_memfd(fd, 0, size, 0, &obj));
	close(fd);
	return obj;
}

void t_xp_up(struct t_xp *x, const char *name, bool creator, const struct nm_wire_shm_params *wp)
{
	struct nm_host_params hp = {
		.netdev = { .name = creator ? "nma" : "nmb", .rx_queues = 1, .tx_queues = 1,
			    .rx_ring = 1024 },
		.iface = { .addr4 = creator ? "198.18.0.1/24" : "198.18.0.2/24" },
	};

	memset(x, 0, sizeof(*x));
	T_OK(nm_topo_create("rc0(p2p) { sw0 { nic0 } }", &x->topo));
	T_OK(nm_topo_get_device(x->topo, "nic0", &x->nic));
	if (creator)
		T_OK(nm_wire_shm_create(name, wp ? wp : &t_xp_wire, 20000, &x->w));
	else
		x->w = t_xp_connect(name);
	hp.netdev.dev = x->nic;
	hp.netdev.wire = x->w;
	hp.netdev.mtu = nm_wire_mtu(x->w);
	memcpy(hp.netdev.mac, creator ? t_mac_a : t_mac_b, 6);
	T_OK(nm_host_create(&hp, &x->h));
	x->nd = nm_host_netdev(x->h);
	x->st = nm_host_stack(x->h);
	T_ASSERT(x->st);
}

void t_xp_down(struct t_xp *x)
{
	T_OK(nm_host_destroy(x->h));
	T_OK(nm_topo_destroy(x->topo));
	memset(x, 0, sizeof(*x));
}

void t_xp_poll(struct t_xp *x)
{
	if (!T_OK(nm_stack_poll(x->st, 0)))
		T_OK(nm_stack_poll(x->st, 1));
}

static void t_xp_deadline(uint64_t end, const char *what, uint64_t a, uint64_t b)
{
	if (t_now_us() > end)
		T_FAIL("%s: %llu of %llu in time", what, (unsigned long long)a,
		       (unsigned long long)b);
}

/* Wait for one byte from fd (a pipe), polling the stack meanwhile. */
static char t_xp_wait_byte(struct t_xp *x, int fd, uint64_t end)
{
	char c;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 0) == 1) {
			T_EQ(read(fd, &c, 1), 1);
			return c;
		}
		t_xp_deadline(end, "waiting for the peer process", 0, 1);
		t_xp_poll(x);
	}
}

/* B: receive everything with devmem RX, checking each byte. */
static int t_xp_rx(struct t_xp_run *r, const char *name, int to_a, int from_a)
{
	uint64_t end = t_now_us() + (uint64_t)r->timeout_s * 1000000u, pos = 0;
	struct t_dm_rx *rx = calloc(1, sizeof(*rx));
	struct nm_wire_stats st;
	struct t_dm dm;
	struct t_xp b;
	int lsd, ssd = -1;

	T_ASSERT(rx);
	if (r->b_no_refs)
		T_ASSERT(setenv("NM_SHM_REFS", "0", 1) == 0);
	t_xp_up(&b, name, false, NULL);
	t_dm_bind(&dm, b.nd, 16u << 20);
	lsd = t_listen(b.st, AF_INET, T_XP_PORT, 4);
	if (r->b_no_fds) {
		int low = fcntl(0, F_DUPFD, 0);
		struct rlimit rl;

		T_ASSERT(low >= 0 && close(low) == 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0);
		rl.rlim_cur = (rlim_t)low;
		T_ASSERT(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	}
	T_EQ(write(to_a, "L", 1), 1);
	while (ssd < 0) {
		t_xp_deadline(end, "accept", 0, 1);
		t_xp_poll(&b);
		ssd = nm_accept4(lsd, NULL, NULL, SOCK_NONBLOCK);
		T_ASSERT(ssd >= 0 || ssd == -EAGAIN);
	}
	while (pos < r->total) {
		ssize_t n;

		if (r->kill_at && pos >= r->kill_at) {
			T_EQ(write(to_a, "K", 1), 1);	/* A kills us now */
			for (;;)
				pause();
		}
		t_xp_deadline(end, "devmem receive", pos, r->total);
		if (r->no_check) {
			n = t_dm_rx_take(ssd, MSG_DONTWAIT);
			pos += n > 0 ? (uint64_t)n : 0;
		} else {
			n = t_dm_recv(&dm, ssd, 1u << 20, 256, &pos, rx);
		}
		T_ASSERT(n > 0 || n == -EAGAIN);
		if (rx->ntok)
			t_dm_return(ssd, rx);
		if (n == -EAGAIN)
			t_xp_poll(&b);
	}
	T_OK(nm_wire_get_stats(b.w, &st, sizeof(st)));
	T_EQ(write(to_a, &st, sizeof(st)), (ssize_t)sizeof(st));
	/* A closes first: its FIN, then ours */
	for (;;) {
		ssize_t n = r->no_check ? t_dm_rx_take(ssd, MSG_DONTWAIT)
					: t_dm_recv(&dm, ssd, 1u << 20, 256, &pos, rx);

		if (n == 0)
			break;
		T_EQ(n, -EAGAIN);
		t_xp_deadline(end, "the sender's FIN", 0, 1);
		t_xp_poll(&b);
	}
	T_OK(nm_close(ssd));
	T_OK(nm_close(lsd));
	for (uint64_t t = t_now_us() + 200000; t_now_us() < t;)
		t_xp_poll(&b);
	t_dm_unbind(&dm);
	t_xp_down(&b);
	(void)from_a;
	free(rx);
	return 0;
}

/* A: one devmem send of the stream pattern's next bytes (at most a chunk);
 * a full socket polls the stack instead. */
static void t_xp_send_some(struct t_xp *a, int csd, struct t_dtx *d, uint64_t total,
			   uint64_t *sent, uint32_t *ids)
{
	uint64_t off = *sent % 251, len = total - *sent;
	ssize_t n;

	len = len < T_XP_CHUNK ? len : T_XP_CHUNK;
	len = len < d->size - off ? len : d->size - off;
	n = t_dtx_send(csd, d->id, off, len, MSG_DONTWAIT);
	if (n > 0) {
		*sent += (uint64_t)n;
		(*ids)++;
	} else {
		T_EQ(n, -EAGAIN);
		t_xp_poll(a);
	}
}

/* A: devmem TX of the stream pattern from a TX-bound memfd dma-buf. */
static void t_xp_tx(struct t_xp_run *r, struct t_xp *a, int from_b, pid_t pid)
{
	uint64_t end = t_now_us() + (uint64_t)r->timeout_s * 1000000u, sent = 0, t0;
	struct sockaddr_in sa = t_sin("198.18.0.2", T_XP_PORT);
	uint32_t ids = 0, next = 0;
	struct t_dtx d;
	int one = 1, csd;

	t_dtx_bind(&d, a->nd, T_XP_TXBUF);
	t_pat_fill(d.va, d.size, 0);	/* offset o holds stream bytes o, o + 251, ... */
	T_EQ(t_xp_wait_byte(a, from_b, end), 'L');
	csd = (int)T_OK(nm_socket(a->st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	T_OK(nm_setsockopt(csd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)));
	T_EQ(nm_connect(csd, (struct sockaddr *)&sa, sizeof(sa)), -EINPROGRESS);
	while (t_tcp_state(csd) != TCP_ESTABLISHED) {
		t_xp_deadline(end, "connect", 0, 1);
		t_xp_poll(a);
	}
	t0 = t_now_us();
	while (sent < r->total) {
		t_xp_send_some(a, csd, &d, r->total, &sent, &ids);
		t_dtx_drain(csd, &next);
		if (r->kill_at) {
			struct pollfd p = { .fd = from_b, .events = POLLIN };

			if (poll(&p, 1, 0) == 1)
				break;	/* B stopped reading */
		}
		t_xp_deadline(end, "devmem send", sent, r->total);
	}
	if (r->kill_at) {
		int status;

		T_EQ(t_xp_wait_byte(a, from_b, end), 'K');
		/* frames naming our memory wait in the ring, unread.  B stopped
		 * right after a read, its window open; we keep sending, for we
		 * may have been the slower end with nothing left in flight */
		while ((r->refs_at_kill = nm__wire_shm_refs_out(a->w)) == 0) {
			t_xp_deadline(end, "references out before the kill", sent, r->total);
			if (sent < r->total)
				t_xp_send_some(a, csd, &d, r->total, &sent, &ids);
			else
				t_xp_poll(a);
		}
		T_ASSERT(kill(pid, SIGKILL) == 0);
		T_ASSERT(waitpid(pid, &status, 0) == pid);
		T_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		/* every reference comes back, within bounds, by our own polling */
		end = t_now_us() + 20000000u;
		while (nm__wire_shm_refs_out(a->w) != 0) {
			t_xp_deadline(end, "references back after the kill", 0, 1);
			t_xp_poll(a);
		}
		T_EQ(nm_wire_shm_peer_alive(a->w), 0);
		T_OK(nm_wire_get_stats(a->w, &r->wa, sizeof(r->wa)));
		/* the connection cannot finish: the stack goes, and with it
		 * every hold on the binding */
		T_OK(nm_close(csd));
		T_OK(nm_host_stack_down(a->h));
		T_EQ(t_dtx_refs(&d), 0);
		t_dtx_unbind(&d);
		return;
	}
	/* every completion, in order: B consumed and acknowledged it all */
	while (next != ids) {
		t_xp_deadline(end, "completions", next, ids);
		t_xp_poll(a);
		t_dtx_drain(csd, &next);
	}
	r->us = t_now_us() - t0;
	T_EQ(read(from_b, &r->wb, sizeof(r->wb)), (ssize_t)sizeof(r->wb));
	T_OK(nm_close(csd));
	while (t_dtx_refs(&d) != 0 || nm__wire_shm_refs_out(a->w) != 0) {
		t_xp_deadline(end, "binding references after close", 0, 1);
		t_xp_poll(a);
	}
	T_OK(nm_wire_get_stats(a->w, &r->wa, sizeof(r->wa)));
	t_dtx_unbind(&d);
}

pid_t t_xp_fork(int (*child)(void *arg, int to_a, int from_a), void *arg, int *from_b,
		int *to_b, char name[64])
{
	int a[2], b[2];
	pid_t pid;

	snprintf(name, 64, "t_xp.%d", (int)getpid());
	T_ASSERT(pipe(a) == 0 && pipe(b) == 0);
	pid = t_fork();
	if (pid == 0) {
		int rc;

		close(a[0]);
		close(b[1]);
		rc = child(arg, a[1], b[0]);
		fflush(stdout);
		_exit(rc);
	}
	close(a[1]);
	close(b[0]);
	*from_b = a[0];
	*to_b = b[1];
	return pid;
}

struct t_xp_child {
	struct t_xp_run *r;
	const char *name;
};

static int t_xp_rx_child(void *arg, int to_a, int from_a)
{
	struct t_xp_child *c = arg;

	return t_xp_rx(c->r, c->name, to_a, from_a);
}

void t_xp_devmem(struct t_xp_run *r)
{
	char name[64];
	struct t_xp_child c = { r, name };
	int from_b, to_b, status;
	struct t_xp a;
	pid_t pid;

	if (!r->timeout_s)
		r->timeout_s = 120;
	pid = t_xp_fork(t_xp_rx_child, &c, &from_b, &to_b, name);
	t_xp_up(&a, name, true, r->wp);
	t_xp_tx(r, &a, from_b, pid);
	if (!r->kill_at) {
		T_ASSERT(waitpid(pid, &status, 0) == pid);
		T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	T_OK(nm__wire_shm_assert_ok(a.w));
	t_xp_down(&a);
	close(from_b);
	close(to_b);
}
