/* SPDX-License-Identifier: MIT */
/*
 * Interface names, indexes and addresses as libc hands them out:
 * if_nametoindex, if_indextoname, if_nameindex/if_freenameindex,
 * getifaddrs/freeifaddrs.  glibc answers these with its own netlink socket
 * and ioctls, made through internal calls that no preload can see, so the
 * runtime answers them at the libc call: netmem's interface (NETMEM_IFNAME,
 * under the ifindex the netlink view gives it, src/ctl/nl_sock.h) next to
 * the kernel's.  Looking netmem's interface up brings the NIC up, as the
 * program's first netmem socket or netlink request would.
 *
 * getifaddrs: the kernel's list, copied, with netmem's interface (its
 * link, and its address) after it, in one block of our own that
 * freeifaddrs frees (the kernel's list is freed at once).
 */
#include <dlfcn.h>
#include <ifaddrs.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmem/netdev.h>

#include "ctl/nl_sock.h"

#include "rt/rt_internal.h"

unsigned int if_nametoindex(const char *name);
char *if_indextoname(unsigned int ifindex, char name[IF_NAMESIZE]);
struct if_nameindex *if_nameindex(void);
void if_freenameindex(struct if_nameindex *p);
int getifaddrs(struct ifaddrs **ifap);
void freeifaddrs(struct ifaddrs *ifa);

static void *next(const char *sym)
{
	return dlsym(RTLD_NEXT, sym);
}

/* netmem's interface, up, as the program sees it: its ifindex, or 0.
 * wait: a look-up by its name or index waits for an shm wire's other end;
 * a listing of every interface does not (until the stack is up the
 * interface does not exist yet, as a kernel interface being made). */
static int ours(bool wait)
{
	int u;

	if (!rt.enabled || rt_locked_here() || rt_foreign())
		return 0;
	if (!rt_nic_here()) {	/* a helper: the owner says (endpoint.c) */
		struct ifreq ifr = { 0 };
		size_t n;

		memcpy(ifr.ifr_name, rt_cfg.ifname, strnlen(rt_cfg.ifname, IF_NAMESIZE - 1));
		return rt_endpoint_call(SIOCGIFINDEX, &ifr, sizeof(ifr), sizeof(ifr), &n) == 0 ?
		       ifr.ifr_ifindex : 0;
	}
	rt_lock();
	u = rt_nl_view(wait);
	rt_unlock();
	return u > 0 ? u : 0;
}

static bool is_ours(const char *name)
{
	return name && rt.enabled && !strncmp(name, rt_cfg.ifname, IF_NAMESIZE);
}

unsigned int if_nametoindex(const char *name)
{
	unsigned int (*real)(const char *) = next("if_nametoindex");
	int u;

	if (is_ours(name) && (u = ours(true)) > 0)
		return (unsigned)u;
	return real ? real(name) : 0;
}

char *if_indextoname(unsigned int ifindex, char name[IF_NAMESIZE])
{
	char *(*real)(unsigned int, char *) = next("if_indextoname");

	if (rt.enabled && ifindex >= NM_NL_IFINDEX_BASE && (int)ifindex == ours(true) && name) {
		strncpy(name, rt_cfg.ifname, IF_NAMESIZE - 1);
		name[IF_NAMESIZE - 1] = 0;
		return name;
	}
	return real ? real(ifindex, name) : NULL;
}

/* One block: the entries, then their names. */
struct if_nameindex *if_nameindex(void)
{
	struct if_nameindex *(*real)(void) = next("if_nameindex");
	void (*real_free)(struct if_nameindex *) = next("if_freenameindex");
	struct if_nameindex *k = real ? real() : NULL, *out;
	size_t n = 0, names = 0;
	int u = ours(false);
	char *p;

	if (!k)
		return NULL;
	for (; k[n].if_index; n++)
		names += strlen(k[n].if_name) + 1;
	if (u)
		names += strlen(rt_cfg.ifname) + 1;
	out = malloc((n + 2) * sizeof(*out) + names);
	if (!out) {
		real_free(k);
		return NULL;
	}
	p = (char *)(out + n + 2);
	for (size_t i = 0; i < n; i++) {
		out[i].if_index = k[i].if_index;
		out[i].if_name = strcpy(p, k[i].if_name);
		p += strlen(p) + 1;
	}
	if (u) {
		out[n].if_index = (unsigned)u;
		out[n++].if_name = strcpy(p, rt_cfg.ifname);
	}
	out[n].if_index = 0;
	out[n].if_name = NULL;
	real_free(k);
	return out;
}

void if_freenameindex(struct if_nameindex *p)
{
	free(p);
}

/* ---- getifaddrs ------------------------------------------------------------------------- */

