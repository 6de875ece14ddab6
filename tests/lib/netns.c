/* SPDX-License-Identifier: MIT */
/*
 * A network namespace of the test's own (t_kernel.h): tests that touch
 * the kernel's network stack make their devices, addresses and routes
 * there, so they never touch the host's network and run in parallel.
 */
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "t_kernel.h"

int t_enter_netns(void)
{
	struct ifreq ifr;
	int fd;

	if (geteuid() != 0) {
		printf("SKIP: needs root (a private network namespace and a TAP device)\n");
		return T_SKIP;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: unshare(CLONE_NEWNET): %s (namespaces not allowed here?)\n",
		       strerror(errno));
		return T_SKIP;
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
