/* SPDX-License-Identifier: MIT */
/*
 * The runtime's configuration: the NETMEM_* environment that `netmem run`
 * sets (and that a user sets to LD_PRELOAD the library without it; docs/
 * run.md lists them).  Read once, at the constructor.  Without NETMEM_WIRE
 * the runtime stays out of the way: every call goes to the kernel.
 *
 * A bad value is one line on stderr and the runtime off (the program then
 * runs on the kernel's sockets, and says so).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt/rt_internal.h"

struct rt_cfg rt_cfg = { .tap_fd = -1, .run_fd = -1 };

static void vline(const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "netmem run[%d]: ", (int)getpid());

	if (n < 0 || n >= (int)sizeof(buf))
		return;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	n = (int)strlen(buf);
	if (n < (int)sizeof(buf) - 1)
		buf[n++] = '\n';
	/* one write: lines of several processes do not interleave */
	if (REAL(write)(2, buf, (size_t)n) < 0) {
		/* stderr closed: nothing to tell */
	}
}

void rt_note(const char *fmt, ...)
{
	va_list ap;

	if (rt_cfg.quiet)
		return;
	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
}

void rt_debug(const char *fmt, ...)
{
	va_list ap;

	if (!rt_cfg.verbose)
		return;
	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
}

static int bad(const char *var, const char *val, const char *why)
{
	rt_note("%s=%s: %s; the program runs on the kernel's sockets", var, val, why);
	rt_cfg.wire = RT_WIRE_NONE;
	return -EINVAL;
}

static int get_uint(const char *var, uint32_t min, uint32_t max, uint32_t def, uint32_t *out)
{
	const char *v = getenv(var);
	char *end;
	unsigned long n;

	*out = def;
	if (!v || !*v)
		return 0;
	n = strtoul(v, &end, 10);
	if (*end || n < min || n > max) {
		char why[64];

		snprintf(why, sizeof(why), "not a number in [%u, %u]", min, max);
		return bad(var, v, why);
	}
	*out = (uint32_t)n;
	return 0;
}

static int get_fd(const char *var, int *out)
{
	uint32_t v;
	int r;

	*out = -1;
	if (!getenv(var) || !*getenv(var))
		return 0;
	r = get_uint(var, 0, 1u << 20, 0, &v);
	if (r == 0)
		*out = (int)v;
	return r;
}

static int get_str(const char *var, const char *def, char *out, size_t len)
{
	const char *v = getenv(var);

	if (!v || !*v)
		v = def;
	if (strlen(v) >= len)
		return bad(var, v, "too long");
	strcpy(out, v);
	return 0;
}

/* "A/PLEN": the address and its prefix. */
static int parse_addr(void)
{
	char a[64], *slash;
	unsigned long plen;
	char *end;

	strcpy(a, rt_cfg.addr);
	slash = strchr(a, '/');
	if (!slash)
		return bad("NETMEM_ADDR", rt_cfg.addr, "needs a /prefix length");
	*slash = '\0';
	if (inet_pton(AF_INET, a, rt_cfg.ip) == 1)
		rt_cfg.family = AF_INET;
	else if (inet_pton(AF_INET6, a, rt_cfg.ip) == 1)
		rt_cfg.family = AF_INET6;
	else
		return bad("NETMEM_ADDR", rt_cfg.addr, "not an IPv4 or IPv6 address");
	plen = strtoul(slash + 1, &end, 10);
	if (*end || !slash[1] || plen < 1 || plen > (rt_cfg.family == AF_INET ? 32u : 128u))
		return bad("NETMEM_ADDR", rt_cfg.addr, "bad prefix length");
	rt_cfg.plen = (unsigned)plen;
	return 0;
}

static int parse_wire(const char *w)
{
	const char *name;

	if (!strncmp(w, "tap:", 4))
		rt_cfg.wire = RT_WIRE_TAP;
	else if (!strncmp(w, "shm:", 4))
		rt_cfg.wire = RT_WIRE_SHM;
	else
		return bad("NETMEM_WIRE", w, "not tap:IFNAME or shm:NAME");
	name = w + 4;
	if (!*name || strlen(name) >= sizeof(rt_cfg.wire_name))
		return bad("NETMEM_WIRE", w, "needs a name (1 to 63 characters)");
	strcpy(rt_cfg.wire_name, name);
	return 0;
}

int rt_cfg_load(void)
{
	const char *w = getenv("NETMEM_WIRE"), *v;
	uint32_t u;
	int r = 0;

	rt_cfg.quiet = (v = getenv("NETMEM_QUIET")) && *v && strcmp(v, "0");
	rt_cfg.verbose = (v = getenv("NETMEM_VERBOSE")) && *v && strcmp(v, "0");
	rt_cfg.pcap_nano = (v = getenv("NETMEM_PCAP_NANO")) && *v && strcmp(v, "0");
	if (!w || !*w)
		return 0;
	if ((r = parse_wire(w)) ||
	    (r = get_str("NETMEM_IFNAME", "nm0", rt_cfg.ifname, sizeof(rt_cfg.ifname))) ||
	    (r = get_str("NETMEM_ADDR", "198.18.0.2/24", rt_cfg.addr, sizeof(rt_cfg.addr))) ||
	    (r = parse_addr()) ||
	    (r = get_str("NETMEM_HOST_ADDR", rt_cfg.family == AF_INET ? "198.18.0.1/24"
								     : "2001:2::1/64",
			 rt_cfg.host_addr, sizeof(rt_cfg.host_addr))) ||
	    (r = get_uint("NETMEM_QUEUES", 1, 64, 2, &rt_cfg.queues)) ||
	    (r = get_uint("NETMEM_MTU", 576, 9000, 1500, &rt_cfg.mtu)) ||
	    (r = get_str("NETMEM_PCAP", "", rt_cfg.pcap, sizeof(rt_cfg.pcap))) ||
	    (r = get_uint("NETMEM_PCAP_SNAPLEN", 0, NM_CAPTURE_SNAPLEN_MAX, 0,
			  &rt_cfg.pcap_snaplen)) ||
	    (r = get_fd("NETMEM_TAP_FD", &rt_cfg.tap_fd)) ||
	    (r = get_fd("NETMEM_RUN_FD", &rt_cfg.run_fd)) ||
	    (r = get_uint("NETMEM_EXIT_WAIT_MS", 0, 600000, 5000, &u)))
		return r;
	rt_cfg.exit_wait_ms = (int)u;
	v = getenv("NETMEM_WILDCARD");
	if (v && *v && strcmp(v, "netmem") && strcmp(v, "kernel"))
		return bad("NETMEM_WILDCARD", v, "netmem or kernel");
	rt_cfg.wildcard_kernel = v && !strcmp(v, "kernel");
	return 0;
}
