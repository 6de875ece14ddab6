/* SPDX-License-Identifier: MIT */
/*
 * Option values for the netmem command, and its one-line errors.
 *
 * Every value a user types goes through one of these parsers, which check
 * the syntax and the range and, on a bad value, print
 * "netmem CMD: --opt: why" and exit 2.  Nothing here returns an invalid
 * value, so the commands never see one.  With --json (known before the
 * options are parsed: main.c looks for it) every such line also goes to
 * stdout as {"cmd":CMD,"result":"error","error":"...","exit":N}.
 * Workload: startup only.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *nm_cli_cmd = "";
static int nm_cli_out_errno;		/* first failed write to stdout */
static bool nm_cli_exiting;		/* a die or the finish runs: no early exit */
static bool nm_cli_json_err;		/* --json: failures as a JSON object too */
static int nm_cli_fail_exit = NM_CLI_EXIT_FAIL;	/* what NM_CLI_EXIT_FAIL means */

static void vmsg(const char *fmt, va_list ap, const char *tail)
{
	fprintf(stderr, "netmem%s%s: ", *nm_cli_cmd ? " " : "", nm_cli_cmd);
	vfprintf(stderr, fmt, ap);
	if (tail)
		fprintf(stderr, ": %s", tail);
	fputc('\n', stderr);
	fflush(stderr);
}

void nm_cli_json_errors(bool on)
{
	nm_cli_json_err = on;
}

void nm_cli_fail_code(int code)
{
	nm_cli_fail_exit = code;
}

/*
 * The end of every failure: the line on stderr, then with --json the same
 * words as one object on stdout, then exit.  Only one thread gets to say
 * it (the demo's sender may fail while the receiver does): a second one
 * waits for the first one's exit, so stdout holds exactly one error.
 */
static void __attribute__((noreturn)) die_v(int code, const char *tail, const char *fmt,
					     va_list ap)
{
	static atomic_flag dying = ATOMIC_FLAG_INIT;
	struct nm_cli_json j;
	char msg[512];
	va_list ap2;

	if (atomic_flag_test_and_set(&dying))
		for (;;)
			pause();
	if (code == NM_CLI_EXIT_FAIL)
		code = nm_cli_fail_exit;
	nm_cli_exiting = true;
	nm_cli_flush();
	va_copy(ap2, ap);
	vmsg(fmt, ap, tail);
	if (nm_cli_json_err) {
		size_t n;

		vsnprintf(msg, sizeof(msg), fmt, ap2);
		n = strlen(msg);
		if (tail)
			snprintf(msg + n, sizeof(msg) - n, ": %s", tail);
		nm_cli_json_begin(&j);
		nm_cli_json_str(&j, "cmd", nm_cli_cmd);
		nm_cli_json_str(&j, "result", "error");
		nm_cli_json_str(&j, "error", msg);
		nm_cli_json_i64(&j, "exit", code);
		/* a stdout that cannot take it changes nothing: stderr said why */
		printf("%s\n", nm_cli_json_end(&j));
		fflush(stdout);
	}
	va_end(ap2);
	exit(code);
}

void nm_cli_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	die_v(code, NULL, fmt, ap);
}

void nm_cli_die_nm(int err, const char *fmt, ...)
{
	const char *why = nm_last_error();
	va_list ap;

	if (!why || !*why)
		why = strerror(err < 0 ? -err : err);
	va_start(ap, fmt);
	die_v(NM_CLI_EXIT_FAIL, why, fmt, ap);
}

void nm_cli_die_lib(int err)
{
	const char *why = nm_last_error();

	if (!why || !*why)
		why = strerror(err < 0 ? -err : err);
	nm_cli_die(NM_CLI_EXIT_FAIL, "%s", why);
}

void nm_cli_warn(const char *fmt, ...)
{
	va_list ap;

	nm_cli_flush();
	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
}

void nm_cli_stdio_init(void)
{
	/* A closed fd 0, 1 or 2 would be the number of the next memfd or
	 * socket we open, and the summary would be written into it: hold
	 * each with /dev/null, and remember that stdout was not there. */
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		nfd = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
		if (nfd >= 0 && nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
		if (fd == STDOUT_FILENO)
			nm_cli_out_errno = EBADF;
	}
}

void nm_cli_flush(void)
{
	errno = 0;
	if (fflush(stdout) == EOF && !nm_cli_out_errno)
		nm_cli_out_errno = errno ? errno : EIO;
	/* a closed pipe has nobody left to read what comes next: stop now,
	 * as SIGPIPE would (`netmem server --json | head -1`), but in words */
	if (nm_cli_out_errno == EPIPE && !nm_cli_exiting)
		exit(nm_cli_finish(NM_CLI_EXIT_FAIL));
}

int nm_cli_finish(int rc)
{
	nm_cli_exiting = true;
	nm_cli_flush();
	if (!nm_cli_out_errno && !ferror(stdout))
		return rc;
	/* an earlier write failed (its errno is long gone) or the last flush */
	fprintf(stderr, "netmem%s%s: writing to stdout: %s\n", *nm_cli_cmd ? " " : "", nm_cli_cmd,
		nm_cli_out_errno ? strerror(nm_cli_out_errno) : "write error");
	fflush(stderr);
	return rc ? rc : NM_CLI_EXIT_FAIL;
}

/* Decimal digits only: strtoull accepts signs and spaces we do not want. */
static bool parse_u64(const char *s, uint64_t *v, const char **end)
{
	uint64_t x = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	*end = p;
	return true;
}

