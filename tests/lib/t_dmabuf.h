/* SPDX-License-Identifier: MIT */
/*
 * dma-bufs on the test bed (dmabuf.c): memfds, a read in a forked child
 * (that a window or a mapping really faults), a mapping's vecs, and one
 * kernel-made dma-buf used every way netmem uses one.
 */
#ifndef NM_T_DMABUF_H
#define NM_T_DMABUF_H

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t_util.h"
#include <netmem/dmabuf.h>
#include <netmem/pci.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/* A memfd of size bytes carrying seals (0 for none). */
int t_memfd(uint64_t size, unsigned seals);

/* Sum of a mapping's vec lengths. */
uint64_t t_vecs_total(const struct nm_dma_mapping *m);

/* Device address of byte off of the buffer a mapping covers (vecs are in
 * buffer order). */
uint64_t t_vec_addr(const struct nm_dma_mapping *m, uint64_t off);

/*
 * A dma-buf fd the running kernel made (udmabuf, a DMA heap), imported and
 * used every way netmem uses one: a CPU window write and read (bracketed
 * by DMA_BUF_IOCTL_SYNC; closed, the window faults in mem/'s checking
 * mode and reads as through the kernel's mmap otherwise), a DMA engine read
 * through an attachment of nic, mmap.  fd is size bytes; consumed.
 */
void t_kernel_dmabuf_round_trip(int fd, uint64_t size, struct nm_device *nic, const char *what);

#endif
