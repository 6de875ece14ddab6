/* SPDX-License-Identifier: MIT */
#ifndef NM_T_UTIL_H
#define NM_T_UTIL_H

/*
 * The test bed's basics (tests/lib/, linked by every test, fuzz replay and
 * benchmark; docs/testing.md): one program per behaviour, exit 0 pass, 1
 * fail, 77 skip.
 *
 *	T_ASSERT(cond);			fails the test with file:line and cond
 *	T_EQ(a, b);			integers, prints both
 *	T_ERR(call, -EINVAL);		call returns that errno and sets a message
 *	T_OK(call);			call returns >= 0; prints nm_last_error()
 *	T_FAIL("fmt", ...);		fails with a message
 *	T_PASS();			prints PASS, returns 0 from main
 *	return T_SKIP;			77: the substance did not run (say why first)
 *
 * Also here: a deterministic PRNG, the one clock (monotonic time, and the
 * stack's fake clock that fuzz harnesses run on) and the one stream
 * pattern (byte i of a stream is i % 251, as ncdevmem-like tests use).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <netmem/error.h>

#define T_SKIP 77

/* Report a failed check at file:line and end the program: exit(1) (ctest's
 * failure), or abort() once t_fail_abort(true) was called (the fuzz
 * harnesses: libFuzzer then reports a crash with its stack). */
void t_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void t_fail_abort(bool on);

#define T_FAIL(...) t_fail(__FILE__, __LINE__, __VA_ARGS__)

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
		printf("PASS %s\n", __FILE__);                             \
		return 0;                                                  \
	} while (0)

/* Deterministic PRNG for randomized tests (xorshift64*); *s must not be 0. */
uint64_t t_rand(uint64_t *s);

/* Read *p in a forked child: the signal that killed it (SIGSEGV: the
 * memory is not readable), or else 1000 + its exit status (1003: it read
 * 0x5a, 1002: something else). */
int t_stray_read(const volatile char *p);
/* fork() for a test that runs a peer process: stdout flushed first, and
 * the child dies with SIGKILL when the test does (a check that fails in
 * the parent exits it; a child left waiting, paused or polling, would
 * hold ctest's output pipe until ctest's own timeout).  Returns as
 * fork() does; fails the test when fork() fails. */
pid_t t_fork(void);

/* ---- the clock (clock.c) ----------------------------------------------- */

/* CLOCK_MONOTONIC. */
uint64_t t_now_ns(void);
uint64_t t_now_us(void);
uint64_t t_now_ms(void);

/* The stack's clock (net/timer.c, what timers and TCP read): from
 * t_clock_fake(us) on it reads us and moves only when t_clock_fake() or
 * t_clock_advance() moves it; t_clock_fake(0) gives it back to the real
 * clock.  Process-wide. */
void t_clock_fake(uint64_t now_us);
void t_clock_advance(uint64_t us);
uint64_t t_clock_now_us(void);

/* ---- the stream pattern (pattern.c) -------------------------------------- */

#define T_PAT(i) ((uint8_t)((i) % 251))
/* t_pat(pos) points at T_PAT(pos) and the T_PAT_RUN bytes after it (a
 * table, not a division per byte). */
#define T_PAT_RUN (256u << 10)
const uint8_t *t_pat(uint64_t pos);
/* Does p[0..n) hold the pattern from pos? */
bool t_pat_ok(const uint8_t *p, uint64_t n, uint64_t pos);
/* Write len bytes of the pattern from pos. */
void t_pat_fill(uint8_t *p, size_t len, uint64_t pos);

/* ---- CPU views of memory (memview.c) -------------------------------------- */

/* The permissions /proc/self/maps shows for the mapping holding p ("rw-s",
 * "---s", ...) into perms[5]; fails the test if p is in no mapping. */
void t_map_perms(const void *p, char perms[5]);
/* For a test whose point is a fault in memfd or kernel dma-buf memory:
 * put mem/ in its checking mode (NM_MEM_CHECK=1, docs/memory.md), as ctest
 * does, so the test proves the same run by hand.  Call it before any
 * memory object exists; fails the test if the mode was already read off. */
void t_mem_check_mode(void);

#endif
