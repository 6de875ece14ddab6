/* Fence fds own nothing the caller can trip on: closing the fd before the
 * signal is safe and a reused fd number is never written; a fence freed
 * unsignaled leaks no fd and no memory (LSan in the .asan build). */
#include <dirent.h>
#include <poll.h>
#include <unistd.h>

#include <netmem/fence.h>
#include "t_util.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	T_ASSERT(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the DIR's own fd */
}

static int readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	T_ASSERT(poll(&p, 1, 0) >= 0);
	return !!(p.revents & POLLIN);
}

int main(void)
{
	uint64_t ctx = nm_fence_context_alloc(1);
	int base = count_fds(), fd, p[2], i, kept[2], nkept = 0;
	struct nm_fence *f;

	/* Closed before the signal; its number reused by a pipe meanwhile. */
	T_OK(nm_fence_create(ctx, 1, &f));
	fd = T_OK(nm_fence_get_fd(f));
	T_EQ(count_fds(), base + 2);	/* the caller's fd and our dup */
	close(fd);
	T_EQ(pipe(p), 0);
	T_ASSERT(p[0] == fd || p[1] == fd);
	T_OK(nm_fence_signal(f, 0));
	T_ASSERT(!readable(p[0]));	/* nothing was written into the pipe */
	close(p[0]);
	close(p[1]);
	T_EQ(count_fds(), base);	/* the dup is closed after the write */
	nm_fence_put(f);

	/* Fence freed unsignaled with fds outstanding, some already closed. */
	T_OK(nm_fence_create(ctx, 2, &f));
	for (i = 0; i < 4; i++) {
		fd = T_OK(nm_fence_get_fd(f));
		if (i % 2)
			close(fd);
		else
			kept[nkept++] = fd;
	}
	nm_fence_put(f);
	T_EQ(count_fds(), base + 2);	/* only the two the caller kept */
	/* They never become readable: the fence can no longer signal. */
	for (i = 0; i < nkept; i++) {
		T_ASSERT(!readable(kept[i]));
		close(kept[i]);
	}
	T_EQ(count_fds(), base);

	/* Fd of a signaled fence: no dup kept at all. */
	T_OK(nm_fence_create(ctx, 3, &f));
	T_OK(nm_fence_signal(f, 0));
	fd = T_OK(nm_fence_get_fd(f));
	T_EQ(count_fds(), base + 1);
	T_ASSERT(readable(fd));
	close(fd);
	nm_fence_put(f);
	T_PASS();
}
