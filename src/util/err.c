/* SPDX-License-Identifier: MIT */
/*
 * Per-thread last-error message (nm_last_error()).
 *
 * Most errors are rare, so formatting cost does not matter; what matters is
 * that the message is per thread (a stack thread and a control thread fail
 * independently) and never allocates.  One is not rare: a polling loop on a
 * non-blocking socket gets -EAGAIN ("recv: would block") on most calls, and
 * formatting that with vsnprintf cost 2-4% of such a loop.  A message
 * without conversions is therefore recorded by pointer, not copied: every
 * caller passes a string literal (static storage, so the pointer stays
 * valid), and nm_last_error() returns whichever of the two was set last.
 * The nm_err() macro in err.h tells such a literal at compile time (no
 * strchr() at all); the function still checks for callers it cannot see
 * through (a build without optimization).
 *
 * Every message starts with the public call the thread is in
 * (NM_API_CALL() at each entry point keeps it in nm__api_call): "nm_bind:
 * not a local address".  A formatted message gets it when it is written;
 * a literal keeps its pointer and the call's, and the two are put together
 * when nm_last_error() reads them, so the -EAGAIN path stays two stores.
 * A message that still starts with the call's own short name ("dma_map:
 * ...", from a helper handed it as an fn argument) is not doubled: the
 * short name gives way to the full one.  nm_err_wrap() keeps the call
 * first when a layer above adds its words; a failed system call is
 * converted here, once (nm_err_sys()).  Outside any public call (a test
 * driving an internal function) messages are as written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

#define NM_ERR_MSG_MAX 256

/* Messages longer than the buffer are cut; that is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

__thread const char *nm__api_call;		/* err.h: NM_API_CALL() */
static __thread char nm_errmsg[NM_ERR_MSG_MAX];	/* a formatted message, whole */
static __thread const char *nm_errconst;	/* a literal set last, or NULL */
static __thread const char *nm_errcall;		/* the call nm_errconst was set in */
static __thread char nm_errread[NM_ERR_MSG_MAX];	/* the two, put together */

/* msg without the call's short name in front, if it starts with it. */
static const char *skip_short_name(const char *call, const char *msg)
{
	size_t n;

	if (strncmp(call, "nm_", 3))
		return msg;
	n = strlen(call + 3);
	if (!strncmp(msg, call + 3, n) && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

/* Write "<call>: <msg>" (or msg outside a call) as the last error. */
static void put_msg(char *dst, const char *call, const char *msg)
{
	if (call)
		snprintf(dst, NM_ERR_MSG_MAX, "%s: %s", call, skip_short_name(call, msg));
	else if (dst != msg)
		snprintf(dst, NM_ERR_MSG_MAX, "%s", msg);
}

const char *nm_last_error(void)
{
	if (!nm_errconst)
		return nm_errmsg;
	if (!nm_errcall)
		return nm_errconst;
	put_msg(nm_errread, nm_errcall, nm_errconst);
	return nm_errread;
}

void nm_clear_error(void)
{
	nm_errconst = NULL;
	nm_errcall = NULL;
	nm_errmsg[0] = '\0';
}

int nm_err_lit(int err, const char *msg)
{
	nm_errconst = msg;
	nm_errcall = nm__api_call;
	return err > 0 ? -err : err;
}

int (nm_err)(int err, const char *fmt, ...)
{
	char msg[NM_ERR_MSG_MAX];
	va_list ap;

	if (!strchr(fmt, '%'))		/* nothing to format: the fast path */
		return nm_err_lit(err, fmt);
	nm_errconst = NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_msg(nm_errmsg, nm__api_call, msg);
	return err > 0 ? -err : err;
}

int nm_err_wrap(int neg_err, const char *fmt, ...)
{
	char prefix[NM_ERR_MSG_MAX], inner[NM_ERR_MSG_MAX], msg[NM_ERR_MSG_MAX];
	const char *call = nm__api_call, *rest = inner;
	size_t n = call ? strlen(call) : 0;
	va_list ap;

	snprintf(inner, sizeof(inner), "%s", nm_last_error());
	nm_errconst = NULL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* the public call stays first: "<call>: <prefix>: <rest>" */
	if (n && !strncmp(inner, call, n) && !strncmp(inner + n, ": ", 2))
		rest += n + 2;
	if (!rest[0])
		rest = strerror(neg_err < 0 ? -neg_err : neg_err);
	snprintf(msg, sizeof(msg), "%s: %s", prefix, rest);
	put_msg(nm_errmsg, call, msg);
	return neg_err < 0 ? neg_err : -neg_err;
}

int nm_err_sys(int err, const char *fmt, ...)
{
	char what[NM_ERR_MSG_MAX], msg[NM_ERR_MSG_MAX];
	va_list ap;

	if (err < 0)
		err = -err;
	if (!err)		/* a call that failed without saying why */
		err = EIO;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	nm_errconst = NULL;
	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
	put_msg(nm_errmsg, nm__api_call, msg);
	return -err;
}
