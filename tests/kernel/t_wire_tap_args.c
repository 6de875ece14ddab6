/* SPDX-License-Identifier: MIT */
/*
 * nm_wire_tap_open and friends reject bad arguments with -EINVAL and a
 * message, before touching the kernel: NULL pointers, bad interface names,
 * MTUs out of range, malformed host addresses.  *out is NULL after a
 * failure.  Runs without root (checks happen before /dev/net/tun is
 * opened); as root it runs in its own network namespace.
 */
#include <net/if.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

static int open_with(const char *ifname, uint32_t mtu, const char *a4, const char *a6)
{
	struct nm_wire_tap_params p = { .ifname = ifname, .mtu = mtu, .host_addr = a4,
					.host_addr6 = a6, .offloads = true };
	struct nm_wire *w = (struct nm_wire *)&p;	/* must be reset to NULL */
	int r = nm_wire_tap_open(&p, &w);

	if (r < 0)
		T_ASSERT(w == NULL);
	else
		nm_wire_destroy(w);
	return r;
}

static int fake_xmit(struct nm_wire *w, const struct iovec *iov, unsigned n,
		     const struct nm_wire_meta *m)
{
	(void)w, (void)iov, (void)n, (void)m;
	return 0;
}

int main(void)
{
	static const struct nm_wire_ops other_ops = { .kind = "other", .xmit = fake_xmit };
	struct nm_wire other = { .ops = &other_ops, .name = "other0" };
	struct nm_wire_tap_params p = { .ifname = "nmtap0" };
	struct nm_wire *w;
	static const char *bad_names[] = {
		"", "0123456789abcdef", "a/b", "a b", "tab\t", "nl\n", "a:b", ".", "..", "\x7f",
	};
	static const char *bad_addrs[] = {
		"198.18.0.1", "198.18.0.1/", "198.18.0.1/33", "198.18.0.1/-1", "198.18.0.1/ 24",
		"198.18.0.1/24 ", "198.18.0.1/24x", "198.18.0.1/0x10", "198.18.0.256/24",
		"198.18.0/24", "/24", "x/24", "2001:2::1/129", "2001:2::g/64", "2001:2:::1/64",
		"198.18.0.1/+24", "198.18.0.1/0024", " 198.18.0.1/24",
		"2001:2:2001:2:2001:2:2001:2:2001:2:2001:2:2001:2:1/64",
	};
	unsigned i;
	int r;

	if (geteuid() == 0) {
		r = t_enter_netns();
		if (r)
			return r;
	}

	T_ERR(nm_wire_tap_open(NULL, &w), -EINVAL);
	T_ASSERT(w == NULL);
	T_ERR(nm_wire_tap_open(&p, NULL), -EINVAL);
	T_ERR(open_with(NULL, 0, NULL, NULL), -EINVAL);
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		T_ERR(open_with(bad_names[i], 0, NULL, NULL), -EINVAL);
	T_ERR(open_with("nmtap0", 67, NULL, NULL), -EINVAL);
	T_ERR(open_with("nmtap0", 65522, NULL, NULL), -EINVAL);
	for (i = 0; i < sizeof(bad_addrs) / sizeof(bad_addrs[0]); i++) {
		T_ERR(open_with("nmtap0", 0, bad_addrs[i], NULL), -EINVAL);
		T_ERR(open_with("nmtap0", 0, NULL, bad_addrs[i]), -EINVAL);
	}
	/* host_addr6 must be IPv6. */
	T_ERR(open_with("nmtap0", 0, NULL, "198.18.0.1/24"), -EINVAL);
	T_ASSERT(strstr(nm_last_error(), "host_addr6") != NULL);

	/* Queries on something that is not a TAP wire. */
	T_ERR(nm_wire_tap_ifindex(NULL), -EINVAL);
	T_ERR(nm_wire_tap_ifindex(&other), -EINVAL);
	T_ERR(nm_wire_tap_offloads(NULL), -EINVAL);
	T_ERR(nm_wire_tap_offloads(&other), -EINVAL);
	T_ERR(nm_wire_tap_io(NULL), -EINVAL);
	T_ERR(nm_wire_tap_io(&other), -EINVAL);

	/* None of the above created a device. */
	T_EQ(if_nametoindex("nmtap0"), 0);

	/* The happy path's edges, where we may create devices. */
	if (geteuid() == 0) {
		T_OK(open_with("nmtap0", 68, NULL, NULL));
		T_OK(open_with("nmtap0", 65521, "2001:2::1/128", "2001:2::1/0"));
		T_OK(open_with("nmtap56789abcde", 0, "198.18.0.1/32", NULL));
	}
	T_PASS();
}
