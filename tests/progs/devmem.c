/* SPDX-License-Identifier: MIT */
/*
 * nmp_devmem: a devmem TCP receiver and sender written as for Linux, with
 * plain socket calls and the kernel's devmem uAPI (recvmsg(MSG_SOCK_DEVMEM)
 * with SCM_DEVMEM_DMABUF/LINEAR cmsgs, SO_DEVMEM_DONTNEED, sendmsg with
 * SCM_DEVMEM_DMABUF and MSG_ZEROCOPY, completions on MSG_ERRQUEUE), glibc
 * and the kernel's headers only.  Only the control plane differs from
 * ncdevmem: until the runtime answers the netdev netlink family, bind-rx,
 * flow steering and bind-tx are the hooks of libnetmem-preload.so
 * (src/rt/ctl.c), found with dlsym() so this binary links nothing of
 * netmem.
 *
 *	nmp_devmem rx ADDR PORT BYTES	devmem receiver (under netmem run)
 *	nmp_devmem tx HOST PORT BYTES	devmem sender (under netmem run)
 *	nmp_devmem recv ADDR PORT BYTES	plain receiver (any TCP)
 *	nmp_devmem send HOST PORT BYTES	plain sender (any TCP)
 *
 * The stream is connection 1's of prog.h; every receiver checks every
 * byte, wherever it lies (the dma-buf at frag_offset, or the iov).  rx
 * also checks the uAPI's rules on the way: a plain recv() of device
 * memory is EFAULT and consumes nothing, every token goes back once.
 */
#include <dlfcn.h>
#include <poll.h>
#include <sys/mman.h>

#include "prog.h"

#include "devmem_uapi.h"

#define CHUNK		(256u << 10)
#define MAX_CMSGS	256
/* The sender's dma-buf holds a whole number of the stream's 251-byte
 * periods, so it is sent again and again from its start. */
#define TX_PERIODS	16384u
#define TX_SPAN		(251u * TX_PERIODS)
#define RX_BUF		(16u << 20)

/* ---- the control plane: libnetmem-preload.so's hooks ------------------------------------ */

struct hooks {
	int (*queues)(void);
	int (*bind_rx)(int memfd, unsigned first, unsigned n, uint32_t *id);
	int (*steer)(uint16_t dst_port, unsigned queue);
	int (*bind_tx)(int memfd, uint32_t *id);
};

static void hooks_get(struct hooks *h)
{
	h->queues = (int (*)(void))dlsym(RTLD_DEFAULT, "netmem_rt_queues");
	h->bind_rx = (int (*)(int, unsigned, unsigned, uint32_t *))dlsym(RTLD_DEFAULT,
									 "netmem_rt_bind_rx");
	h->steer = (int (*)(uint16_t, unsigned))dlsym(RTLD_DEFAULT, "netmem_rt_steer");
	h->bind_tx = (int (*)(int, uint32_t *))dlsym(RTLD_DEFAULT, "netmem_rt_bind_tx");
	if (!h->queues || !h->bind_rx || !h->steer || !h->bind_tx)
		pp_die("no devmem control plane here (run under netmem run)");
}

/* A memfd of size bytes (a page multiple), sealed against shrinking as
 * a udmabuf must be, mapped. */
