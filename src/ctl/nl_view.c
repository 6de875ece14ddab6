/* SPDX-License-Identifier: MIT */
/*
 * The view: which of netmem's netdevs a program's netlink sockets see, and
 * under which ifindex.  netmem numbers its netdevs 1, 2, ... in the
 * process (nm_netdev_ifindex()), which are the kernel's lo and first NIC;
 * a program that sees both must not meet one number twice.  Each netdev
 * shown gets a "user" ifindex the kernel does not have (from
 * NM_NL_IFINDEX_BASE up: the kernel hands ifindexes out one after the
 * other from 1, so it does not come near), and its addresses for
 * RTM_GETADDR.
 *
 * Invariants: a netdev is shown at most once; user ifindexes are unique.
 * Workload: a handful of entries, looked up per netlink request.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include <netmem/netdev.h>

#include "ctl/nl_internal.h"
#include "ctl/nl_view.h"
#include "util/err.h"

#define VIEW_MAX	8

static struct nl_view_dev view[VIEW_MAX];

const struct nl_view_dev *nl_view_get(int i)
{
	return i >= 0 && i < VIEW_MAX && view[i].nd ? &view[i] : NULL;
}

int nl_view_count(void)
{
	return VIEW_MAX;
}

static struct nl_view_dev *find_user(int user)
{
	for (int i = 0; i < VIEW_MAX; i++)
		if (view[i].nd && view[i].user == user)
			return &view[i];
	return NULL;
}

static struct nl_view_dev *find_nd(const struct nm_netdev *nd)
{
	for (int i = 0; i < VIEW_MAX; i++)
		if (nd && view[i].nd == nd)
			return &view[i];
	return NULL;
}

/* The kernel has no interface with this index (if_indextoname() asks it). */
static bool kernel_free(int ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname((unsigned)ifindex, name) == NULL;
}

int nm_nl_view_add(struct nm_netdev *nd, int user_ifindex)
{
	struct nl_view_dev *v = NULL;

	if (!nd)
		return nm_err(EINVAL, "NULL netdev");
	if (user_ifindex < 0)
		return nm_err(EINVAL, "ifindex %d", user_ifindex);
	if (find_nd(nd))
		return nm_err(EEXIST, "%s is shown already", nm_netdev_name(nd));
	if (user_ifindex && find_user(user_ifindex))
		return nm_err(EEXIST, "ifindex %d is taken", user_ifindex);
	for (int i = 0; i < VIEW_MAX && !v; i++)
		if (!view[i].nd)
			v = &view[i];
	if (!v)
		return nm_err(ENOSPC, "at most %d interfaces are shown", VIEW_MAX);
	if (!user_ifindex) {
		user_ifindex = NM_NL_IFINDEX_BASE + nm_netdev_ifindex(nd);
		while (find_user(user_ifindex) || !kernel_free(user_ifindex))
			user_ifindex++;
	}
	memset(v, 0, sizeof(*v));
	v->nd = nd;
	v->user = user_ifindex;
	nl_dev_notify(nd, user_ifindex, NETDEV_CMD_DEV_ADD_NTF);
	return user_ifindex;
}

void nm_nl_view_del(struct nm_netdev *nd)
{
	struct nl_view_dev *v = find_nd(nd);

	if (v) {
		nl_dev_notify(nd, v->user, NETDEV_CMD_DEV_DEL_NTF);
		memset(v, 0, sizeof(*v));
	}
}

int nm_nl_view_addr_add(int user_ifindex, int family, const void *addr, unsigned prefixlen)
{
	struct nl_view_dev *v = find_user(user_ifindex);
	size_t alen = family == AF_INET ? 4 : 16;

	if (!v)
		return nm_err(ENODEV, "no interface with ifindex %d is shown", user_ifindex);
	if (family != AF_INET && family != AF_INET6)
		return nm_err(EAFNOSUPPORT, "address family %d", family);
	if (!addr)
		return nm_err(EINVAL, "NULL address");
	if (prefixlen > alen * 8)
		return nm_err(EINVAL, "prefix length %u", prefixlen);
	if (v->nr_addrs >= NL_VIEW_ADDRS)
		return nm_err(ENOSPC, "at most %d addresses", NL_VIEW_ADDRS);
	v->addrs[v->nr_addrs].family = family;
	v->addrs[v->nr_addrs].plen = prefixlen;
	memcpy(v->addrs[v->nr_addrs].addr, addr, alen);
	v->nr_addrs++;
	return 0;
}

int nm_nl_user_ifindex(const struct nm_netdev *nd)
{
	struct nl_view_dev *v = find_nd(nd);

	return v ? v->user : 0;
}

struct nm_netdev *nm_nl_netdev_by_user(int user_ifindex)
{
	struct nl_view_dev *v = find_user(user_ifindex);

	return v ? v->nd : NULL;
}

struct nm_netdev *nm_nl_netdev_by_name(const char *name)
{
	for (int i = 0; name && i < VIEW_MAX; i++)
		if (view[i].nd && !strcmp(nm_netdev_name(view[i].nd), name))
			return view[i].nd;
	return NULL;
}

int nl_user_of(int nm_ifindex)
{
	for (int i = 0; i < VIEW_MAX; i++)
		if (view[i].nd && nm_netdev_ifindex(view[i].nd) == nm_ifindex)
			return view[i].user;
	return 0;
}

const struct nl_view_dev *nl_view_by_user(int user)
{
	return find_user(user);
}
