/* SPDX-License-Identifier: MIT */
#ifndef NM_PROG_DEVMEM_UAPI_H
#define NM_PROG_DEVMEM_UAPI_H

/*
 * The devmem uAPI a program carries where Debian's headers lack it, as the
 * kernel defines it (include/uapi/linux/uio.h,
 * include/uapi/asm-generic/socket.h, include/linux/socket.h): what
 * ncdevmem's sources carry too.
 */
#include <stdint.h>

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

#endif
