/* SPDX-License-Identifier: MIT */
/*
 * devmem TX on the test bed (t_devmem.h): a memfd dma-buf bound for TX,
 * SCM_DEVMEM_DMABUF sends with MSG_ZEROCOPY, their completions, and a
 * randomized stream of device, copied and copied-zerocopy sends checked
 * byte by byte and completion by completion.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <sys/mman.h>
#include <unistd.h>

#include "t_devmem.h"

/* Byte i of a test dma-buf. */
uint8_t t_dtx_byte(uint64_t i)
{
	return (uint8_t)((i * 7 + (i >> 9) * 13) % 253);
}

/* A memfd dma-buf of size bytes filled with t_dtx_byte(), bound for TX on
 * nd. */
void t_dtx_bind(struct t_dtx *d, struct nm_netdev *nd, uint64_t size)
{
	memset(d, 0, sizeof(*d));
	d->size = size;
	d->memfd = memfd_create("t_devmem_tx", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	T_ASSERT(d->memfd >= 0);
	T_ASSERT(ftruncate(d->memfd, (off_t)size) == 0);
	T_ASSERT(fcntl(d->memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	d->va = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, d->memfd, 0);
	T_ASSERT(d->va != MAP_FAILED);
	for (uint64_t i = 0; i < size; i++)
		d->va[i] = t_dtx_byte(i);
	T_OK(nm_udmabuf_create(d->memfd, 0, size, 0, &d->buf));
	T_OK(nm_ctl_open(&d->ctl));
	T_OK(nm_ctl_bind_tx(d->ctl, nm_netdev_ifindex(nd), d->buf, &d->id));
}

/* References on the binding besides the control handle's. */
long t_dtx_refs(const struct t_dtx *d)
{
	struct nm_dmabuf_binding *b = nm_ctl_binding_get(d->id, NULL, NULL);
	long r;

	T_ASSERT(b);
	r = nm_dmabuf_binding_refs(b) - 2;	/* the handle's and ours */
	nm_dmabuf_binding_put(b);
	return r;
}

/* Pump until the binding's extra references drop to 0 (a closing
 * connection lets go once its FIN is acknowledged); returns them. */
long t_dtx_wait_refs(struct t_net *n, const struct t_dtx *d, int timeout_ms)
{
	uint64_t end = t_now_us() + (uint64_t)timeout_ms * 1000u;
	long r;

	while ((r = t_dtx_refs(d)) != 0 && t_now_us() < end)
		t_pump(n);
	return r;
}

void t_dtx_unbind(struct t_dtx *d)
{
	T_OK(nm_ctl_close(d->ctl));
	nm_dmabuf_put(d->buf);
	T_ASSERT(munmap(d->va, d->size) == 0);
	close(d->memfd);
}

/* sendmsg of one device range with an SCM_DEVMEM_DMABUF cmsg for id. */
ssize_t t_dtx_sendv(int sd, uint32_t id, struct iovec *iov, size_t n, int flags)
{
	union {
		uint8_t b[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = n, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_DEVMEM_DMABUF;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	memcpy(CMSG_DATA(c), &id, sizeof(id));
	return nm_sendmsg(sd, &m, flags | MSG_ZEROCOPY);
}

ssize_t t_dtx_send(int sd, uint32_t id, uint64_t off, size_t len, int flags)
{
	struct iovec iov = { (void *)(uintptr_t)off, len };

	return t_dtx_sendv(sd, id, &iov, 1, flags);
}

/* 0 and *o, or the recvmsg error (-EAGAIN when empty).  Checks the fixed
 * fields of the notification. */
int t_dtx_errq(int sd, struct t_note *o)
{
	union {
		uint8_t b[CMSG_SPACE(sizeof(struct sock_extended_err) +
				     sizeof(struct sockaddr_in6))];
		struct cmsghdr align;
	} u;
	uint8_t dummy[4];
	struct iovec iov = { dummy, sizeof(dummy) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	struct sock_extended_err ee;
	struct cmsghdr *c;
	ssize_t r;

	memset(o, 0, sizeof(*o));
	r = nm_recvmsg(sd, &m, MSG_ERRQUEUE);
	if (r < 0)
		return (int)r;
	T_EQ(r, 0);
	T_ASSERT(m.msg_flags & MSG_ERRQUEUE);
	c = CMSG_FIRSTHDR(&m);
	T_ASSERT(c != NULL);
	memcpy(&ee, CMSG_DATA(c), sizeof(ee));
	T_EQ(ee.ee_origin, SO_EE_ORIGIN_ZEROCOPY);
	T_EQ(ee.ee_errno, 0);
	T_EQ(ee.ee_type, 0);
	o->lo = ee.ee_info;
	o->hi = ee.ee_data;
	o->code = ee.ee_code;
	o->level = c->cmsg_level;
	o->type = c->cmsg_type;
	o->msg_flags = m.msg_flags;
	T_ASSERT(CMSG_NXTHDR(&m, c) == NULL);
	return 0;
}

/* Pump until a notification arrives (0) or timeout_ms passes (-EAGAIN). */
int t_dtx_wait(struct t_net *n, int sd, struct t_note *o, int timeout_ms)
{
	uint64_t end = t_now_us() + (uint64_t)timeout_ms * 1000u;
	int r;

	while ((r = t_dtx_errq(sd, o)) == -EAGAIN && t_now_us() < end)
		t_pump(n);
	return r;
}

/* Drain every notification, checking that ids arrive in order from *next;
 * returns how many notifications were read. */
int t_dtx_drain(int sd, uint32_t *next)
{
	struct t_note o = { 0 };
	int k = 0;

	while (t_dtx_errq(sd, &o) == 0) {
		T_EQ(o.lo, *next);
		T_ASSERT((int32_t)(o.hi - o.lo) >= 0);
		*next = o.hi + 1;
		k++;
	}
	return k;
}

/* Receive whatever is there from sd, checking it against exp (the stream's
 * expected bytes from *got on).  Returns bytes read. */
size_t t_dtx_recv_check(int sd, const uint8_t *exp, uint64_t *got, uint64_t limit)
{
	static uint8_t rx[256 << 10];
	size_t total = 0;

	for (;;) {
		ssize_t r = nm_recv(sd, rx, sizeof(rx), MSG_DONTWAIT);

		if (r == -EAGAIN)
			break;
		if (r <= 0)
			T_FAIL("recv: %zd %s", r, nm_last_error());
		if (*got + (uint64_t)r > limit)
			T_FAIL("recv: %zd bytes past the stream's %llu", r, (unsigned long long)limit);
		if (memcmp(rx, exp + *got, (size_t)r))
			for (ssize_t i = 0; i < r; i++)
				if (rx[i] != exp[*got + (uint64_t)i])
					T_FAIL("stream byte %llu: %u != %u",
					       (unsigned long long)(*got + (uint64_t)i), rx[i],
					       exp[*got + (uint64_t)i]);
		*got += (uint64_t)r;
		total += (size_t)r;
	}
	return total;
}

/* ---- a randomized stream of device, copied and copied-zerocopy sends ---- */

void t_exp_add(struct t_expect *e, const uint8_t *p, uint64_t len)
{
	if (!len)
		return;
	if (e->n > e->head && e->v[e->n - 1].p + e->v[e->n - 1].len == p) {
		e->v[e->n - 1].len += len;
		return;
	}
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 256;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		T_ASSERT(e->v);
	}
	e->v[e->n].p = p;
	e->v[e->n].len = len;
	e->n++;
}

/* The first r bytes of an iovec array, as the sources they came from
 * (base + iov_base when the iovecs are dma-buf offsets). */
void t_exp_add_iov(struct t_expect *e, const uint8_t *base, const struct iovec *v, size_t n,
		   uint64_t r)
{
	for (size_t i = 0; i < n && r; i++) {
		uint64_t k = v[i].iov_len < r ? v[i].iov_len : r;

		t_exp_add(e, base ? base + (uintptr_t)v[i].iov_base : v[i].iov_base, k);
		r -= k;
	}
}

void t_exp_check(struct t_expect *e, const uint8_t *rx, uint64_t r)
{
	while (r) {
		uint64_t k;

		if (e->head == e->n)
			T_FAIL("recv: %llu bytes past what was sent (at %llu)", (unsigned long long)r,
			       (unsigned long long)e->got);
		k = e->v[e->head].len - e->head_off;
		k = k < r ? k : r;
		if (memcmp(rx, e->v[e->head].p + e->head_off, k)) {
			for (uint64_t i = 0; i < k; i++)
				if (rx[i] != e->v[e->head].p[e->head_off + i])
					T_FAIL("stream byte %llu: %u != %u",
					       (unsigned long long)(e->got + i), rx[i],
					       e->v[e->head].p[e->head_off + i]);
		}
		rx += k;
		r -= k;
		e->got += k;
		e->head_off += k;
		if (e->head_off == e->v[e->head].len) {
			e->head++;
			e->head_off = 0;
		}
	}
}

void t_exp_recv(struct t_expect *e, int sd)
{
	static uint8_t rx[256 << 10];

	for (;;) {
		ssize_t r = nm_recv(sd, rx, sizeof(rx), MSG_DONTWAIT);

		if (r == -EAGAIN)
			return;
		if (r <= 0)
			T_FAIL("recv: %zd %s", r, nm_last_error());
		t_exp_check(e, rx, (uint64_t)r);
	}
}

/* The kind (copied or not) of each id and the sequence number that ends
 * its bytes; notes are checked against them. */
static uint8_t run_kind[1 << 20];
static uint32_t run_end[1 << 20];

static void run_notes(int sd, struct nm_tcp_sock *tp, struct t_run *r, uint32_t *next)
{
	struct t_note o = { 0 };

	while (t_dtx_errq(sd, &o) == 0) {
		T_EQ(o.lo, *next);
		T_ASSERT((int32_t)(o.hi - o.lo) >= 0 && o.hi < r->ids);
		/* complete only once acknowledged */
		T_ASSERT(seq_ge(tp->snd_una, run_end[o.hi % (sizeof(run_end) / 4)]));
		for (uint32_t id = o.lo; id != o.hi + 1; id++)
			if (run_kind[id % sizeof(run_kind)] != (o.code & SO_EE_CODE_ZEROCOPY_COPIED))
				T_FAIL("id %u: code %u, sent %s", id, o.code,
				       run_kind[id % sizeof(run_kind)] ? "copied" : "from device");
		*next = o.hi + 1;
		r->notes++;
	}
}

/* Move r->total bytes from csd (stack A, SO_ZEROCOPY set) to ssd through
 * random sends, checking every byte and every completion. */
void t_dtx_run(struct t_net *n, struct t_dtx *d, int csd, int ssd, struct t_run *r)
{
	static uint8_t host[1 << 20];
	struct t_expect e = { 0 };
	uint64_t sent = 0, seed = r->seed ? r->seed : 1, t0 = t_now_us();
	uint64_t end = t0 + (uint64_t)r->timeout_ms * 1000u;
	uint32_t next = 0, max_len = r->max_len ? r->max_len : 256u << 10;
	struct nm_tcp_sock *tp = t_tcb(n->sa, csd);
	int loops = 0;

	T_ASSERT(tp);
	for (size_t i = 0; i < sizeof(host); i++)
		host[i] = (uint8_t)(i * 31 + 7);
	while (sent < r->total || e.got < r->total || next != r->ids) {
		if (t_now_us() > end)
			T_FAIL("run: sent %llu got %llu of %llu, ids %u of %u completed",
			       (unsigned long long)sent, (unsigned long long)e.got,
			       (unsigned long long)r->total, next, r->ids);
		if (sent < r->total) {
			struct iovec v[4];
			bool hostk = (int)(t_rand(&seed) % 100) < r->host_pct;
			bool zc = !hostk || (int)(t_rand(&seed) % 100) < r->hostzc_pct;
			size_t nv = 1 + t_rand(&seed) % 4;
			uint64_t want = 0;
			ssize_t k;

			for (size_t i = 0; i < nv; i++) {
				uint64_t len = 1 + t_rand(&seed) % max_len;
				uint64_t lim = hostk ? sizeof(host) : d->size;

				if (len > r->total - sent - want)
					len = r->total - sent - want;
				if (len > lim)
					len = lim;
				v[i].iov_len = len;
				v[i].iov_base = hostk ? (void *)(host + t_rand(&seed) % (lim - len + 1))
						      : (void *)(uintptr_t)(t_rand(&seed) % (lim - len + 1));
				want += len;
				if (sent + want == r->total) {
					nv = i + 1;
					break;
				}
			}
			if (!hostk) {
				k = t_dtx_sendv(csd, d->id, v, nv, 0);
			} else {
				struct msghdr m = { .msg_iov = v, .msg_iovlen = nv };

				k = nm_sendmsg(csd, &m, zc ? MSG_ZEROCOPY : 0);
			}
			if (k > 0) {
				t_exp_add_iov(&e, hostk ? NULL : d->va, v, nv, (uint64_t)k);
				sent += (uint64_t)k;
				if (!hostk)
					r->dev_bytes += (uint64_t)k;
				if (zc) {
					run_end[r->ids % (sizeof(run_end) / 4)] = tp->write_seq;
					run_kind[r->ids++ % sizeof(run_kind)] = hostk;
				}
			} else if (k != -EAGAIN) {
				T_FAIL("sendmsg: %zd %s", k, nm_last_error());
			}
		}
		t_exp_recv(&e, ssd);
		t_pump(n);
		run_notes(csd, tp, r, &next);
		if (++loops % 64 == 0) {
			long refs = t_dtx_refs(d);

			T_OK(nm_tcp_zc_check(tp));
			if (refs > r->max_refs)
				r->max_refs = refs;
		}
	}
	r->us = t_now_us() - t0;
	free(e.v);
}

/* The zerocopy counters of an IPv4 socket of stack st (checked first). */
struct nm_tcp_zc_stats t_dtx_stats(struct nm_stack *st, int sd)
{
	struct nm_tcp_zc_stats s;
	struct nm_tcp_sock *tp = t_tcb(st, sd);

	T_ASSERT(tp);
	T_OK(nm_tcp_zc_check(tp));
	T_OK(nm_tcp_zc_get_stats(tp, &s));
	return s;
}
