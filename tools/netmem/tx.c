/* SPDX-License-Identifier: MIT */
/*
 * The devmem sender, as the kernel's ncdevmem client does it:
 *
 *   1. a dma-buf (a sealed memfd through the udmabuf rules) holding the
 *      pattern, written once through a CPU-access window;
 *   2. bind-tx of that buffer to the netdev;
 *   3. SO_ZEROCOPY on the socket, then sendmsg(MSG_ZEROCOPY) with an
 *      SCM_DEVMEM_DMABUF cmsg naming the binding, whose iov_base is an
 *      offset into the dma-buf, not a pointer: the NIC reads the payload
 *      from device memory and the stack never touches it;
 *   4. completions from the error queue (recvmsg(MSG_ERRQUEUE), one
 *      sock_extended_err of origin SO_EE_ORIGIN_ZEROCOPY per range of
 *      sends) until every send is complete.
 *
 * The stream is the ncdevmem pattern of period P, so stream offset o lives
 * at dma-buf offset P + o % P and a buffer of one chunk plus two periods serves
 * any send; its bytes never change, so sends may overlap their
 * completions freely.  The copy path (--tx copy) sends the same bytes from
 * host memory with send(), the baseline.
 *
 * Workload: one sendmsg per chunk (1 MiB by default); completions are
 * drained after each send so the error queue stays short.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

#define TX_PAGE 4096u
#define TX_SLICE_MS 200		/* a blocked send looks around this often */

void nm_cli_tx_setup(struct nm_cli_tx *tx, struct nm_cli_host *h, const struct nm_cli_tx_cfg *cfg)
{
	uint64_t size;
	void *p;
	int fd, r;

	memset(tx, 0, sizeof(*tx));
	tx->h = h;
	tx->cfg = *cfg;
	if (nm_cli_pattern_init(&tx->pat, cfg->validate ? cfg->validate : NM_CLI_PATTERN_DEFAULT,
				cfg->chunk) < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "out of memory");
	size = ((uint64_t)cfg->chunk + 2 * tx->pat.period + TX_PAGE - 1) & ~(uint64_t)(TX_PAGE - 1);
	if (cfg->path == NM_CLI_PATH_COPY)
		return;		/* send() straight from the pattern table */
	fd = memfd_create("netmem-tx-dmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "memfd for the TX dma-buf: %s", strerror(errno));
	r = nm_udmabuf_create(fd, 0, size, 0, &tx->buf);
	close(fd);
	if (r < 0)
		nm_cli_die_nm(r, "udmabuf (TX)");
	nm_dmabuf_set_name(tx->buf, "netmem-tx");
	r = nm_dmabuf_begin_cpu_access(tx->buf, 0, size, NM_DMA_TO_DEVICE, &p);
	if (r < 0)
		nm_cli_die_nm(r, "CPU window on the TX dma-buf");
	nm_cli_pattern_fill(&tx->pat, 0, p, size);
	nm_dmabuf_end_cpu_access(tx->buf, 0, size, NM_DMA_TO_DEVICE);
	r = nm_ctl_bind_tx(h->ctl, h->ifindex, tx->buf, &tx->dmabuf_id);
	if (r < 0)
		nm_cli_die_nm(r, "bind-tx");
}

void nm_cli_tx_teardown(struct nm_cli_tx *tx)
{
	if (tx->buf)
		nm_dmabuf_put(tx->buf);
	nm_cli_pattern_free(&tx->pat);
	memset(tx, 0, sizeof(*tx));
}

/* Take every completion waiting on the error queue; returns how many sends
 * they complete, or -errno. */
static int64_t reap(int sd, struct nm_cli_tx_result *res)
{
	int64_t done = 0;

	for (;;) {
		char ctrl[CMSG_SPACE(sizeof(struct sock_extended_err) + 64)];
		struct msghdr msg = { .msg_control = ctrl, .msg_controllen = sizeof(ctrl) };
		struct cmsghdr *cm;
		ssize_t r = nm_recvmsg(sd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (r == -EAGAIN)
			return done;
		if (r < 0)
			return r;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			const struct sock_extended_err *ee = (const void *)CMSG_DATA(cm);

			if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
				continue;
			if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_errno)
				continue;
			uint64_t n = (uint64_t)(uint32_t)(ee->ee_data - ee->ee_info) + 1;

			done += (int64_t)n;
			res->completions += n;
			if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				res->zc_copied += n;
		}
	}
}

