/* SPDX-License-Identifier: MIT */
#ifndef NM_T_DEVMEM_H
#define NM_T_DEVMEM_H

/*
 * devmem on the test bed (devmem_rx.c, devmem_tx.c, rx_idle.c).
 *
 * RX: a memfd dma-buf (udmabuf exporter) bound to a netdev's RX queue 0
 * with header split on; MSG_SOCK_DEVMEM receives that validate every
 * device frag through the exporter's CPU-access window against the stream
 * pattern (t_util.h), tokens given back; at the end, every net_iov of the
 * binding and every buffer of the NIC back (t_dm_unbind, t_rx_idle).  The
 * benchmarks' receiver (t_dm_rx_drain) takes frags without touching them.
 *
 *	struct t_dm d;
 *	t_dm_bind(&d, n.ndb, 16 << 20);
 *	t_dm_recv(&d, ssd, 64 << 10, 64, &pos, &rx);
 *	t_dm_return(ssd, &rx);
 *	... close the sockets, pump ...
 *	t_dm_unbind(&d);
 *
 * TX: a memfd dma-buf filled with t_dtx_byte(), bound for TX (bind-tx);
 * sendmsg with SCM_DEVMEM_DMABUF + MSG_ZEROCOPY, completions read from
 * the error queue, and a randomized stream of device, copied and
 * copied-zerocopy sends checked byte by byte (t_dtx_run).
 *
 *	struct t_dtx d;
 *	t_dtx_bind(&d, n.nda, 16 << 20);
 *	t_dtx_send(csd, d.id, off, len, 0);
 *	t_dtx_errq(csd, &note);		// one completion (0) or -EAGAIN
 *	t_dtx_unbind(&d);
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <netmem/ctl.h>
#include <netmem/devmem.h>
#include <netmem/dmabuf.h>

#include "t_tcp.h"
#include "ctl/ctl_internal.h"
#include "net/tcp_zc.h"
#include "nic/nic_internal.h"
#include "pool/dmabuf_binding.h"
#include "pool/memory_provider.h"

/* ---- RX ------------------------------------------------------------------------ */

struct t_dm {
	struct nm_netdev *nd;		/* bound to, or NULL */
	int memfd;
	struct nm_dmabuf *buf;
	struct nm_ctl *ctl;
	uint32_t id;			/* the binding's id once bound */
	uint64_t size;
};

/* A memfd dma-buf of size bytes (sealed against shrinking) and a control
 * handle, not bound yet. */
void t_dm_create(struct t_dm *d, uint64_t size);
/* Header split on nd (everything past the headers is payload), and the
 * dma-buf bound to its RX queue 0. */
void t_dm_bind_rx(struct t_dm *d, struct nm_netdev *nd);
/* Both. */
void t_dm_bind(struct t_dm *d, struct nm_netdev *nd, uint64_t size);
/*
 * Unbind (close the control handle) and check that every net_iov of the
 * binding came back: the bound queue restarted on host pages, its old
 * pool gave back what it held and was freed, so the binding's allocator
 * has all of its net_iovs free again.  A token whose return never gave
 * its buffer back (or a socket that kept one) leaves the count short.
 * Call once the sockets are closed and the stacks have run.
 */
void t_dm_unbind(struct t_dm *d);
/* The same without the checks (a benchmark: its stack may be gone). */
void t_dm_destroy(struct t_dm *d);

/* Check n device bytes at dma-buf offset off against the pattern at
 * stream position pos, through a CPU-access window. */
bool t_dm_check(struct t_dm *d, uint64_t off, uint32_t n, uint64_t pos);

/* What one devmem recvmsg reported. */
struct t_dm_rx {
	uint32_t tokens[512];
	uint64_t off[512], pos[512];	/* each token's dma-buf offset, stream position */
	uint32_t len[512];
	int ntok;
	uint64_t dev_bytes, lin_bytes;
	int ncmsg;
};

/*
 * One recvmsg(MSG_SOCK_DEVMEM | MSG_DONTWAIT) of up to len bytes with a
 * control buffer for ctl_n cmsgs; validates every byte against the pattern
 * from *pos (advanced), appends tokens to r.  Returns recvmsg's result.
 * Fails the test on a wrong byte, a bad cmsg or a foreign dmabuf_id.
 */
ssize_t t_dm_recv(struct t_dm *d, int sd, size_t len, int ctl_n, uint64_t *pos, struct t_dm_rx *r);
/* The same with the len bytes cut into niov iovecs (1 .. 1024). */
ssize_t t_dm_recv_iov(struct t_dm *d, int sd, size_t len, int niov, int ctl_n, uint64_t *pos,
		      struct t_dm_rx *r);
/* Move src's tokens to the end of dst. */
void t_dm_keep(struct t_dm_rx *dst, struct t_dm_rx *src);
/* Give back every token in r (batches of 128 runs of 1). */
void t_dm_return(int sd, struct t_dm_rx *r);
/* Pattern-filled send of up to n bytes from stream position *pos. */
ssize_t t_dm_send(int sd, uint64_t *pos, size_t n);

/* The benchmarks' devmem receiver: blocking receives on sd until EOF, as
 * frags (SCM_DEVMEM_DMABUF) it never touches, the tokens handed back with
 * SO_DEVMEM_DONTNEED after each call.  The bytes received, or -errno. */
int64_t t_dm_rx_drain(int sd);
/* One recvmsg(MSG_SOCK_DEVMEM | flags) of that receiver, its tokens handed
 * back: the bytes received, 0 at EOF, or -errno (-EAGAIN: none yet). */
