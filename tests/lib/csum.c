/* SPDX-License-Identifier: MIT */
/*
 * Bytes in network order and the Internet checksum (t_frame.h): a naive
 * reference, word by word, that shares no code with nic/csum.c, so that
 * the NIC's checksums are checked against something else.  Sums are kept
 * in 64 bits and folded to 32 on return: any length is exact.
 */
#include "nic/csum.h"
#include "t_frame.h"

void t_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void t_put32(uint8_t *p, uint32_t v)
{
	t_put16(p, (uint16_t)(v >> 16));
	t_put16(p + 2, (uint16_t)v);
}

uint16_t t_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t t_get32(const uint8_t *p)
{
	return (uint32_t)t_get16(p) << 16 | t_get16(p + 2);
}

uint32_t t_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t s = sum;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 32)		/* end-around carry: the same sum mod 0xffff */
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t t_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t t_csum(uint32_t sum)
{
	return (uint16_t)~t_fold(sum);
}

uint32_t t_pseudo4(const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
	uint32_t s = t_sum(src, 4, 0);

	s = t_sum(dst, 4, s);
	return s + proto + (uint32_t)len;
}

uint32_t t_pseudo6(const uint8_t *src, const uint8_t *dst, uint8_t nh, size_t len)
{
	uint32_t s = t_sum(src, 16, 0);

	s = t_sum(dst, 16, s);
	return s + nh + (uint32_t)len;
}

uint32_t t_ref_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	return t_fold(t_sum(p, n, sum));
}

uint16_t t_ref_csum(const uint8_t *p, size_t n, uint32_t sum)
{
	return (uint16_t)~t_ref_sum(p, n, sum);
}

uint32_t t_ref_pseudo(int ip, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t len)
{
	return t_fold(ip == 4 ? t_pseudo4(src, dst, proto, len) : t_pseudo6(src, dst, proto, len));
}

bool t_fill_csums(uint8_t *f, uint32_t len)
{
	struct nm_pkt_info info;

	if (nm_pkt_parse(f, len, &info) != 0)
		return false;
	if (info.l3_proto == 4)
		nm_csum_ipv4_fill(f, len, &info);
	if (info.l4_hdr_len)
		nm_csum_l4_fill(f, len, &info);
	return true;
}
