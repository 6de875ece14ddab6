/* Helpers shared by the t_dmabuf_* tests (header only; not a test). */
#ifndef NM_T_DMABUF_UTIL_H
#define NM_T_DMABUF_UTIL_H

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
static inline int t_memfd(uint64_t size, unsigned seals)
{
	int fd = memfd_create("t_dmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	T_ASSERT(fd >= 0);
	T_ASSERT(ftruncate(fd, (off_t)size) == 0);
	if (seals)
		T_ASSERT(fcntl(fd, F_ADD_SEALS, seals) == 0);
	return fd;
}

/* Read *p in a forked child: the signal that killed it, or else 1000 + its
 * exit status (1003: it read 0x5a, 1002: something else). */
static inline int t_stray_read(const volatile char *p)
{
	pid_t pid = fork();
	int status;

	T_ASSERT(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		char c = *p;
		_exit(c == 0x5a ? 3 : 2);
	}
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 1000 + WEXITSTATUS(status);
}

static inline int64_t t_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sum of a mapping's vec lengths. */
static inline uint64_t t_vecs_total(const struct nm_dma_mapping *m)
{
	uint32_t n, i;
	const struct nm_dma_vec *v = nm_dma_mapping_vecs(m, &n);
	uint64_t total = 0;

	for (i = 0; i < n; i++)
		total += v[i].len;
	return total;
}

/* Device address of byte off of the buffer a mapping covers (vecs are in
 * buffer order). */
static inline uint64_t t_vec_addr(const struct nm_dma_mapping *m, uint64_t off)
{
	uint32_t n, i;
	const struct nm_dma_vec *v = nm_dma_mapping_vecs(m, &n);

	for (i = 0; i < n; i++) {
		if (off < v[i].len)
			return v[i].addr + off;
		off -= v[i].len;
	}
	T_FAIL("offset past the mapping");
	return 0;
}

#endif
