/* SPDX-License-Identifier: MIT */
/*
 * Without the right to make TAP devices, nm_wire_tap_open fails with
 * -EPERM (or -ENODEV without /dev/net/tun) and a message that says root
 * or CAP_NET_ADMIN is needed; rtnetlink changes fail with -EPERM too.
 * As root the test forks two children in its own namespace: one drops
 * CAP_NET_ADMIN (capset), one becomes nobody (setresuid).  As a normal
 * user it checks its own failure directly.
 */
#include <linux/capability.h>
#include <net/if.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "t_kernel.h"

#define NOBODY 65534

static void expect_refused(void)
{
	struct nm_wire_tap_params p = { .ifname = "nmtap0", .offloads = true,
					.host_addr = "198.18.0.1/24", .up = true };
	struct nm_wire *w;
	int r;

	nm_clear_error();
	r = nm_wire_tap_open(&p, &w);
	if (r != -EPERM && r != -ENODEV)
		T_FAIL("nm_wire_tap_open = %d (%s), want -EPERM or -ENODEV", r, nm_last_error());
	T_ASSERT(w == NULL);
	T_ASSERT(strstr(nm_last_error(), "CAP_NET_ADMIN") != NULL);
	printf("refused: %s\n", nm_last_error());
}

static void drop_net_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	T_OK(syscall(SYS_capget, &h, d));
	d[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
	d[CAP_NET_ADMIN / 32].permitted &= ~(1u << (CAP_NET_ADMIN % 32));
	d[CAP_NET_ADMIN / 32].inheritable &= ~(1u << (CAP_NET_ADMIN % 32));
	T_OK(syscall(SYS_capset, &h, d));
}

static void child_no_cap(void)
{
	struct nm_rtnl nl;
	int lo;

	drop_net_admin();
	expect_refused();
	/* Reading is allowed, changing is not. */
	T_OK(nm_rtnl_open(&nl));
	lo = T_OK(nm_rtnl_link_index(&nl, "lo"));
	T_ERR(nm_rtnl_link_set_mtu(&nl, lo, 1280), -EPERM);
	nm_rtnl_close(&nl);
}

static void child_nobody(void)
{
	T_OK(setresgid(NOBODY, NOBODY, NOBODY));
	T_OK(setresuid(NOBODY, NOBODY, NOBODY));
	expect_refused();
}

static void run_child(void (*fn)(void), const char *what)
{
	int status;
	pid_t pid = fork();

	T_ASSERT(pid >= 0);
	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	T_EQ(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		T_FAIL("child '%s' failed (status 0x%x)", what, status);
}

int main(void)
{
	int r;

	if (geteuid() != 0) {
		expect_refused();
		T_PASS();
	}
	r = t_enter_netns();
	if (r)
		return r;
	run_child(child_no_cap, "without CAP_NET_ADMIN");
	run_child(child_nobody, "as nobody");
	T_EQ(if_nametoindex("nmtap0"), 0);
	T_PASS();
}