ssize_t t_dm_rx_take(int sd, int flags);

/* A stream's progress: t_progress_check() fails the test when no byte came
 * for 10 s (a stall, such as a pool run dry of buffers nobody gave back:
 * said where it stopped, not left to ctest's timeout) or the whole stream
 * took longer than limit_s. */
struct t_progress {
	uint64_t t0, moved, last;
};

void t_progress_start(struct t_progress *p);
void t_progress_check(struct t_progress *p, uint64_t pos, uint64_t total, unsigned limit_s);

/*
 * Nothing the NIC received is held any more: in every RX queue of nd no
 * completion waits to be polled, each pool's buffers in flight are exactly
 * those posted to its ring, and each posted buffer has no reference but
 * the ring's (none kept by a packet, a socket or a token).  Call once the
 * sockets are closed and the stacks have run.  (Payload lent in place by
 * an shm wire is not a pool buffer; nm_topo_destroy() refusing a device
 * that still has users catches what leaks there.)  White-box: reads the
 * RX queues' rings.
 */
void t_rx_idle(struct nm_netdev *nd);

/* ---- TX ------------------------------------------------------------------------- */

/* Byte i of a test dma-buf. */
uint8_t t_dtx_byte(uint64_t i);

struct t_dtx {
	struct nm_ctl *ctl;
	struct nm_dmabuf *buf;
	uint8_t *va;			/* the memfd's pages, as the application sees them */
	uint64_t size;
	int memfd;
	uint32_t id;			/* bind-tx binding id */
};

/* A memfd dma-buf of size bytes filled with t_dtx_byte(), bound for TX on
 * nd. */
void t_dtx_bind(struct t_dtx *d, struct nm_netdev *nd, uint64_t size);
void t_dtx_unbind(struct t_dtx *d);
/* References on the binding besides the control handle's. */
long t_dtx_refs(const struct t_dtx *d);
/* Pump until the binding's extra references drop to 0 (a closing
 * connection lets go once its FIN is acknowledged); returns them. */
long t_dtx_wait_refs(struct t_net *n, const struct t_dtx *d, int timeout_ms);

/* sendmsg of device ranges (iov_base: dma-buf offsets) with an
 * SCM_DEVMEM_DMABUF cmsg for id, MSG_ZEROCOPY added to flags. */
ssize_t t_dtx_sendv(int sd, uint32_t id, struct iovec *iov, size_t n, int flags);
ssize_t t_dtx_send(int sd, uint32_t id, uint64_t off, size_t len, int flags);

/* One error-queue notification. */
struct t_note {
	uint32_t lo, hi;
	uint8_t code;
	int level, type;
	int msg_flags;
};

/* 0 and *o, or the recvmsg error (-EAGAIN when empty).  Checks the fixed
 * fields of the notification. */
int t_dtx_errq(int sd, struct t_note *o);
/* Pump until a notification arrives (0) or timeout_ms passes (-EAGAIN). */
int t_dtx_wait(struct t_net *n, int sd, struct t_note *o, int timeout_ms);
/* Drain every notification, checking that ids arrive in order from *next;
 * returns how many notifications were read. */
int t_dtx_drain(int sd, uint32_t *next);
/* Receive whatever is there from sd, checking it against exp (the stream's
 * expected bytes from *got on).  Returns bytes read. */
size_t t_dtx_recv_check(int sd, const uint8_t *exp, uint64_t *got, uint64_t limit);

/* What the receiver must see: the sources of every byte queued, in order. */
struct t_expect {
	struct {
		const uint8_t *p;
		uint64_t len;
	} *v;
	size_t n, cap, head;
	uint64_t head_off;		/* bytes of v[head] already matched */
	uint64_t got;			/* bytes matched in all */
};

void t_exp_add(struct t_expect *e, const uint8_t *p, uint64_t len);
/* The first r bytes of an iovec array, as the sources they came from
 * (base + iov_base when the iovecs are dma-buf offsets). */
void t_exp_add_iov(struct t_expect *e, const uint8_t *base, const struct iovec *v, size_t n,
		   uint64_t r);
void t_exp_check(struct t_expect *e, const uint8_t *rx, uint64_t r);
/* Receive what is there from sd and check it. */
void t_exp_recv(struct t_expect *e, int sd);

/* A randomized stream of device, copied and copied-zerocopy sends. */
struct t_run {
	/* in */
	uint64_t total;			/* bytes to move */
	int host_pct;			/* sends that copy host bytes, % */
	int hostzc_pct;			/* of those, MSG_ZEROCOPY ones (COPIED completions), % */
	uint32_t max_len;		/* bytes per iovec at most */
	uint64_t seed;
	int timeout_ms;
	/* out */
	uint32_t ids;			/* completion ids taken */
	uint32_t notes;			/* notifications read */
	uint64_t dev_bytes;		/* device bytes queued */
	long max_refs;			/* binding references seen at most */
	uint64_t us;
};

/* Move r->total bytes from csd (stack A, SO_ZEROCOPY set) to ssd through
 * random sends, checking every byte and every completion (each completes
 * only once acknowledged, with the kind it was sent as). */
void t_dtx_run(struct t_net *n, struct t_dtx *d, int csd, int ssd, struct t_run *r);
/* The zerocopy counters of an IPv4 socket of stack st (checked first). */
struct nm_tcp_zc_stats t_dtx_stats(struct nm_stack *st, int sd);

#endif