/* One entry and its storage. */
struct ifa_ent {
	struct ifaddrs ifa;
	char name[IF_NAMESIZE];
	struct sockaddr_storage addr, mask, brd;
	struct sockaddr_ll ll;
};

static void put_sa(struct sockaddr_storage *dst, const struct sockaddr *src)
{
	size_t l = src->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
		   src->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		   src->sa_family == AF_PACKET ? sizeof(struct sockaddr_ll) : sizeof(struct sockaddr);

	memcpy(dst, src, l);
}

static void copy_ent(struct ifa_ent *e, const struct ifaddrs *k)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", k->ifa_name ? k->ifa_name : "");
	e->ifa.ifa_name = e->name;
	e->ifa.ifa_flags = k->ifa_flags;
	if (k->ifa_addr) {
		put_sa(&e->addr, k->ifa_addr);
		e->ifa.ifa_addr = (struct sockaddr *)&e->addr;
	}
	if (k->ifa_netmask) {
		put_sa(&e->mask, k->ifa_netmask);
		e->ifa.ifa_netmask = (struct sockaddr *)&e->mask;
	}
	if (k->ifa_broadaddr) {
		put_sa(&e->brd, k->ifa_broadaddr);
		e->ifa.ifa_broadaddr = (struct sockaddr *)&e->brd;
	}
	/* ifa_data (the kernel's link stats) is not kept: NULL, as for an
	 * address entry */
}

static void mask_of(struct sockaddr_storage *ss, int family, unsigned plen)
{
	uint8_t *b;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		b = (uint8_t *)&((struct sockaddr_in *)ss)->sin_addr;
		n = 4;
	} else {
		b = (uint8_t *)&((struct sockaddr_in6 *)ss)->sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++)
		b[i] = plen >= (i + 1) * 8 ? 0xff : plen > i * 8 ? (uint8_t)(0xff << (8 - plen % 8)) : 0;
}

static void our_ents(struct ifa_ent *e, int u)
{
	unsigned flags = IFF_UP | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST;

	/* the link (AF_PACKET), as the kernel's list starts each interface */
	memset(&e[0], 0, sizeof(e[0]));
	snprintf(e[0].name, sizeof(e[0].name), "%s", rt_cfg.ifname);
	e[0].ifa.ifa_name = e[0].name;
	e[0].ifa.ifa_flags = flags;
	e[0].ll.sll_family = AF_PACKET;
	e[0].ll.sll_ifindex = u;
	e[0].ll.sll_hatype = 1;		/* ARPHRD_ETHER */
	e[0].ll.sll_halen = 6;
	if (rt.nd)
		nm_netdev_get_mac(rt.nd, e[0].ll.sll_addr);
	e[0].ifa.ifa_addr = (struct sockaddr *)&e[0].ll;
	/* its address */
	e[1] = e[0];
	e[1].ifa.ifa_name = e[1].name;
	memset(&e[1].ll, 0, sizeof(e[1].ll));
	memset(&e[1].addr, 0, sizeof(e[1].addr));
	if (rt_cfg.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&e[1].addr;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, rt_cfg.ip, 4);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&e[1].addr;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, rt_cfg.ip, 16);
	}
	mask_of(&e[1].mask, rt_cfg.family, rt_cfg.plen);
	e[1].ifa.ifa_addr = (struct sockaddr *)&e[1].addr;
	e[1].ifa.ifa_netmask = (struct sockaddr *)&e[1].mask;
}

int getifaddrs(struct ifaddrs **ifap)
{
	int (*real)(struct ifaddrs **) = next("getifaddrs");
	void (*real_free)(struct ifaddrs *) = next("freeifaddrs");
	struct ifaddrs *k = NULL;
	struct ifa_ent *e;
	size_t n = 0, i = 0;
	int u;

	if (!real || !real_free)
		return (int)rt_ret(-ENOSYS);
	if (real(&k) < 0)
		return -1;
	u = ours(false);
	for (struct ifaddrs *x = k; x; x = x->ifa_next)
		n++;
	e = calloc(n + 2, sizeof(*e));
	if (!e) {
		real_free(k);
		return (int)rt_ret(-ENOMEM);
	}
	for (struct ifaddrs *x = k; x; x = x->ifa_next)
		copy_ent(&e[i++], x);
	real_free(k);
	if (u) {
		our_ents(&e[i], u);
		i += 2;
	}
	for (size_t j = 0; j + 1 < i; j++)
		e[j].ifa.ifa_next = &e[j + 1].ifa;
	*ifap = i ? &e[0].ifa : NULL;
	if (!i)
		free(e);
	return 0;
}

void freeifaddrs(struct ifaddrs *ifa)
{
	free(ifa);	/* the first entry starts our block */
}
