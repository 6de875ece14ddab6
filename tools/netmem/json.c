/* SPDX-License-Identifier: MIT */
/*
 * One JSON object per line, built in a fixed buffer: the summaries of
 * demo, server and client.  Keys are ours (no escaping needed); string
 * values are escaped.  Numbers that are not finite become null, since
 * JSON has no NaN.  A summary that would overflow the buffer is cut at a
 * member boundary (never seen: summaries are a few hundred bytes).
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"

static void put(struct nm_cli_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct nm_cli_json *j, const char *fmt, ...)
{
	size_t room = sizeof(j->buf) - j->len - 2;	/* keep "}" and NUL */
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, room, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < room)
		j->len += (size_t)n;
	else
		j->buf[j->len] = 0;	/* drop the member that did not fit */
}

static void key(struct nm_cli_json *j, const char *k)
{
	put(j, "%s\"%s\":", j->first ? "" : ",", k);
	j->first = false;
}

void nm_cli_json_begin(struct nm_cli_json *j)
{
	j->len = 0;
	j->first = true;
	j->buf[0] = 0;
	put(j, "{");
}

void nm_cli_json_u64(struct nm_cli_json *j, const char *k, uint64_t v)
{
	key(j, k);
	put(j, "%llu", (unsigned long long)v);
}

void nm_cli_json_i64(struct nm_cli_json *j, const char *k, int64_t v)
{
	key(j, k);
	put(j, "%lld", (long long)v);
}

void nm_cli_json_dbl(struct nm_cli_json *j, const char *k, double v)
{
	key(j, k);
	if (isfinite(v))
		put(j, "%.6g", v);
	else
		put(j, "null");
}

void nm_cli_json_bool(struct nm_cli_json *j, const char *k, bool v)
{
	key(j, k);
	put(j, "%s", v ? "true" : "false");
}

void nm_cli_json_null(struct nm_cli_json *j, const char *k)
{
	key(j, k);
	put(j, "null");
}

void nm_cli_json_str(struct nm_cli_json *j, const char *k, const char *v)
{
	char esc[512];
	size_t n = 0;

	for (const char *p = v; *p && n + 7 < sizeof(esc); p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\') {
			esc[n++] = '\\';
			esc[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(esc + n, sizeof(esc) - n, "\\u%04x", c);
		} else {
			esc[n++] = (char)c;
		}
	}
	esc[n] = 0;
	key(j, k);
	put(j, "\"%s\"", esc);
}

void nm_cli_json_raw(struct nm_cli_json *j, const char *k, const char *raw)
{
	key(j, k);
	put(j, "%s", raw);
}

const char *nm_cli_json_end(struct nm_cli_json *j)
{
	j->buf[j->len++] = '}';
	j->buf[j->len] = 0;
	return j->buf;
}
