/* SPDX-License-Identifier: MIT */
/*
 * The TAP wire: a Linux TAP device as the PHY under the virtual NIC, with
 * the kernel's own network stack as the peer on the other end.
 *
 * Frames cross the tun fd (IFF_TAP | IFF_NO_PI) through one of three
 * engines, fixed at open by the wire's ops table (nm_tap_engine): a reader
 * thread of the wire's (wire_tap_reader.c: frames read on its core and
 * lent to the NIC, small writes queued for it per loop pass), batched
 * through io_uring (wire_tap_uring.c: reads posted ahead and lent, small
 * writes queued per loop pass), or the plain one here, one readv or
 * writev per frame.  The plain engine is the fallback: where io_uring
 * cannot be set up as the batched engine needs (Linux < 6.1, io_uring
 * disabled) or NM_TAP_IO=readv asks for it.  Everything else (open,
 * offloads, checks, the kernel side) is shared.
 * With offloads, every frame is preceded by a 12-byte virtio-net header in
 * the virtio 1.0 layout (struct virtio_net_hdr_v1: the legacy 10 bytes plus
 * num_buffers), little-endian (TUNSETVNETLE).  12 rather than 10 because it
 * is the layout every virtio 1.0 device and vhost-net use, so headers can
 * be handed on unchanged; the kernel fills the first 10 bytes and skips
 * num_buffers on read, and we write num_buffers = 0.  The offloads asked
 * for are CSUM, TSO4, TSO6 and, where the kernel knows them (Linux >= 6.2),
 * USO4/USO6: the kernel then hands us checksum-partial frames and GSO
 * super-frames of up to 64 KiB, and takes the same from us.
 *
 * Invariants:
 *  1. vnet_sz is 0 (opened without offloads) or 12; the header is
 *     little-endian, which is also native on the hosts we run on.
 *  2. rx_copy offers the kernel at least NM_TAP_RX_ROOM bytes (the caller's
 *     iov, then the spill buffer), more than any frame tun can deliver, so
 *     the kernel never cuts a frame: its true length is always known.  A
 *     frame longer than the caller's iov is returned with its true length
 *     and counted in rx_truncated; the tail lands in the spill buffer.
 *  3. xmit writes whole frames or nothing: without GSO at most
 *     mtu + 18 bytes (Ethernet header and one VLAN tag), with GSO (needs
 *     offloads) at most NM_WIRE_MAX_FRAME; larger ones are -EMSGSIZE.
 *  4. The fd is non-blocking: the wire never sleeps.  -EAGAIN is flow
 *     control, not a failure, and sets no message (it is the common case
 *     when polling).
 *  5. Without offloads a frame whose meta says NEEDS_CSUM gets its
 *     checksum computed here (software fallback) in a bounce buffer; the
 *     caller's iov is never written.
 *  6. open validates every parameter before touching the kernel, and on
 *     failure leaves no device it created behind (closing the fd of a
 *     non-persistent TAP removes it).  With the link up it returns only
 *     once the kernel routes each host address locally (see
 *     nm_tap_wait_local), so the first frames our stack sends are taken.
 *
 * Kernel side: MTU, host addresses (IPv6 with IFA_F_NODAD: the far end is
 * our own stack, which never claims the address) and link state are set
 * over rtnetlink (rtnl.c).  Reading the vnet header in little-endian is
 * what TUNSETVNETLE asks for; on x86 and arm64 it is native anyway.
 *
 * On the plain engine the NIC receives through rx: it offers the buffers
 * of the RX queue the frame will likely go to and the readv lands there
 * (nm_tap_rx).  Invariants 2 and 4 are the plain engine's; the batched
 * engine keeps its own (wire_tap_uring.c).
 *
 * Workload (plain engine): one readv or writev per frame on the stack
 * thread; open is rare and may be slow (rtnetlink round trips, the address wait).  Needs
 * root or CAP_NET_ADMIN.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_addr.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <netmem/wire.h>

#include "nic/rtnl.h"
#include "nic/wire_tap.h"
#include "util/err.h"
#include "util/fd.h"

/* Older uapi headers (before Linux 6.2) lack these. */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6	0x40
#endif
#ifndef TUNSETVNETLE
#define TUNSETVNETLE	_IOW('T', 220, int)
#endif

