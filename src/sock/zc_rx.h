/* SPDX-License-Identifier: MIT */
#ifndef NM_SOCK_ZC_RX_H
#define NM_SOCK_ZC_RX_H

/*
 * Zero-copy receive at the socket layer, for a receiver above it (uring/'s
 * RECV_ZC): walk the bytes queued at copied_seq, handing the receiver each
 * device frag where it lies and each run of CPU-readable bytes (linear
 * bytes, host-page frags) to copy, and consume exactly what it accepted.
 * Runs on the socket's stack thread.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pool/netmem_ref.h"

struct nm_socket;

struct nm_sock_zc_ops {
	/* len bytes at off of device frag nm (the receiver takes its own
	 * page-pool reference if it keeps it).  Returns the bytes taken
	 * (0 or fewer than len: stop here), or -errno. */
	ssize_t (*frag)(void *ctx, nm_netmem_t nm, uint32_t off, uint32_t len);
	/* len CPU-readable bytes at src.  Returns the bytes taken, or -errno. */
	ssize_t (*copy)(void *ctx, const void *src, uint32_t len);
};

/*
 * At most max bytes (0: no limit).  Returns the bytes consumed (> 0); 0 at
 * end of stream; -EAGAIN when nothing is queued or the receiver took
 * nothing; the connection's error; or the receiver's error when it took
 * nothing.
 */
ssize_t nm_sock_recv_zc(struct nm_socket *so, const struct nm_sock_zc_ops *ops, void *ctx,
			size_t max);
/* The receiver gave receive memory back (zcrx refill): reopen the window
 * if that matters (nm_tcp_rcv_space_changed()). */
void nm_sock_rcv_space_changed(struct nm_socket *so);

#endif
