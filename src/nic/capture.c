/* SPDX-License-Identifier: MIT */
/*
 * Packet capture: the NIC writes the frames that cross its wire to a pcap
 * file through libpcap, as tcpdump on a physical NIC would see them.
 *
 * Where frames are taken (one place per direction, so nothing is missed
 * and nothing counted twice):
 *  - TX: tx.c's tx_send(), after the wire took the frame: the frames the
 *    wire carries, i.e. after software TSO, or a GSO super-frame whole on
 *    a wire that carries them.  A frame the wire refused (-EAGAIN, full)
 *    is not on the wire and not in the file; its retry is.
 *  - RX: rx.c's rx_wire_peek()/rx_wire_recv(), right after the wire
 *    delivered the frame, before steering, checksum and drops.
 *
 * Invariants:
 *  1. A netdev has at most one capture (nd->cap), owned by the netdev's
 *     thread: no lock anywhere (the netdev.h contract; libpcap's dumper is
 *     a stdio stream whose records two writers would interleave).
 *  2. Every record has caplen = min(len, snaplen) <= the gather buffer,
 *     which holds min(snaplen, NM_WIRE_MAX_FRAME) bytes: no frame is
 *     longer than NM_WIRE_MAX_FRAME.
 *  3. After the first failed write no record is written (a half-written
 *     record would make the rest of the file unreadable); error keeps
 *     that write's -errno for stop() to return.
 *
 * Workload: off, one predictable branch per frame in tx.c/rx.c.  On, a
 * clock read, a gather copy when the frame is in pieces, and an fwrite
 * into a 1 MiB stdio buffer per frame.  Payload in device memory is read
 * through the DMA engine's view of it (the iovecs the wire copies from),
 * as the NIC's checksum offload does; the stack never touches it.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nic/nic_internal.h"
#include "nic/wire_drv.h"
#include "util/err.h"
#include "util/stats.h"

/* Big stdio buffer: a 64 KiB GSO record or ~700 MTU-sized ones per write(). */
#define NM_CAPTURE_STDIO_BUF	(1u << 20)

struct nm_capture {
	pcap_t *pcap;			/* pcap_open_dead: link type, snaplen, precision */
	pcap_dumper_t *dump;
	FILE *fp;			/* the dumper's stream */
	char *stdio_buf;		/* setvbuf buffer, NULL when libpcap's own */
	uint8_t *buf;			/* gathers a frame in pieces */
	uint32_t buf_len;
	uint32_t snaplen;
	bool nsec;
	struct nm_capture_stats st;
	char *path;			/* for messages */
};

static void capture_free(struct nm_capture *c)
{
	if (c->dump)
		pcap_dump_close(c->dump);	/* fclose()s fp */
	else if (c->fp)
		fclose(c->fp);
	if (c->pcap)
		pcap_close(c->pcap);
	free(c->stdio_buf);
	free(c->buf);
	free(c->path);
	free(c);
}

/* Create or truncate: our own stream, so its buffer can be set before the
 * file header is written. */
static int capture_open_new(struct nm_capture *c, const char *path)
{
	c->fp = fopen(path, "wbe");
	if (!c->fp) {
		return nm_err_sys(errno, "fopen %s", path);
	}
	c->stdio_buf = malloc(NM_CAPTURE_STDIO_BUF);
	if (c->stdio_buf)
		setvbuf(c->fp, c->stdio_buf, _IOFBF, NM_CAPTURE_STDIO_BUF);
	errno = 0;
	c->dump = pcap_dump_fopen(c->pcap, c->fp);
	if (!c->dump) {
		int e = errno ? errno : EIO;

		return nm_err(e, "%s: %s", path, pcap_geterr(c->pcap));
	}
	return 0;
}

/* Append: libpcap checks that an existing file is a pcap file of the same
 * link type and precision (and creates a missing one). */
static int capture_open_append(struct nm_capture *c, const char *path)
{
	errno = 0;
	c->dump = pcap_dump_open_append(c->pcap, path);
	if (!c->dump) {
		/* errno from the open, else the file was not what we append to */
		int e = errno ? errno : EINVAL;

		return nm_err(e, "%s: %s", path, pcap_geterr(c->pcap));
	}
	c->fp = pcap_dump_file(c->dump);
	return 0;
}

static int capture_check(const struct nm_netdev *nd, const char *path, uint32_t snaplen,
			 uint32_t flags)
{
	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	if (!path || !*path)
		return nm_err(EINVAL, "%s: no file name", nd->name);
	if (snaplen > NM_CAPTURE_SNAPLEN_MAX)
		return nm_err(EINVAL, "snaplen %u above %u", snaplen,
			      NM_CAPTURE_SNAPLEN_MAX);
	if (flags & ~(NM_CAPTURE_F_NSEC | NM_CAPTURE_F_APPEND))
		return nm_err(EINVAL, "unknown flags 0x%x", flags);
	if (nd->cap)
		return nm_err(EBUSY, "%s already captures to %s", nd->name,
			      nd->cap->path);
	return 0;
}

