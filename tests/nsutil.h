/* SPDX-License-Identifier: MIT */
#ifndef NM_T_NSUTIL_H
#define NM_T_NSUTIL_H

/*
 * Network namespaces for tests that touch the kernel's network stack.
 *
 *	int r = t_enter_netns();
 *	if (r)
 *		return r;	// 77: skipped, a message was printed
 *
 * t_enter_netns() moves the calling process into a fresh network namespace
 * of its own (unshare(CLONE_NEWNET)) with only lo, brought up.  Devices,
 * addresses and routes made there vanish when the process exits, so tests
 * never touch the host's network and can run in parallel with fixed names
 * like "nmtap0".  Call it first, before creating threads: unshare() acts
 * on the calling thread only.
 *
 * Without root (or when namespaces are not allowed) it returns 77 (skip)
 * after printing why.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static inline int t_enter_netns(void)
{
	struct ifreq ifr;
	int fd;

	if (geteuid() != 0) {
		printf("SKIP: needs root (a private network namespace and a TAP device)\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: unshare(CLONE_NEWNET): %s (namespaces not allowed here?)\n",
		       strerror(errno));
		return 77;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "t_enter_netns: socket: %s\n", strerror(errno));
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
		fprintf(stderr, "t_enter_netns: bringing lo up: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

#endif /* NM_T_NSUTIL_H */
