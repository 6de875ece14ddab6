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
 * A failed system call is converted here, once (nm_err_sys()), and names
 * the public call the thread is in: NM_API_CALL() at each public entry
 * point keeps it in nm__api_call, and nm_err_wrap() keeps it first when a
 * layer above adds its words.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

#define NM_ERR_MSG_MAX 256

/* Messages longer than the buffer are cut; that is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

__thread const char *nm__api_call;		/* err.h: NM_API_CALL() */
static __thread char nm_errmsg[NM_ERR_MSG_MAX];
static __thread const char *nm_errconst;	/* a literal set last, or NULL */

const char *nm_last_error(void)
{
	return nm_errconst ? nm_errconst : nm_errmsg;
}

void nm_clear_error(void)
{
	nm_errconst = NULL;
	nm_errmsg[0] = '\0';
}

int nm_err_lit(int err, const char *msg)
{
	nm_errconst = msg;
	return err > 0 ? -err : err;
}

int (nm_err)(int err, const char *fmt, ...)
{
	va_list ap;

	if (!strchr(fmt, '%')) {	/* nothing to format: the fast path */
		nm_errconst = fmt;
		return err > 0 ? -err : err;
	}
	nm_errconst = NULL;
	va_start(ap, fmt);
	vsnprintf(nm_errmsg, sizeof(nm_errmsg), fmt, ap);
	va_end(ap);
	return err > 0 ? -err : err;
}

int nm_err_wrap(int neg_err, const char *fmt, ...)
{
	char prefix[NM_ERR_MSG_MAX], inner[NM_ERR_MSG_MAX];
	va_list ap;

	const char *call = nm__api_call;
	size_t n = call ? strlen(call) : 0;

	snprintf(inner, sizeof(inner), "%s", nm_last_error());
	nm_errconst = NULL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* the public call stays first: "<call>: <prefix>: <rest>" */
	if (n && !strncmp(inner, call, n) && !strncmp(inner + n, ": ", 2))
		snprintf(nm_errmsg, sizeof(nm_errmsg), "%s: %s: %s", call, prefix, inner + n + 2);
	else if (inner[0])
		snprintf(nm_errmsg, sizeof(nm_errmsg), "%s: %s", prefix, inner);
	else
		snprintf(nm_errmsg, sizeof(nm_errmsg), "%s: %s", prefix, strerror(-neg_err));
	return neg_err < 0 ? neg_err : -neg_err;
}

int nm_err_sys(int err, const char *fmt, ...)
{
	char what[NM_ERR_MSG_MAX];
	va_list ap;

	if (err < 0)
		err = -err;
	if (!err)		/* a call that failed without saying why */
		err = EIO;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	nm_errconst = NULL;
	if (nm__api_call)
		snprintf(nm_errmsg, sizeof(nm_errmsg), "%s: %s: %s", nm__api_call, what,
			 strerror(err));
	else
		snprintf(nm_errmsg, sizeof(nm_errmsg), "%s: %s", what, strerror(err));
	return -err;
}