#define NM_TAP_DEV		"/dev/net/tun"
#define NM_TAP_VLAN_ROOM	4
/* One readv/writev: the vnet header, the caller's iov, the spill. */
#define NM_TAP_IOV_MAX		NM_WIRE_MAX_IOV
#define NM_TAP_MTU_MIN		68
#define NM_TAP_MTU_MAX		(65535 - 14)	/* tun: 64 KiB frame less Ethernet */
#define NM_TAP_ETH_HLEN		14
#define NM_TAP_UDP_CSUM_OFF	6	/* offsetof(struct udphdr, check) */
#define NM_TAP_ADDR_WAIT_MS	3000	/* usually < 1 ms; seconds on a loaded host */
#define NM_TAP_READER_CPUS	2	/* CPUs to run on, for the reader thread by default */

static const struct nm_wire_ops nm_wire_tap_ops, nm_wire_tap_uring_ops, nm_wire_tap_reader_ops;

/* ---- offload metadata ------------------------------------------------- */

/* Is meta well-formed for a frame of len bytes?  Cold: errors only. */
static int nm_tap_meta_check(const struct nm_wire_meta *m, size_t len)
{
	if (m->flags & ~NM_VNET_F_MASK)
		return nm_err(EINVAL, "unknown meta flags 0x%x", m->flags);
	switch (m->gso_type) {
	case NM_WIRE_GSO_NONE:
		break;
	case NM_WIRE_GSO_TCPV4:
	case NM_WIRE_GSO_TCPV6:
	case NM_WIRE_GSO_UDP_L4:
		if (m->gso_size == 0)
			return nm_err(EINVAL, "GSO type %u with gso_size 0", m->gso_type);
		if (!(m->flags & NM_WIRE_F_NEEDS_CSUM))
			return nm_err(EINVAL, "GSO type %u without NEEDS_CSUM",
				      m->gso_type);
		break;
	case NM_WIRE_GSO_UDP:
		return nm_err(EOPNOTSUPP, "UFO (GSO type 3) is not supported");
	default:
		return nm_err(EINVAL, "unknown GSO type %u", m->gso_type);
	}
	if ((m->flags & NM_WIRE_F_NEEDS_CSUM) &&
	    (size_t)m->csum_start + m->csum_offset + 2 > len)
		return nm_err(EINVAL, "checksum at %u+%u lies beyond the %zu-byte frame",
			      m->csum_start, m->csum_offset, len);
	if (m->hdr_len > len)
		return nm_err(EINVAL, "hdr_len %u > frame length %zu", m->hdr_len, len);
	return 0;
}

/* ---- software checksum fallback (no offloads) ------------------------- */

