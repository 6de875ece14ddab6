/* RSS indirection table: ethtool-like fill helpers (equal N, start S equal
 * N), validation, install/readback, queue = indir[hash & (size - 1)], and
 * which frames hash what (4-tuple, 2-tuple for fragments, non-IP none). */
#include <errno.h>

#include "nic/rss.h"
#include "util/err.h"
#include "t_util.h"
#include "t_frame.h"

static struct nm_rss rss;

int main(void)
{
	uint16_t t[NM_RSS_INDIR_MAX], back[NM_RSS_INDIR_MAX];
	static uint8_t buf[2048];
	uint64_t seed = 42;

	/* equal N */
	T_OK(nm_rss_indir_fill_equal(t, 128, 3));
	for (int i = 0; i < 128; i++)
		T_EQ(t[i], i % 3);
	T_OK(nm_rss_indir_validate(t, 128, 3));
	T_ERR(nm_rss_indir_validate(t, 128, 2), -EINVAL);	/* entry 2 is queue 2 */
	T_ASSERT(strstr(nm_last_error(), "entry 2") != NULL);

	/* start S equal N */
	T_OK(nm_rss_indir_fill_start_equal(t, 512, 4, 5));
	for (int i = 0; i < 512; i++)
		T_EQ(t[i], 4 + i % 5);
	T_OK(nm_rss_indir_validate(t, 512, 9));
	T_ERR(nm_rss_indir_validate(t, 512, 8), -EINVAL);
	T_OK(nm_rss_indir_fill_equal(t, 1, 1));
	T_EQ(t[0], 0);

	/* bad sizes and ranges */
	T_ERR(nm_rss_indir_fill_equal(t, 0, 4), -EINVAL);
	T_ERR(nm_rss_indir_fill_equal(t, 96, 4), -EINVAL);
	T_ERR(nm_rss_indir_fill_equal(t, 1024, 4), -EINVAL);
	T_ERR(nm_rss_indir_fill_equal(t, 128, 0), -EINVAL);
	T_ERR(nm_rss_indir_fill_equal(NULL, 128, 4), -EINVAL);
	T_ERR(nm_rss_indir_fill_start_equal(t, 128, 65535, 1), -EINVAL);
	T_ERR(nm_rss_indir_fill_start_equal(t, 128, 65530, 6), -EINVAL);
	T_ERR(nm_rss_indir_validate(t, 100, 4), -EINVAL);
	T_ERR(nm_rss_indir_validate(t, 128, 0), -EINVAL);
	T_ERR(nm_rss_indir_validate(NULL, 128, 4), -EINVAL);

	/* defaults: 128 entries spread over the queues, 4-tuple everywhere */
	T_ERR(nm_rss_init(&rss, 0), -EINVAL);
	T_ERR(nm_rss_init(NULL, 4), -EINVAL);
	T_OK(nm_rss_init(&rss, 6));
	T_EQ(nm_rss_get_indir(&rss, back, NM_RSS_INDIR_MAX), 128);
	for (int i = 0; i < 128; i++)
		T_EQ(back[i], i % 6);
	T_ERR(nm_rss_get_indir(&rss, back, 127), -ENOSPC);

	/* install: queue is indir[hash & (size - 1)] */
	T_OK(nm_rss_indir_fill_start_equal(t, 256, 2, 3));
	T_OK(nm_rss_set_indir(&rss, t, 256, 5));
	T_EQ(nm_rss_get_indir(&rss, back, NM_RSS_INDIR_MAX), 256);
	T_EQ(memcmp(back, t, 256 * sizeof(t[0])), 0);
	T_OK(nm_rss_check(&rss));
	T_ERR(nm_rss_set_indir(&rss, t, 256, 4), -EINVAL);	/* queue 4 not there */
	T_OK(nm_rss_check(&rss));				/* still whole */
	T_EQ(nm_rss_get_indir(&rss, back, NM_RSS_INDIR_MAX), 256);	/* unchanged */
	for (int i = 0; i < 1000; i++) {
		uint32_t h = (uint32_t)t_rand(&seed);

		T_EQ(nm_rss_queue(&rss, h), t[h & 255]);
	}
	/* a table of random entries */
	for (int i = 0; i < 64; i++)
		t[i] = (uint16_t)(t_rand(&seed) % 7);
	T_OK(nm_rss_set_indir(&rss, t, 64, 7));
	for (int i = 0; i < 1000; i++) {
		uint32_t h = (uint32_t)t_rand(&seed);

		T_EQ(nm_rss_queue(&rss, h), t[h & 63]);
	}

	/* what a frame hashes */
	{
		struct nm_pkt_info in;
		struct t_frame f = t_tcp4(100);
		uint32_t len, h, h2, h4;
		uint16_t q;

		h2 = nm_rss_hash_v4(&rss, f.src, f.dst, 0, 0, false);
		h4 = nm_rss_hash_v4(&rss, f.src, f.dst, f.sport, f.dport, true);
		T_ASSERT(h2 != h4);
		len = t_build(buf, sizeof(buf), &f);
		T_OK(nm_pkt_parse(buf, len, &in));
		T_EQ(nm_rss_hash_pkt(&rss, &in, &h, &q), NM_RSS_HASH_L4);
		T_EQ(h, h4);
		T_EQ(q, t[h4 & 63]);

		f.proto = NM_IPPROTO_UDP;		/* same ports over UDP */
		len = t_build(buf, sizeof(buf), &f);
		T_OK(nm_pkt_parse(buf, len, &in));
		T_EQ(nm_rss_hash_pkt(&rss, &in, &h, &q), NM_RSS_HASH_L4);
		T_EQ(h, h4);
		T_OK(nm_rss_set_l4_types(&rss, NM_RSS_L4_TCP4 | NM_RSS_L4_TCP6));
		T_EQ(nm_rss_hash_pkt(&rss, &in, &h, &q), NM_RSS_HASH_L3);	/* ethtool: sd */
		T_EQ(h, h2);
		T_ERR(nm_rss_set_l4_types(&rss, 0x10), -EINVAL);
		T_OK(nm_rss_set_l4_types(&rss, NM_RSS_L4_ALL));

		f = t_tcp4(100);
		f.frag_off = 0x2000;			/* fragment: no ports */
		len = t_build(buf, sizeof(buf), &f);
		T_OK(nm_pkt_parse(buf, len, &in));
		T_EQ(nm_rss_hash_pkt(&rss, &in, &h, &q), NM_RSS_HASH_L3);
		T_EQ(h, h2);

		f = t_tcp4(100);
		f.proto = NM_IPPROTO_ICMP;
		len = t_build(buf, sizeof(buf), &f);
		T_OK(nm_pkt_parse(buf, len, &in));
		T_EQ(nm_rss_hash_pkt(&rss, &in, &h, &q), NM_RSS_HASH_L3);
		T_EQ(h, h2);

		f = (struct t_frame){ .ethertype = NM_ETH_P_ARP, .payload_len = 46 };
		len = t_build(buf, sizeof(buf), &f);
		buf[18] = 6, buf[19] = 4;
		T_OK(nm_pkt_parse(buf, len, &in));
		T_EQ(nm_rss_hash_pkt(&rss, &in, &h, &q), NM_RSS_HASH_NONE);
		T_EQ(h, 0);
		T_EQ(q, t[0]);

		T_ERR(nm_rss_hash_pkt(NULL, &in, &h, &q), -EINVAL);
		/* the checker notices a corrupted table */
		rss.indir[3] = 7;
		T_ERR(nm_rss_check(&rss), -EFAULT);
		rss.indir[3] = 0;
		T_OK(nm_rss_check(&rss));
		rss.tbl[5][16] ^= 1;
		T_ERR(nm_rss_check(&rss), -EFAULT);
		T_ERR(nm_rss_hash_pkt(&rss, &in, NULL, &q), -EINVAL);
	}
	T_PASS();
}