int nm_netdev_capture_start(struct nm_netdev *nd, const char *path, uint32_t snaplen,
			    uint32_t flags)
{
	NM_API_CALL();
	struct nm_capture *c;
	int err = capture_check(nd, path, snaplen, flags);

	if (err)
		return err;
	c = calloc(1, sizeof(*c));
	if (!c)
		return nm_err(ENOMEM, "no memory");
	c->snaplen = snaplen ? snaplen : NM_CAPTURE_SNAPLEN_MAX;
	c->nsec = flags & NM_CAPTURE_F_NSEC;
	c->buf_len = c->snaplen < NM_WIRE_MAX_FRAME ? c->snaplen : NM_WIRE_MAX_FRAME;
	c->path = strdup(path);
	c->buf = malloc(c->buf_len);
	c->pcap = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)c->snaplen,
						       c->nsec ? PCAP_TSTAMP_PRECISION_NANO
							       : PCAP_TSTAMP_PRECISION_MICRO);
	if (!c->path || !c->buf || !c->pcap) {
		err = nm_err(ENOMEM, "no memory");
		goto err_free_capture;
	}
	err = flags & NM_CAPTURE_F_APPEND ? capture_open_append(c, path)
					   : capture_open_new(c, path);
	if (err)
		goto err_free_capture;
	nd->cap = c;
	return 0;

err_free_capture:
	capture_free(c);
	return err;
}

int nm_netdev_capture_stop(struct nm_netdev *nd)
{
	NM_API_CALL();
	struct nm_capture *c;
	int err;

	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	c = nd->cap;
	if (!c)
		return nm_err(EINVAL, "%s does not capture", nd->name);
	nd->cap = NULL;
	err = c->st.error;
	if (!err && pcap_dump_flush(c->dump) < 0)
		err = -(errno ? errno : EIO);
	if (err)
		nm_err_sys(err, "capture to %s: a write failed after %llu frames", c->path,
			   (unsigned long long)c->st.frames);
	capture_free(c);
	return err;
}

int nm_netdev_get_capture_stats(const struct nm_netdev *nd, struct nm_capture_stats *st,
				size_t size)
{
	NM_API_CALL();
	if (!nd || !st)
		return nm_err(EINVAL, "NULL argument");
	if (!nd->cap)
		return nm_err(ENOENT, "%s does not capture", nd->name);
	return nm_stats_copy("netdev_get_capture_stats", st, size, &nd->cap->st,
			     sizeof(nd->cap->st));
}

/* The first *caplen bytes of the frame, contiguous: in place when the
 * first piece holds them, else gathered into c->buf.  A frame longer than
 * its pieces (a receive the wire cut short) records what they hold. */
static const uint8_t *capture_gather(struct nm_capture *c, const struct iovec *iov, unsigned n,
				     uint32_t *caplen)
{
	uint32_t done = 0;

	if (n && iov[0].iov_len >= *caplen)
		return iov[0].iov_base;
	for (unsigned i = 0; i < n && done < *caplen; i++) {
		uint32_t k = *caplen - done;

		if (iov[i].iov_len < k)
			k = (uint32_t)iov[i].iov_len;
		memcpy(c->buf + done, iov[i].iov_base, k);
		done += k;
	}
	*caplen = done;
	return c->buf;
}

void nm_capture_frame(struct nm_capture *c, const struct iovec *iov, unsigned n, uint32_t len)
{
	struct pcap_pkthdr h;
	struct timespec ts;
	const uint8_t *data;
	uint32_t caplen;

	if (c->st.error)
		return;
	caplen = len < c->buf_len ? len : c->buf_len;
	data = capture_gather(c, iov, n, &caplen);
	clock_gettime(CLOCK_REALTIME, &ts);
	h.ts.tv_sec = ts.tv_sec;
	/* a nanosecond dumper writes tv_usec as it is: nanoseconds */
	h.ts.tv_usec = c->nsec ? ts.tv_nsec : ts.tv_nsec / 1000;
	h.caplen = caplen;
	h.len = len;
	errno = 0;
	pcap_dump((u_char *)c->dump, &h, data);
	if (nm_unlikely(ferror(c->fp))) {
		c->st.error = -(errno ? errno : EIO);
		return;
	}
	c->st.frames++;
	c->st.bytes += len;
	c->st.truncated += caplen < len;
}