/* Ones' complement sum of buf, folded to 16 bits. */
static uint16_t nm_tap_csum_fold(const uint8_t *buf, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Gather the frame into the bounce buffer and fill the checksum that
 * starts at csum_start, like a NIC does for CHECKSUM_PARTIAL: the field
 * holds the pseudo-header sum, the result is the complement of the sum
 * over [csum_start, end).  A UDP checksum of 0 goes out as 0xffff (0 means
 * "none" there).  Slow path: only wires opened without offloads. */
static void nm_tap_sw_csum(struct nm_wire_tap *t, const struct iovec *iov, unsigned iovcnt,
			   size_t len, const struct nm_wire_meta *m)
{
	size_t at = (size_t)m->csum_start + m->csum_offset;
	uint16_t c;

	nm_wire_gather(t->spill, iov, iovcnt, 0, SIZE_MAX);
	c = (uint16_t)~nm_tap_csum_fold(t->spill + m->csum_start, len - m->csum_start);
	if (c == 0 && m->csum_offset == NM_TAP_UDP_CSUM_OFF)
		c = 0xffff;
	t->spill[at] = (uint8_t)(c >> 8);
	t->spill[at + 1] = (uint8_t)c;
}

/* ---- data path ---------------------------------------------------------- */

/* Cold: turn a failed writev into -errno with a message. */
static int nm_tap_xmit_error(struct nm_wire_tap *t, int e)
{
	switch (e) {
	case EAGAIN:
		return -EAGAIN;			/* invariant 4 */
	case EIO:
		t->st.tx_dropped++;
		return nm_err(ENETDOWN, "tap %s: write refused (link down?)", t->w.name);
	case EINVAL:
		t->st.tx_dropped++;
		return nm_err(EINVAL, "tap %s: kernel refused the frame or its vnet header",
			      t->w.name);
	case EBADFD:
		t->st.tx_dropped++;
		return nm_err(ENOTCONN, "tap %s: device is gone", t->w.name);
	default:
		t->st.tx_dropped++;
		return nm_err_sys(e, "tap %s: write", t->w.name);
	}
}

int nm_tap_xmit_vnet(struct nm_wire_tap *t, size_t len, const struct nm_wire_meta *meta,
		     struct nm_tap_vnet_hdr *vh)
{
	bool gso = meta && meta->gso_type != NM_WIRE_GSO_NONE;
	size_t limit = gso && t->vnet_sz ? NM_WIRE_MAX_FRAME : t->max_plain;
	int err;

	if (nm_unlikely(len > limit))
		return nm_err(EMSGSIZE, "tap %s xmit: %zu-byte frame exceeds %zu%s", t->w.name,
			      len, limit, gso && !t->vnet_sz ? " (GSO needs offloads)" : "");
	if (nm_unlikely(len < NM_TAP_ETH_HLEN))
		return nm_err(EINVAL, "tap %s xmit: %zu-byte frame is shorter than Ethernet",
			      t->w.name, len);
	if (meta && nm_unlikely((err = nm_tap_meta_check(meta, len)) < 0))
		return err;
	if (!t->vnet_sz)
		return 0;
	memset(vh, 0, sizeof(*vh));
	if (meta) {
		vh->flags = meta->flags;
		vh->gso_type = meta->gso_type;
		vh->hdr_len = htole16(meta->hdr_len);
		vh->gso_size = htole16(meta->gso_size);
		vh->csum_start = htole16(meta->csum_start);
		vh->csum_offset = htole16(meta->csum_offset);
	}
	return 0;
}

/* Caller must own the wire (its stack thread). */
int nm_tap_xmit(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		const struct nm_wire_meta *meta)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct iovec v[NM_TAP_IOV_MAX + 1];
	struct nm_tap_vnet_hdr vh;
	size_t len = 0;
	unsigned i, n = 0;
	ssize_t r;
	int err;

	if (nm_unlikely(iovcnt > NM_TAP_IOV_MAX || (!iov && iovcnt)))
		return nm_err(EINVAL, "%u iovecs (at most %d)", iovcnt, NM_TAP_IOV_MAX);
	if (t->vnet_sz)
		v[n++] = (struct iovec){ .iov_base = &vh, .iov_len = t->vnet_sz };
	for (i = 0; i < iovcnt; i++) {
		v[n++] = iov[i];
		len += iov[i].iov_len;
	}
	err = nm_tap_xmit_vnet(t, len, meta, &vh);
	if (err)
		return err;
	if (!t->vnet_sz && meta && (meta->flags & NM_WIRE_F_NEEDS_CSUM)) {
		nm_tap_sw_csum(t, iov, iovcnt, len, meta);	/* invariant 5 */
		v[0] = (struct iovec){ .iov_base = t->spill, .iov_len = len };
		n = 1;
	}

	r = writev(t->fd, v, (int)n);
	if (nm_unlikely(r < 0))
		return nm_tap_xmit_error(t, errno);
	if (nm_unlikely((size_t)r != len + t->vnet_sz)) {
		t->st.tx_dropped++;
		return nm_err(EIO, "tap %s: short write %zd of %zu", w->name, r, len + t->vnet_sz);
	}
	t->st.tx_frames++;
	t->st.tx_bytes += len;
	return 0;
}

/* Cold: turn a failed readv into -errno with a message. */
int nm_tap_rx_error(struct nm_wire_tap *t, int e)
{
	switch (e) {
	case EAGAIN:
		return -EAGAIN;			/* invariant 4 */
	case EBADFD:
		return nm_err(ENOTCONN, "tap %s: device is gone", t->w.name);
	default:
		return nm_err_sys(e, "tap %s: read", t->w.name);
	}
}

/* Caller must own the wire (its stack thread). */
int nm_tap_rx_copy(struct nm_wire *w, const struct iovec *iov, unsigned iovcnt,
		   struct nm_wire_meta *meta)
{
	struct nm_wire_tap *t = nm_tap_of(w);
	struct iovec v[NM_TAP_IOV_MAX + 2];
	struct nm_tap_vnet_hdr vh;
	size_t cap = 0, len;
	unsigned i, n = 0;
	ssize_t r;

	if (nm_unlikely(iovcnt > NM_TAP_IOV_MAX || (!iov && iovcnt)))
		return nm_err(EINVAL, "%u iovecs (at most %d)", iovcnt, NM_TAP_IOV_MAX);
	if (t->vnet_sz)
		v[n++] = (struct iovec){ .iov_base = &vh, .iov_len = t->vnet_sz };
	for (i = 0; i < iovcnt; i++) {
		v[n++] = iov[i];
		cap += iov[i].iov_len;
	}
	if (cap < NM_TAP_RX_ROOM)			/* invariant 2 */
		v[n++] = (struct iovec){ .iov_base = t->spill,
					      .iov_len = NM_TAP_RX_ROOM - cap };

