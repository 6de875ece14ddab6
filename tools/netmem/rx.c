/* SPDX-License-Identifier: MIT */
/*
 * The devmem receiver, as the kernel's ncdevmem server does it:
 *
 *   1. a dma-buf: a sealed memfd through the udmabuf rules;
 *   2. bind-rx of that buffer to queues [start, start + n) of the netdev;
 *   3. an ntuple rule steering the flow (dst ip/port, src ip if given) to
 *      the first bound queue, and RSS spread over the other queues so
 *      nothing else lands in device memory;
 *   4. per connection: recvmsg(MSG_SOCK_DEVMEM) gives one
 *      SCM_DEVMEM_DMABUF cmsg per payload fragment (offset in the dma-buf,
 *      size, token) and SCM_DEVMEM_LINEAR for bytes copied into the iov;
 *      the payload is read where it lies, through a CPU-access window of
 *      the dma-buf, checked against the ncdevmem pattern, and the tokens
 *      are handed back with SO_DEVMEM_DONTNEED as soon as the data is
 *      checked.
 *
 * Invariants: cmsgs come in stream order, so a running stream offset
 * validates both kinds; every token received is returned (or dropped by
 * close) before the connection's result is reported; a frag with a
 * foreign dmabuf_id is a steering error, not data.
 *
 * Workload: every received byte.  Windows are opened per recvmsg over the
 * frags it returned (frags_read()), not per frag: on a udmabuf a window is
 * bookkeeping, but in mem/'s checking mode (NM_MEM_CHECK=1) and on device
 * memory it is a pair of mprotect() calls and TLB shootdowns.
 * The copy path (--rx copy) is the baseline: plain recv() into a host
 * buffer, nothing bound.
 *
 * A stall ends a connection after timeout_ms without data.  The receive
 * waits in slices of RX_PEER_SLICE_MS: between them a SIGINT/SIGTERM
 * (nm_cli_interrupted()) ends the connection "interrupted", and on a
 * cross-process shm wire (watch_peer) the wire says whether the client's
 * process still exists, so a client killed mid-stream is reported "gone"
 * within a slice or two instead of "stalled" after the whole timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

#define RX_IOBUF	(4u << 20)
#define RX_CTRL		(160u << 10)	/* 4096 frags per recvmsg */
#define RX_PEER_SLICE_MS 200		/* between signal and peer checks while no data comes */

const char *nm_cli_end_name(enum nm_cli_conn_end e)
{
	static const char *const n[] = { "ok", "short", "reset", "stalled", "invalid", "error",
					 "gone", "interrupted" };

	return (unsigned)e < sizeof(n) / sizeof(n[0]) ? n[e] : "?";
}