/*
 * Whether the peer ended the connection, asked as a program would: a read
 * of a reset connection fails with ECONNRESET, one the peer closed reads
 * end-of-file.  (A send says "reset" only once; later sends see a closed
 * socket, EPIPE, which hides who ended it.)
 */
enum peer_end { PEER_UP = 0, PEER_RESET, PEER_CLOSED };

static enum peer_end peer_end_of(int sd)
{
	char c;
	ssize_t n = nm_recv(sd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == -ECONNRESET ? PEER_RESET : n == 0 ? PEER_CLOSED : PEER_UP;
}

static void end_with(struct nm_cli_tx_result *res, ssize_t r, const char *what)
{
	res->t1_ns = nm_cli_now_ns();	/* the rate of what went before the end */
	res->err = (int)r;
	snprintf(res->detail, sizeof(res->detail), "%s after %llu bytes: %s", what,
		 (unsigned long long)res->bytes, nm_last_error());
}

/* A send failed: say that the peer reset or closed the connection when it
 * did, and after how many bytes. */
static void end_send(struct nm_cli_tx_result *res, int sd, ssize_t r, const char *what)
{
	enum peer_end how = r == -ECONNRESET ? PEER_RESET :
			    r == -EPIPE || r == -ENOTCONN ? peer_end_of(sd) : PEER_UP;

	if (how == PEER_UP) {
		end_with(res, r, what);
		return;
	}
	res->t1_ns = nm_cli_now_ns();
	res->err = how == PEER_RESET ? -ECONNRESET : -EPIPE;
	snprintf(res->detail, sizeof(res->detail), "the peer %s the connection after %llu bytes "
		 "had been sent (%s: %s)", how == PEER_RESET ? "reset" : "closed",
		 (unsigned long long)res->bytes, what, strerror((int)-r));
}

static ssize_t send_devmem(struct nm_cli_tx *tx, int sd, uint64_t off, size_t len)
{
	char ctrl[CMSG_SPACE(sizeof(uint32_t))] = { 0 };
	/* one period in: offset 0 would be a NULL iov_base, which sendmsg's
	 * argument checks refuse before they look at the cmsg */
	struct iovec iov = { (void *)(uintptr_t)(tx->pat.period + off % tx->pat.period), len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
			      .msg_controllen = sizeof(ctrl) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_DEVMEM_DMABUF;
	cm->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	memcpy(CMSG_DATA(cm), &tx->dmabuf_id, sizeof(uint32_t));
	return nm_sendmsg(sd, &msg, MSG_ZEROCOPY);
}

/*
 * While a send or a completion waits: true (res says why) once the stream
 * cannot go on: a SIGINT/SIGTERM asked the command to stop, the peer's
 * process ended (shm), the peer reset the connection (while completions
 * were awaited: no send fails to say so), another thread said stop, or
 * nothing moved for timeout_ms.
 */
static bool tx_give_up(struct nm_cli_tx *tx, int sd, struct nm_cli_tx_result *res,
		       uint64_t last_ns, int timeout_ms)
{
	const struct nm_cli_tx_cfg *cfg = &tx->cfg;
	char idle[64];
	const char *why;
	int sig = nm_cli_interrupted();

	if (sig) {
		res->err = -EINTR;
		why = nm_cli_sig_name(sig);
	} else if (cfg->watch_peer && nm_wire_shm_peer_alive(tx->h->wire) == 0) {
		res->err = -ENOTCONN;
		why = "the server's process ended (its shm wire hung up)";
	} else if (peer_end_of(sd) == PEER_RESET) {
		res->err = -ECONNRESET;
		why = "the peer reset the connection";
	} else if (cfg->stop && atomic_load(cfg->stop)) {
		res->err = -ECANCELED;
		why = "the receiver gave up";
	} else if ((nm_cli_now_ns() - last_ns) / 1000000 + 5 >= (uint64_t)timeout_ms) {
		res->err = -ETIMEDOUT;
		snprintf(idle, sizeof(idle), "no progress for %d s (the peer does not read)",
			 timeout_ms / 1000);
		why = idle;
	} else {
		return false;
	}
	res->t1_ns = nm_cli_now_ns();
	if (tx->cfg.path == NM_CLI_PATH_DEVMEM)
		snprintf(res->detail, sizeof(res->detail), "%s after %llu bytes, %llu of %llu "
			 "sends completed", why, (unsigned long long)res->bytes,
			 (unsigned long long)res->completions, (unsigned long long)res->sends);
	else
		snprintf(res->detail, sizeof(res->detail), "%s after %llu bytes", why,
			 (unsigned long long)res->bytes);
	return true;
}

void nm_cli_tx_stream(struct nm_cli_tx *tx, int sd, uint64_t total, struct nm_cli_progress *pg,
		      struct nm_cli_tx_result *res)
{
	bool devmem = tx->cfg.path == NM_CLI_PATH_DEVMEM;
	int timeout_ms = tx->cfg.timeout_ms > 0 ? tx->cfg.timeout_ms : 10000;
	uint64_t last_ns;
	int one = 1;
	int64_t r;

	memset(res, 0, sizeof(*res));
	res->t0_ns = last_ns = nm_cli_now_ns();
	if (devmem) {
		r = nm_setsockopt(sd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
		if (r < 0) {
			end_with(res, r, "SO_ZEROCOPY");
			return;
		}
	}
	/* sends wait in slices: between them the peer, the stop flag and
	 * the time since the last progress are looked at, so a stall is
	 * reported after --timeout (not after a partial send and a second
	 * full wait) and a peer that died at once */
	if (tx->cfg.timeout_ms > 0) {
		int slice = tx->cfg.timeout_ms < TX_SLICE_MS ? tx->cfg.timeout_ms : TX_SLICE_MS;
		struct timeval tv = { slice / 1000, (slice % 1000) * 1000 };

		nm_setsockopt(sd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	while (res->bytes < total) {
		size_t len = total - res->bytes < tx->cfg.chunk ? (size_t)(total - res->bytes)
								: tx->cfg.chunk;
		ssize_t n;

		/* a peer that always takes more never makes a send wait */
		if (nm_cli_interrupted() && tx_give_up(tx, sd, res, last_ns, timeout_ms))
			return;
		n = devmem ? send_devmem(tx, sd, res->bytes, len)
			   : nm_send(sd, nm_cli_pattern_at(&tx->pat, res->bytes), len, 0);
		if (n == -EAGAIN && tx->cfg.timeout_ms > 0) {
			if (tx_give_up(tx, sd, res, last_ns, timeout_ms))
				return;
			continue;
		}
		if (n <= 0) {
			end_send(res, sd, n ? n : -EPIPE, devmem ? "sendmsg(SCM_DEVMEM_DMABUF)" : "send");
			return;
		}
		res->bytes += (uint64_t)n;
		res->sends++;
		last_ns = nm_cli_now_ns();
		nm_cli_progress_update(pg, res->bytes);
		if (devmem && (r = reap(sd, res)) < 0) {
			end_with(res, r, "recvmsg(MSG_ERRQUEUE)");
			return;
		}
	}
	/* every send's completion: the peer must ack the data; a completion
	 * is progress, and the wait ends as a send's does */
	last_ns = nm_cli_now_ns();
	for (uint64_t i = 0; devmem && res->completions < res->sends; i++) {
		uint64_t before = res->completions;

		r = reap(sd, res);
		if (r < 0) {
			end_with(res, r, "recvmsg(MSG_ERRQUEUE)");
			return;
		}
		if (res->completions != before) {
			last_ns = nm_cli_now_ns();
			continue;
		}
		/* a look around (the peer check is a syscall) every 40 idle
		 * polls of 5 ms: 200 ms, as a send's slice */
		if (i % 40 == 39 && tx_give_up(tx, sd, res, last_ns, timeout_ms))
			return;
		nm_stack_poll(tx->h->st, 5);
	}
	res->t1_ns = nm_cli_now_ns();
}