	r = readv(t->fd, v, (int)n);
	if (nm_unlikely(r < 0))
		return nm_tap_rx_error(t, errno);
	if (nm_unlikely((size_t)r < t->vnet_sz))
		return nm_err(EIO, "tap %s: %zd-byte read lacks the vnet header", w->name, r);
	len = (size_t)r - t->vnet_sz;
	if (nm_unlikely(len > cap))
		t->st.rx_truncated++;
	t->st.rx_frames++;
	t->st.rx_bytes += len;
	if (meta) {
		if (t->vnet_sz)
			nm_tap_meta_from_vnet(&vh, meta);
		else
			memset(meta, 0, sizeof(*meta));
	}
	return (int)len;
}

/* The NIC's way in: the kernel's read lands in the buffers the NIC offers
 * (its RX queue's own, so the one copy is the kernel's, as a NIC's DMA);
 * nothing is lent. */
int nm_tap_rx(struct nm_wire *w, struct nm_wire_rxbufs *bufs, struct nm_wire_frame *f)
{
	struct iovec iov[NM_TAP_IOV_MAX];
	int n = bufs->get(bufs, iov, NM_TAP_IOV_MAX), r;

	if (n < 0)
		return n;
	r = nm_tap_rx_copy(w, iov, (unsigned)n, &f->meta);
	if (r < 0)
		return r;
	f->data = NULL;
	f->len = (uint32_t)r;
	return 0;
}

static int nm_tap_get_fd(struct nm_wire *w)
{
	return nm_tap_of(w)->fd;
}

static int nm_tap_get_stats(struct nm_wire *w, struct nm_wire_stats *st)
{
	struct nm_wire_tap *t = nm_tap_of(w);

	*st = t->st;
	if (t->rd)
		nm_tap_reader_stats(t, st);
	return 0;
}

static void nm_tap_free(struct nm_wire_tap *t)
{
	nm_tap_uring_fini(t);	/* before the fd: its reads are posted on it */
	nm_tap_reader_fini(t);	/* and its thread reads it */
	if (t->fd >= 0)
		close(t->fd);	/* a TAP we created (not persistent) goes away */
	free(t->spill);
	free(t);
}

static void nm_tap_destroy(struct nm_wire *w)
{
	nm_tap_free(nm_tap_of(w));
}

static const struct nm_wire_ops nm_wire_tap_ops = {
	.kind = "tap",
	.xmit = nm_tap_xmit,
	.peek = NULL,		/* a read copies anyway: nothing to lend */
	.consume = NULL,
	.rx_copy = nm_tap_rx_copy,
	.rx = nm_tap_rx,
	.get_fd = nm_tap_get_fd,
	.get_stats = nm_tap_get_stats,
	.destroy = nm_tap_destroy,
};

/* The batched engine (wire_tap_uring.c): reads posted ahead into slots of
 * its own and lent to the NIC from there, small writes queued per batch. */
static const struct nm_wire_ops nm_wire_tap_uring_ops = {
	.kind = "tap",
	.xmit = nm_tap_uring_xmit,
	.peek = nm_tap_uring_peek,
	.consume = nm_tap_uring_consume,
	.rx_copy = nm_tap_uring_rx_copy,
	.rx = nm_tap_uring_rx,
	.get_fd = nm_tap_get_fd,
	.get_stats = nm_tap_get_stats,
	.destroy = nm_tap_destroy,
	.arm = nm_tap_uring_arm,
	.hold = nm_tap_uring_hold,
	.release = nm_tap_uring_release,
	.tx_batch = nm_tap_uring_tx_batch,
};

/* The reader-thread engine (wire_tap_reader.c): a thread of the wire's
 * reads the tun fd into slots, lent to the NIC from there, and writes the
 * small frames queued per batch. */
static const struct nm_wire_ops nm_wire_tap_reader_ops = {
	.kind = "tap",
	.xmit = nm_tap_reader_xmit,
	.peek = nm_tap_reader_peek,
	.consume = nm_tap_reader_consume,
	.rx_copy = nm_tap_reader_rx_copy,
	.rx = nm_tap_reader_rx,
	.get_fd = nm_tap_reader_get_fd,
	.get_stats = nm_tap_get_stats,
	.destroy = nm_tap_destroy,
	.arm = nm_tap_reader_arm,
	.hold = nm_tap_reader_hold,
	.release = nm_tap_reader_release,
	.tx_batch = nm_tap_reader_tx_batch,
};

