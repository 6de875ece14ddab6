/* SPDX-License-Identifier: MIT */
#ifndef NM_BENCH_KSEND_H
#define NM_BENCH_KSEND_H

/*
 * The Linux kernel's TCP as a bench's sender: connect to `to` and send
 * total bytes of buf (chunk bytes per send()).
 *
 * The congestion control is pinned to cubic, Linux's default, whatever
 * this machine's default is: with BBR the sender's pacing costs it more
 * CPU than a whole receive path and sets the pace of every receiver alike,
 * hiding the differences the benches measure.  If cubic is not available
 * the default stays; cc (if not NULL) gets the name really used.
 *
 * Returns 0, or the errno that ended it (EPIPE: the peer closed early).
 *
 * NM_BENCH_TCPINFO=1 prints the sender's TCP_INFO at the end to stderr:
 * how long it was limited by the receive window, by its send buffer or
 * by nothing (busy), its cwnd, RTT and retransmits, which says which end
 * set the pace.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NM_BENCH_SENDER_CC "cubic"

/* Linux's struct tcp_info up to tcpi_snd_wnd (Linux >= 5.4): glibc's
 * copy in <netinet/tcp.h> stops at tcpi_total_retrans, and <linux/tcp.h>
 * clashes with it.  A shorter kernel fills less; the rest stays 0. */
struct nm_bench_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, flags;
	uint32_t rto, ato, snd_mss, rcv_mss, unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
	uint32_t rcv_rtt, rcv_space, total_retrans;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
	uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd;
};

static inline void nm_bench_tcpinfo(int fd)
{
	struct nm_bench_tcp_info ti;
	socklen_t l = sizeof(ti);
	const char *on = getenv("NM_BENCH_TCPINFO");

	if (!on || !*on || *on == '0')
		return;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l))
		return;
	fprintf(stderr, "tcp_info: busy %llu us, rwnd_limited %llu us, sndbuf_limited %llu us, "
		"cwnd %u, ssthresh %u, rtt %u us (var %u), snd_wnd %u, total_retrans %u, "
		"segs_out %u, snd_mss %u\n",
		(unsigned long long)ti.busy_time, (unsigned long long)ti.rwnd_limited,
		(unsigned long long)ti.sndbuf_limited, ti.snd_cwnd, ti.snd_ssthresh, ti.rtt,
		ti.rttvar, ti.snd_wnd, ti.total_retrans, ti.segs_out, ti.snd_mss);
}

static inline int nm_bench_kernel_send(const struct sockaddr_in *to, const void *buf,
				       size_t chunk, uint64_t total, char *cc, size_t cclen)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), err = 0;
	uint64_t sent = 0;

	if (fd < 0)
		return errno;
	if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, NM_BENCH_SENDER_CC,
		       strlen(NM_BENCH_SENDER_CC))) {
		/* not available here: the default it is (reported in cc) */
	}
	if (cc && cclen) {
		socklen_t l = (socklen_t)(cclen - 1);

		memset(cc, 0, cclen);
		if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, &l))
			snprintf(cc, cclen, "unknown");
	}
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0) {
		err = errno ? errno : EIO;
		goto out;
	}
	while (sent < total) {
		size_t n = total - sent < chunk ? (size_t)(total - sent) : chunk;
		ssize_t r = send(fd, buf, n, 0);

		if (r <= 0) {
			err = r < 0 ? errno : EPIPE;
			goto out;
		}
		sent += (uint64_t)r;
	}
	nm_bench_tcpinfo(fd);
out:
	close(fd);
	return err;
}

#endif
