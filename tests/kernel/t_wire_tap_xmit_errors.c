/* SPDX-License-Identifier: MIT */
/*
 * xmit refuses what the wire cannot carry, with a message, and counts
 * nothing as sent: oversized frames (-EMSGSIZE), runts and malformed
 * offload metadata (-EINVAL), UFO (-EOPNOTSUPP), too many iovecs, GSO
 * without offloads above the MTU.  A header the kernel itself rejects
 * comes back as -EINVAL and is counted as dropped.  Largest plain frame
 * (mtu + 18) and a GSO-typed frame that fits the MTU on a plain TAP pass.
 */
#include "t_kernel.h"
#include "nic/wire_drv.h"

static uint8_t big[NM_WIRE_MAX_FRAME + 16];

static int xmit(struct nm_wire *w, size_t len, const struct nm_wire_meta *m)
{
	struct iovec iov = { .iov_base = big, .iov_len = len };

	return nm_wire_xmit(w, &iov, 1, m);
}

int main(void)
{
	struct nm_wire_meta m, ok = { .flags = NM_WIRE_F_NEEDS_CSUM, .gso_type = NM_WIRE_GSO_TCPV4,
				      .hdr_len = 54, .gso_size = 1448, .csum_start = 34,
				      .csum_offset = 16 };
	struct nm_wire_tap_params pp = { .ifname = "nmtap1", .mtu = 2000, .up = true };
	struct iovec many[NM_WIRE_MAX_IOV + 1];
	struct nm_wire_stats st;
	struct nm_wire *w, *plain;
	uint8_t kmac[6];
	unsigned i;
	int r;

	r = t_enter_netns();
	if (r)
		return r;
	t_no_ipv6();
	w = t_tap_open(true, NULL);
	t_tap_kernel_mac(w, kmac);
	/* A frame the kernel drops quietly: unknown EtherType. */
	t_eth(big, kmac, t_our_mac, 0x88b5);

	/* Sizes. */
	T_ERR(xmit(w, 1519, NULL), -EMSGSIZE);
	T_OK(xmit(w, 1518, NULL));
	T_ERR(xmit(w, 13, NULL), -EINVAL);
	T_ERR(xmit(w, NM_WIRE_MAX_FRAME + 1, &ok), -EMSGSIZE);
	for (i = 0; i < NM_WIRE_MAX_IOV + 1; i++)
		many[i] = (struct iovec){ big, 1 };
	T_ERR(nm_wire_xmit(w, many, NM_WIRE_MAX_IOV + 1, NULL), -EINVAL);
	T_ERR(w->ops->xmit(w, many, NM_WIRE_MAX_IOV + 1, NULL), -EINVAL);

	/* Metadata. */
	m = ok, m.flags |= 0x40;
	T_ERR(xmit(w, 3000, &m), -EINVAL);
	m = ok, m.gso_type = 2;
	T_ERR(xmit(w, 3000, &m), -EINVAL);
	m = ok, m.gso_type = NM_WIRE_GSO_UDP;
	T_ERR(xmit(w, 3000, &m), -EOPNOTSUPP);
	m = ok, m.gso_size = 0;
	T_ERR(xmit(w, 3000, &m), -EINVAL);
	m = ok, m.flags = 0;
	T_ERR(xmit(w, 3000, &m), -EINVAL);
	m = ok, m.csum_start = 2990;
	T_ERR(xmit(w, 3000, &m), -EINVAL);
	m = ok, m.hdr_len = 3001;
	T_ERR(xmit(w, 3000, &m), -EINVAL);
	m = (struct nm_wire_meta){ .flags = NM_WIRE_F_NEEDS_CSUM, .csum_start = 100,
				   .csum_offset = 6 };
	T_ERR(xmit(w, 107, &m), -EINVAL);

	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_frames, 1);
	T_EQ(st.tx_bytes, 1518);
	T_EQ(st.tx_dropped, 0);

	/* The kernel's own check: USO wants the UDP checksum offset (6). */
	m = (struct nm_wire_meta){ .flags = NM_WIRE_F_NEEDS_CSUM, .gso_type = NM_WIRE_GSO_UDP_L4,
				   .hdr_len = 42, .gso_size = 1000, .csum_start = 34,
				   .csum_offset = 16 };
	if (nm_wire_tap_offloads(w) & NM_WIRE_TAP_OFF_USO4) {
		T_ERR(xmit(w, 3042, &m), -EINVAL);
		T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
		T_EQ(st.tx_dropped, 1);
		T_EQ(st.tx_frames, 1);
	}

	/* Without offloads: no GSO above the MTU, but a GSO-typed frame that
	 * fits goes out as a plain one. */
	T_OK(nm_wire_tap_open(&pp, &plain));
	T_ERR(xmit(plain, 2019, &ok), -EMSGSIZE);
	T_ERR(xmit(plain, 2019, NULL), -EMSGSIZE);
	T_OK(xmit(plain, 2018, NULL));
	m = ok, m.csum_offset = 2;
	T_OK(xmit(plain, 1000, &m));
	T_OK(nm_wire_get_stats(plain, &st, sizeof(st)));
	T_EQ(st.tx_frames, 2);
	T_EQ(st.tx_bytes, 3018);

	nm_wire_destroy(plain);
	nm_wire_destroy(w);
	T_PASS();
}