/* ---- open: the slow path ------------------------------------------------ */

/*
 * Which engine moves the frames: NM_TAP_IO says (readv, uring or thread),
 * else the reader thread where this thread may run on at least
 * NM_TAP_READER_CPUS CPUs (it needs a core beside the stack's; on a
 * 2-core VM it beat io_uring: docs/nic.md), else io_uring where it runs,
 * else the plain engine.  "uring" without a usable io_uring is the plain
 * engine too: it is the fallback the batched engine always had.
 */
static int nm_tap_engine(const struct nm_wire_ops **ops)
{
	const char *io = getenv("NM_TAP_IO");
	cpu_set_t cpus;
	bool many;

	if (io && *io && strcmp(io, "readv") && strcmp(io, "uring") && strcmp(io, "thread"))
		return nm_err(EINVAL, "NM_TAP_IO=%s: readv, uring or thread", io);
	many = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 &&
	       CPU_COUNT(&cpus) >= NM_TAP_READER_CPUS;
	if ((io && !strcmp(io, "thread")) || ((!io || !*io) && many))
		*ops = &nm_wire_tap_reader_ops;
	else if ((!io || strcmp(io, "readv")) && nm_tap_uring_usable())
		*ops = &nm_wire_tap_uring_ops;
	else
		*ops = &nm_wire_tap_ops;
	return 0;
}

static int nm_tap_open_dev(struct nm_wire_tap *t, const char *ifname, bool offloads)
{
	struct ifreq ifr;
	int e;

	t->fd = nm_fd_lift(open(NM_TAP_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC));
	if (t->fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENXIO || e == ENODEV)
			return nm_err(ENODEV, "%s missing (load the tun module); a TAP needs "
				      "root or CAP_NET_ADMIN", NM_TAP_DEV);
		if (e == EACCES || e == EPERM)
			return nm_err_sys(EPERM, "open %s (a TAP needs root or CAP_NET_ADMIN)",
					  NM_TAP_DEV);
		return nm_err_sys(e, "open %s", NM_TAP_DEV);
	}

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (offloads ? IFF_VNET_HDR : 0);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		if (e == EPERM || e == EACCES)
			return nm_err_sys(EPERM, "tap %s: TUNSETIFF (creating or attaching a TAP "
					  "needs root or CAP_NET_ADMIN)", ifname);
		if (e == EBUSY)
			return nm_err(EBUSY, "tap %s: already attached to another file", ifname);
		if (e == EINVAL)
			return nm_err(EINVAL, "tap %s: an interface of that name exists and is "
				      "not a TAP (or is one made with other flags than IFF_TAP|"
				      "IFF_NO_PI%s)", ifname, offloads ? "|IFF_VNET_HDR" : "");
		return nm_err_sys(e, "tap %s: TUNSETIFF", ifname);
	}
	/* The kernel's name: differs from ours for patterns like "tap%d". */
	snprintf(t->w.name, sizeof(t->w.name), "%.*s", IFNAMSIZ - 1, ifr.ifr_name);
	return 0;
}

/* Ask for the offloads; keep what the kernel accepts (USO is Linux >= 6.2). */
static int nm_tap_set_offloads(struct nm_wire_tap *t, bool want)
{
	const unsigned base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	int sz = NM_TAP_VNET_SZ, le = 1, e;

	if (!want) {
		/* An existing device may carry offloads from an earlier
		 * owner; without a vnet header we could not see them. */
		if (ioctl(t->fd, TUNSETOFFLOAD, 0UL) < 0)
			return nm_err_sys(errno, "tap %s: TUNSETOFFLOAD 0", t->w.name);
		return 0;
	}
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &sz) < 0)
		return nm_err_sys(errno, "tap %s: TUNSETVNETHDRSZ %d", t->w.name, sz);
	if (ioctl(t->fd, TUNSETVNETLE, &le) < 0 && __BYTE_ORDER != __LITTLE_ENDIAN)
		return nm_err_sys(EOPNOTSUPP, "tap %s: TUNSETVNETLE (a big-endian host needs "
				  "little-endian vnet headers)", t->w.name);
	t->vnet_sz = NM_TAP_VNET_SZ;

	if (ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)(base | TUN_F_USO4 | TUN_F_USO6)) == 0) {
		t->offloads = NM_WIRE_TAP_OFF_CSUM | NM_WIRE_TAP_OFF_TSO4 | NM_WIRE_TAP_OFF_TSO6 |
			      NM_WIRE_TAP_OFF_USO4 | NM_WIRE_TAP_OFF_USO6;
	} else if (errno == EINVAL && ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)base) == 0) {
		t->offloads = NM_WIRE_TAP_OFF_CSUM | NM_WIRE_TAP_OFF_TSO4 | NM_WIRE_TAP_OFF_TSO6;
	} else {
		e = errno;
		return nm_err_sys(e, "tap %s: TUNSETOFFLOAD", t->w.name);
	}
	t->w.gso = true;
	return 0;
}

