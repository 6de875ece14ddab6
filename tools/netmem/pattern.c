/* SPDX-License-Identifier: MIT */
/*
 * The validation pattern of the kernel's ncdevmem
 * (tools/testing/selftests/drivers/net/hw/ncdevmem.c, validate_buffer()).
 *
 * ncdevmem -v V keeps an unsigned char seed that starts at 1; byte i of
 * the stream must equal seed (or '\n' when seed is 0), then seed++ and, if
 * seed == V, seed = 0.  So the stream is 1, 2, ..., V-1, '\n' repeated:
 * exactly what `yes $(printf \\001\\002...)` produces, which is how its
 * documentation feeds it.  Because the seed is 8 bits, V > 256 never
 * resets and behaves as 256; V = 1 likewise.  Our default V is 255: a
 * period prime to every power of two, so a payload placed a page (or any
 * buffer size) away from where it belongs cannot pass.
 *
 * Checking is a memcmp against a table holding the pattern twice over plus
 * one chunk, so any offset's expected bytes are one pointer away.
 * Workload: every received byte, so it must run near memory bandwidth.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int nm_cli_pattern_init(struct nm_cli_pattern *p, uint64_t v, size_t max_chunk)
{
	memset(p, 0, sizeof(*p));
	p->period = (v >= 2 && v <= 256) ? (uint32_t)v : 256;
	p->table_len = 2 * (size_t)p->period + max_chunk;
	p->table = malloc(p->table_len);
	if (!p->table)
		return -ENOMEM;
	for (size_t i = 0; i < p->table_len; i++)
		p->table[i] = nm_cli_pattern_byte(p, i);
	return 0;
}

void nm_cli_pattern_free(struct nm_cli_pattern *p)
{
	free(p->table);
	p->table = NULL;
}

const uint8_t *nm_cli_pattern_at(const struct nm_cli_pattern *p, uint64_t off)
{
	return p->table + off % p->period;
}

int64_t nm_cli_pattern_check(const struct nm_cli_pattern *p, uint64_t off, const uint8_t *buf,
			     size_t len)
{
	size_t max = p->table_len - p->period, done = 0;

	while (done < len) {
		size_t n = len - done < max ? len - done : max;
		const uint8_t *want = nm_cli_pattern_at(p, off + done);

		if (memcmp(buf + done, want, n))
			for (size_t i = 0; i < n; i++)
				if (buf[done + i] != want[i])
					return (int64_t)(done + i);
		done += n;
	}
	return -1;
}

void nm_cli_pattern_fill(const struct nm_cli_pattern *p, uint64_t off, uint8_t *buf, size_t len)
{
	size_t max = p->table_len - p->period, done = 0;

	while (done < len) {
		size_t n = len - done < max ? len - done : max;

		memcpy(buf + done, nm_cli_pattern_at(p, off + done), n);
		done += n;
	}
}
