/* SPDX-License-Identifier: MIT */
/*
 * Harness: control messages and the calls that carry them
 * (sock/devmem_tx.c, devmem_rx.c, socket.c, net/tcp_zc.c): sendmsg with
 * fuzzed control buffers (SCM_DEVMEM_DMABUF with live, stale and foreign
 * binding ids, lying cmsg_len, other levels and types, trailing junk,
 * NULL with a length), flags and iovecs, devmem TX from a dma-buf bound
 * for TX and MSG_ZEROCOPY from host memory; recvmsg with and without
 * MSG_SOCK_DEVMEM, fuzzed flags, control buffer sizes (down to too small
 * for one cmsg), iovec shapes and address buffers, from an RX queue bound
 * to a dma-buf or not; recvmsg(MSG_ERRQUEUE) for the zerocopy completions
 * into control buffers of any size.
 *
 * Whether sendmsg reads an iovec's base as a pointer (copy) or as an offset
 * into the TX dma-buf (devmem) depends on the control message, so the
 * harness makes both readings valid and equal: host memory is mapped at
 * FZ_DUAL_BASE, where the byte at address a is pat(a), and the dma-buf's
 * byte at offset o is pat(o); bases are 0 or in [FZ_DUAL_BASE, the
 * dma-buf's end).  Either way a send of n bytes sends pat() over its
 * iovecs' first n bytes, which the harness appends to the expected stream.
 *
 * Oracles: every call returns >= 0 or -errno with a message, and never
 * touches a byte outside the buffers it was given (they are allocated to
 * the byte); what recvmsg reports (copied bytes, SCM_DEVMEM_LINEAR bytes
 * packed in the iovecs, SCM_DEVMEM_DMABUF frags read through a CPU-access
 * window) is the expected stream, in order, and the cmsgs are well formed
 * and within the control length returned; each token goes back once;
 * zerocopy completion ranges never overlap, and once everything is
 * acknowledged they cover every zerocopy send; after close and unbind the
 * RX dma-buf's memory is all free.
 *
 * Input: a configuration byte, then operations: SEND, RECV, ERRQ, PUMP,
 * ZC (SO_ZEROCOPY on or off).
 */
#include <limits.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <time.h>		/* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>

#include "fuzz.h"
#include "fz_tcp.h"

#define MAX_OPS		96
#define PORT		7001
#define FZ_DUAL_BASE	0x10000ull		/* the lowest mmap_min_addr allows */
#define TXBUF_SIZE	(2ull << 20)		/* the TX dma-buf: offsets [0, 2 MiB) */
#define MAP_END		(FZ_DUAL_BASE + (4ull << 20))	/* host memory [BASE, END) */
#define EXP_MAX		(4u << 20)		/* expected stream bytes per input */
#define RXBUF_SIZE	(4ull << 20)

enum { OP_SEND, OP_RECV, OP_ERRQ, OP_PUMP, OP_ZC, OP_MAX };

static inline uint8_t pat(uint64_t x)
{
	return (uint8_t)(((uint32_t)x * 0x9e3779b1u) >> 24 ^ (uint32_t)(x >> 9));
}

static struct {
	struct nm_dmabuf *txbuf;
	bool up;
} bed;

struct run {
	struct fz in;
	struct t_net *n;
	struct t_dm dm;
	bool devmem;
	struct nm_ctl *txctl;
	uint32_t txid;
	int lsd, csd, ssd;
	uint8_t *exp;			/* the expected stream */
	uint64_t sent, got;		/* bytes appended to it, received of it */
	uint32_t zc_next, zc_seen_hi;	/* completion ids: sends notified, next unseen */
	bool zc_lost, zc_on;
	uint64_t n_dev, n_lin, n_copy, n_zc_notes;
};