uint64_t nm_cli_parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	const char *end;
	uint64_t v;

	if (!s || !parse_u64(s, &v, &end) || *end)
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is not a number", opt, s ? s : "");
	if (v < min || v > max)
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: %llu is out of range [%llu, %llu]", opt,
			   (unsigned long long)v, (unsigned long long)min, (unsigned long long)max);
	return v;
}

uint64_t nm_cli_parse_size(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	const char *end;
	uint64_t v, mul = 1;

	if (!s || !parse_u64(s, &v, &end))
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is not a size (N, NK, NM, NG, NT)", opt,
			   s ? s : "");
	switch (toupper((unsigned char)*end)) {
	case 0:
		break;
	case 'K':
		mul = 1ull << 10;
		break;
	case 'M':
		mul = 1ull << 20;
		break;
	case 'G':
		mul = 1ull << 30;
		break;
	case 'T':
		mul = 1ull << 40;
		break;
	default:
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is not a size (N, NK, NM, NG, NT)", opt, s);
	}
	if (*end && strcmp(end + 1, "") && strcmp(end + 1, "i") && strcmp(end + 1, "iB") &&
	    strcmp(end + 1, "B"))
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is not a size (N, NK, NM, NG, NT)", opt, s);
	if (v > UINT64_MAX / mul)
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is too large", opt, s);
	v *= mul;
	if (v < min || v > max)
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: %llu bytes is out of range [%llu, %llu]", opt,
			   (unsigned long long)v, (unsigned long long)min, (unsigned long long)max);
	return v;
}

double nm_cli_parse_rate(const char *opt, const char *s)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: empty rate", opt);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is not a rate (0..1 or N%%)", opt, s);
	if (*end == '%' && !end[1])
		v /= 100.0;
	else if (*end)
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is not a rate (0..1 or N%%)", opt, s);
	if (!(v >= 0.0 && v <= 1.0))
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is outside [0, 1]", opt, s);
	return v;
}

uint16_t nm_cli_parse_port(const char *opt, const char *s)
{
	return (uint16_t)nm_cli_parse_uint(opt, s, 1, 65535);
}

bool nm_cli_ip_parse(const char *s, struct nm_cli_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->a) == 1) {
		ip->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, ip->a) == 1) {
		ip->family = AF_INET6;
		return true;
	}
	return false;
}

const char *nm_cli_ip_str(const struct nm_cli_ip *ip, char *buf, size_t len)
{
	if (!inet_ntop(ip->family, ip->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

bool nm_cli_ip_is_bench(const struct nm_cli_ip *ip)
{
	static const uint8_t v6[6] = { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 };

	if (ip->family == AF_INET)
		return ip->a[0] == 198 && (ip->a[1] & 0xfe) == 18;
	return !memcmp(ip->a, v6, sizeof(v6));
}

bool nm_cli_ip_is_unicast(const struct nm_cli_ip *ip)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (ip->family == AF_INET)
		return memcmp(ip->a, zero, 4) && (ip->a[0] & 0xf0) != 0xe0 &&
		       !(ip->a[0] == 255 && ip->a[1] == 255 && ip->a[2] == 255 && ip->a[3] == 255);
	return memcmp(ip->a, zero, 16) && ip->a[0] != 0xff && memcmp(ip->a, mapped, 12);
}

void nm_cli_parse_prefix(const char *opt, const char *s, struct nm_cli_ip *ip, unsigned *plen,
			 bool allow_bare)
{
	char tmp[64];
	const char *slash;
	size_t n;

	if (!s || !*s)
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: empty address", opt);
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(tmp))
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is not an address", opt, s);
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if (!nm_cli_ip_parse(tmp, ip))
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' is not an IPv4 or IPv6 address", opt, tmp);
	if (!slash) {
		if (!allow_bare)
			nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s' needs a prefix length (ADDR/PLEN)",
				   opt, s);
		*plen = ip->family == AF_INET ? 24 : 64;
		return;
	}
	*plen = (unsigned)nm_cli_parse_uint(opt, slash + 1, 1, ip->family == AF_INET ? 30 : 126);
}

void nm_cli_parse_wire(const char *opt, const char *s, struct nm_cli_wire_spec *w)
{
	const char *colon = strchr(s, ':');
	size_t kl = colon ? (size_t)(colon - s) : strlen(s);

	memset(w, 0, sizeof(*w));
	if (kl == 3 && !strncmp(s, "shm", 3))
		w->kind = NM_CLI_WIRE_SHM;
	else if (kl == 3 && !strncmp(s, "tap", 3))
		w->kind = NM_CLI_WIRE_TAP;
	else
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s': the wire is shm, shm:NAME or tap:IFNAME",
			   opt, s);
	if (!colon)
		return;
	if (!colon[1])
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: '%s': empty name after ':'", opt, s);
	/* TAP names are kernel interface names: 15 characters, no '/' or space */
	if (strlen(colon + 1) > (w->kind == NM_CLI_WIRE_TAP ? 15u : 24u))
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: name '%s' is too long (at most %u characters)",
			   opt, colon + 1, w->kind == NM_CLI_WIRE_TAP ? 15u : 24u);
	for (const char *p = colon + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			nm_cli_die(NM_CLI_EXIT_USAGE,
				   "%s: name '%s' may only hold letters, digits, '-', '_', '.'", opt,
				   colon + 1);
	strcpy(w->name, colon + 1);
}
