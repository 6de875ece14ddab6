/* SPDX-License-Identifier: MIT */
/*
 * Harness: the NIC's frame parser and everything that reads a parsed
 * frame's bytes (nic/parse.c, csum.c, rss.c, ntuple.c, tso.c), as pure
 * functions of the bytes.  The oracles are t_pkt_exercise()'s (shared with
 * the random test t_nic_pkt_fuzz) plus one of its own: checksums filled by
 * nm_csum_*_fill() verify.
 *
 * Input: an 11-byte pick (split point, header bytes available to the
 * header-only parse, TSO type and MSS), then the frame, which is copied
 * into a buffer of exactly its length.
 */
#include "fuzz.h"
#include "t_pkt_check.h"
#include "nic/wire_drv.h"

static struct t_pkt_tables tables;
static bool tables_up;

/* Fill, then verify: what the transmit side writes, the receive side
 * accepts. */
static void check_fill(const uint8_t *f, uint32_t len)
{
	uint8_t *g = malloc(len ? len : 1);
	struct nm_pkt_info in;
	int r;

	FZ_ASSERT(g, "out of memory");
	memcpy(g, f, len);
	if (nm_pkt_parse(g, len, &in) == 0) {
		if (in.l3_proto == 4) {
			FZ_ASSERT(nm_csum_ipv4_fill(g, len, &in) == 0, "ipv4 fill");
			FZ_ASSERT(nm_csum_ipv4_verify(g, len, &in) == 0, "filled IPv4 checksum");
		}
		if (in.l4_hdr_len && nm_csum_l4_fill(g, len, &in) == 0) {
			r = nm_csum_l4_verify(g, len, &in);
			FZ_ASSERT(r == NM_CSUM_OK, "filled L4 checksum verifies as %d", r);
		}
	}
	free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = fz_init(data, size);
	struct t_pkt_counts c;
	struct t_pkt_pick pk;
	const uint8_t *p;
	uint8_t *f;
	size_t len;

	fz_begin();
	if (!tables_up) {	/* read-only once set up: no state between inputs */
		t_pkt_tables_init(&tables);
		tables_up = true;
	}
	pk.split = fz_u32(&in);
	pk.avail = fz_u32(&in);
	pk.tso_type = fz_u8(&in);
	pk.tso_mss = fz_u16(&in);
	p = fz_data(&in, NM_WIRE_MAX_FRAME, &len);
	f = malloc(len ? len : 1);	/* exactly len: reads past it are reports */
	FZ_ASSERT(f, "out of memory");
	memcpy(f, p, len);
	memset(&c, 0, sizeof(c));
	t_pkt_exercise(f, (uint32_t)len, &pk, &tables, &c);
	check_fill(f, (uint32_t)len);
	free(f);
	return 0;
}

struct seed_ctx {
	struct fz_seeds *s;
	int n;
};

static void add_seed(const uint8_t *frame, uint32_t len, void *arg)
{
	static struct fz_out o;
	struct seed_ctx *sc = arg;
	struct nm_pkt_info info;
	char name[64];

	o.n = 0;
	fz_w32(&o, len / 2);		/* split in the middle of the payload */
	fz_w32(&o, UINT32_MAX);		/* the header-only parse sees it all */
	fz_w8(&o, (uint8_t)sc->n);	/* each TSO type in turn */
	fz_w16(&o, 536);
	fz_wbytes(&o, frame, len);
	nm_pkt_parse(frame, len, &info);
	snprintf(name, sizeof(name), "%02d-%s%s%s%s-%u", sc->n++,
		 info.ethertype == NM_ETH_P_ARP ? "arp" : info.l3_proto == 0 ? "l2" :
		 info.l4_proto == NM_IPPROTO_TCP ? "tcp" : info.l4_proto == NM_IPPROTO_UDP ? "udp" :
		 "icmp",
		 info.l3_proto == 4 ? "4" : info.l3_proto == 6 ? "6" : "",
		 info.nr_vlans ? "-vlan" : "", info.is_fragment ? "-frag" : "", len);
	fz_seed(sc->s, name, &o);
}

void fz_write_seeds(struct fz_seeds *s)
{
	struct seed_ctx sc = { s, 0 };

	t_pkt_seed_frames(add_seed, &sc);
}
