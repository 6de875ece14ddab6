/* SPDX-License-Identifier: MIT */
#ifndef NM_FUZZ_H
#define NM_FUZZ_H

/*
 * What every harness in fuzz/ shares (docs/fuzzing.md).
 *
 * A harness is one fuzz/fuzz_<name>.c defining
 *
 *	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
 *	void fz_write_seeds(struct fz_seeds *s);	// its seed corpus
 *
 * and is built twice: by clang with libFuzzer (`make fuzz`), and by gcc
 * with replay.c's main(), which feeds it every file of its corpus and
 * crash folders as a ctest test, and writes its seeds (--write-seeds).
 *
 *  - struct fz reads the input from the front: numbers (little endian)
 *    and byte runs.  An exhausted input reads as zeros, so every input is
 *    valid and the short ones are the simple cases.
 *  - struct fz_out writes the same format, for the seeds.
 *  - fz_begin() resets what outlives an input: the clock is faked (the
 *    test bed's t_clock_fake(): time moves only when the harness moves it,
 *    fz_clock_advance()), the error message is cleared.  Everything else
 *    a harness creates per input and destroys before returning, so runs
 *    repeat and LeakSanitizer sees every leak.
 *  - FZ_ASSERT is an oracle: it aborts, libFuzzer saves the input as a
 *    crash and the replay test fails.  The test bed's own checks (T_OK,
 *    T_ASSERT of tests/lib/t_util.h) abort the same way here
 *    (t_fail_abort(), set before main() by every harness).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmem/error.h>

#include "t_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the fake clock starts for each input: far from 0 (0 means "the
 * real clock" to t_clock_fake) and from any wrap. */
#define FZ_T0_US	1000000000ull

#define FZ_ASSERT(c, ...)                                                        \
	do {                                                                     \
		if (!(c)) {                                                      \
			fprintf(stderr, "FUZZ ORACLE %s:%d: %s: ", __FILE__,     \
				__LINE__, #c);                                   \
			fprintf(stderr, __VA_ARGS__);                            \
			fprintf(stderr, "\n");                                   \
			abort();                                                 \
		}                                                                \
	} while (0)

/* A call's result must be success or -errno with a message. */
#define FZ_ERRNO_OK(r, what)                                                     \
	do {                                                                     \
		long long _r = (long long)(r);                                   \
		FZ_ASSERT(_r >= -4095, "%s returned %lld", what, _r);            \
		FZ_ASSERT(_r >= 0 || nm_last_error()[0] != '\0',                 \
			  "%s = %lld without a message", what, _r);              \
	} while (0)

/* ---- the input ----------------------------------------------------------- */

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline struct fz fz_init(const uint8_t *data, size_t size)
{
	return (struct fz){ data, size };
}

static inline size_t fz_left(const struct fz *f)
{
	return f->n;
}

static inline uint8_t fz_u8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t lo = fz_u8(f);

	return (uint16_t)(lo | fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t lo = fz_u16(f);

	return lo | (uint32_t)fz_u16(f) << 16;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t lo = fz_u32(f);

	return lo | (uint64_t)fz_u32(f) << 32;
}

static inline bool fz_bool(struct fz *f)
{
	return fz_u8(f) & 1;
}

/* A number below n (n > 0), from one byte when n <= 256. */
static inline uint32_t fz_below(struct fz *f, uint32_t n)
{
	return (n <= 256 ? fz_u8(f) : n <= 65536 ? fz_u16(f) : fz_u32(f)) % n;
}

/* Up to n bytes of the input where they lie; *len says how many. */
static inline const uint8_t *fz_data(struct fz *f, size_t n, size_t *len)
{
	const uint8_t *p = f->p;

	*len = n < f->n ? n : f->n;
	f->p += *len;
	f->n -= *len;
	return p;
}

/* n bytes into dst, zeros past the end of the input. */
static inline void fz_bytes(struct fz *f, void *dst, size_t n)
{
	size_t k;
	const uint8_t *p = fz_data(f, n, &k);

	memcpy(dst, p, k);
	memset((uint8_t *)dst + k, 0, n - k);
}

/* ---- seeds: the same format, written ------------------------------------ */

struct fz_out {
	size_t n;
	uint8_t b[256 << 10];
};

static inline void fz_w8(struct fz_out *o, uint8_t v)
{
	if (o->n < sizeof(o->b))
		o->b[o->n++] = v;
}

static inline void fz_w16(struct fz_out *o, uint16_t v)
{
	fz_w8(o, (uint8_t)v);
	fz_w8(o, (uint8_t)(v >> 8));
}

static inline void fz_w32(struct fz_out *o, uint32_t v)
{
	fz_w16(o, (uint16_t)v);
	fz_w16(o, (uint16_t)(v >> 16));
}

static inline void fz_w64(struct fz_out *o, uint64_t v)
{
	fz_w32(o, (uint32_t)v);
	fz_w32(o, (uint32_t)(v >> 32));
}

static inline void fz_wbytes(struct fz_out *o, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fz_w8(o, ((const uint8_t *)p)[i]);
}

struct fz_seeds {
	const char *dir;
	int written;
	int failed;
};

/* Write o as the seed file dir/name (a name that says what it holds). */
static inline void fz_seed(struct fz_seeds *s, const char *name, const struct fz_out *o)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(o->b, 1, o->n, fp) != o->n) {
		fprintf(stderr, "seed %s: %s\n", path, strerror(errno));
		s->failed++;
	} else {
		s->written++;
	}
	if (fp)
		fclose(fp);
}

/* Each harness: write its seed corpus. */
void fz_write_seeds(struct fz_seeds *s);

/* ---- per input ------------------------------------------------------------ */

/* FZ_VERBOSE=1 in the environment: harnesses print what each input did
 * (to see that a seed reaches what it is meant to). */
static inline bool fz_verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FZ_VERBOSE") && *getenv("FZ_VERBOSE") == '1';
	return v;
}

/* The test bed's failed checks abort: libFuzzer reports a crash with its
 * stack, the replay test fails.  Before main(), so that seeds written
 * and inputs replayed alike abort. */
__attribute__((constructor)) static void fz_fail_aborts(void)
{
	t_fail_abort(true);
}

static inline void fz_begin(void)
{
	t_clock_fake(FZ_T0_US);
	nm_clear_error();
}

static inline void fz_clock_advance(uint64_t us)
{
	t_clock_advance(us);
}

#endif
