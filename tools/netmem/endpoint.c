/* SPDX-License-Identifier: MIT */
/*
 * What netmem server and client share: their options for the wire and the
 * addresses, and bringing up the one host they run on.
 *
 *   --wire tap:IFNAME   a TAP device (created, or attached if it exists);
 *                       the kernel side gets --host-addr, the netmem stack
 *                       --addr.  -f IFNAME alone means --wire tap:IFNAME.
 *   --wire shm:NAME     a cross-process shm wire: the server creates NAME
 *                       and waits for the client, which connects to it.
 *                       One wire joins one server and one client process;
 *                       a server whose client left creates NAME again
 *                       (cmd_server.c), so a client that finds the name
 *                       missing or busy retries until --wait passes.
 *                       The wire admits a client process of the server's
 *                       uid, root, and the uids --allow-uid names (or
 *                       any); another is refused by the library, which
 *                       the server logs in one line while it goes on
 *                       waiting, and the client dies saying so.
 *
 * Workload: startup.  Errors are one line each (a TAP without root, a
 * wire name taken, no server on a name).
 */
#include <ctype.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "endpoint.h"

void nm_cli_ep_defaults(struct nm_cli_ep *e, bool server)
{
	memset(e, 0, sizeof(*e));
	e->server = server;
	e->mtu = 1500;
	e->nr_queues = 1;
	e->start_queue = -1;
	e->port = 5201;
	e->wait_ms = -1;		/* server: forever; client: 10 s (resolve) */
	e->timeout_ms = 10000;
}

void nm_cli_ep_allow_uid(struct nm_cli_ep *e, const char *arg)
{
	if (!strcmp(arg, "any")) {
		e->allow_any_uid = true;
		return;
	}
	if (e->nr_allow_uids == NM_CLI_ALLOW_UIDS_MAX)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--allow-uid: at most %d uids (or any)",
			   NM_CLI_ALLOW_UIDS_MAX);
	/* (uid_t)-1 means "no uid" to the kernel's set*id calls */
	e->allow_uids[e->nr_allow_uids++] =
		(uid_t)nm_cli_parse_uint("--allow-uid", arg, 0, UINT32_MAX - 1);
}

/*
 * Queues, checked here, before any wait for a client.  ncdevmem binds -q
 * queues from -t, by default the last -q queues.  --queues fixes the
 * NIC's queue count and -t/-q must fit in it; without --queues the NIC
 * has 2 queues, or as many as -t and -q need (-t 3 -q 1: 4 queues).
 */
static void resolve_queues(struct nm_cli_ep *e)
{
	uint32_t need = e->start_queue >= 0 ? (uint32_t)e->start_queue + e->nr_queues
					    : e->nr_queues;

	if (!e->queues_set) {
		if (need > NM_NETDEV_MAX_QUEUES)
			nm_cli_die(NM_CLI_EXIT_USAGE, "-t %d -q %u: needs %u queues, a NIC has at "
				   "most %d", e->start_queue, e->nr_queues, need,
				   NM_NETDEV_MAX_QUEUES);
		e->queues = need > 2 ? need : 2;
	} else if (e->start_queue < 0 && e->nr_queues > e->queues) {
		nm_cli_die(NM_CLI_EXIT_USAGE, "-q %u: the NIC has %u queues (--queues %u)",
			   e->nr_queues, e->queues, e->queues);
	} else if (need > e->queues) {
		nm_cli_die(NM_CLI_EXIT_USAGE, "-t %d -q %u: queues %d..%u do not exist, the NIC "
			   "has %u (--queues %u)", e->start_queue, e->nr_queues, e->start_queue,
			   need - 1, e->queues, e->queues);
	}
	if (e->start_queue < 0)
		e->start_queue = (int)(e->queues - e->nr_queues);
}

/* -f names an interface: the TAP, or the netmem netdev on an shm wire.
 * Checked here: on shm a bad name would only fail once a client came. */
static void check_ifname(const char *n)
{
	if (!*n)
		nm_cli_die(NM_CLI_EXIT_USAGE, "-f: empty interface name");
	if (strlen(n) > 15)
		nm_cli_die(NM_CLI_EXIT_USAGE, "-f: '%s' is longer than 15 characters", n);
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			nm_cli_die(NM_CLI_EXIT_USAGE, "-f: '%s': an interface name holds only "
				   "letters, digits, '-', '_' and '.'", n);
}

/* An address the stack takes or talks to must be unicast; checked before
 * any wait, not when the host comes up after a client arrived. */
