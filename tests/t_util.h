/* SPDX-License-Identifier: MIT */
#ifndef NM_T_UTIL_H
#define NM_T_UTIL_H

/*
 * Tiny test harness: one program per behaviour, exit 0 pass, 1 fail, 77 skip.
 *
 *	T_ASSERT(cond);			fails the test with file:line and cond
 *	T_EQ(a, b);			integers, prints both
 *	T_ERR(call, -EINVAL);		call returns that errno and sets a message
 *	T_OK(call);			call returns >= 0; prints nm_last_error()
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmem/error.h>

#define T_SKIP 77

/* How a failed check ends the program: exit 1 (ctest's failure); the fuzz
 * harnesses abort instead, which libFuzzer reports with a stack. */
#ifndef T_FAIL_EXIT
#define T_FAIL_EXIT() exit(1)
#endif

static int t_failures __attribute__((unused));

#define T_FAIL(...)                                                        \
	do {                                                               \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);       \
		fprintf(stderr, __VA_ARGS__);                              \
		fprintf(stderr, "\n");                                     \
		T_FAIL_EXIT();                                             \
	} while (0)

#define T_ASSERT(c)                                                        \
	do {                                                               \
		if (!(c))                                                  \
			T_FAIL("%s", #c);                                  \
	} while (0)

#define T_EQ(a, b)                                                         \
	do {                                                               \
		long long _a = (long long)(a), _b = (long long)(b);        \
		if (_a != _b)                                              \
			T_FAIL("%s == %s: %lld != %lld", #a, #b, _a, _b);  \
	} while (0)

#define T_OK(call)                                                         \
	({                                                                 \
		long long _r = (long long)(call);                          \
		if (_r < 0)                                                \
			T_FAIL("%s = %lld (%s): %s", #call, _r,            \
			       strerror((int)-_r), nm_last_error());       \
		_r;                                                        \
	})

/* The call must fail with exactly err (negative) and leave a message. */
#define T_ERR(call, err)                                                   \
	do {                                                               \
		nm_clear_error();                                          \
		long long _r = (long long)(call);                          \
		if (_r != (long long)(err))                                \
			T_FAIL("%s = %lld, want %lld (%s)", #call, _r,     \
			       (long long)(err), nm_last_error());         \
		if (nm_last_error()[0] == '\0')                            \
			T_FAIL("%s: no nm_last_error() message", #call);   \
	} while (0)

#define T_PASS()                                                           \
	do {                                                               \
		(void)t_failures;                                          \
		printf("PASS %s\n", __FILE__);                             \
		return 0;                                                  \
	} while (0)

/* Deterministic PRNG for randomized tests (xorshift64*). */
static inline uint64_t t_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

#endif
