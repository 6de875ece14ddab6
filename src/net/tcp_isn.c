/* SPDX-License-Identifier: MIT */
/*
 * Initial sequence numbers per RFC 6528: ISN = M + F(4-tuple, secret),
 * M a 4-microsecond clock, F SipHash-2-4 keyed with 128 random bits per
 * stack.  Connections to the same peer advance with the clock (so a new
 * incarnation starts above an old one's sequence space); other peers'
 * ISNs are unpredictable.  Called once per connection; cost is trivial.
 */
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "net/tcp.h"

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                   \
	do {                                                                       \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);         \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                             \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                             \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);         \
	} while (0)

uint64_t nm_tcp_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0, k1, m, b = (uint64_t)len << 56;
	uint64_t v0, v1, v2, v3;
	size_t i, left = len & 7;

	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	v0 = 0x736f6d6570736575ull ^ k0;
	v1 = 0x646f72616e646f6dull ^ k1;
	v2 = 0x6c7967656e657261ull ^ k0;
	v3 = 0x7465646279746573ull ^ k1;
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, in + i, 8);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < left; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void nm_tcp_isn_key_init(uint8_t key[16])
{
	struct timespec ts;

	if (getrandom(key, 16, GRND_NONBLOCK) != 16) {
		/* No entropy source: still distinct per stack and boot. */
		uint64_t a, b;

		clock_gettime(CLOCK_REALTIME, &ts);
		a = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		b = (uint64_t)(uintptr_t)key ^ rotl(a, 29);
		memcpy(key, &a, 8);
		memcpy(key + 8, &b, 8);
	}
}

uint32_t nm_tcp_isn(const uint8_t key[16], const struct nm_addr *laddr, uint16_t lport,
		    const struct nm_addr *raddr, uint16_t rport, uint64_t now_us)
{
	uint8_t buf[36];

	memcpy(buf, laddr->b, 16);
	memcpy(buf + 16, raddr->b, 16);
	buf[32] = (uint8_t)(lport >> 8);
	buf[33] = (uint8_t)lport;
	buf[34] = (uint8_t)(rport >> 8);
	buf[35] = (uint8_t)rport;
	return (uint32_t)nm_tcp_siphash(key, buf, sizeof(buf)) + (uint32_t)(now_us / 4);
}