static void bed_up(void)
{
	uint8_t *host, *w;

	host = mmap((void *)FZ_DUAL_BASE, MAP_END - FZ_DUAL_BASE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	FZ_ASSERT(host == (void *)FZ_DUAL_BASE, "cannot map host memory at %#llx: %s",
		  FZ_DUAL_BASE, strerror(errno));
	for (uint64_t a = FZ_DUAL_BASE; a < MAP_END; a++)
		host[a - FZ_DUAL_BASE] = pat(a);
	T_OK(nm_dmabuf_create_host(TXBUF_SIZE, &bed.txbuf));
	T_OK(nm_dmabuf_begin_cpu_access(bed.txbuf, 0, TXBUF_SIZE, NM_DMA_TO_DEVICE, (void **)&w));
	for (uint64_t o = 0; o < TXBUF_SIZE; o++)
		w[o] = pat(o);
	T_OK(nm_dmabuf_end_cpu_access(bed.txbuf, 0, TXBUF_SIZE, NM_DMA_TO_DEVICE));
	bed.up = true;
}

/* ---- sendmsg ------------------------------------------------------------------ */

/* A control buffer: nothing, a good SCM_DEVMEM_DMABUF (our id or another),
 * one followed by junk, or bytes from the input; exactly *len bytes. */
static uint8_t *make_control(struct run *r, uint8_t mode, size_t *len)
{
	uint8_t *c = NULL;
	size_t good = CMSG_SPACE(sizeof(uint32_t)), n;

	*len = 0;
	switch (mode % 4) {
	case 0:
		return NULL;
	case 1:
	case 2: {
		struct cmsghdr h = { .cmsg_len = CMSG_LEN(sizeof(uint32_t)),
				     .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_DEVMEM_DMABUF };
		/* another id: relative to ours (binding ids are the process's, an
		 * absolute one would name another binding in another run) */
		uint32_t id = r->txid + (mode & 0x10 ? fz_u32(&r->in) : 0);
		size_t extra = mode % 4 == 2 ? fz_u8(&r->in) % 64 : 0;

		n = good + extra;
		if (mode & 0x20)	/* controllen lies: shorter or longer */
			n = fz_u8(&r->in) % (good + 32);
		c = malloc(n ? n : 1);
		FZ_ASSERT(c, "out of memory");
		memset(c, 0, n);
		memcpy(c, &h, n < sizeof(h) ? n : sizeof(h));
		if (n >= CMSG_LEN(0) + sizeof(id))
			memcpy(c + CMSG_LEN(0), &id, sizeof(id));
		if (n > good)
			fz_bytes(&r->in, c + good, n - good);
		break;
	}
	default:
		n = fz_u8(&r->in);
		c = malloc(n ? n : 1);
		FZ_ASSERT(c, "out of memory");
		fz_bytes(&r->in, c, n);
		break;
	}
	*len = n;
	return c;
}

/* An iovec whose base reads the same as a pointer or as a TX offset. */
static struct iovec make_iov(struct run *r)
{
	uint8_t k = fz_u8(&r->in);
	uint64_t base, len, room;

	base = k & 1 ? 0 : FZ_DUAL_BASE + fz_u32(&r->in) % (TXBUF_SIZE - FZ_DUAL_BASE);
	room = MAP_END - (base ? base : FZ_DUAL_BASE);
	switch (k >> 1 & 3) {
	case 0: len = fz_u16(&r->in) % 4096; break;
	case 1: len = fz_u16(&r->in); break;
	case 2: len = (uint64_t)fz_u32(&r->in) % room; break;
	default: len = k & 0x80 ? (uint64_t)SSIZE_MAX + 1 + fz_u8(&r->in) : SIZE_MAX; break;
	}
	return (struct iovec){ (void *)(uintptr_t)base, (size_t)len };
}

static void op_send(struct run *r)
{
	static const int fl[] = { MSG_ZEROCOPY, MSG_MORE, MSG_EOR, MSG_NOSIGNAL, MSG_OOB,
				  MSG_CONFIRM };
	/* flags, control mode, iovec count, the control bytes, the iovecs */
	uint8_t f = fz_u8(&r->in), mode = fz_u8(&r->in);
	size_t niov = fz_u8(&r->in) % 6, clen;
	uint8_t *ctl = make_control(r, mode, &clen);
	struct iovec iov[6];
	struct msghdr m = { .msg_iov = niov ? iov : NULL, .msg_iovlen = niov,
			    .msg_control = mode & 0x40 ? NULL : ctl, .msg_controllen = clen };
	int flags = MSG_DONTWAIT;
	ssize_t n;

	for (int i = 0; i < 6; i++)
		if (f >> i & 1)
			flags |= fl[i];
	uint64_t room = EXP_MAX - r->sent;

	for (size_t i = 0; i < niov; i++) {
		iov[i] = make_iov(r);
		/* what may be taken fits the expected stream (lengths past
		 * SSIZE_MAX stay: the call refuses them whole) */
		if (iov[i].iov_len <= SSIZE_MAX) {
			if (iov[i].iov_len > room)
				iov[i].iov_len = (size_t)room;
			room -= iov[i].iov_len;
		}
	}
	nm_clear_error();
	n = nm_sendmsg(r->csd, &m, flags);
	FZ_ERRNO_OK(n, "sendmsg");
	if (fz_verbose())
		fprintf(stderr, "sendmsg(flags %#x, control %zu bytes, %zu iovecs) = %zd %s\n",
			flags, clen, niov, n, n < 0 ? nm_last_error() : "");
	if (n > 0) {
		/* pat() over the iovecs' first n bytes */
		uint64_t left = (uint64_t)n;

		for (size_t i = 0; i < niov && left; i++) {
			uint64_t k = iov[i].iov_len < left ? iov[i].iov_len : left;

			for (uint64_t j = 0; j < k; j++)
				r->exp[r->sent + j] = pat((uintptr_t)iov[i].iov_base + j);
			r->sent += k;
			left -= k;
		}
		FZ_ASSERT(!left, "sendmsg took %zd bytes of fewer", n);
		if ((flags & MSG_ZEROCOPY) && r->zc_on)
			r->zc_next++;
	}
	free(ctl);
	t_pump(r->n);
}

/* ---- recvmsg -------------------------------------------------------------- */

/* Bytes [got, got + n) of the stream are these. */
static void expect_bytes(struct run *r, const uint8_t *p, uint64_t n, const char *how)
{
	FZ_ASSERT(r->got + n <= r->sent, "%s: %llu bytes past the %llu sent", how,
		  (unsigned long long)(r->got + n), (unsigned long long)r->sent);
	for (uint64_t i = 0; i < n; i++)
		FZ_ASSERT(p[i] == r->exp[r->got + i], "%s: stream byte %llu is %u, sent %u", how,
			  (unsigned long long)(r->got + i), p[i], r->exp[r->got + i]);
}

/* The iovecs' bytes, concatenated (the first n). */
static void gather(const struct iovec *iov, size_t niov, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < niov && n; i++) {
		size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;

		memcpy(out, iov[i].iov_base, k);
		out += k;
		n -= k;
	}
}

