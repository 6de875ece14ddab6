/* SPDX-License-Identifier: MIT */
/*
 * The libc functions underneath the interposed ones, each resolved once
 * with dlsym(RTLD_NEXT).  The constructor resolves them; a call that comes
 * earlier (another library's constructor) resolves them on its way
 * (REAL()).  dlsym does not call back into any function of ours.
 *
 * A function libc lacks (epoll_pwait2 before glibc 2.35, close_range
 * before 2.34) stays NULL; its interposer then answers ENOSYS, as libc's
 * stub would.
 */
#include <dlfcn.h>

#include "rt/rt_internal.h"

struct rt_real rt_real;

#define RESOLVE(name) rt_real.name = (__typeof__(rt_real.name))dlsym(RTLD_NEXT, #name)

void rt_real_init(void)
{
	RESOLVE(socket);
	RESOLVE(bind);
	RESOLVE(listen);
	RESOLVE(accept);
	RESOLVE(accept4);
	RESOLVE(connect);
	RESOLVE(shutdown);
	RESOLVE(close);
	RESOLVE(dup);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(fcntl);
	RESOLVE(ioctl);
	RESOLVE(getsockname);
	RESOLVE(getpeername);
	RESOLVE(getsockopt);
	RESOLVE(setsockopt);
	RESOLVE(send);
	RESOLVE(sendto);
	RESOLVE(sendmsg);
	RESOLVE(sendmmsg);
	RESOLVE(recv);
	RESOLVE(recvfrom);
	RESOLVE(recvmsg);
	RESOLVE(recvmmsg);
	RESOLVE(read);
	RESOLVE(write);
	RESOLVE(readv);
	RESOLVE(writev);
	RESOLVE(sendfile);
	RESOLVE(poll);
	RESOLVE(ppoll);
	RESOLVE(select);
	RESOLVE(pselect);
	RESOLVE(epoll_create);
	RESOLVE(epoll_create1);
	RESOLVE(epoll_ctl);
	RESOLVE(epoll_wait);
	RESOLVE(epoll_pwait);
	RESOLVE(epoll_pwait2);
	RESOLVE(sigaction);
	RESOLVE(close_range);
	RESOLVE(mmap);
	RESOLVE(open);
	RESOLVE(open64);
	RESOLVE(openat);
	RESOLVE(openat64);
	RESOLVE(execve);
}
