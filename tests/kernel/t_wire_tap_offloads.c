/* SPDX-License-Identifier: MIT */
/*
 * The offloads the wire reports are the ones the kernel device has: each
 * NM_WIRE_TAP_OFF_* bit matches the TAP's ethtool feature
 * (tx-checksum-ip-generic, tx-tcp-segmentation, tx-tcp6-segmentation,
 * tx-udp-segmentation), read independently with SIOCETHTOOL.  With
 * offloads: at least CSUM|TSO4|TSO6 and w->gso; without: none of them, on
 * a fresh device and on a persistent one
 * that an earlier owner left with offloads on.  Prints what this kernel accepted.
 */
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "t_kernel.h"
#include "nic/wire_drv.h"

struct feat {
	const char *name;
	int bit;		/* NM_WIRE_TAP_OFF_*, 0 for USO6 (no own feature) */
	int idx;
};

static struct feat feats[] = {
	{ "tx-checksum-ip-generic", NM_WIRE_TAP_OFF_CSUM, -1 },
	{ "tx-tcp-segmentation", NM_WIRE_TAP_OFF_TSO4, -1 },
	{ "tx-tcp6-segmentation", NM_WIRE_TAP_OFF_TSO6, -1 },
	{ "tx-udp-segmentation", NM_WIRE_TAP_OFF_USO4, -1 },
};

/* The active ethtool features of ifname as NM_WIRE_TAP_OFF_* bits. */
static int kernel_offloads(const char *ifname)
{
	struct ethtool_sset_info *si;
	struct ethtool_gstrings *gs;
	struct ethtool_gfeatures *gf;
	struct ifreq ifr;
	unsigned n, i, k, blocks;
	int s, bits = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	T_ASSERT(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);

	si = calloc(1, sizeof(*si) + sizeof(uint32_t));
	si->cmd = ETHTOOL_GSSET_INFO;
	si->sset_mask = 1ull << ETH_SS_FEATURES;
	ifr.ifr_data = (void *)si;
	T_OK(ioctl(s, SIOCETHTOOL, &ifr));
	n = si->data[0];
	T_ASSERT(n > 0 && n < 4096);

	gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = n;
	ifr.ifr_data = (void *)gs;
	T_OK(ioctl(s, SIOCETHTOOL, &ifr));
	for (i = 0; i < n; i++)
		for (k = 0; k < (sizeof(feats) / sizeof(feats[0])); k++)
			if (!strncmp((char *)gs->data + i * ETH_GSTRING_LEN, feats[k].name,
				     ETH_GSTRING_LEN))
				feats[k].idx = (int)i;

	blocks = (n + 31) / 32;
	gf = calloc(1, sizeof(*gf) + blocks * sizeof(gf->features[0]));
	gf->cmd = ETHTOOL_GFEATURES;
	gf->size = blocks;
	ifr.ifr_data = (void *)gf;
	T_OK(ioctl(s, SIOCETHTOOL, &ifr));
	for (k = 0; k < (sizeof(feats) / sizeof(feats[0])); k++) {
		int idx = feats[k].idx;

		T_ASSERT(idx >= 0);
		if (gf->features[idx / 32].active & (1u << (idx % 32)))
			bits |= feats[k].bit;
	}
	free(gf);
	free(gs);
	free(si);
	close(s);
	return bits;
}

static void persist(const char *name, int on)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	T_ASSERT(fd >= 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	T_OK(ioctl(fd, TUNSETIFF, &ifr));
	T_OK(ioctl(fd, TUNSETPERSIST, on));
	close(fd);
}

int main(void)
{
	struct nm_wire_tap_params p = { .ifname = "nmtap0", .offloads = true };
	struct nm_wire *w;
	int off, r;

	r = t_enter_netns();
	if (r)
		return r;

	T_OK(nm_wire_tap_open(&p, &w));
	off = T_OK(nm_wire_tap_offloads(w));
	T_ASSERT(w->gso);
	T_EQ(off & (NM_WIRE_TAP_OFF_CSUM | NM_WIRE_TAP_OFF_TSO4 | NM_WIRE_TAP_OFF_TSO6),
	     NM_WIRE_TAP_OFF_CSUM | NM_WIRE_TAP_OFF_TSO4 | NM_WIRE_TAP_OFF_TSO6);
	T_EQ(!!(off & NM_WIRE_TAP_OFF_USO4), !!(off & NM_WIRE_TAP_OFF_USO6));
	T_EQ(kernel_offloads("nmtap0"), off & ~NM_WIRE_TAP_OFF_USO6);
	printf("kernel accepted:%s%s%s%s%s\n", off & NM_WIRE_TAP_OFF_CSUM ? " csum" : "",
	       off & NM_WIRE_TAP_OFF_TSO4 ? " tso4" : "", off & NM_WIRE_TAP_OFF_TSO6 ? " tso6" : "",
	       off & NM_WIRE_TAP_OFF_USO4 ? " uso4" : "", off & NM_WIRE_TAP_OFF_USO6 ? " uso6" : "");
	nm_wire_destroy(w);

	/* Without offloads, on a fresh device and on a persistent one that
	 * an earlier owner left with offloads on. */
	p.offloads = false;
	T_OK(nm_wire_tap_open(&p, &w));
	T_EQ(nm_wire_tap_offloads(w), 0);
	T_ASSERT(!w->gso);
	T_EQ(kernel_offloads("nmtap0"), 0);
	nm_wire_destroy(w);

	persist("nmtap1", 1);
	p = (struct nm_wire_tap_params){ .ifname = "nmtap1", .offloads = true };
	T_OK(nm_wire_tap_open(&p, &w));
	T_EQ(kernel_offloads("nmtap1"), off & ~NM_WIRE_TAP_OFF_USO6);
	nm_wire_destroy(w);
	T_EQ(kernel_offloads("nmtap1"), off & ~NM_WIRE_TAP_OFF_USO6);	/* left on */
	p.offloads = false;
	T_OK(nm_wire_tap_open(&p, &w));
	T_EQ(kernel_offloads("nmtap1"), 0);
	nm_wire_destroy(w);
	persist("nmtap1", 0);
	T_PASS();
}