/* What one devmem recvmsg returned: its cmsgs cover n bytes of the stream;
 * tokens go back. */
static void check_devmem(struct run *r, struct msghdr *m, size_t clen_given, ssize_t n,
			 const uint8_t *lin)
{
	uint64_t seen = 0, lin_off = 0;
	bool any = false;

	FZ_ASSERT(m->msg_controllen <= clen_given, "msg_controllen %zu grew past %zu",
		  (size_t)m->msg_controllen, clen_given);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		struct dmabuf_cmsg dc;

		FZ_ASSERT((uint8_t *)c + c->cmsg_len <= (uint8_t *)m->msg_control + m->msg_controllen,
			  "cmsg past msg_controllen");
		FZ_ASSERT(c->cmsg_level == SOL_SOCKET && c->cmsg_len == CMSG_LEN(sizeof(dc)),
			  "cmsg level %d len %zu", c->cmsg_level, (size_t)c->cmsg_len);
		memcpy(&dc, CMSG_DATA(c), sizeof(dc));
		any = true;
		if (c->cmsg_type == SCM_DEVMEM_LINEAR) {
			expect_bytes(r, lin + lin_off, dc.frag_size, "SCM_DEVMEM_LINEAR");
			lin_off += dc.frag_size;
			r->n_lin += dc.frag_size;
		} else {
			struct dmabuf_token tk = { dc.frag_token, 1 };
			uint8_t *w;

			FZ_ASSERT(c->cmsg_type == SCM_DEVMEM_DMABUF, "cmsg type %d", c->cmsg_type);
			FZ_ASSERT(r->devmem && dc.dmabuf_id == r->dm.id && dc.flags == 0 &&
					  dc.frag_token && dc.frag_offset + dc.frag_size <= RXBUF_SIZE,
				  "DMABUF cmsg: id %u (ours %u) offset %llu size %u", dc.dmabuf_id,
				  r->dm.id, (unsigned long long)dc.frag_offset, dc.frag_size);
			T_OK(nm_dmabuf_begin_cpu_access(r->dm.buf, dc.frag_offset, dc.frag_size,
							NM_DMA_FROM_DEVICE, (void **)&w));
			expect_bytes(r, w, dc.frag_size, "SCM_DEVMEM_DMABUF");
			T_OK(nm_dmabuf_end_cpu_access(r->dm.buf, dc.frag_offset, dc.frag_size,
						      NM_DMA_FROM_DEVICE));
			FZ_ASSERT(nm_setsockopt(r->ssd, SOL_SOCKET, SO_DEVMEM_DONTNEED, &tk,
						sizeof(tk)) == 1, "token %u not outstanding",
				  dc.frag_token);
			r->n_dev += dc.frag_size;
		}
		r->got += dc.frag_size;
		seen += dc.frag_size;
	}
	if (!any) {		/* readable bytes: copied, no cmsg */
		expect_bytes(r, lin, (uint64_t)n, "devmem recvmsg of readable bytes");
		r->got += (uint64_t)n;
		r->n_copy += (uint64_t)n;
		return;
	}
	FZ_ASSERT(seen == (uint64_t)n, "cmsgs cover %llu of %zd bytes", (unsigned long long)seen,
		  n);
}

