/* SPDX-License-Identifier: MIT */
#ifndef NM_CTL_NL_VIEW_H
#define NM_CTL_NL_VIEW_H

/* The view's entries, for the families that list them (nl_view.c). */

#include <stdint.h>

struct nm_netdev;

#define NL_VIEW_ADDRS	4

struct nl_view_addr {
	int family;
	unsigned plen;
	uint8_t addr[16];
};

struct nl_view_dev {
	struct nm_netdev *nd;		/* NULL: a free slot */
	int user;			/* the ifindex the program sees */
	int nr_addrs;
	struct nl_view_addr addrs[NL_VIEW_ADDRS];
};

/* Slot i (0 .. nl_view_count() - 1), NULL when free. */
const struct nl_view_dev *nl_view_get(int i);
int nl_view_count(void);
/* The entry shown as user ifindex user, NULL if none. */
const struct nl_view_dev *nl_view_by_user(int user);
/* netmem's ifindex -> the user's (0: not shown). */
int nl_user_of(int nm_ifindex);

#endif
