/* SPDX-License-Identifier: MIT */
/*
 * The stream pattern (t_util.h): byte i of every test stream is i % 251,
 * a prime, so a byte shifted by a multiple of any power of two (a lost or
 * repeated segment, a frag at the wrong offset) shows.  One table serves
 * every position, built before main() so that threads only read it.
 */
#include "t_util.h"

static uint8_t tab[T_PAT_RUN + 251];

__attribute__((constructor)) static void tab_fill(void)
{
	for (size_t i = 0; i < sizeof(tab); i++)
		tab[i] = T_PAT(i);
}

const uint8_t *t_pat(uint64_t pos)
{
	return tab + pos % 251;
}

bool t_pat_ok(const uint8_t *p, uint64_t n, uint64_t pos)
{
	while (n) {
		uint64_t k = n < T_PAT_RUN ? n : T_PAT_RUN;

		if (memcmp(p, t_pat(pos), k))
			return false;
		p += k;
		pos += k;
		n -= k;
	}
	return true;
}

void t_pat_fill(uint8_t *p, size_t len, uint64_t pos)
{
	while (len) {
		size_t k = len < T_PAT_RUN ? len : T_PAT_RUN;

		memcpy(p, t_pat(pos), k);
		p += k;
		pos += k;
		len -= k;
	}
}