static void op_recv(struct run *r)
{
	static const int fl[] = { MSG_SOCK_DEVMEM, MSG_PEEK, MSG_WAITALL, MSG_TRUNC, MSG_OOB,
				  MSG_CMSG_CLOEXEC, MSG_NOSIGNAL };
	uint8_t f = fz_u8(&r->in), k = fz_u8(&r->in);
	size_t clen = fz_u16(&r->in) % 4096, niov = k % 5, total = 0, namelen = fz_u8(&r->in) % 48;
	struct iovec iov[70];
	uint8_t *ctl = malloc(clen ? clen : 1), *name = malloc(namelen ? namelen : 1), *lin;
	int flags = MSG_DONTWAIT;
	struct msghdr m;
	ssize_t n;

	FZ_ASSERT(ctl && name, "out of memory");
	for (int i = 0; i < 7; i++)
		if (f >> i & 1)
			flags |= fl[i];
	if (f & 0x80)
		flags |= (int)(fz_u32(&r->in) & ~(uint32_t)MSG_ERRQUEUE);
	if (k & 0x80)
		niov = 65 + k % 5;	/* more than one devmem call takes */
	for (size_t i = 0; i < niov; i++) {
		size_t len = i < 5 ? fz_u16(&r->in) : 1;

		iov[i].iov_base = malloc(len ? len : 1);
		iov[i].iov_len = len;
		FZ_ASSERT(iov[i].iov_base, "out of memory");
		total += len;
	}
	m = (struct msghdr){ .msg_iov = niov ? iov : NULL, .msg_iovlen = niov,
			     .msg_control = k & 0x40 ? NULL : ctl, .msg_controllen = clen,
			     .msg_name = k & 0x20 ? name : NULL, .msg_namelen = (socklen_t)namelen };
	t_pump(r->n);
	nm_clear_error();
	n = nm_recvmsg(r->ssd, &m, flags);
	FZ_ERRNO_OK(n, "recvmsg");
	lin = malloc(total ? total : 1);
	FZ_ASSERT(lin, "out of memory");
	if (n > 0) {
		FZ_ASSERT((size_t)n <= total, "recvmsg returned %zd, the iovecs hold %zu", n, total);
		gather(iov, niov, lin, total);
		if (flags & MSG_SOCK_DEVMEM) {
			check_devmem(r, &m, clen, n, lin);
		} else {
			expect_bytes(r, lin, (uint64_t)n, "recvmsg");
			if (!(flags & MSG_PEEK))
				r->got += (uint64_t)n;
			r->n_copy += (uint64_t)n;
		}
	}
	free(lin);
	for (size_t i = 0; i < niov; i++)
		free(iov[i].iov_base);
	free(ctl);
	free(name);
}

