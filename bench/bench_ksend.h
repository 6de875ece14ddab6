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
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NM_BENCH_SENDER_CC "cubic"

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
out:
	close(fd);
	return err;
}

#endif