static uint8_t *memfd_map(size_t size, int prot, int *fd)
{
	void *p;

	*fd = memfd_create("nmp_devmem", MFD_ALLOW_SEALING);
	if (*fd < 0 || ftruncate(*fd, (off_t)size) < 0 ||
	    fcntl(*fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		pp_die("memfd: %s", strerror(errno));
	p = mmap(NULL, size, prot, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED)
		pp_die("mmap: %s", strerror(errno));
	return p;
}

static int accept_one(const char *addr, int port)
{
	int lfd = pp_listen(addr, port), fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		pp_die("accept: %s", strerror(errno));
	close(lfd);
	return fd;
}

/* ---- rx -------------------------------------------------------------------------------- */

struct rx {
	int fd;
	uint32_t id;
	const uint8_t *mem;		/* the bound dma-buf */
	uint64_t off;			/* stream bytes checked */
	uint64_t dev_bytes, frags, lin_bytes;
};

/* A plain recv() of data in device memory fails with EFAULT and takes
 * nothing (the next recvmsg still reports the stream from its start). */
static void rx_plain_refused(struct rx *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	uint8_t b[64];
	ssize_t k;

	if (poll(&p, 1, 10000) != 1)
		pp_die("no data within 10 s");
	k = recv(r->fd, b, sizeof(b), MSG_DONTWAIT);
	if (k >= 0 || errno != EFAULT)
		pp_die("plain recv() of device memory: %zd (%s), wanted EFAULT", k,
		       k < 0 ? strerror(errno) : "bytes");
}

static void rx_cmsg(struct rx *r, const struct cmsghdr *c, const uint8_t *iov, size_t *iov_pos,
		    struct dmabuf_token *tok, unsigned *ntok)
{
	struct dmabuf_cmsg d;
	const uint8_t *bytes;
	int64_t bad;

	if (c->cmsg_level != SOL_SOCKET || c->cmsg_len < CMSG_LEN(sizeof(d)))
		pp_die("unexpected cmsg level %d type %d len %zu", c->cmsg_level, c->cmsg_type,
		       (size_t)c->cmsg_len);
	memcpy(&d, CMSG_DATA(c), sizeof(d));
	if (c->cmsg_type == SCM_DEVMEM_DMABUF) {
		if (d.dmabuf_id != r->id || d.frag_offset + d.frag_size > RX_BUF)
			pp_die("frag [%llu, +%u) of dmabuf %u, bound %u of %u bytes",
			       (unsigned long long)d.frag_offset, d.frag_size, d.dmabuf_id, r->id,
			       RX_BUF);
		bytes = r->mem + d.frag_offset;
		tok[(*ntok)++] = (struct dmabuf_token){ d.frag_token, 1 };
		r->dev_bytes += d.frag_size;
		r->frags++;
	} else if (c->cmsg_type == SCM_DEVMEM_LINEAR) {
		bytes = iov + *iov_pos;
		*iov_pos += d.frag_size;
		r->lin_bytes += d.frag_size;
	} else {
		pp_die("unexpected cmsg type %d", c->cmsg_type);
	}
	bad = pp_check(1, r->off, bytes, d.frag_size);
	if (bad >= 0)
		pp_die("stream byte %lld wrong (%s)", (long long)bad,
		       c->cmsg_type == SCM_DEVMEM_DMABUF ? "in the dma-buf" : "linear");
	r->off += d.frag_size;
}

/* One recvmsg(MSG_SOCK_DEVMEM), checked, its tokens given back; false at
 * the end of stream. */
static bool rx_one(struct rx *r, uint8_t *iov_buf, size_t iov_len)
{
	static uint8_t ctl[CMSG_SPACE(sizeof(struct dmabuf_cmsg)) * MAX_CMSGS];
	struct dmabuf_token tok[MAX_CMSGS];
	struct iovec iov = { .iov_base = iov_buf, .iov_len = iov_len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	size_t iov_pos = 0;
	unsigned ntok = 0;
	ssize_t k = recvmsg(r->fd, &m, MSG_SOCK_DEVMEM);

	if (k < 0 && errno == EINTR)
		return true;
	if (k < 0)
		pp_die("recvmsg(MSG_SOCK_DEVMEM): %s", strerror(errno));
	if (k == 0)
		return false;
	if (m.msg_controllen == 0) {
		/* readable bytes (no binding on their queue): a plain copy */
		int64_t bad = pp_check(1, r->off, iov_buf, (size_t)k);

		if (bad >= 0)
			pp_die("stream byte %lld wrong (copied)", (long long)bad);
		r->off += (uint64_t)k;
		return true;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		rx_cmsg(r, c, iov_buf, &iov_pos, tok, &ntok);
	if (ntok) {
		int n = setsockopt(r->fd, SOL_SOCKET, SO_DEVMEM_DONTNEED, tok,
				   (socklen_t)(ntok * sizeof(tok[0])));

		if (n != (int)ntok)
			pp_die("SO_DEVMEM_DONTNEED of %u tokens: %d (%s)", ntok, n,
			       n < 0 ? strerror(errno) : "fewer");
	}
	return true;
}

static int rx_main(const char *addr, int port, uint64_t bytes)
{
	static uint8_t iov_buf[CHUNK];
	struct hooks h;
	struct rx r = { 0 };
	int memfd, q;

	hooks_get(&h);
	r.mem = memfd_map(RX_BUF, PROT_READ, &memfd);
	q = h.queues();
	if (q < 2)
		pp_die("netmem's NIC has %d RX queues: need 2 (one for devmem, one for the rest)", q);
	/* ncdevmem's set-up: the last queue bound, the flow steered there */
	if (h.bind_rx(memfd, (unsigned)q - 1, 1, &r.id) < 0)
		pp_die("bind-rx: %s", strerror(errno));
	if (h.steer((uint16_t)port, (unsigned)q - 1) < 0)
		pp_die("steer port %d to queue %d: %s", port, q - 1, strerror(errno));
	r.fd = accept_one(addr, port);
	rx_plain_refused(&r);
	while (rx_one(&r, iov_buf, sizeof(iov_buf)))
		;
	if (r.off != bytes)
		pp_die("stream of %llu bytes, wanted %llu", (unsigned long long)r.off,
		       (unsigned long long)bytes);
	if (r.frags == 0)
		pp_die("no byte came in device memory");
	close(r.fd);
	printf("nmp_devmem rx: %llu bytes, %llu in %llu dma-buf frags, %llu linear, every byte checked\n",
	       (unsigned long long)r.off, (unsigned long long)r.dev_bytes,
	       (unsigned long long)r.frags, (unsigned long long)r.lin_bytes);
	return 0;
}

/* ---- tx -------------------------------------------------------------------------------- */

struct tx {
	int fd;
	uint32_t id;
	uint32_t calls;			/* sendmsg calls that queued bytes (their ids) */
	uint32_t done;			/* completions seen: ids 0..done-1 */
};

static void tx_reap(struct tx *t)
{
	pp_zc_reap(t->fd, &t->done, t->calls);
}

/* sendmsg of [off, off + len) of the bound dma-buf, MSG_ZEROCOPY. */
static ssize_t tx_send(struct tx *t, uint64_t off, size_t len)
{
	uint8_t ctl[CMSG_SPACE(sizeof(uint32_t))] = { 0 };
	struct iovec iov = { .iov_base = (void *)(uintptr_t)off, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_DEVMEM_DMABUF;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	memcpy(CMSG_DATA(c), &t->id, sizeof(t->id));
	return sendmsg(t->fd, &m, MSG_ZEROCOPY | MSG_NOSIGNAL);
}

static int tx_main(const char *host, int port, uint64_t bytes)
{
	size_t size = (TX_SPAN + 4095) & ~(size_t)4095;
	struct tx t = { 0 };
	struct hooks h;
	uint64_t sent = 0, end;
	uint8_t *mem, b;
	int memfd, one = 1;

	hooks_get(&h);
	mem = memfd_map(size, PROT_READ | PROT_WRITE, &memfd);
	pp_fill(1, 0, mem, TX_SPAN);
	if (h.bind_tx(memfd, &t.id) < 0)
		pp_die("bind-tx: %s", strerror(errno));
	t.fd = pp_connect(host, port);
	if (setsockopt(t.fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) < 0)
		pp_die("SO_ZEROCOPY: %s", strerror(errno));
	while (sent < bytes) {
		uint64_t off = sent % TX_SPAN;
		size_t len = CHUNK;
		ssize_t k;

		if (len > TX_SPAN - off)
			len = (size_t)(TX_SPAN - off);
		if (len > bytes - sent)
			len = (size_t)(bytes - sent);
		k = tx_send(&t, off, len);
		if (k < 0 && errno != EINTR && errno != ENOBUFS)
			pp_die("sendmsg(SCM_DEVMEM_DMABUF, MSG_ZEROCOPY): %s", strerror(errno));
		if (k > 0) {
			sent += (uint64_t)k;
			t.calls++;
		}
		tx_reap(&t);
	}
	if (shutdown(t.fd, SHUT_WR) < 0)
		pp_die("shutdown: %s", strerror(errno));
	/* every id completes (the receiver acknowledged every byte) */
	for (end = pp_now_ms() + 10000; t.done < t.calls && pp_now_ms() < end;) {
		struct pollfd p = { .fd = t.fd, .events = 0 };

		poll(&p, 1, 10);
		tx_reap(&t);
	}
	if (t.done != t.calls)
		pp_die("%u of %u sends completed within 10 s", t.done, t.calls);
	/* the receiver closes once it has checked everything */
	if (recv(t.fd, &b, 1, 0) != 0)
		pp_die("the receiver did not end the stream cleanly");
	close(t.fd);
	printf("nmp_devmem tx: %llu bytes from device memory in %u sends, %u completions\n",
	       (unsigned long long)sent, t.calls, t.done);
	return 0;
}

/* ---- plain peers --------------------------------------------------------------------------- */

static int recv_main(const char *addr, int port, uint64_t bytes)
{
	static uint8_t buf[CHUNK];
	int fd = accept_one(addr, port);
	uint64_t off = 0;
	ssize_t k;

	while ((k = recv(fd, buf, sizeof(buf), 0)) != 0) {
		int64_t bad;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			pp_die("recv: %s", strerror(errno));
		bad = pp_check(1, off, buf, (size_t)k);
		if (bad >= 0)
			pp_die("stream byte %lld wrong", (long long)bad);
		off += (uint64_t)k;
	}
	if (off != bytes)
		pp_die("stream of %llu bytes, wanted %llu", (unsigned long long)off,
		       (unsigned long long)bytes);
	close(fd);
	printf("nmp_devmem recv: %llu bytes, every byte checked\n", (unsigned long long)off);
	return 0;
}

static int send_main(const char *host, int port, uint64_t bytes)
{
	static uint8_t buf[CHUNK];
	int fd = pp_connect(host, port);
	uint8_t b;

	for (uint64_t off = 0; off < bytes;) {
		size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;

		pp_fill(1, off, buf, n);
		pp_send_all(fd, buf, n);
		off += n;
	}
	if (shutdown(fd, SHUT_WR) < 0)
		pp_die("shutdown: %s", strerror(errno));
	if (recv(fd, &b, 1, 0) != 0)
		pp_die("the receiver did not end the stream cleanly");
	close(fd);
	printf("nmp_devmem send: %llu bytes\n", (unsigned long long)bytes);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t bytes;
	int port;

	if (argc != 5)
		pp_die("usage: nmp_devmem rx|tx|recv|send ADDR PORT BYTES");
	port = (int)pp_num("PORT", argv[3]);
	bytes = (uint64_t)pp_num("BYTES", argv[4]);
	if (!strcmp(argv[1], "rx"))
		return rx_main(argv[2], port, bytes);
	if (!strcmp(argv[1], "tx"))
		return tx_main(argv[2], port, bytes);
	if (!strcmp(argv[1], "recv"))
		return recv_main(argv[2], port, bytes);
	if (!strcmp(argv[1], "send"))
		return send_main(argv[2], port, bytes);
	pp_die("unknown mode '%s' (rx, tx, recv, send)", argv[1]);
}