/* Everything still to come, in large devmem or plain reads. */
static void recv_rest(struct run *r)
{
	static uint8_t buf[256 << 10], ctl[64 * CMSG_SPACE(sizeof(struct dmabuf_cmsg))];
	uint64_t end = t_now_us() + 10000000;

	while (r->got < r->sent) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		ssize_t n;

		FZ_ASSERT(t_now_us() < end, "stream stalled at %llu of %llu bytes",
			  (unsigned long long)r->got, (unsigned long long)r->sent);
		fz_clock_advance(5000);
		t_pump(r->n);
		n = nm_recvmsg(r->ssd, &m, MSG_DONTWAIT | MSG_SOCK_DEVMEM);
		if (n == -EAGAIN)
			continue;
		FZ_ASSERT(n > 0, "recvmsg: %zd (%s) with %llu of %llu bytes received", n,
			  nm_last_error(), (unsigned long long)r->got, (unsigned long long)r->sent);
		check_devmem(r, &m, sizeof(ctl), n, buf);
	}
}

/* ---- the error queue -------------------------------------------------------- */

static bool errq_once(struct run *r, size_t clen, int flags)
{
	uint8_t *ctl = malloc(clen ? clen : 1);
	struct msghdr m = { .msg_control = ctl, .msg_controllen = clen };
	ssize_t n;

	FZ_ASSERT(ctl, "out of memory");
	nm_clear_error();
	n = nm_recvmsg(r->csd, &m, flags | MSG_ERRQUEUE | MSG_DONTWAIT);
	FZ_ERRNO_OK(n, "recvmsg(MSG_ERRQUEUE)");
	if (n < 0) {
		free(ctl);
		return false;
	}
	FZ_ASSERT(n == 0 && (m.msg_flags & MSG_ERRQUEUE), "errqueue: %zd, flags %#x", n,
		  m.msg_flags);
	FZ_ASSERT(m.msg_controllen <= clen, "errqueue controllen %zu > %zu",
		  (size_t)m.msg_controllen, clen);
	r->n_zc_notes++;
	if (m.msg_flags & MSG_CTRUNC) {
		r->zc_lost = true;	/* consumed, range unknown */
	} else {
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		struct sock_extended_err ee;

		FZ_ASSERT(c && c->cmsg_len >= CMSG_LEN(sizeof(ee)), "errqueue: no whole cmsg");
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		FZ_ASSERT(ee.ee_origin == SO_EE_ORIGIN_ZEROCOPY && ee.ee_errno == 0 &&
				  ee.ee_info <= ee.ee_data,
			  "completion origin %u errno %u [%u, %u]", ee.ee_origin, ee.ee_errno,
			  ee.ee_info, ee.ee_data);
		FZ_ASSERT(ee.ee_data < r->zc_next, "completion of id %u, only %u notified sends",
			  ee.ee_data, r->zc_next);
		FZ_ASSERT(r->zc_lost || ee.ee_info == r->zc_seen_hi,
			  "completion [%u, %u] after %u: a gap or an overlap", ee.ee_info,
			  ee.ee_data, r->zc_seen_hi);
		r->zc_seen_hi = ee.ee_data + 1;
	}
	free(ctl);
	return true;
}

/* ---- the run ------------------------------------------------------------------ */

