/* SPDX-License-Identifier: MIT */
#ifndef NM_PROG_DEVMEM_UAPI_H
#define NM_PROG_DEVMEM_UAPI_H

/*
 * The devmem uAPI a program carries where Debian's headers lack it, as the
 * kernel defines it (include/uapi/linux/uio.h,
 * include/uapi/asm-generic/socket.h, include/linux/socket.h): what
 * ncdevmem's sources carry too; and the reader of MSG_ZEROCOPY completions
 * both devmem senders use.
 */
#include <errno.h>
#include <time.h>	/* before linux/errqueue.h: it uses struct timespec */
#include <linux/errqueue.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SO_DEVMEM_DMABUF
#define SO_DEVMEM_LINEAR	78
#define SCM_DEVMEM_LINEAR	SO_DEVMEM_LINEAR
#define SO_DEVMEM_DMABUF	79
#define SCM_DEVMEM_DMABUF	SO_DEVMEM_DMABUF
#define SO_DEVMEM_DONTNEED	80
struct dmabuf_cmsg {
	uint64_t frag_offset;
	uint32_t frag_size;
	uint32_t frag_token;
	uint32_t dmabuf_id;
	uint32_t flags;
};
struct dmabuf_token {
	uint32_t token_start;
	uint32_t token_count;
};
#endif
#ifndef MSG_SOCK_DEVMEM
#define MSG_SOCK_DEVMEM		0x2000000
#endif

/* MSG_ZEROCOPY completions queued on fd now: each must cover the next ids
 * in order (*done: the next expected; calls: the sends made).  Needs
 * prog.h's pp_die. */
static inline void pp_zc_reap(int fd, uint32_t *done, uint32_t calls)
{
	for (;;) {
		uint8_t ctl[CMSG_SPACE(sizeof(struct sock_extended_err)) + 64];
		struct msghdr m = { .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		struct sock_extended_err ee;
		struct cmsghdr *c;

		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			pp_die("recvmsg(MSG_ERRQUEUE): %s", strerror(errno));
		}
		c = CMSG_FIRSTHDR(&m);
		if (!c || c->cmsg_len < CMSG_LEN(sizeof(ee)))
			pp_die("MSG_ERRQUEUE without a sock_extended_err");
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee.ee_errno)
			pp_die("completion origin %u errno %u", ee.ee_origin, ee.ee_errno);
		if (ee.ee_info != *done || ee.ee_data < ee.ee_info || ee.ee_data >= calls)
			pp_die("completion of ids %u..%u; expected from %u, %u sent", ee.ee_info,
			       ee.ee_data, *done, calls);
		*done = ee.ee_data + 1;
	}
}

#endif
