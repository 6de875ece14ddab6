/* SPDX-License-Identifier: MIT */
/*
 * Harness: setsockopt / getsockopt (sock/socket.c) with fuzzed sockets
 * (connected, accepted with devmem RX, listening, unconnected, bad
 * descriptors), levels, names, lengths and bytes, and SO_DEVMEM_DONTNEED
 * token lists (sock/devmem_tokens.c) against a socket holding real
 * tokens: devmem data arrives on an accepted connection whose RX queue is
 * bound to a dma-buf, is received with MSG_SOCK_DEVMEM (validated byte for
 * byte by the test bed) and its tokens are handed back in runs the input
 * builds around the outstanding ones (duplicates, overlaps, huge counts,
 * wrapping starts, lengths that are no multiple of an entry, too many
 * entries).
 *
 * Oracles: every call returns >= 0 or -errno with a message; getsockopt
 * never writes past the length given and reports a length within it; an
 * integer option set reads back as set; DONTNEED frees exactly the
 * outstanding tokens a model of the kernel's rules says (an unknown token
 * is skipped, a token freed once, at most 1024 frags a call, -EINVAL for a
 * length that is no multiple of an entry or above 128 entries); closing
 * the socket returns the rest and, unbound, the dma-buf's memory is all
 * free again; the stream arrives whole and exact.
 *
 * Input: a configuration byte, then operations (op byte, arguments): SET,
 * GET, SEND, RECV, DONTNEED, PUMP.
 */
#include <netinet/tcp.h>

#include "fuzz.h"
#include "fz_tcp.h"
#include "util/err.h"

#define MAX_OPS		128
#define MAX_STREAM	(1u << 20)	/* bytes sent per input */
#define MAX_TOKENS	4096
#define PORT		7000

enum { OP_SET, OP_GET, OP_SEND, OP_RECV, OP_DONTNEED, OP_PUMP, OP_MAX };
enum { S_CLIENT, S_SERVER, S_LISTEN, S_FRESH, S_BAD, S_NSOCK };

struct run {
	struct fz in;
	struct t_net *n;
	struct t_dm dm;
	bool devmem;
	int sd[S_NSOCK];
	uint64_t txpos, rxpos;
	uint32_t tok[MAX_TOKENS];	/* outstanding tokens of the server socket */
	int ntok;
	uint64_t freed, sets_ok;
};

static const int levels[] = { SOL_SOCKET, IPPROTO_TCP, IPPROTO_IPV6, IPPROTO_IP };
static const int sol_names[] = { SO_REUSEADDR, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_LINGER,
				 SO_DEVMEM_DONTNEED, SO_ZEROCOPY, SO_RCVTIMEO, SO_SNDTIMEO,
				 SO_ERROR, SO_TYPE, SO_DEVMEM_LINEAR, SO_DEVMEM_DMABUF };
static const int tcp_names[] = { TCP_NODELAY, TCP_MAXSEG, TCP_KEEPIDLE, TCP_KEEPINTVL,
				 TCP_KEEPCNT, TCP_CONGESTION, TCP_INFO };

/* A level and a name: mostly known ones, sometimes any. */
static void pick_opt(struct fz *in, int *level, int *name)
{
	uint8_t a = fz_u8(in), b = fz_u8(in);

	*level = a & 0x80 ? (int)fz_u32(in) : levels[a % 4];
	if (b & 0x80)
		*name = (int)fz_u32(in);
	else if (*level == SOL_SOCKET)
		*name = sol_names[b % NM_ARRAY_SIZE(sol_names)];
	else if (*level == IPPROTO_TCP)
		*name = tcp_names[b % NM_ARRAY_SIZE(tcp_names)];
	else
		*name = *level == IPPROTO_IPV6 && b & 1 ? IPV6_V6ONLY : (int)b;
}

static int pick_sd(struct run *r, uint8_t k)
{
	return r->sd[k % S_NSOCK];
}

/* An integer option set to v reads back as this (-1: not checked). */
static int readback(int level, int name, int v)
{
	if (level == SOL_SOCKET && (name == SO_REUSEADDR || name == SO_KEEPALIVE ||
				    name == SO_ZEROCOPY))
		return v != 0;
	if (level == IPPROTO_TCP && name == TCP_NODELAY)
		return v != 0;
	if (level == IPPROTO_TCP && (name == TCP_KEEPIDLE || name == TCP_KEEPINTVL ||
				     name == TCP_KEEPCNT))
		return v;
	return -1;
}