static void check_unicast(const char *opt, const struct nm_cli_ip *ip)
{
	char s[64];

	if (!nm_cli_ip_is_unicast(ip))
		nm_cli_die(NM_CLI_EXIT_USAGE, "%s: %s is not a unicast address", opt,
			   nm_cli_ip_str(ip, s, sizeof(s)));
}

/* Whether a lies in the prefix p/plen. */
static bool in_prefix(const struct nm_cli_ip *a, const struct nm_cli_ip *p, unsigned plen)
{
	if (a->family != p->family)
		return false;
	for (unsigned i = 0; i < plen; i++)
		if ((a->a[i / 8] ^ p->a[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* The host bits of ip under plen: 0 all zeros, 1 all ones, -1 mixed. */
static int host_bits(const struct nm_cli_ip *ip, unsigned plen)
{
	unsigned bits = ip->family == AF_INET ? 32 : 128;
	bool zeros = true, ones = true;

	for (unsigned i = plen; i < bits; i++) {
		bool b = ip->a[i / 8] & (0x80 >> (i % 8));

		zeros &= !b;
		ones &= b;
	}
	return zeros ? 0 : ones ? 1 : -1;
}

/*
 * An address of a subnet that no host can hold: IPv4's network address
 * (host bits all zeros) and broadcast (all ones), IPv6's subnet-router
 * anycast (all zeros).  The stack would take it and then never hear from
 * a peer, or answer every host on the link.
 */
static void check_host(const char *opt, const struct nm_cli_ip *ip, unsigned plen)
{
	struct nm_cli_ip net = *ip;
	int hb = host_bits(ip, plen);
	char a[64], n[64];

	if (hb < 0 || (hb == 1 && ip->family == AF_INET6))
		return;
	for (unsigned i = plen; i < (ip->family == AF_INET ? 32u : 128u); i++)
		net.a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	nm_cli_die(NM_CLI_EXIT_USAGE, "%s %s is the %s address of %s/%u, not a host's", opt,
		   nm_cli_ip_str(ip, a, sizeof(a)), ip->family == AF_INET6 ? "subnet-router anycast" :
		   hb ? "broadcast" : "network", nm_cli_ip_str(&net, n, sizeof(n)), plen);
}

/* The stack and the kernel meet on the TAP's link: each must be in the
 * other's subnet, or neither has a route to the other and the first
 * connection waits forever. */
static void check_one_subnet(const struct nm_cli_ep *e)
{
	char a[64], h[64];

	if (in_prefix(&e->self, &e->host, e->host_plen) && in_prefix(&e->host, &e->self, e->self_plen))
		return;
	nm_cli_die(NM_CLI_EXIT_USAGE, "--addr %s/%u and --host-addr %s/%u are not in one subnet: "
		   "the stack and the kernel could not reach each other over the TAP",
		   nm_cli_ip_str(&e->self, a, sizeof(a)), e->self_plen,
		   nm_cli_ip_str(&e->host, h, sizeof(h)), e->host_plen);
}

/*
 * A TAP that already is a port of a bridge (or has another master) is a
 * cable into that bridge's LAN: an address belongs on the bridge, not on
 * its port, so such a TAP gets no kernel address unless --host-addr names
 * one.  Told by sysfs; a name or ifindex sysfs does not agree on (sysfs
 * mounted for another network namespace) counts as not bridged.
 */
static bool tap_has_master(const char *ifname)
{
	char path[96], buf[16];
	unsigned idx = if_nametoindex(ifname);
	FILE *f;
	bool same;

	if (!idx)
		return false;	/* not there yet: the wire creates it */
	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", ifname);
	f = fopen(path, "re");
	if (!f)
		return false;
	same = fgets(buf, sizeof(buf), f) && strtoul(buf, NULL, 10) == idx;
	fclose(f);
	snprintf(path, sizeof(path), "/sys/class/net/%s/master", ifname);
	return same && access(path, F_OK) == 0;
}

/* The kernel side of a TAP: --host-addr, "none", or the default (none
 * on a bridged TAP). */
static void resolve_host(struct nm_cli_ep *e)
{
	char def[48];

	e->tap_bridged = tap_has_master(e->wire.name);
	if (e->host_addr ? !strcmp(e->host_addr, "none") : e->tap_bridged) {
		e->host_none = true;
		return;
	}
	snprintf(def, sizeof(def), "%s", e->self.family == AF_INET ? "198.18.0.1/24"
								   : "2001:2::1/64");
	nm_cli_parse_prefix("--host-addr", e->host_addr ? e->host_addr : def, &e->host,
			    &e->host_plen, true);
	if (e->host.family != e->self.family)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--host-addr and --addr are of different "
			   "address families");
	check_unicast("--host-addr", &e->host);
	if (!memcmp(e->host.a, e->self.a, 16))
		nm_cli_die(NM_CLI_EXIT_USAGE, "--host-addr and --addr are the same address; "
			   "the kernel and the netmem stack each need their own");
	check_host("--host-addr", &e->host, e->host_plen);
	check_one_subnet(e);
}

/* Fill in what the user left out, and check the combination. */
void nm_cli_ep_resolve(struct nm_cli_ep *e)
{
	bool tap;

	if (e->ifname)
		check_ifname(e->ifname);
	if (e->wire.kind == NM_CLI_WIRE_NONE) {
		if (!e->ifname)
			nm_cli_die(NM_CLI_EXIT_USAGE, "which wire? --wire tap:IFNAME, --wire shm:NAME "
				   "or -f IFNAME (a TAP)");
		nm_cli_parse_wire("-f", "tap", &e->wire);
		strcpy(e->wire.name, e->ifname);
	} else if (e->wire.kind == NM_CLI_WIRE_TAP && e->ifname && e->wire.name[0] &&
		   strcmp(e->ifname, e->wire.name)) {
		nm_cli_die(NM_CLI_EXIT_USAGE, "-f %s and --wire tap:%s name two interfaces; give "
			   "one", e->ifname, e->wire.name);
	}
	if (!e->wire.name[0])
		nm_cli_die(NM_CLI_EXIT_USAGE, "--wire %s needs a name: --wire %s:NAME",
			   e->wire.kind == NM_CLI_WIRE_TAP ? "tap" : "shm",
			   e->wire.kind == NM_CLI_WIRE_TAP ? "tap" : "shm");
	tap = e->wire.kind == NM_CLI_WIRE_TAP;
	if (tap && (e->nr_allow_uids || e->allow_any_uid))
		nm_cli_die(NM_CLI_EXIT_USAGE, "--allow-uid says who may attach to an shm wire; a "
			   "TAP is the kernel's (its own permissions apply)");
	if (!tap && e->host_addr)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--host-addr is the kernel side of a TAP; an shm "
			   "wire has none");
	/* the stack's address: --addr, else -s (server) / -c (client), else the default */
	if (e->addr) {
		nm_cli_parse_prefix("--addr", e->addr, &e->self, &e->self_plen, true);
	} else {
		const char *from = e->server ? e->server_ip : e->client_ip;
		const char *def = (e->server || tap) ? "198.18.0.2" : "198.18.0.1";

		nm_cli_parse_prefix(from ? (e->server ? "-s" : "-c") : "--addr", from ? from : def,
				    &e->self, &e->self_plen, true);
	}
	check_unicast(e->addr ? "--addr" : e->server ? "-s" : "-c", &e->self);
	check_host(e->addr ? "--addr" : e->server ? "-s" : "-c", &e->self, e->self_plen);
	/* the kernel gives no IPv6 address to a link below IPv6's minimum MTU */
	if (tap && e->self.family == AF_INET6 && e->mtu < 1280)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--mtu %u: IPv6 on a TAP needs at least 1280 (the "
			   "kernel's IPv6 minimum)", e->mtu);
	if (tap)
		resolve_host(e);
	/* the server's address */
	if (e->server_ip) {
		if (!nm_cli_ip_parse(e->server_ip, &e->srv))
			nm_cli_die(NM_CLI_EXIT_USAGE, "-s: '%s' is not an IPv4 or IPv6 address",
				   e->server_ip);
	} else if (e->server) {
		e->srv = e->self;
	} else if (tap && e->host_none) {
		nm_cli_die(NM_CLI_EXIT_USAGE, "-s: the TAP %s has no kernel address to talk to "
			   "(%s); name the server", e->wire.name,
			   e->host_addr ? "--host-addr none" : "a bridge's port");
	} else if (tap) {
		e->srv = e->host;	/* a client over a TAP talks to the kernel */
	} else {
		nm_cli_ip_parse(e->self.family == AF_INET ? "198.18.0.2" : "2001:2::2", &e->srv);
	}
	if (e->server && memcmp(e->srv.a, e->self.a, 16))
		nm_cli_die(NM_CLI_EXIT_USAGE, "-s must be the stack's address (--addr)");
	if (e->srv.family != e->self.family)
		nm_cli_die(NM_CLI_EXIT_USAGE, "-s and the stack's address are of different families");
	check_unicast("-s", &e->srv);
	if (in_prefix(&e->srv, &e->self, e->self_plen))	/* a peer on our link */
		check_host("-s", &e->srv, e->self_plen);
	if (e->client_ip) {
		if (!nm_cli_ip_parse(e->client_ip, &e->cli))
			nm_cli_die(NM_CLI_EXIT_USAGE, "-c: '%s' is not an IPv4 or IPv6 address",
				   e->client_ip);
		if (e->cli.family != e->self.family)
			nm_cli_die(NM_CLI_EXIT_USAGE, "-c and -s are of different address families");
		check_unicast("-c", &e->cli);
		if (in_prefix(&e->cli, &e->self, e->self_plen))
			check_host("-c", &e->cli, e->self_plen);
		e->has_cli = true;
		if (!e->server && memcmp(e->cli.a, e->self.a, 16))
			nm_cli_die(NM_CLI_EXIT_USAGE, "-c must be the stack's address (--addr)");
	}
	if (!e->server && e->wait_ms < 0)
		e->wait_ms = 10000;
	resolve_queues(e);
	e->pcap.quiet = e->quiet;
	nm_cli_pcap_check(&e->pcap);
}

/* The client's side of an shm wire: the name may not exist yet (the
 * server is starting) or be busy (the server still serves, or is
 * re-creating the name for, another client): retry until --wait passes,
 * or a signal says stop (-EINTR). */
static int connect_shm(struct nm_cli_ep *e, struct nm_wire **w)
{
	uint64_t end = nm_cli_now_ns() + (uint64_t)e->wait_ms * 1000000;
	int r;

	for (;;) {
		uint64_t now = nm_cli_now_ns();
		int left = now < end ? (int)((end - now + 999999) / 1000000) : 0;

		r = nm_wire_shm_connect(e->wire.name, left > 0 ? left : 1, w);
		if ((r != -ECONNREFUSED && r != -ENOENT) || !left)
			break;
		if (nm_cli_interrupted())
			return -EINTR;
		usleep(left < 20 ? (useconds_t)left * 1000 : 20000);
	}
	if (r == 0 && nm_cli_interrupted()) {
		nm_wire_destroy(*w);
		return -EINTR;
	}
	if (r == -EACCES)	/* the library's words name both uids */
		nm_cli_die(NM_CLI_EXIT_FAIL, "shm:%s: %s; netmem server --allow-uid %u would admit "
			   "this client", e->wire.name, nm_last_error(), (unsigned)geteuid());
	if (r == -ECONNREFUSED || r == -ENOENT)
		nm_cli_die(NM_CLI_EXIT_FAIL, "no server on shm:%s took a client within %d s (start "
			   "netmem server --wire shm:%s; it serves one client process at a time)",
			   e->wire.name, e->wait_ms / 1000, e->wire.name);
	if (r == -ETIMEDOUT)
		nm_cli_die(NM_CLI_EXIT_FAIL, "the server on shm:%s did not answer within %d s (is "
			   "it stopped?)", e->wire.name, e->wait_ms / 1000);
	if (r < 0)
		nm_cli_die_nm(r, "shm wire %s", e->wire.name);
	return 0;
}

/* The library refused a client process by its credentials: one line,
 * and the server goes on waiting. */
static void shm_refused(void *arg, pid_t pid, uid_t uid, gid_t gid)
{
	const struct nm_cli_ep *e = arg;

	(void)gid;
	nm_cli_warn("refused a client on shm:%s by its credentials: pid %d runs as uid %u; this "
		    "server admits its own uid (%u), root%s (--allow-uid %u would admit it)", e->wire.name,
		    (int)pid, (unsigned)uid, (unsigned)geteuid(),
		    e->nr_allow_uids ? " and its --allow-uid list" : "", (unsigned)uid);
}

/*
 * The server's side of an shm wire: wait --wait (-1: forever) for a client
 * process.  -ETIMEDOUT: none came; -EINTR: a signal said stop (it wakes
 * the library's wait, sig.c).  A client that dies during the handshake
 * is not the last one.
 */
static int create_shm(struct nm_cli_ep *e, struct nm_wire **w)
{
	struct nm_wire_shm_params wp = { .ring_entries = 4096, .arena_bytes = 32u << 20,
					 .mtu = e->mtu, .gso = true, .allow_uids = e->allow_uids,
					 .nr_allow_uids = e->nr_allow_uids,
					 .allow_any_uid = e->allow_any_uid, .on_refused = shm_refused,
					 .on_refused_arg = e };
	uint64_t end = nm_cli_now_ns() + (uint64_t)e->wait_ms * 1000000;
	int left = e->wait_ms, r;

	if (!e->quiet)
		fprintf(stderr, "netmem server: waiting for a client on shm:%s\n", e->wire.name);
	nm_cli_sig_wake_shm(e->wire.name);
	for (;;) {
		uint64_t now;

		if (nm_cli_interrupted()) {
			r = -EINTR;
			break;
		}
		r = nm_wire_shm_create(e->wire.name, &wp, left, w);
		if (r != -ECONNRESET && r != -EPIPE)
			break;
		now = nm_cli_now_ns();
		if (e->wait_ms >= 0 && now >= end) {
			r = -ETIMEDOUT;
			break;
		}
		if (e->wait_ms >= 0)
			left = (int)((end - now + 999999) / 1000000);
	}
	nm_cli_sig_wake_shm(NULL);
	/* the signal's wake-up fails the wait in the library's words; a
	 * client that got in at the same moment is let go */
	if (nm_cli_interrupted()) {
		if (r == 0)
			nm_wire_destroy(*w);
		r = -EINTR;
	}
	if (r == -EADDRINUSE)
		nm_cli_die(NM_CLI_EXIT_FAIL, "--wire shm:%s: the name is taken (another "
			   "server uses it)", e->wire.name);
	if (r < 0 && r != -ETIMEDOUT && r != -EINTR)
		nm_cli_die_nm(r, "shm wire %s", e->wire.name);
	return r;
}

/* 0, -ETIMEDOUT: a server's --wait passed with no client on its shm wire,
 * or -EINTR: a signal said stop while waiting for the other side.  Every
 * other failure dies with one line. */
int nm_cli_ep_open_wire(struct nm_cli_ep *e, struct nm_wire **w)
{
	char self[64], host[64];
	int r;

	if (e->wire.kind == NM_CLI_WIRE_TAP) {
		struct nm_wire_tap_params tp = { .ifname = e->wire.name, .mtu = e->mtu,
						 .offloads = true, .up = true };

		snprintf(host, sizeof(host), "%s/%u", nm_cli_ip_str(&e->host, self, sizeof(self)),
			 e->host_plen);
		if (e->host_none)
			;	/* the kernel side stays as it is (a bridge's port) */
		else if (e->host.family == AF_INET)
			tp.host_addr = host;
		else
			tp.host_addr6 = host;
		if (e->host_none && !e->quiet)
			fprintf(stderr, "netmem %s: TAP %s: no kernel address (%s)\n", nm_cli_cmd,
				e->wire.name, e->host_addr ? "--host-addr none" : "a bridge's port");
		r = nm_wire_tap_open(&tp, w);
		if (r == -EPERM)
			nm_cli_die(NM_CLI_EXIT_FAIL, "--wire tap:%s needs root (CAP_NET_ADMIN) to "
				   "create or attach a TAP", e->wire.name);
		if (r == -EBUSY)
			nm_cli_die(NM_CLI_EXIT_FAIL, "--wire tap:%s: the name is taken (another "
				   "program holds that TAP)", e->wire.name);
		if (r < 0)	/* "tap NAME: why": the library names the TAP */
			nm_cli_die_lib(r);
		return 0;
	}
	return e->server ? create_shm(e, w) : connect_shm(e, w);
}

int nm_cli_ep_up(struct nm_cli_ep *e, struct nm_cli_host *h)
{
	struct nm_cli_host_params hp = { .name = e->server ? "nm0" : "nm1", .mtu = e->mtu,
					 .queues = e->queues, .mac_last = e->server ? 2 : 1,
					 .pcap = &e->pcap };
	char ip[64], a[80];
	int r;

	if (e->ifname && e->wire.kind != NM_CLI_WIRE_TAP)
		hp.name = e->ifname;	/* -f names our netdev on an shm wire */
	snprintf(a, sizeof(a), "%s/%u", nm_cli_ip_str(&e->self, ip, sizeof(ip)), e->self_plen);
	if (e->self.family == AF_INET)
		hp.addr4 = a;
	else
		hp.addr6 = a;
	r = nm_cli_ep_open_wire(e, &hp.wire);
	if (r < 0)
		return r;
	/* a client on shm runs at its server's MTU unless told less */
	if (!e->server && e->wire.kind == NM_CLI_WIRE_SHM) {
		uint32_t wire_mtu = nm_wire_mtu(hp.wire);

		if (e->mtu_set && e->mtu > wire_mtu)
			nm_cli_die(NM_CLI_EXIT_USAGE, "--mtu %u: the server's wire shm:%s carries "
				   "at most %u (its --mtu)", e->mtu, e->wire.name, wire_mtu);
		if (!e->mtu_set)
			e->mtu = hp.mtu = wire_mtu;
	}
	nm_cli_host_up(h, &hp);
	return 0;
}
