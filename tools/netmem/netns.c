/* SPDX-License-Identifier: MIT */
/*
 * A private network namespace for `netmem demo --wire tap`: the TAP, its
 * addresses and the kernel sender's socket live in a namespace that
 * vanishes with the process, so the demo never touches the host's
 * network.  Only 198.18.0.0/15 and 2001:2::/48 are used inside.
 * Workload: once, before any thread exists (unshare acts on the calling
 * thread; threads made later inherit it).
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

bool nm_cli_is_root(void)
{
	return geteuid() == 0;
}

void nm_cli_enter_netns(void)
{
	struct ifreq ifr;
	int fd;

	if (!nm_cli_is_root())
		nm_cli_die(NM_CLI_EXIT_FAIL, "--wire tap needs root (a network namespace and a "
			   "TAP device); run it with sudo, or use --wire shm");
	if (unshare(CLONE_NEWNET) < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "cannot create a network namespace: %s",
			   strerror(errno));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
		int e = errno;

		close(fd);
		nm_cli_die(NM_CLI_EXIT_FAIL, "bringing lo up in the namespace: %s", strerror(e));
	}
	close(fd);
}
