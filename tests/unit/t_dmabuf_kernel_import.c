/* Importing a kernel dma-buf fd checks what the fd is: a bad fd is
 * -EBADF, an fd that is open but not a dma-buf (memfd, pipe, /dev/null,
 * a directory) is -EINVAL, each with a message. */
#include "t_dmabuf.h"

int main(void)
{
	struct nm_dmabuf *b = NULL;
	int memfd, pipefd[2], null, dir, closed;

	memfd = t_memfd(NM_PAGE_SIZE, F_SEAL_SHRINK);
	T_ASSERT(pipe(pipefd) == 0);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	T_ASSERT(null >= 0);
	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	T_ASSERT(dir >= 0);
	closed = dup(null);
	T_ASSERT(closed >= 0);
	close(closed);

	T_ERR(nm_dmabuf_import_fd(memfd, &b), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "not a dma-buf"));
	T_ERR(nm_dmabuf_import_fd(pipefd[0], &b), -EINVAL);
	T_ERR(nm_dmabuf_import_fd(null, &b), -EINVAL);
	T_ERR(nm_dmabuf_import_fd(dir, &b), -EINVAL);
	T_ERR(nm_dmabuf_import_fd(-1, &b), -EBADF);
	T_ERR(nm_dmabuf_import_fd(closed, &b), -EBADF);
	T_ERR(nm_dmabuf_import_fd(123456, &b), -EBADF);
	T_ERR(nm_dmabuf_import_fd(memfd, NULL), -EINVAL);
	T_ASSERT(b == NULL);

	/* the fds are untouched */
	T_ASSERT(fcntl(memfd, F_GETFD) >= 0);
	T_ASSERT(fcntl(pipefd[0], F_GETFD) >= 0);
	close(memfd);
	close(pipefd[0]);
	close(pipefd[1]);
	close(null);
	close(dir);
	T_PASS();
}