static void op_set(struct run *r)
{
	uint8_t k = fz_u8(&r->in);
	int level, name, sd = pick_sd(r, k), ret, v = 0;
	socklen_t len;
	uint8_t *val;

	pick_opt(&r->in, &level, &name);
	len = fz_u16(&r->in) % 600;
	val = malloc(len ? len : 1);	/* exactly len: a read past it is a report */
	FZ_ASSERT(val, "out of memory");
	fz_bytes(&r->in, val, len);
	if (len >= sizeof(int))
		memcpy(&v, val, sizeof(v));
	/* the server's tokens are OP_DONTNEED's, which keeps the model */
	if (level == SOL_SOCKET && name == SO_DEVMEM_DONTNEED && sd == r->sd[S_SERVER])
		name = SO_DEVMEM_LINEAR;
	nm_clear_error();
	ret = nm_setsockopt(sd, level, name, k & 0x80 ? NULL : val, len);
	FZ_ERRNO_OK(ret, "setsockopt");
	if (ret >= 0 && name != SO_DEVMEM_DONTNEED) {
		int want = readback(level, name, v), got = -1;
		socklen_t gl = sizeof(got);

		r->sets_ok++;
		if (want >= 0 && len >= sizeof(int)) {
			T_OK(nm_getsockopt(sd, level, name, &got, &gl));
			FZ_ASSERT(gl == sizeof(got) && got == want,
				  "option %d/%d set to %d reads %d (want %d)", level, name, v, got,
				  want);
		}
	}
	free(val);
}

static void op_get(struct run *r)
{
	uint8_t k = fz_u8(&r->in), canary = 0xa5;
	int level, name, sd = pick_sd(r, k), ret;
	socklen_t len, given;
	uint8_t *val;

	pick_opt(&r->in, &level, &name);
	given = len = fz_u16(&r->in) % 600;
	val = malloc((size_t)len + 16);
	FZ_ASSERT(val, "out of memory");
	memset(val, canary, (size_t)len + 16);
	nm_clear_error();
	ret = nm_getsockopt(sd, level, name, k & 0x80 ? NULL : val, k & 0x40 ? NULL : &len);
	FZ_ERRNO_OK(ret, "getsockopt");
	if (ret >= 0 && !(k & 0x40))
		FZ_ASSERT(len <= given, "getsockopt %d/%d: length %u grew past %u", level, name,
			  len, given);
	for (size_t i = given; i < (size_t)given + 16; i++)
		FZ_ASSERT(val[i] == canary, "getsockopt %d/%d wrote byte %zu of a %u-byte buffer",
			  level, name, i, given);
	free(val);
}

static void op_send(struct run *r)
{
	uint32_t n = fz_u16(&r->in) * 16u;
	ssize_t s;

	if (n > MAX_STREAM - r->txpos)
		n = (uint32_t)(MAX_STREAM - r->txpos);
	s = t_dm_send(r->sd[S_CLIENT], &r->txpos, n);
	FZ_ERRNO_OK(s, "send");
	t_pump(r->n);
}

/* One devmem recvmsg of up to len bytes with room for nctl cmsgs; its
 * tokens join the model. */
static void recv_some(struct run *r, uint32_t len, int nctl)
{
	static struct t_dm_rx rx;
	ssize_t n;

	memset(&rx, 0, sizeof(rx));
	t_pump(r->n);
	nm_clear_error();
	n = t_dm_recv(&r->dm, r->sd[S_SERVER], len, nctl, &r->rxpos, &rx);
	FZ_ERRNO_OK(n, "recvmsg");
	for (int i = 0; i < rx.ntok; i++) {
		if (r->ntok == MAX_TOKENS) {	/* give the oldest back */
			struct dmabuf_token t = { r->tok[0], 1 };

			T_EQ(nm_setsockopt(r->sd[S_SERVER], SOL_SOCKET, SO_DEVMEM_DONTNEED, &t,
					   sizeof(t)), 1);
			memmove(r->tok, r->tok + 1, sizeof(r->tok[0]) * (MAX_TOKENS - 1));
			r->ntok--;
		}
		r->tok[r->ntok++] = rx.tokens[i];
	}
}

static void op_recv(struct run *r)
{
	uint16_t len = fz_u16(&r->in);

	recv_some(r, 1 + len * 16u, 1 + fz_u8(&r->in) % 64);
}

static bool model_take(struct run *r, uint32_t t)
{
	for (int i = 0; i < r->ntok; i++)
		if (r->tok[i] == t) {
			r->tok[i] = r->tok[--r->ntok];
			return true;
		}
	return false;
}

/* A token list around the outstanding tokens; the model says what the
 * call frees. */