static void run_ops(struct run *r)
{
	for (int i = 0; i < MAX_OPS && fz_left(&r->in); i++) {
		switch (fz_u8(&r->in) % OP_MAX) {
		case OP_SEND: op_send(r); break;
		case OP_RECV: op_recv(r); break;
		case OP_ERRQ: {
			uint8_t clen = fz_u8(&r->in);

			errq_once(r, clen, fz_u8(&r->in) & 1 ? MSG_TRUNC : 0);
			break;
		}
		case OP_ZC: {
			int v = fz_u8(&r->in) & 1;

			T_OK(nm_setsockopt(r->csd, SOL_SOCKET, SO_ZEROCOPY, &v, sizeof(v)));
			r->zc_on = v;
			break;
		}
		default: {
			uint8_t k = fz_u8(&r->in);

			fz_clock_advance(1000u * (k & 0x1f));
			for (int j = 0; j <= k >> 5; j++)
				t_pump(r->n);
			break;
		}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	static uint8_t exp[EXP_MAX];
	struct nm_dmabuf_binding *b = NULL;
	uint8_t cfg;
	int v;

	if (!bed.up)
		bed_up();
	memset(&r, 0, sizeof(r));
	r.exp = exp;
	r.n = fz_tcp_begin();
	r.in = fz_init(data, size);
	cfg = fz_u8(&r.in);
	r.devmem = !(cfg & 1);
	if (r.devmem)
		b = fz_tcp_bind(r.n, &r.dm, RXBUF_SIZE);
	T_OK(nm_ctl_open(&r.txctl));
	if (!(cfg & 2))
		T_OK(nm_ctl_bind_tx(r.txctl, nm_netdev_ifindex(r.n->nda), bed.txbuf, &r.txid));
	r.lsd = t_listen(r.n->sb, AF_INET, PORT, 4);
	r.csd = t_connect_pair(r.n, r.lsd, "198.18.0.2", PORT, &r.ssd);
	v = r.zc_on = !(cfg & 4);
	T_OK(nm_setsockopt(r.csd, SOL_SOCKET, SO_ZEROCOPY, &v, sizeof(v)));
	run_ops(&r);

	/* the whole stream arrives (TCP_NODELAY pushes what MSG_MORE held
	 * back, as in Linux: it waits for more data or the push) and every
	 * zerocopy send is completed */
	v = 1;
	FZ_ERRNO_OK(nm_setsockopt(r.csd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), "nodelay");
	recv_rest(&r);
	for (int i = 0; i < 200 && r.zc_seen_hi < r.zc_next; i++) {
		fz_clock_advance(50000);
		t_pump(r.n);
		while (errq_once(&r, 256, 0))
			;
		if (r.zc_lost)
			break;
	}
	FZ_ASSERT(r.zc_lost || r.zc_seen_hi == r.zc_next,
		  "completions up to %u of %u zerocopy sends", r.zc_seen_hi, r.zc_next);
	if (fz_verbose())
		fprintf(stderr, "cmsg: %s RX, %llu bytes: %llu device, %llu linear, %llu copied; "
			"%u zerocopy sends, %llu notes\n", r.devmem ? "devmem" : "host",
			(unsigned long long)r.sent, (unsigned long long)r.n_dev,
			(unsigned long long)r.n_lin, (unsigned long long)r.n_copy, r.zc_next,
			(unsigned long long)r.n_zc_notes);
	{
		int sds[3] = { r.csd, r.ssd, r.lsd };

		fz_tcp_end(r.n, sds, 3);
	}
	T_OK(nm_ctl_close(r.txctl));
	if (r.devmem)
		fz_tcp_unbind(&r.dm, b);
	return 0;
}

/* ---- seeds ---------------------------------------------------------------- */

/* A SEND of one iovec [base, +len) with control mode and flags f. */
static void w_send(struct fz_out *o, uint8_t f, uint8_t mode, uint32_t base, uint16_t len)
{
	fz_w8(o, OP_SEND);
	fz_w8(o, f);
	fz_w8(o, mode);
	fz_w8(o, 1);			/* one iovec */
	if (mode % 4 == 2)
		fz_w8(o, 0);		/* no junk after the cmsg */
	fz_w8(o, 1 << 1);		/* base from the input, a 16-bit length */
	fz_w32(o, base - (uint32_t)FZ_DUAL_BASE);
	fz_w16(o, len);
}

static void w_recv(struct fz_out *o, uint8_t f, uint16_t clen, uint16_t len)
{
	fz_w8(o, OP_RECV);
	fz_w8(o, f);
	fz_w8(o, 1);			/* one iovec */
	fz_w16(o, clen);
	fz_w8(o, 0);
	fz_w16(o, len);
}

void fz_write_seeds(struct fz_seeds *s)
{
	static struct fz_out o;

	/* devmem TX (SCM_DEVMEM_DMABUF, MSG_ZEROCOPY) into devmem RX, the
	 * completions read back */
	o.n = 0;
	fz_w8(&o, 0);
	for (int i = 0; i < 4; i++)
		w_send(&o, 1, 1, 0x20000 + (uint32_t)i * 0x4000, 0x4000);
	fz_w8(&o, OP_PUMP);
	fz_w8(&o, 0xe0);
	w_recv(&o, 1, 10 * CMSG_SPACE(sizeof(struct dmabuf_cmsg)), 65535);
	fz_w8(&o, OP_ERRQ);
	fz_w8(&o, 64);
	fz_w8(&o, 0);
	fz_seed(s, "devmem-tx-rx", &o);

	/* host MSG_ZEROCOPY (copied, SO_EE_CODE_ZEROCOPY_COPIED), plain
	 * recvmsg with MSG_PEEK then for real, a control buffer too small for
	 * one devmem cmsg */
	o.n = 0;
	fz_w8(&o, 0);
	w_send(&o, 1, 0, 0x30000, 3000);
	fz_w8(&o, OP_PUMP);
	fz_w8(&o, 0x20);
	w_recv(&o, 2, 0, 1000);			/* MSG_PEEK */
	w_recv(&o, 0, 0, 1000);
	w_recv(&o, 1, 8, 1000);			/* MSG_SOCK_DEVMEM, 8-byte control */
	fz_w8(&o, OP_ERRQ);
	fz_w8(&o, 8);				/* truncated completion */
	fz_w8(&o, 0);
	fz_seed(s, "zerocopy-copied-peek", &o);

	/* refusals: a binding id nobody has, cmsg_len that lies, junk after a
	 * good cmsg, SCM_DEVMEM_DMABUF without MSG_ZEROCOPY, an offset past
	 * the dma-buf */
	o.n = 0;
	fz_w8(&o, 0);
	fz_w8(&o, OP_SEND);
	fz_w8(&o, 1);
	fz_w8(&o, 0x11);			/* good cmsg, id from the input */
	fz_w8(&o, 1);
	fz_w32(&o, 0xdead);
	fz_w8(&o, 1 << 1);
	fz_w32(&o, 0x1000);
	fz_w16(&o, 100);
	fz_w8(&o, OP_SEND);
	fz_w8(&o, 1);
	fz_w8(&o, 0x21);			/* controllen lies: 7 bytes */
	fz_w8(&o, 1);
	fz_w8(&o, 7);
	fz_w8(&o, 1 << 1);
	fz_w32(&o, 0x3000);
	fz_w16(&o, 64);
	w_send(&o, 1, 2, 0x40000, 500);		/* junk after: 0 bytes of it */
	w_send(&o, 0, 1, 0x40000, 500);		/* no MSG_ZEROCOPY */
	w_send(&o, 1, 1, (uint32_t)TXBUF_SIZE - 10, 100);	/* past the end */
	fz_w8(&o, OP_SEND);			/* raw control bytes */
	fz_w8(&o, 0);
	fz_w8(&o, 3);
	fz_w8(&o, 1);
	fz_w8(&o, 16);
	fz_w64(&o, 16);
	fz_w32(&o, 41);				/* IPPROTO_IPV6: skipped */
	fz_w32(&o, 1);
	fz_w8(&o, 0);
	fz_w32(&o, 0x2000);
	fz_w16(&o, 64);
	fz_seed(s, "send-refusals", &o);

	/* host RX (no binding): devmem recvmsg returns copied bytes */
	o.n = 0;
	fz_w8(&o, 1);
	w_send(&o, 0, 0, 0x50000, 20000);
	fz_w8(&o, OP_PUMP);
	fz_w8(&o, 0x40);
	w_recv(&o, 1, 512, 8192);
	fz_seed(s, "host-rx", &o);
}