static uint64_t nm_tap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait until the kernel accepts packets for address a (its route is
 * RTN_LOCAL).  IPv6 addresses get their local route from a work item that
 * runs after the link comes up, DAD or not; until then the kernel drops
 * packets for them (Ip6InAddrErrors), which would lose the first frames
 * our stack sends.  IPv4 is ready at once; the check costs one request. */
static int nm_tap_wait_local(struct nm_rtnl *nl, const struct nm_rtnl_prefix *a)
{
	const struct timespec pause = { .tv_nsec = 1000000 };
	uint64_t end = nm_tap_now_ms() + NM_TAP_ADDR_WAIT_MS;
	char str[INET6_ADDRSTRLEN];
	int type;

	for (;;) {
		type = nm_rtnl_route_type(nl, a->family, a->addr);
		if (type == RTN_LOCAL)
			return 0;
		if (nm_tap_now_ms() >= end)
			break;
		nanosleep(&pause, NULL);
	}
	inet_ntop(a->family, a->addr, str, sizeof(str));
	return nm_err(ETIMEDOUT, "kernel did not make %s local within %d ms (route type %d)",
		      str, NM_TAP_ADDR_WAIT_MS, type);
}

/* The kernel side: MTU, addresses, link state.  Returns once the kernel
 * accepts packets for the host addresses (if the link is up). */
static int nm_tap_configure(struct nm_wire_tap *t, const struct nm_wire_tap_params *p,
			    const struct nm_rtnl_prefix *ha, const struct nm_rtnl_prefix *ha6)
{
	struct nm_rtnl nl;
	int err;

	err = nm_rtnl_open(&nl);
	if (err)
		return nm_err_wrap(err, "tap %s", t->w.name);
	err = nm_rtnl_link_index(&nl, t->w.name);
	if (err < 0)
		goto err_close_rtnl;
	t->ifindex = err;
	err = nm_rtnl_link_set_mtu(&nl, t->ifindex, t->w.mtu);
	if (err)
		goto err_close_rtnl;
	/* No DAD: the far end is our own stack, which will not claim the
	 * address, and the kernel may use it at once. */
	if (ha) {
		err = nm_rtnl_addr_add(&nl, t->ifindex, ha, ha->family == AF_INET6 ? IFA_F_NODAD : 0);
		if (err)
			goto err_close_rtnl;
	}
	if (ha6) {
		err = nm_rtnl_addr_add(&nl, t->ifindex, ha6, IFA_F_NODAD);
		if (err)
			goto err_close_rtnl;
	}
	if (p->up) {
		err = nm_rtnl_link_set_up(&nl, t->ifindex, true);
		if (err)
			goto err_close_rtnl;
		if (ha && (err = nm_tap_wait_local(&nl, ha)) < 0)
			goto err_close_rtnl;
		if (ha6 && (err = nm_tap_wait_local(&nl, ha6)) < 0)
			goto err_close_rtnl;
	}
	nm_rtnl_close(&nl);
	return 0;

err_close_rtnl:
	nm_rtnl_close(&nl);
	return nm_err_wrap(err, "tap %s", t->w.name);
}

/* Everything that needs no kernel: checked before anything is created. */
static int nm_tap_check_params(const struct nm_wire_tap_params *p, struct nm_rtnl_prefix *ha,
			       struct nm_rtnl_prefix *ha6)
{
	int err;

