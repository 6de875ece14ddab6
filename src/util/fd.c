/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/fd.h"

static _Atomic int fd_floor;

void nm_fd_set_floor(int floor)
{
	atomic_store(&fd_floor, floor > 0 ? floor : 0);
}

int nm_fd_lift(int fd)
{
	int floor = atomic_load(&fd_floor), hi;

	if (fd < 0 || !floor || fd >= floor)
		return fd;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, floor);
	if (hi < 0)
		return fd;	/* out of fds up there: a low one still works */
	close(fd);
	return hi;
}

bool nm_fd_is(int fd, const char *link, bool prefix)
{
	char path[64], target[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return prefix ? !strncmp(target, link, strlen(link)) : !strcmp(target, link);
}
