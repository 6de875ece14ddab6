/* SPDX-License-Identifier: MIT */
/*
 * Multicast notifications of the emulated families: each message goes, as
 * its own datagram (the kernel multicasts one skb per event), to every
 * emulated NETLINK_GENERIC socket that joined its group.  The groups are
 * the kernel's ids (nl_families()), so a program that joined the netdev
 * family's "mgmt" or "page-pool" group, or ethtool's "monitor", hears the
 * kernel's events about its devices on its kernel socket and netmem's
 * about netmem's interface here.
 *
 * Who notifies: the view (dev-add-ntf, dev-del-ntf), any request or close
 * that restarted queues (page-pool-add-ntf / -del-ntf for the pools that
 * went and came: nl_pp_notify()), ethtool's sets (rings-ntf, channels-ntf,
 * features-ntf).
 */
#include <string.h>

#include "ctl/nl_internal.h"

void nl_ntf_init(struct nl_req *r, struct nl_buf *out)
{
	memset(r, 0, sizeof(*r));
	memset(out, 0, sizeof(*out));
	r->out = out;
}

void nl_notify(uint32_t group, const struct nl_buf *msgs)
{
	if (!group || !msgs->len)
		return;
	for (struct nm_nl_sock *s = nl_socks(); s; s = s->next) {
		size_t off = 0;

		if (s->protocol != NETLINK_GENERIC || !nl_member(s, group))
			continue;
		while (off + NLMSG_HDRLEN <= msgs->len) {
			const struct nlmsghdr *m = (const void *)(msgs->p + off);

			/* a full queue loses the event, as ENOBUFS would (the
			 * program learns nothing of it here) */
			nl_queue(s, m, m->nlmsg_len);
			off += NLMSG_ALIGN(m->nlmsg_len);
		}
	}
}