static void op_dontneed(struct run *r)
{
	uint8_t a = fz_u8(&r->in);
	uint32_t nent = fz_u8(&r->in) % 132, frags = 0;
	struct dmabuf_token *tk = calloc(nent ? nent : 1, sizeof(*tk));
	socklen_t len = (socklen_t)(nent * sizeof(*tk)) + (a & 0x80 ? 1 + a % 7 : 0);
	uint8_t *val = malloc(len ? len : 1);
	int expect = 0, ret;
	bool stop = false;

	FZ_ASSERT(tk && val, "out of memory");
	for (uint32_t i = 0; i < nent; i++) {
		uint8_t m = fz_u8(&r->in);

		if (m & 1 && r->ntok)
			tk[i].token_start = r->tok[fz_u8(&r->in) % r->ntok] +
					    (uint32_t)(int8_t)fz_u8(&r->in) % 4;
		else
			tk[i].token_start = m & 2 ? fz_u32(&r->in) : fz_u8(&r->in);
		tk[i].token_count = m & 4 ? fz_u32(&r->in) : fz_u8(&r->in) % 8;
	}
	memset(val, 0, len ? len : 1);
	memcpy(val, tk, nent * sizeof(*tk));
	/* the model (net/core/sock.c sock_devmem_dontneed) */
	if (len % sizeof(*tk) || len > sizeof(*tk) * NM_DEVMEM_MAX_DONTNEED_TOKENS) {
		expect = -EINVAL;
	} else {
		for (uint32_t i = 0; i < nent && !stop; i++)
			for (uint32_t j = 0; j < tk[i].token_count; j++) {
				if (++frags > NM_DEVMEM_MAX_DONTNEED_FRAGS) {
					stop = true;
					break;
				}
				expect += model_take(r, tk[i].token_start + j);
			}
	}
	nm_clear_error();
	ret = nm_setsockopt(r->sd[S_SERVER], SOL_SOCKET, SO_DEVMEM_DONTNEED, val, len);
	FZ_ERRNO_OK(ret, "SO_DEVMEM_DONTNEED");
	FZ_ASSERT(ret == expect, "DONTNEED of %u entries (%u bytes) returned %d, the model %d",
		  nent, len, ret, expect);
	if (ret > 0)
		r->freed += (uint64_t)ret;
	free(val);
	free(tk);
}

