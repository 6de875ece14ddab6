/* A fence fd polls unreadable before the signal and readable after it, and
 * right away for a fence signaled already. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <netmem/fence.h>
#include "t_util.h"

static int readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	T_ASSERT(r >= 0);
	return r == 1 && (p.revents & POLLIN);
}

static void *late_signal(void *arg)
{
	usleep(20 * 1000);
	T_OK(nm_fence_signal(arg, 0));
	return NULL;
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1), v = 0;
	struct nm_fence *f;
	pthread_t t;
	int fd, fd2;

	T_OK(nm_fence_create(ctx, 1, &f));
	fd = T_OK(nm_fence_get_fd(f));
	fd2 = T_OK(nm_fence_get_fd(f));
	T_ASSERT(fd != fd2);
	T_ASSERT(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	T_ASSERT(fcntl(fd, F_GETFL) & O_NONBLOCK);
	T_ASSERT(!readable(fd, 0));
	T_ASSERT(!readable(fd2, 10));
	T_OK(nm_fence_signal(f, 0));
	T_ASSERT(readable(fd, 0));
	T_ASSERT(readable(fd2, 0));
	T_EQ(read(fd, &v, sizeof(v)), sizeof(v));
	T_EQ(v, 1);
	/* Each fd is its own: draining one leaves the other readable. */
	T_ASSERT(!readable(fd, 0));
	T_ASSERT(readable(fd2, 0));
	close(fd);
	close(fd2);

	/* Already signaled: readable at once. */
	fd = T_OK(nm_fence_get_fd(f));
	T_ASSERT(readable(fd, 0));
	close(fd);
	nm_fence_put(f);

	/* Blocking poll woken by a signal on another thread. */
	T_OK(nm_fence_create(ctx, 2, &f));
	fd = T_OK(nm_fence_get_fd(f));
	T_EQ(pthread_create(&t, NULL, late_signal, f), 0);
	T_ASSERT(readable(fd, 10 * 1000));
	T_EQ(pthread_join(t, NULL), 0);
	close(fd);
	nm_fence_put(f);
	T_PASS();
}
