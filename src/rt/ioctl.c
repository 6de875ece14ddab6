/* SPDX-License-Identifier: MIT */
/*
 * The interface ioctls on netmem's interface: SIOCETHTOOL (ethtool.c
 * answers the command) and SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFFLAGS,
 * SIOCGIFMTU, SIOCGIFHWADDR.  A request names netmem's interface by
 * NETMEM_IFNAME (ifr_name) or, for SIOCGIFNAME, by its ifindex; every
 * other request goes to the kernel unchanged, on whichever socket the
 * program used (ethtool uses an AF_INET datagram socket).
 *
 * Where it is answered: in this process when it owns the NIC or may
 * bring it up (a program that configures the NIC before its first socket,
 * as ncdevmem does, brings it up here); otherwise (a helper the program
 * started: the ethtool command) the request goes over the control endpoint
 * to the process that owns the NIC (endpoint.c).
 *
 * netmem's ifindex is the netlink view's (nl.c, rt_nl_view): one the kernel
 * does not use, so that the program sees netmem's interface next to the
 * kernel's (lo is 1) and a number it learns here names the same interface
 * in the netlink families.
 *
 * Workload: control path.
 */
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <netmem/netdev.h>

#include "ctl/nl_sock.h"
#include "rt/rt_internal.h"

int rt_nic_enter(void)
{
	int r;

	if (!rt.enabled)
		return -ENODEV;
	if (rt.orphan)		/* a fork child's copy of the NIC is not the NIC */
		return -EBUSY;
	rt_lock();
	r = rt_up();
	if (r == -EINPROGRESS)
		r = rt_wait_up(NULL);
	if (r < 0)
		rt_unlock();
	return r;
}

/* ---- the requests, answered where the NIC is ------------------------------------------ */

/* SIOCGIF*: lock held, the NIC up; ifr in and out. */
static int gif(unsigned long req, struct ifreq *ifr)
{
	int mtu;

	int u = rt_nl_view(true);	/* the ifindex the program sees (nl.c) */

	if (u < 0)
		return u;
	switch (req) {
	case SIOCGIFINDEX:
		ifr->ifr_ifindex = u;
		return 0;
	case SIOCGIFNAME:
		if (ifr->ifr_ifindex != u)
			return nm_err(ENODEV, "no interface with ifindex %d", ifr->ifr_ifindex);
		memset(ifr->ifr_name, 0, sizeof(ifr->ifr_name));
		memcpy(ifr->ifr_name, rt_cfg.ifname, strnlen(rt_cfg.ifname, IFNAMSIZ - 1));
		return 0;
	case SIOCGIFFLAGS:
		ifr->ifr_flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST;
		return 0;
	case SIOCGIFMTU:
		mtu = nm_netdev_mtu(rt.nd);
		if (mtu < 0)
			return mtu;
		ifr->ifr_mtu = mtu;
		return 0;
	case SIOCGIFHWADDR:
		memset(&ifr->ifr_hwaddr, 0, sizeof(ifr->ifr_hwaddr));
		ifr->ifr_hwaddr.sa_family = ARPHRD_ETHER;
		return nm_netdev_get_mac(rt.nd, (uint8_t *)ifr->ifr_hwaddr.sa_data);
	}
	return nm_err(EOPNOTSUPP, "ioctl 0x%lx on netmem's interface %s: only SIOCETHTOOL and "
		      "SIOCGIF{INDEX,NAME,FLAGS,MTU,HWADDR} are answered", req, rt_cfg.ifname);
}

int rt_nic_serve(unsigned long req, void *buf, size_t in, size_t cap, size_t *out)
{
	int r;

	if (req == SIOCETHTOOL) {
		size_t need_in, need_out;

		/* what a helper sent must hold the command's struct, and room for
		 * its answer (the runtime's own calls always do) */
		r = in >= 4 ? rt_eth_size(buf, &need_in, &need_out) : -EINVAL;
		if (r == 0 && (in < need_in || cap < need_out))
			r = nm_err(EINVAL, "ethtool request of %zu bytes, room %zu: the command "
				   "needs %zu and %zu", in, cap, need_in, need_out);
		*out = 0;
		return r < 0 ? r : rt_eth_do(buf, in, cap, out);
	}
	if (in != sizeof(struct ifreq) || cap < sizeof(struct ifreq))
		return nm_err(EINVAL, "interface request of %zu bytes", in);
	r = gif(req, buf);
	*out = r < 0 ? 0 : sizeof(struct ifreq);
	return r;
}

/* ---- the program's call ------------------------------------------------------------------ */

static bool is_gif(unsigned long req)
{
	return req == SIOCGIFINDEX || req == SIOCGIFNAME || req == SIOCGIFFLAGS ||
	       req == SIOCGIFMTU || req == SIOCGIFHWADDR;
}

/* The interface-changing requests: netmem's interface is configured
 * through netmem run's options and ethtool, not these. */