static void run_ops(struct run *r)
{
	for (int i = 0; i < MAX_OPS && fz_left(&r->in); i++) {
		switch (fz_u8(&r->in) % OP_MAX) {
		case OP_SET: op_set(r); break;
		case OP_GET: op_get(r); break;
		case OP_SEND: op_send(r); break;
		case OP_RECV: op_recv(r); break;
		case OP_DONTNEED: op_dontneed(r); break;
		default: {
			uint8_t k = fz_u8(&r->in);

			fz_clock_advance(1000u * (k & 0x0f));
			for (int j = 0; j < 1 + (k >> 4); j++)
				t_pump(r->n);
			break;
		}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	struct nm_dmabuf_binding *b = NULL;
	uint8_t cfg;

	memset(&r, 0, sizeof(r));
	r.n = fz_tcp_begin();
	r.in = fz_init(data, size);
	cfg = fz_u8(&r.in);
	r.devmem = !(cfg & 1);
	r.dm.memfd = -1;
	if (r.devmem)
		b = fz_tcp_bind(r.n, &r.dm, 4u << 20);
	r.sd[S_LISTEN] = t_listen(r.n->sb, AF_INET, PORT, 4);
	r.sd[S_CLIENT] = t_connect_pair(r.n, r.sd[S_LISTEN], "198.18.0.2", PORT, &r.sd[S_SERVER]);
	r.sd[S_FRESH] = (int)T_OK(nm_socket(r.n->sa, cfg & 2 ? AF_INET6 : AF_INET,
					    SOCK_STREAM | SOCK_NONBLOCK, 0));
	r.sd[S_BAD] = cfg & 4 ? -1 : 4095;
	run_ops(&r);

	/* the stream so far arrives whole and exact */
	if (r.txpos > r.rxpos) {
		uint64_t end = t_now_us() + 5000000;

		while (r.rxpos < r.txpos) {
			FZ_ASSERT(t_now_us() < end, "stream stalled at %llu of %llu bytes",
				  (unsigned long long)r.rxpos, (unsigned long long)r.txpos);
			fz_clock_advance(10000);
			recv_some(&r, 1u << 20, 256);
			if (r.ntok > MAX_TOKENS / 2)
				while (r.ntok) {
					struct dmabuf_token t = { r.tok[--r.ntok], 1 };

					T_EQ(nm_setsockopt(r.sd[S_SERVER], SOL_SOCKET,
							   SO_DEVMEM_DONTNEED, &t, sizeof(t)), 1);
				}
		}
	}
	FZ_ASSERT(r.rxpos == r.txpos, "received %llu of %llu bytes",
		  (unsigned long long)r.rxpos, (unsigned long long)r.txpos);
	if (fz_verbose())
		fprintf(stderr, "sockopt: %s, %llu bytes, %llu options set, %llu tokens freed by "
			"DONTNEED, %d outstanding at close\n", r.devmem ? "devmem" : "host",
			(unsigned long long)r.txpos, (unsigned long long)r.sets_ok,
			(unsigned long long)r.freed, r.ntok);
	/* closing returns the rest; unbound, all memory is free */
	r.sd[S_BAD] = -1;
	fz_tcp_end(r.n, r.sd, S_NSOCK);
	if (r.devmem)
		fz_tcp_unbind(&r.dm, b);
	return 0;
}

/* ---- seeds ------------------------------------------------------------------ */

static void w_set_int(struct fz_out *o, uint8_t sock, uint8_t level_k, uint8_t name_k, int v)
{
	fz_w8(o, OP_SET);
	fz_w8(o, sock);
	fz_w8(o, level_k);
	fz_w8(o, name_k);
	fz_w16(o, sizeof(int));
	fz_wbytes(o, &v, sizeof(v));
}

void fz_write_seeds(struct fz_seeds *s)
{
	static struct fz_out o;

	/* devmem data in, tokens back in runs (one real, one duplicate, an
	 * unknown one, a huge count), the rest left to close */
	o.n = 0;
	fz_w8(&o, 0);
	for (int i = 0; i < 4; i++) {
		fz_w8(&o, OP_SEND);
		fz_w16(&o, 4096);		/* 64 KiB */
		fz_w8(&o, OP_RECV);
		fz_w16(&o, 4096);
		fz_w8(&o, 63);
	}
	fz_w8(&o, OP_DONTNEED);
	fz_w8(&o, 0);
	fz_w8(&o, 4);				/* 4 entries */
	fz_w8(&o, 1), fz_w8(&o, 0), fz_w8(&o, 0), fz_w8(&o, 1);	/* tok[0], 1 */
	fz_w8(&o, 1), fz_w8(&o, 0), fz_w8(&o, 0), fz_w8(&o, 2);	/* tok[0] again, 2 */
	fz_w8(&o, 2), fz_w32(&o, 0xfffffffe), fz_w8(&o, 5);	/* wraps past 0 */
	fz_w8(&o, 1 | 4), fz_w8(&o, 3), fz_w8(&o, 0), fz_w32(&o, 0xffffffff);
	fz_w8(&o, OP_DONTNEED);			/* 129 entries: -EINVAL */
	fz_w8(&o, 0);
	fz_w8(&o, 129);
	fz_w8(&o, OP_DONTNEED);			/* length not a multiple */
	fz_w8(&o, 0x83);
	fz_w8(&o, 1);
	fz_w8(&o, 0), fz_w8(&o, 1), fz_w8(&o, 1);
	fz_seed(s, "devmem-dontneed", &o);

	/* options on every kind of socket, read back */
	o.n = 0;
	fz_w8(&o, 0);
	w_set_int(&o, S_CLIENT, 1, 0, 1);	/* TCP_NODELAY */
	w_set_int(&o, S_CLIENT, 1, 4, 5);	/* TCP_KEEPCNT */
	w_set_int(&o, S_SERVER, 0, 1, 1);	/* SO_KEEPALIVE */
	w_set_int(&o, S_SERVER, 0, 6, 1);	/* SO_ZEROCOPY */
	w_set_int(&o, S_LISTEN, 0, 2, 1 << 16);	/* SO_RCVBUF */
	w_set_int(&o, S_FRESH, 2, 1, 1);	/* IPV6_V6ONLY */
	w_set_int(&o, S_BAD, 0, 0, 1);
	fz_w8(&o, OP_SET);			/* TCP_CONGESTION "reno" */
	fz_w8(&o, S_CLIENT);
	fz_w8(&o, 1);
	fz_w8(&o, 5);
	fz_w16(&o, 4);
	fz_wbytes(&o, "reno", 4);
	for (uint8_t k = 0; k < 7; k++) {	/* every TCP option read */
		fz_w8(&o, OP_GET);
		fz_w8(&o, S_CLIENT);
		fz_w8(&o, 1);
		fz_w8(&o, k);
		fz_w16(&o, 256);
	}
	fz_w8(&o, OP_GET);			/* SO_ERROR into 2 bytes */
	fz_w8(&o, S_SERVER);
	fz_w8(&o, 0);
	fz_w8(&o, 9);
	fz_w16(&o, 2);
	fz_w8(&o, OP_SEND);
	fz_w16(&o, 100);
	fz_w8(&o, OP_PUMP);
	fz_w8(&o, 0x35);
	fz_seed(s, "options", &o);
}