static void make_dmabuf(struct nm_cli_rx *rx)
{
	int fd = memfd_create("netmem-rx-dmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC), r;

	if (fd < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "memfd_create: %s", strerror(errno));
	if (ftruncate(fd, (off_t)rx->cfg.dmabuf_size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		int e = errno;

		close(fd);
		nm_cli_die(NM_CLI_EXIT_FAIL, "memfd of %llu bytes: %s",
			   (unsigned long long)rx->cfg.dmabuf_size, strerror(e));
	}
	r = nm_udmabuf_create(fd, 0, rx->cfg.dmabuf_size, 0, &rx->buf);
	close(fd);		/* the buffer holds its own reference */
	if (r < 0)
		nm_cli_die_nm(r, "udmabuf");
	nm_dmabuf_set_name(rx->buf, "netmem-rx");
}

static void steer(struct nm_cli_rx *rx, const struct nm_cli_ip *server, uint16_t port,
		  const struct nm_cli_ip *client)
{
	struct nm_flow_rule fr = { .id = NM_FLOW_ID_ANY };
	struct nm_channels ch;
	uint32_t s = rx->cfg.start_queue, n = rx->cfg.nr_queues, after;
	size_t alen = server->family == AF_INET ? 4 : 16;
	int r;

	nm_netdev_get_channels(rx->h->nd, &ch);
	/* RSS over the queues that are not bound (ncdevmem: -X equal start) */
	after = ch.rx - (s + n);
	if (s > 0)
		r = nm_netdev_set_rss_equal(rx->h->nd, 0, s);
	else if (after > 0)
		r = nm_netdev_set_rss_equal(rx->h->nd, s + n, after);
	else
		r = 0;
	if (r < 0)
		nm_cli_die_nm(r, "RSS");
	fr.flow_type = server->family == AF_INET ? NM_FLOW_TCP4 : NM_FLOW_TCP6;
	memcpy(fr.dst_ip, server->a, alen);
	memset(fr.dst_ip_mask, 0xff, alen);
	fr.dst_port = port;
	fr.dst_port_mask = 0xffff;
	if (client) {
		memcpy(fr.src_ip, client->a, alen);
		memset(fr.src_ip_mask, 0xff, alen);
	}
	fr.action = (int32_t)s;
	r = nm_netdev_flow_add(rx->h->nd, &fr);
	if (r < 0)
		nm_cli_die_nm(r, "flow steering (ntuple)");
	rx->rule_id = r;
}

void nm_cli_rx_setup(struct nm_cli_rx *rx, struct nm_cli_host *h, const struct nm_cli_rx_cfg *cfg,
		     const struct nm_cli_ip *server, uint16_t port, const struct nm_cli_ip *client)
{
	struct nm_queue_id qs[NM_NETDEV_MAX_QUEUES];
	struct nm_channels ch;
	int r;

	memset(rx, 0, sizeof(*rx));
	rx->h = h;
	rx->cfg = *cfg;
	rx->rule_id = -1;
	nm_netdev_get_channels(h->nd, &ch);
	if (cfg->nr_queues < 1 || cfg->start_queue + cfg->nr_queues > ch.rx)
		nm_cli_die(NM_CLI_EXIT_USAGE, "queues %u..%u do not exist: %s has %u RX queues",
			   cfg->start_queue, cfg->start_queue + cfg->nr_queues - 1,
			   nm_netdev_name(h->nd), ch.rx);
	if (client && client->family != server->family)
		nm_cli_die(NM_CLI_EXIT_USAGE, "-c and -s are of different address families");
	if (nm_cli_pattern_init(&rx->pat, cfg->validate, RX_IOBUF) < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "out of memory");
	rx->iobuf_len = RX_IOBUF;
	rx->iobuf = malloc(RX_IOBUF);
	rx->ctrl_len = RX_CTRL;
	rx->ctrl = malloc(RX_CTRL);
	rx->frags = calloc(RX_CTRL / CMSG_SPACE(sizeof(struct dmabuf_cmsg)), sizeof(*rx->frags));
	if (!rx->iobuf || !rx->ctrl || !rx->frags)
		nm_cli_die(NM_CLI_EXIT_FAIL, "out of memory");
	steer(rx, server, port, client);
	if (cfg->path == NM_CLI_PATH_COPY)
		return;
	if (cfg->path == NM_CLI_PATH_ZCRX) {
		if (cfg->nr_queues != 1)
			nm_cli_die(NM_CLI_EXIT_USAGE, "--rx zcrx takes one queue (an ifq is one "
				   "RX queue)");
		rx->zc = nm_cli_zcrx_setup(h, cfg->start_queue, cfg->dmabuf_size);
		return;
	}
	make_dmabuf(rx);
	for (uint32_t i = 0; i < cfg->nr_queues; i++)
		qs[i] = (struct nm_queue_id){ cfg->start_queue + i, NETDEV_QUEUE_TYPE_RX };
	r = nm_ctl_bind_rx(h->ctl, h->ifindex, rx->buf, qs, cfg->nr_queues, &rx->dmabuf_id);
	if (r < 0)
		nm_cli_die_nm(r, "bind-rx");
}

static const char *const path_names[] = {
	[NM_CLI_PATH_DEVMEM] = "devmem",
	[NM_CLI_PATH_COPY] = "copy",
	[NM_CLI_PATH_ZCRX] = "zcrx",
};

const char *nm_cli_path_name(enum nm_cli_path p)
{
	return path_names[p];
}

const char *nm_cli_rx_path_desc(enum nm_cli_path p)
{
	static const char *const desc[] = {
		[NM_CLI_PATH_DEVMEM] = "devmem RX",
		[NM_CLI_PATH_COPY] = "copy RX",
		[NM_CLI_PATH_ZCRX] = "io_uring zcrx RX",
	};

	return desc[p];
}

enum nm_cli_path nm_cli_parse_rx_path(const char *s)
{
	for (size_t p = 0; p < sizeof(path_names) / sizeof(path_names[0]); p++)
		if (!strcmp(s, path_names[p]))
			return (enum nm_cli_path)p;
	nm_cli_die(NM_CLI_EXIT_USAGE, "--rx: '%s': devmem, zcrx or copy", s);
}

void nm_cli_rx_teardown(struct nm_cli_rx *rx)
{
	nm_cli_zcrx_teardown(rx->zc);
	if (rx->rule_id >= 0)
		nm_netdev_flow_del(rx->h->nd, (uint32_t)rx->rule_id);
	if (rx->buf)
		nm_dmabuf_put(rx->buf);	/* the binding keeps its own reference */
	nm_cli_pattern_free(&rx->pat);
	free(rx->iobuf);
	free(rx->ctrl);
	free(rx->frags);
	memset(rx, 0, sizeof(*rx));
	rx->rule_id = -1;
}

/* ---- one connection ------------------------------------------------------ */

struct rx_state {
	struct nm_cli_rx *rx;
	int sd;
	struct nm_cli_rx_result *res;
	/* the device-memory frags of one recvmsg, read after it returns */
	struct rx_frag *frags;
	uint32_t nfrags, cap;
	/* tokens not yet handed back */
	struct dmabuf_token tok[NM_DEVMEM_MAX_DONTNEED_TOKENS];
	unsigned ntok, tok_frags;
	uint64_t zc_got;		/* zcrx: bytes of this call's fragments so far */
};

static void fail(struct rx_state *s, enum nm_cli_conn_end e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct rx_state *s, enum nm_cli_conn_end e, const char *fmt, ...)
{
	va_list ap;

	if (s->res->end != NM_CLI_END_EOF)
		return;		/* keep the first reason */
	s->res->end = e;
	va_start(ap, fmt);
	vsnprintf(s->res->detail, sizeof(s->res->detail), fmt, ap);
	va_end(ap);
}

static void check(struct rx_state *s, uint64_t stream_off, const uint8_t *p, size_t len)
{
	int64_t bad;

	if (!s->rx->cfg.validate)
		return;
	/* frags are read in dma-buf order: keep the wrong byte earliest in the stream */
	if (s->res->end == NM_CLI_END_INVALID && stream_off >= s->res->bad_offset)
		return;
	if (s->res->end != NM_CLI_END_EOF && s->res->end != NM_CLI_END_INVALID)
		return;
	bad = nm_cli_pattern_check(&s->rx->pat, stream_off, p, len);
	if (bad < 0)
		return;
	if (s->res->end == NM_CLI_END_INVALID)
		s->res->end = NM_CLI_END_EOF;	/* an earlier one replaces it */
	s->res->bad_offset = stream_off + (uint64_t)bad;
	s->res->bad_got = p[bad];
	s->res->bad_want = nm_cli_pattern_byte(&s->rx->pat, s->res->bad_offset);
	fail(s, NM_CLI_END_INVALID, "byte %llu is %u, the pattern says %u",
	     (unsigned long long)s->res->bad_offset, s->res->bad_got, s->res->bad_want);
}

static int frag_cmp(const void *a, const void *b)
{
	const struct rx_frag *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Read the frags of one recvmsg through CPU-access windows.  Where the
 * memory is guarded (NM_MEM_CHECK=1, device memory) opening a window is
 * mprotect() work and a TLB shootdown on every CPU running this process,
 * so frags are sorted by offset and grouped into windows of up to
 * RX_WINDOW_MAX bytes: one or a few windows per recvmsg instead of one
 * per frag (measured: 0.08 -> several Gbit/s at MTU 1500).
 */
#define RX_WINDOW_MAX	(64u << 20)

static void frags_read(struct rx_state *s)
{
	struct nm_dmabuf *buf = s->rx->buf;
	uint32_t i = 0, j;

	if (!s->nfrags || !s->rx->cfg.validate || s->res->end != NM_CLI_END_EOF) {
		/* after a failure the rest is not read: the connection ends */
		s->nfrags = 0;
		return;
	}
	qsort(s->frags, s->nfrags, sizeof(s->frags[0]), frag_cmp);
	while (i < s->nfrags && (s->res->end == NM_CLI_END_EOF || s->res->end == NM_CLI_END_INVALID)) {
		uint64_t lo = s->frags[i].off, hi = lo + s->frags[i].len;
		uint8_t *p;
		void *w;
		int r;

		for (j = i + 1; j < s->nfrags && s->frags[j].off + s->frags[j].len - lo <= RX_WINDOW_MAX;
		     j++)
			if (s->frags[j].off + s->frags[j].len > hi)
				hi = s->frags[j].off + s->frags[j].len;
		r = nm_dmabuf_begin_cpu_access(buf, lo, hi - lo, NM_DMA_FROM_DEVICE, &w);
		if (r < 0) {
			fail(s, NM_CLI_END_ERROR, "CPU window on [%llu, +%llu): %s",
			     (unsigned long long)lo, (unsigned long long)(hi - lo), nm_last_error());
			break;
		}
		s->res->windows++;
		s->res->window_bytes += hi - lo;
		p = w;
		for (; i < j; i++)
			check(s, s->frags[i].stream, p + (s->frags[i].off - lo), s->frags[i].len);
		nm_dmabuf_end_cpu_access(buf, lo, hi - lo, NM_DMA_FROM_DEVICE);
	}
	s->nfrags = 0;
}

static void tokens_flush(struct rx_state *s)
{
	/* never hand back a token whose payload is still unread */
	frags_read(s);
	int r;

	if (!s->ntok)
		return;
	r = nm_setsockopt(s->sd, SOL_SOCKET, SO_DEVMEM_DONTNEED, s->tok,
			  (socklen_t)(s->ntok * sizeof(s->tok[0])));
	s->res->dontneed_calls++;
	if (r < 0)
		fail(s, NM_CLI_END_ERROR, "SO_DEVMEM_DONTNEED: %s", nm_last_error());
	else if ((unsigned)r != s->tok_frags)
		fail(s, NM_CLI_END_ERROR, "SO_DEVMEM_DONTNEED freed %d of %u tokens", r,
		     s->tok_frags);
	else
		s->res->tokens += (uint64_t)r;
	s->ntok = 0;
	s->tok_frags = 0;
}

static void token_add(struct rx_state *s, uint32_t token)
{
	struct dmabuf_token *t = s->ntok ? &s->tok[s->ntok - 1] : NULL;

	if (t && t->token_start + t->token_count == token) {
		t->token_count++;
	} else {
		if (s->ntok == NM_DEVMEM_MAX_DONTNEED_TOKENS)
			tokens_flush(s);
		s->tok[s->ntok++] = (struct dmabuf_token){ token, 1 };
	}
	if (++s->tok_frags == NM_DEVMEM_MAX_DONTNEED_FRAGS)
		tokens_flush(s);
}

static void on_dmabuf(struct rx_state *s, const struct dmabuf_cmsg *dc, uint64_t stream_off)
{
	s->res->frags++;
	if (dc->dmabuf_id != s->rx->dmabuf_id)
		fail(s, NM_CLI_END_ERROR, "frag of dmabuf_id %u, ours is %u: flow steering error",
		     dc->dmabuf_id, s->rx->dmabuf_id);
	else if (dc->frag_offset + dc->frag_size > s->rx->cfg.dmabuf_size)
		fail(s, NM_CLI_END_ERROR, "frag [%llu, +%u) outside the %llu-byte dma-buf",
		     (unsigned long long)dc->frag_offset, dc->frag_size,
		     (unsigned long long)s->rx->cfg.dmabuf_size);
	else if (s->nfrags < s->cap)
		s->frags[s->nfrags++] = (struct rx_frag){ dc->frag_offset, stream_off,
							  dc->frag_size };
	/* the token is returned after frags_read(): tokens_flush runs last */
	token_add(s, dc->frag_token);
}

/* One recvmsg(MSG_SOCK_DEVMEM); returns its result. */
static ssize_t recv_devmem(struct rx_state *s)
{
	struct iovec iov = { s->rx->iobuf, s->rx->iobuf_len };
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	uint64_t off = s->res->bytes, lin = 0, dev = 0;
	ssize_t r;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = s->rx->ctrl;
	msg.msg_controllen = s->rx->ctrl_len;
	r = nm_recvmsg(s->sd, &msg, MSG_SOCK_DEVMEM);
	if (r <= 0)
		return r;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		const struct dmabuf_cmsg *dc = (const void *)CMSG_DATA(cm);

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_len < CMSG_LEN(sizeof(*dc)))
			continue;
		if (cm->cmsg_type == SCM_DEVMEM_LINEAR) {
			if (lin + dc->frag_size > (uint64_t)r) {
				fail(s, NM_CLI_END_ERROR, "SCM_DEVMEM_LINEAR of %u bytes past the %zd "
				     "returned", dc->frag_size, r);
				break;
			}
			check(s, off, s->rx->iobuf + lin, dc->frag_size);
			lin += dc->frag_size;
			off += dc->frag_size;
		} else if (cm->cmsg_type == SCM_DEVMEM_DMABUF) {
			on_dmabuf(s, dc, off);
			dev += dc->frag_size;
			off += dc->frag_size;
		}
	}
	frags_read(s);
	tokens_flush(s);
	if (msg.msg_flags & MSG_CTRUNC)
		fail(s, NM_CLI_END_ERROR, "recvmsg: control data truncated (MSG_CTRUNC)");
	if (lin + dev != (uint64_t)r)
		fail(s, NM_CLI_END_ERROR, "recvmsg returned %zd bytes but its cmsgs cover %llu", r,
		     (unsigned long long)(lin + dev));
	s->res->linear_bytes += lin;
	s->res->devmem_bytes += dev;
	return r;
}

static ssize_t recv_copy(struct rx_state *s)
{
	ssize_t r = nm_recv(s->sd, s->rx->iobuf, s->rx->iobuf_len, 0);

	if (r > 0) {
		check(s, s->res->bytes, s->rx->iobuf, (size_t)r);
		s->res->linear_bytes += (uint64_t)r;
	}
	return r;
}

/* zcrx: one fragment, read where it landed in the area */
static void zcrx_frag(void *arg, const uint8_t *p, uint32_t len)
{
	struct rx_state *s = arg;

	check(s, s->res->bytes + s->zc_got, p, len);
	s->zc_got += len;
	s->res->frags++;
	s->res->tokens++;		/* its buffer went back through the refill ring */
}

static ssize_t recv_zcrx(struct rx_state *s, int slice_ms)
{
	ssize_t r;

	s->zc_got = 0;
	r = nm_cli_zcrx_recv(s->rx->zc, s->sd, slice_ms, zcrx_frag, s);
	if (r > 0)
		s->res->devmem_bytes += (uint64_t)r;
	return r;
}

/* A signal asked the command to stop: the connection ends here. */
static bool rx_interrupted(struct rx_state *s)
{
	int sig = nm_cli_interrupted();

	if (sig)
		fail(s, NM_CLI_END_INTR, "%s after %llu bytes", nm_cli_sig_name(sig),
		     (unsigned long long)s->res->bytes);
	return sig;
}

/* No data for a slice: false to keep waiting, true once the connection
 * is over (interrupted, stalled, or its peer gone).  A peer seen gone gets
 * one more slice, so frames it left on the wire (its FIN) are still taken. */
static bool rx_idle(struct rx_state *s, uint64_t last_ns, bool *gone_seen)
{
	const struct nm_cli_rx_cfg *cfg = &s->rx->cfg;
	uint64_t idle_ms = (nm_cli_now_ns() - last_ns) / 1000000;

	if (rx_interrupted(s))
		return true;
	if (cfg->watch_peer && nm_wire_shm_peer_alive(s->rx->h->wire) == 0) {
		if (*gone_seen) {
			fail(s, NM_CLI_END_GONE, "the client process ended, its shm wire hung "
			     "up after %llu bytes", (unsigned long long)s->res->bytes);
			return true;
		}
		*gone_seen = true;
	}
	/* allow for the socket's clock rounding a few ms apart from ours */
	if (cfg->timeout_ms > 0 && idle_ms + 10 >= (uint64_t)cfg->timeout_ms) {
		fail(s, NM_CLI_END_STALLED, "no data for %d ms after %llu bytes", cfg->timeout_ms,
		     (unsigned long long)s->res->bytes);
		return true;
	}
	return false;
}

void nm_cli_rx_conn(struct nm_cli_rx *rx, int sd, uint64_t expect, struct nm_cli_progress *pg,
		    struct nm_cli_rx_result *res)
{
	struct rx_state s = { .rx = rx, .sd = sd, .res = res, .frags = rx->frags,
			      .cap = (uint32_t)(rx->ctrl_len / CMSG_SPACE(sizeof(struct dmabuf_cmsg))) };
	int slice_ms = rx->cfg.timeout_ms;
	struct timeval tv;
	uint64_t last_ns;
	bool gone_seen = false;

	if (slice_ms <= 0 || slice_ms > RX_PEER_SLICE_MS)
		slice_ms = RX_PEER_SLICE_MS;
	memset(res, 0, sizeof(*res));
	if (rx->zc)
		nm_cli_zcrx_conn_start(rx->zc);
	res->t0_ns = res->t1_ns = last_ns = nm_cli_now_ns();
	tv = (struct timeval){ slice_ms / 1000, (slice_ms % 1000) * 1000 };
	nm_setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		ssize_t r = rx->cfg.path == NM_CLI_PATH_DEVMEM ? recv_devmem(&s) :
			    rx->cfg.path == NM_CLI_PATH_ZCRX ? recv_zcrx(&s, slice_ms) : recv_copy(&s);

		if (r > 0) {
			/* t0 stays the accept: a connection whose bytes came in
			 * one recvmsg took time all the same */
			res->bytes += (uint64_t)r;
			res->t1_ns = last_ns = nm_cli_now_ns();
			gone_seen = false;
			nm_cli_progress_update(pg, res->bytes);
			/* a stream that never pauses is stopped here, not by rx_idle() */
			if (res->end != NM_CLI_END_EOF || rx_interrupted(&s))
				break;
			continue;
		}
		if (r == -EAGAIN && !rx_idle(&s, last_ns, &gone_seen))
			continue;
		if (r == 0) {
			if (expect && res->bytes < expect)
				fail(&s, NM_CLI_END_SHORT, "peer closed after %llu of %llu bytes",
				     (unsigned long long)res->bytes, (unsigned long long)expect);
		} else if (r == -EAGAIN) {
			/* rx_idle() said why */
		} else if (r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT ||
			   r == -ECONNABORTED) {
			fail(&s, NM_CLI_END_RESET, "connection %s after %llu bytes",
			     r == -ETIMEDOUT ? "timed out" : "reset",
			     (unsigned long long)res->bytes);
		} else if (r == -EOPNOTSUPP) {
			fail(&s, NM_CLI_END_ERROR, "devmem RX is not available: %s",
			     nm_last_error());
		} else {
			fail(&s, NM_CLI_END_ERROR, "recv: %s", nm_last_error());
		}
		break;
	}
	if (rx->zc) {
		uint64_t copied, cqes;

		/* bytes the copy fallback put in the area are not zero-copy */
		nm_cli_zcrx_counts(rx->zc, &copied, &cqes);
		res->linear_bytes = copied - rx->zc_copied;
		res->devmem_bytes -= res->linear_bytes;
		rx->zc_copied = copied;
	}
	/* a connection that carried nothing validated nothing */
	res->validated = rx->cfg.validate && res->end == NM_CLI_END_EOF && res->bytes > 0;
}