	err = nm_rtnl_ifname_check(p->ifname);
	if (err)
		return nm_err_wrap(err, "tap_open");
	if (p->mtu && (p->mtu < NM_TAP_MTU_MIN || p->mtu > NM_TAP_MTU_MAX))
		return nm_err(EINVAL, "mtu %u outside [%d, %d]", p->mtu, NM_TAP_MTU_MIN,
			      NM_TAP_MTU_MAX);
	if (p->host_addr) {
		err = nm_rtnl_prefix_parse(p->host_addr, ha);
		if (err)
			return nm_err_wrap(err, "host_addr");
	}
	if (p->host_addr6) {
		err = nm_rtnl_prefix_parse(p->host_addr6, ha6);
		if (err)
			return nm_err_wrap(err, "host_addr6");
		if (ha6->family != AF_INET6)
			return nm_err(EINVAL, "host_addr6 '%s' is not IPv6", p->host_addr6);
	}
	return 0;
}

/* A TAP wire's state with no device yet (fd -1), its MTU p_mtu or 1500. */
static int nm_tap_alloc(uint32_t p_mtu, struct nm_wire_tap **out)
{
	struct nm_wire_tap *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return nm_err(ENOMEM, "no memory");
	t->fd = -1;
	t->spill = malloc(NM_TAP_RX_ROOM);
	err = t->spill ? nm_tap_engine(&t->w.ops) : nm_err(ENOMEM, "no memory for buffers");
	if (!err && t->w.ops == &nm_wire_tap_uring_ops)
		err = nm_tap_uring_init(t);
	else if (!err && t->w.ops == &nm_wire_tap_reader_ops)
		err = nm_tap_reader_init(t);
	if (err) {
		free(t->spill);
		free(t);
		return err;
	}
	t->w.mtu = p_mtu ? p_mtu : 1500;
	t->max_plain = t->w.mtu + NM_TAP_ETH_HLEN + NM_TAP_VLAN_ROOM;
	*out = t;
	return 0;
}

int nm_wire_tap_open(const struct nm_wire_tap_params *p, struct nm_wire **out)
{
	NM_API_CALL();
	struct nm_rtnl_prefix ha, ha6;
	struct nm_wire_tap *t = NULL;
	int err;

	if (!out)
		return nm_err(EINVAL, "out is NULL");
	*out = NULL;
	if (!p)
		return nm_err(EINVAL, "params is NULL");
	err = nm_tap_check_params(p, &ha, &ha6);
	if (err)
		return err;

	err = nm_tap_alloc(p->mtu, &t);
	if (err)
		return err;

	err = nm_tap_open_dev(t, p->ifname, p->offloads);
	if (err)
		goto err_free_tap;
	err = nm_tap_set_offloads(t, p->offloads);
	if (err)
		goto err_free_tap;
	err = nm_tap_configure(t, p, p->host_addr ? &ha : NULL, p->host_addr6 ? &ha6 : NULL);
	if (err)
		goto err_free_tap;
	*out = &t->w;
	return 0;

err_free_tap:
	nm_tap_free(t);		/* closing the fd removes a TAP we created */
	return err;
}

/*
 * Whether an attached TAP fd was opened with IFF_NO_PI.  TUNGETIFF reports
 * IFF_NOFILTER in the same bit (0x1000) for a file without a socket
 * filter, so the bit is exact only while a filter is attached.  Where no
 * filter was ever attached (TUNGETFILTER: length 0) look again with a
 * pass-all filter attached for the moment: detaching it leaves the device
 * as it was.  Where one was (the opener's, perhaps still attached), trust
 * the bit rather than replace that filter: wrong only for a TAP opened
 * without IFF_NO_PI whose filter was detached again.
 */
static int nm_tap_no_pi(int fd, short flags, bool *no_pi)
{
	struct sock_filter all = BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
	struct sock_fprog prog = { .len = 1, .filter = &all }, cur = { 0 };
	struct ifreq ifr;
	int r, err;

	*no_pi = flags & IFF_NO_PI;
	if (!*no_pi)
		return 0;
	if (ioctl(fd, TUNGETFILTER, &cur) < 0)
		return nm_err_sys(errno, "TUNGETFILTER on fd %d", fd);
	if (cur.len > 0)
		return 0;
	if (ioctl(fd, TUNATTACHFILTER, &prog) < 0)
		return nm_err_sys(errno, "TUNATTACHFILTER on fd %d", fd);
	memset(&ifr, 0, sizeof(ifr));
	r = ioctl(fd, TUNGETIFF, &ifr);
	err = errno;
	if (ioctl(fd, TUNDETACHFILTER, &prog) < 0)
		return nm_err_sys(errno, "TUNDETACHFILTER on fd %d", fd);
	if (r < 0)
		return nm_err_sys(err, "TUNGETIFF on fd %d", fd);
	*no_pi = ifr.ifr_flags & IFF_NO_PI;
	return 0;
}