static bool is_sif(unsigned long req)
{
	return req == SIOCSIFFLAGS || req == SIOCSIFMTU || req == SIOCSIFHWADDR ||
	       req == SIOCSIFNAME || req == SIOCSIFADDR || req == SIOCSIFNETMASK ||
	       req == SIOCSIFBRDADDR || req == SIOCSIFTXQLEN;
}

static bool names_ours(const struct ifreq *ifr)
{
	return !strncmp(ifr->ifr_name, rt_cfg.ifname, IFNAMSIZ);
}

/* Here, or over the endpoint: in is what the request reads of buf, cap
 * what it may write; *out what it wrote. */
static int nic_call(unsigned long req, void *buf, size_t in, size_t cap, size_t *out)
{
	int r;

	*out = 0;
	if (!rt_nic_here())
		return rt_endpoint_call(req, buf, in, cap, out);
	r = rt_nic_enter();
	if (r < 0)
		return r == -EBUSY ? rt_endpoint_call(req, buf, in, cap, out) : r;
	r = rt_nic_serve(req, buf, in, cap, out);
	rt_unlock();
	return r;
}

/* The program's memory, read and written as the kernel's copy_from_user
 * and copy_to_user do: a bad pointer is -EFAULT, not a fault in the
 * program (process_vm_readv/writev on this process; where they are not
 * allowed, a plain copy). */
int rt_user_copy(void *dst, const void *src, size_t n, bool to_user)
{
	struct iovec l = { to_user ? (void *)src : dst, n }, u = { to_user ? dst : (void *)src, n };
	ssize_t r;

	if (!n)
		return 0;
	r = to_user ? process_vm_writev(getpid(), &l, 1, &u, 1, 0)
		    : process_vm_readv(getpid(), &l, 1, &u, 1, 0);
	if (r == (ssize_t)n)
		return 0;
	if (r < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* no checked copy here (a seccomp profile, say): at least
		 * the NULL a bad request most often carries is not copied */
		if (!dst || !src)
			return nm_err(EFAULT, "a NULL address in the request");
		memcpy(dst, src, n);
		return 0;
	}
	return nm_err(EFAULT, "a bad address in the request");
}

static int ethtool_call(void *u)
{
	uint8_t hdr[256];	/* the longest header a size depends on: an rxnfc, 192 */
	size_t in, out, n = 0, cap;
	void *buf;
	int r;

	if (!u)
		return nm_err(EFAULT, "SIOCETHTOOL: ifr_data is NULL");
	/* the command, then the header its size depends on (at most an rxnfc) */
	memset(hdr, 0, sizeof(hdr));
	r = rt_user_copy(hdr, u, 4, false);
	if (r == 0)
		r = rt_eth_size(hdr, &in, &out);
	if (r == 0)
		r = rt_user_copy(hdr, u, in < sizeof(hdr) ? in : sizeof(hdr), false);
	if (r == 0)
		r = rt_eth_size(hdr, &in, &out);
	if (r < 0)
		return r;
	cap = in > out ? in : out;
	buf = calloc(1, cap);
	if (!buf)
		return -ENOMEM;
	r = rt_user_copy(buf, u, in, false);
	if (r == 0)
		r = nic_call(SIOCETHTOOL, buf, in, cap, &n);
	if (n && rt_user_copy(u, buf, n < cap ? n : cap, true) < 0 && r >= 0)
		r = -EFAULT;
	free(buf);
	return r;
}

bool rt_nic_ioctl(int fd, unsigned long req, void *arg, int *ret)
{
	struct ifreq tmp, *ifr = &tmp;
	struct stat st;
	size_t n;
	int r;

	if (!rt.enabled || rt_foreign() ||
	    (req != SIOCETHTOOL && !is_gif(req) && !is_sif(req)) || !arg ||
	    rt_user_copy(&tmp, arg, sizeof(tmp), false) < 0)
		return false;	/* a bad ifreq: the kernel's EFAULT */
	if (req == SIOCGIFNAME) {
		/* the kernel's interfaces first: netmem's number is one it has not */
		if (ifr->ifr_ifindex < NM_NL_IFINDEX_BASE || REAL(ioctl)(fd, req, arg) == 0 ||
		    errno != ENODEV)
			return false;
	} else if (!names_ours(ifr)) {
		return false;
	}
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;	/* the kernel's ENOTTY, EBADF */
	if (is_sif(req)) {
		r = nm_err(EOPNOTSUPP, "netmem's interface %s is configured by netmem run's "
			   "options and ethtool", rt_cfg.ifname);
	} else if (req == SIOCETHTOOL) {
		r = ethtool_call(tmp.ifr_data);
	} else {
		r = nic_call(req, &tmp, sizeof(tmp), sizeof(tmp), &n);
		if (n == sizeof(tmp) && rt_user_copy(arg, &tmp, sizeof(tmp), true) < 0 && r >= 0)
			r = -EFAULT;
	}
	*ret = (int)rt_ret(r);
	return true;
}
