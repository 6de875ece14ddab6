/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_DEVMEM_H
#define NETMEM_DEVMEM_H

/*
 * The Linux devmem TCP uAPI (Documentation/networking/devmem.rst): names,
 * values and layouts as the kernel's, defined here only where the system
 * headers lack them, so application code ports to kernel devmem hardware
 * and back unchanged but for the nm_ prefix of the socket calls.
 *
 * In the kernel's order (socket.h has the rest of the calling order):
 *   RX: header split on and hds-thresh 0 (nm_netdev_set_ringparam()),
 *       bind-rx of the dma-buf to RX queues (nm_ctl_bind_rx()), the flow
 *       steered to those queues, then the connection; nm_recvmsg() with
 *       MSG_SOCK_DEVMEM returns the payload as SCM_DEVMEM_DMABUF frags whose
 *       tokens go back with setsockopt(SO_DEVMEM_DONTNEED) (or on close).
 *   TX: bind-tx (nm_ctl_bind_tx()), setsockopt(SO_ZEROCOPY, 1), then
 *       nm_sendmsg() with SCM_DEVMEM_DMABUF and MSG_ZEROCOPY; completions
 *       come on the error queue (MSG_ERRQUEUE).
 */

#include <stdint.h>
#include <sys/socket.h>

#ifndef MSG_SOCK_DEVMEM
#define MSG_SOCK_DEVMEM 0x2000000	/* recvmsg: payload as dma-buf frags */
#endif

#ifndef SO_DEVMEM_LINEAR
#define SO_DEVMEM_LINEAR 78
#define SCM_DEVMEM_LINEAR SO_DEVMEM_LINEAR
#endif
#ifndef SO_DEVMEM_DMABUF
#define SO_DEVMEM_DMABUF 79
#define SCM_DEVMEM_DMABUF SO_DEVMEM_DMABUF
#endif
#ifndef SO_DEVMEM_DONTNEED
#define SO_DEVMEM_DONTNEED 80
#endif

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif

/* linux/uio.h: one received frag of device memory. */
#ifndef NM_HAVE_DMABUF_CMSG
#define NM_HAVE_DMABUF_CMSG 1
struct dmabuf_cmsg {
	uint64_t frag_offset;		/* offset into the dma-buf (the binding's space) */
	uint32_t frag_size;		/* bytes */
	uint32_t frag_token;		/* hand back with SO_DEVMEM_DONTNEED */
	uint32_t dmabuf_id;		/* the binding id of bind-rx */
	uint32_t flags;			/* reserved, 0 */
};

/* linux/uio.h: a run of tokens to give back. */
struct dmabuf_token {
	uint32_t token_start;
	uint32_t token_count;
};
#endif

/* recvmsg(MSG_SOCK_DEVMEM) with a control buffer too small for the next
 * cmsg and nothing reported yet: the kernel's errno (put_cmsg_notrunc).
 * It has no libc name; strerror() says "Unknown error 525". */
#ifndef ETOOSMALL
#define ETOOSMALL 525
#endif

/* The kernel's limits for one SO_DEVMEM_DONTNEED call. */
#define NM_DEVMEM_MAX_DONTNEED_TOKENS	128	/* struct dmabuf_token entries */
#define NM_DEVMEM_MAX_DONTNEED_FRAGS	1024	/* frags freed */

#endif /* NETMEM_DEVMEM_H */