/*
 * A tun fd that another process opened and attached (netmem run hands its
 * TAP down to the program it starts): the device and its kernel side stay
 * as that process made them; here only what belongs to this end of the
 * file (the vnet header and the offloads, asked again: the same answers).
 */
int nm_wire_tap_adopt(int fd, const struct nm_wire_tap_params *p, struct nm_wire **out)
{
	NM_API_CALL();
	struct nm_wire_tap *t = NULL;
	struct ifreq ifr;
	bool vnet, no_pi = false;
	int err, fl;

	if (!out)
		return nm_err(EINVAL, "out is NULL");
	*out = NULL;
	if (!p || fd < 0)
		return nm_err(EINVAL, "%s", !p ? "params is NULL" : "negative fd");
	if (p->mtu && (p->mtu < NM_TAP_MTU_MIN || p->mtu > NM_TAP_MTU_MAX))
		return nm_err(EINVAL, "mtu %u outside [%d, %d]", p->mtu, NM_TAP_MTU_MIN,
			      NM_TAP_MTU_MAX);
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		if (errno == EBADFD || errno == ENOTTY || errno == EINVAL)
			return nm_err(EINVAL, "fd %d is not an attached tun device", fd);
		return nm_err_sys(errno, "TUNGETIFF on fd %d", fd);
	}
	if ((ifr.ifr_flags & (IFF_TAP | IFF_TUN)) == IFF_TAP) {
		err = nm_tap_no_pi(fd, ifr.ifr_flags, &no_pi);
		if (err)
			return err;
	}
	if ((ifr.ifr_flags & (IFF_TAP | IFF_TUN)) != IFF_TAP || !no_pi)
		return nm_err(EINVAL, "fd %d: %.*s is not a TAP opened with IFF_NO_PI",
			      fd, IFNAMSIZ, ifr.ifr_name);
	vnet = ifr.ifr_flags & IFF_VNET_HDR;
	if (vnet != p->offloads)
		return nm_err(EINVAL, "%.*s was opened %s a vnet header; offloads %s",
			      IFNAMSIZ, ifr.ifr_name, vnet ? "with" : "without",
			      p->offloads ? "need one" : "are off");
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
		return nm_err_sys(errno, "fcntl O_NONBLOCK on fd %d", fd);
	err = nm_tap_alloc(p->mtu, &t);
	if (err)
		return err;
	snprintf(t->w.name, sizeof(t->w.name), "%.*s", IFNAMSIZ - 1, ifr.ifr_name);
	t->ifindex = (int)if_nametoindex(t->w.name);
	t->fd = fd;
	err = nm_tap_set_offloads(t, p->offloads);
	if (err) {
		t->fd = -1;	/* the caller's fd stays open: it still owns it */
		goto err_free_tap;
	}
	*out = &t->w;
	return 0;

err_free_tap:
	nm_tap_free(t);
	return err;
}

static int nm_tap_check(struct nm_wire *w)
{
	if (!w)
		return nm_err(EINVAL, "wire is NULL");
	if (w->ops != &nm_wire_tap_ops && w->ops != &nm_wire_tap_uring_ops &&
	    w->ops != &nm_wire_tap_reader_ops)
		return nm_err(EINVAL, "wire '%s' is a %s wire, not tap", w->name,
			      w->ops && w->ops->kind ? w->ops->kind : "unknown");
	return 0;
}

int nm_wire_tap_ifindex(struct nm_wire *w)
{
	NM_API_CALL();
	int err = nm_tap_check(w);

	return err ? err : nm_tap_of(w)->ifindex;
}

int nm_wire_tap_fd(struct nm_wire *w)
{
	NM_API_CALL();
	int err = nm_tap_check(w);

	return err ? err : nm_tap_of(w)->fd;
}

int nm_wire_tap_io(struct nm_wire *w)
{
	NM_API_CALL();
	int err = nm_tap_check(w);

	if (err)
		return err;
	if (w->ops == &nm_wire_tap_reader_ops)
		return NM_WIRE_TAP_IO_THREAD;
	return w->ops == &nm_wire_tap_uring_ops ? NM_WIRE_TAP_IO_URING : NM_WIRE_TAP_IO_READV;
}

int nm_wire_tap_offloads(struct nm_wire *w)
{
	NM_API_CALL();
	int err = nm_tap_check(w);

	return err ? err : nm_tap_of(w)->offloads;
}
